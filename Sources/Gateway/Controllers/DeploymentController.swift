import Foundation
import Hummingbird
import Providers
import Routing

/// `GET /admin/deployments`: every deployment the configuration lists or a request has used,
/// with its breaker's state and its recent outcomes.
struct DeploymentController {
    let routing: RoutingBook
    let clock: @Sendable () -> Date

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.get("deployments", use: list)
    }

    @Sendable func list(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let setup = routing.current
        let seen = Dictionary(routing.health.snapshot().map { ($0.id, $0) }) { first, _ in first }
        var views: [String: DeploymentView] = [:]
        for deployment in setup.catalog.deployments.values.joined() {
            views[deployment.id] = DeploymentView(
                id: deployment.id, provider: deployment.provider, model: deployment.model, upstream_model: deployment.upstreamModel,
                weight: deployment.weight, configured: true, health: seen[deployment.id], now: clock())
        }
        for (id, health) in seen where views[id] == nil {
            let (provider, model) = Self.split(id)
            views[id] = DeploymentView(
                id: id, provider: provider, model: model, upstream_model: nil, weight: 1, configured: false, health: health, now: clock())
        }
        return try JSONBody.response(ListView(data: views.values.sorted { $0.id < $1.id }))
    }

    static func split(_ id: String) -> (String, String) {
        guard let slash = id.firstIndex(of: "/") else { return (id, "") }
        return (String(id[..<slash]), String(id[id.index(after: slash)...]))
    }
}

/// One deployment as `GET /admin/deployments` shows it.
struct DeploymentView: Encodable {
    var object = "deployment"
    var id: String
    var provider: String
    var model: String
    /// The name the upstream knows the model by; null for a model asked as `provider/model`.
    var upstream_model: String?
    var weight: Int
    /// Listed in `tollgate.yaml` (else only seen in a request since the gateway started).
    var configured: Bool
    /// `healthy`, `cooling_down` or `probing`.
    var state: String
    var cooling_down_until: Date?
    var failures_in_a_row: Int
    var recent_successes: Int
    var recent_errors: Int
    var median_latency_ms: Int?

    init(id: String, provider: String, model: String, upstream_model: String?, weight: Int, configured: Bool, health: HealthBoard.Snapshot?, now: Date) {
        self.id = id
        self.provider = provider
        self.model = model
        self.upstream_model = upstream_model
        self.weight = weight
        self.configured = configured
        switch health?.state ?? .healthy {
        case .healthy:
            state = "healthy"
        case .coolingDown(let until):
            // A rest that has ended waits for its probe: the next request takes it.
            state = until > now ? "cooling_down" : "probing"
            cooling_down_until = until
        case .probing:
            state = "probing"
        }
        failures_in_a_row = health?.failuresInARow ?? 0
        recent_successes = health?.recentSuccesses ?? 0
        recent_errors = health?.recentErrors ?? 0
        median_latency_ms = health?.medianLatencyMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case object, id, provider, model, upstream_model, weight, configured, state, cooling_down_until, failures_in_a_row
        case recent_successes, recent_errors, median_latency_ms
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(id, forKey: .id)
        try container.encode(provider, forKey: .provider)
        try container.encode(model, forKey: .model)
        try container.encode(upstream_model, forKey: .upstream_model)
        try container.encode(weight, forKey: .weight)
        try container.encode(configured, forKey: .configured)
        try container.encode(state, forKey: .state)
        try container.encode(cooling_down_until, forKey: .cooling_down_until)
        try container.encode(failures_in_a_row, forKey: .failures_in_a_row)
        try container.encode(recent_successes, forKey: .recent_successes)
        try container.encode(recent_errors, forKey: .recent_errors)
        try container.encode(median_latency_ms, forKey: .median_latency_ms)
    }
}
