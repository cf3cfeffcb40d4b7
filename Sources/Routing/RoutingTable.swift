/// What `tollgate.yaml` says about choosing models: aliases, task routes, fallbacks and the
/// router's limits. Pure data; `plan` turns a request's model and task into the ordered models
/// to try.
///
/// ```swift
/// let table = try RoutingTable(aliases: ["fast": "gpt-4o-mini"], routes: ["default": ["fast"]]).validated()
/// let plan = try table.plan(model: "auto", task: "summaries")  // route "default", ["gpt-4o-mini"]
/// ```
public struct RoutingTable: Sendable, Equatable {
    /// The model name that asks for the task's route (as does a request without a model).
    public static let auto = "auto"
    /// The route used when the task has none of its own.
    public static let defaultRoute = "default"
    /// How a request that named its model directly shows in reports.
    public static let direct = "direct"

    /// Alias → the model (or another alias) it stands for.
    public var aliases: [String: String]
    /// Task → models (or aliases) to try in order, for requests whose model is `auto` or absent.
    public var routes: [String: [String]]
    /// Model (or alias) → the models to try next when it fails.
    public var fallbacks: [String: [String]]
    public var limits: RouterLimits

    public init(
        aliases: [String: String] = [:], routes: [String: [String]] = [:], fallbacks: [String: [String]] = [:],
        limits: RouterLimits = RouterLimits()
    ) {
        self.aliases = aliases
        self.routes = routes
        self.fallbacks = fallbacks
        self.limits = limits
    }

    /// This table, or the first thing wrong with it, named by where it is in `tollgate.yaml`.
    public func validated() throws(RoutingError) -> RoutingTable {
        for (alias, target) in aliases.sorted(by: { $0.key < $1.key }) {
            let place = "aliases.\(alias)"
            guard Self.isName(alias), !alias.contains("/") else {
                throw RoutingError(place, "an alias is a non-empty name without '/' or blanks")
            }
            guard alias != Self.auto else { throw RoutingError(place, "'auto' is reserved for task routing") }
            guard Self.isName(target) else { throw RoutingError(place, "the target must be a model name") }
            // Chains are allowed; a cycle never ends.
            var seen: Set<String> = [alias]
            var name = target
            while let next = aliases[name] {
                guard seen.insert(name).inserted else { throw RoutingError(place, "the aliases form a cycle through '\(name)'") }
                name = next
            }
            guard name != alias else { throw RoutingError(place, "the alias stands for itself") }
        }
        try Self.validate(routes, section: "routes", aliases: aliases)
        try Self.validate(fallbacks, section: "fallbacks", aliases: aliases)
        try limits.validate()
        return self
    }

    /// Validates a team's own routes (they use the configuration's aliases).
    public func validate(teamRoutes: [String: [String]]) throws(RoutingError) {
        try Self.validate(teamRoutes, section: "routes", aliases: aliases)
    }

    private static func validate(_ lists: [String: [String]], section: String, aliases: [String: String]) throws(RoutingError) {
        for (name, models) in lists.sorted(by: { $0.key < $1.key }) {
            guard isName(name) else { throw RoutingError("\(section).\(name)", "the name must be non-empty, without blanks") }
            guard !models.isEmpty else { throw RoutingError("\(section).\(name)", "the list is empty") }
            for (index, model) in models.enumerated() where !isName(model) || model == auto {
                throw RoutingError("\(section).\(name)[\(index)]", "'\(model)' is not a model or alias name")
            }
        }
    }

    private static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && !name.utf8.contains(where: { $0 <= 0x20 })
    }

    /// The model an alias stands for (following chains), or the name itself.
    public func resolve(_ name: String) -> String {
        var name = name
        var hops = 0
        while let next = aliases[name], hops < aliases.count {
            name = next
            hops += 1
        }
        return name
    }

    /// The models to try for a request, in order, and the route that chose them.
    ///
    /// `model` nil, empty or `auto` takes the route of `task` (the team's own first, then the
    /// configuration's), else the `default` route; an alias stands for its model; any other name
    /// is tried as it is. Each model is followed by its fallbacks; a model appears once.
    public func plan(model: String?, task: String, teamRoutes: [String: [String]] = [:]) throws(RoutingError) -> RoutePlan {
        let route: String
        let chosen: [String]
        if model == nil || model == "" || model == Self.auto {
            if let list = teamRoutes[task] ?? routes[task] {
                (route, chosen) = (task, list)
            } else if let list = teamRoutes[Self.defaultRoute] ?? routes[Self.defaultRoute] {
                (route, chosen) = (Self.defaultRoute, list)
            } else {
                throw RoutingError("model", "model 'auto' needs a route: there is none for the task '\(task)' and no '\(Self.defaultRoute)' route")
            }
        } else if let model, aliases[model] != nil {
            (route, chosen) = (model, [model])
        } else {
            (route, chosen) = (Self.direct, [model ?? ""])
        }
        var seen: Set<String> = []
        var models: [String] = []
        func add(_ name: String) {
            let model = resolve(name)
            if seen.insert(model).inserted { models.append(model) }
        }
        for name in chosen {
            add(name)
            for next in fallbacks[name] ?? fallbacks[resolve(name)] ?? [] { add(next) }
        }
        return RoutePlan(route: route, models: models)
    }
}

/// The models a request will try, in order, and the route that chose them: an alias's name, a
/// task route's name, or `direct`.
public struct RoutePlan: Sendable, Equatable {
    public var route: String
    public var models: [String]

    public init(route: String, models: [String]) {
        self.route = route
        self.models = models
    }
}

/// Bounds on one request's attempts, and when a deployment is rested (`router:` in
/// `tollgate.yaml`).
public struct RouterLimits: Sendable, Equatable {
    /// Attempts per request, over all candidates and deployments.
    public var maxAttempts: Int
    /// Seconds per request, over all attempts.
    public var deadlineSeconds: Double
    /// Failures in a row that put a deployment in cooldown.
    public var cooldownAfterFailures: Int
    public var cooldownSeconds: Double

    public init(maxAttempts: Int = 3, deadlineSeconds: Double = 60, cooldownAfterFailures: Int = 3, cooldownSeconds: Double = 30) {
        self.maxAttempts = maxAttempts
        self.deadlineSeconds = deadlineSeconds
        self.cooldownAfterFailures = cooldownAfterFailures
        self.cooldownSeconds = cooldownSeconds
    }

    func validate() throws(RoutingError) {
        guard (1...20).contains(maxAttempts) else { throw RoutingError("router.max_attempts", "must be 1 to 20") }
        guard deadlineSeconds > 0, deadlineSeconds <= 3600 else { throw RoutingError("router.deadline_seconds", "must be above 0 and at most 3600") }
        guard (1...1000).contains(cooldownAfterFailures) else { throw RoutingError("router.cooldown_after_failures", "must be 1 to 1000") }
        guard cooldownSeconds >= 0, cooldownSeconds <= 86_400 else { throw RoutingError("router.cooldown_seconds", "must be 0 to 86400") }
    }
}

/// A routing configuration or request that cannot be used: where, and what is wrong.
public struct RoutingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The place in `tollgate.yaml` (`routes.reasoning[1]`), or `model` for a request.
    public var place: String
    public var message: String

    public init(_ place: String, _ message: String) {
        self.place = place
        self.message = message
    }

    public var description: String { "\(place): \(message)" }
}
