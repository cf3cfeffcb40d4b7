import Foundation
import Hummingbird
import Pricing

/// `GET /admin/prices` and `POST /admin/prices`: the price catalogue every replica prices with.
///
/// - `GET /admin/prices` lists the entries in force; `?model=…` gives that model's whole history,
///   replaced entries included.
/// - `POST /admin/prices` adds one entry (`provider` required). An entry with the same model and
///   `effective_from` as one in force is a correction: it replaces it, and the replaced one stays
///   in the history. Every replica prices with it within about a second.
struct PriceController {
    let sync: PriceSync
    let maxBodyBytes: Int
    /// The built-in catalogue's files: where each provider's prices come from and the day they
    /// were last checked against its pages.
    let catalogue: [PriceFile.Info]

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.get("prices", use: list)
        group.post("prices", use: create)
    }

    @Sendable func list(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let model = request.uri.queryParameters.get("model")
        // PostgreSQL's text cannot hold NUL: such a name is no model, and must not reach the query.
        if let model, model.isEmpty || model.count > 200 || model.utf8.contains(0) {
            throw GatewayError.invalidRequest("'model' must be 1 to 200 characters, without NUL.", param: "model")
        }
        let records = try await sync.store.history(model: model)
        let shown = model == nil ? records.filter { $0.replacedAt == nil } : records
        return try JSONBody.response(PriceListView(data: shown.map { PriceRecordView(record: $0) }, catalogue: catalogue))
    }

    @Sendable func create(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let entry = try JSONBody.decode(PriceEntry.self, from: try await request.collectBody(limit: maxBodyBytes))
        guard let provider = entry.provider else {
            throw GatewayError.invalidRequest("Missing required parameter: 'provider'.", param: "provider")
        }
        guard !provider.isEmpty, provider.count <= 100,
              provider.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw GatewayError.invalidRequest("'provider' must be 1 to 100 letters, digits, '-', '_' or '.'.", param: "provider")
        }
        do {
            _ = try entry.price()
        } catch let error as PricingError {
            throw GatewayError.invalidRequest("Invalid price entry: \(error.description)", param: error.field)
        }
        let (added, replaced) = try await sync.store.add(entry, origin: .admin)
        // This replica prices with it at once; the others reload on the announcement.
        try await sync.reload()
        var view = PriceRecordView(record: added)
        view.replaced = replaced
        return try JSONBody.response(view, status: .created)
    }
}

/// A stored price entry as the admin API shows it: the entry's fields, then its record.
struct PriceRecordView: Encodable {
    var record: PriceRecord
    /// The record this one replaced, shown on `POST`.
    var replaced: PriceRecord?

    init(record: PriceRecord) {
        self.record = record
    }

    enum Keys: String, CodingKey {
        case id, origin, created_at, replaced_at, replaced_by_id, in_force, replaced
    }

    func encode(to encoder: any Encoder) throws {
        try record.entry.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(record.id, forKey: .id)
        try container.encode(record.origin.rawValue, forKey: .origin)
        try container.encode(record.createdAt, forKey: .created_at)
        try container.encode(record.replacedAt, forKey: .replaced_at)
        try container.encode(record.replacedBy, forKey: .replaced_by_id)
        try container.encode(record.replacedAt == nil, forKey: .in_force)
        if let replaced { try container.encode(PriceRecordView(record: replaced), forKey: .replaced) }
    }
}

/// `GET /admin/prices`: the entries, and the built-in catalogue's provenance per provider.
struct PriceListView: Encodable {
    var object = "list"
    var data: [PriceRecordView]
    var catalogue: [PriceFile.Info]

    enum Keys: String, CodingKey {
        case object, data, catalogue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(object, forKey: .object)
        try container.encode(data, forKey: .data)
        var files = container.nestedUnkeyedContainer(forKey: .catalogue)
        for file in catalogue {
            // Absent figures are written as null: the contract lists every field.
            try files.encode(["provider": file.provider, "source": file.source, "checked": file.checked, "checked_against": file.checked_against])
        }
    }
}
