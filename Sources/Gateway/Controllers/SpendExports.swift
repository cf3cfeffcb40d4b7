import Foundation
import Hummingbird
import HTTPTypes
import Metering
import NIOCore
import Pricing

/// The spend report as CSV (`format=csv`), and as a FOCUS 1.2 cost and usage dataset
/// (`GET /admin/spend/focus`) for FinOps tools: the same rows the JSON report has, so every total
/// agrees to the cent.
extension SpendReporter {
    /// The report's rows as CSV: one header line, then a line per row; the group-by columns first
    /// (named as in the JSON report), then the sums.
    static func csv(query: SpendQuery, rows: [SpendRow]) -> Response {
        var header: [String] = []
        for dimension in query.groupBy { header += columns(of: dimension) }
        header += ["requests", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
                   "cost_usd", "unpriced_requests", "estimated_requests"]
        var lines = [CSV.line(header.map(CSV.Cell.text))]
        for row in rows {
            var cells: [CSV.Cell] = []
            for dimension in query.groupBy { cells += values(of: dimension, in: row) }
            let totals = row.totals
            cells += [totals.requests, totals.inputTokens, totals.cachedInputTokens, totals.cacheWriteTokens, totals.outputTokens,
                      totals.reasoningTokens].map(CSV.Cell.number)
            cells += [.number(totals.cost.decimalString), .number(totals.unpricedRequests), .number(totals.estimatedRequests)]
            lines.append(CSV.line(cells))
        }
        return CSV.response(lines, filename: "tollgate-spend.csv")
    }

    static func columns(of dimension: ReportDimension) -> [String] {
        switch dimension {
        case .team: ["team_id", "team"]
        case .key: ["key_id", "key"]
        case .endUser: ["end_user"]
        case .model, .task, .day, .provider, .route, .run: [dimension.rawValue]
        }
    }

    static func values(of dimension: ReportDimension, in row: SpendRow) -> [CSV.Cell] {
        switch dimension {
        case .team: [.text(row.teamID?.uuidString), .text(row.teamName)]
        case .key: [.text(row.keyID?.uuidString), .text(row.keyName)]
        case .model: [.text(row.model)]
        case .task: [.text(row.task)]
        case .day: [.text(row.day)]
        case .provider: [.text(row.provider)]
        case .route: [.text(row.route)]
        case .endUser: [.text(row.endUser)]
        case .run: [.text(row.run)]
        }
    }

    // MARK: FOCUS

    /// `GET /admin/spend/focus?format=csv|json`: a FOCUS 1.2 row per UTC day, team, key, task,
    /// provider and model (the charge period is the day; the billing period its UTC month).
    func focus(for request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        var query = try Self.query(from: parameters, forcedTeam: nil, now: Date())
        query.groupBy = [.day, .team, .key, .task, .provider, .model]
        query.timeZone = nil  // FOCUS charge periods are UTC days.
        let format = parameters.get("format") ?? "json"
        guard format == "json" || format == "csv" else {
            throw GatewayError.invalidRequest("'format' must be csv or json.", param: "format")
        }
        try? await recorder.flush()
        let records = try await store.spend(query).map(FocusRecord.init)
        if format == "csv" {
            var lines = [CSV.line(FocusRecord.columns.map(CSV.Cell.text))]
            for record in records { lines.append(CSV.line(record.cells)) }
            return CSV.response(lines, filename: "tollgate-focus.csv")
        }
        return try JSONBody.response(FocusView(columns: FocusRecord.columns, rows: records.map(\.json)))
    }
}

/// The FOCUS export's JSON: `{"focus_version", "columns", "rows"}`, each row an object keyed by column.
struct FocusView: Encodable {
    var focus_version = "1.2"
    var columns: [String]
    var rows: [[String: FocusValue]]
}

enum FocusValue: Encodable {
    case text(String?)
    case number(String)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .number(let digits): try container.encode(Decimal(string: digits) ?? 0)
        }
    }
}

/// One FOCUS 1.2 row: what a day of one team's key spent on one model for one task.
struct FocusRecord {
    static let columns = [
        "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency", "BillingPeriodEnd",
        "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
        "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost",
        "PricingCategory", "PricingCurrency", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ResourceId",
        "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SubAccountId",
        "SubAccountName", "SubAccountType", "Tags",
        "x_Requests", "x_InputTokens", "x_CachedInputTokens", "x_CacheWriteTokens", "x_OutputTokens", "x_ReasoningTokens",
        "x_UnpricedRequests",
    ]

    var values: [String: FocusValue]

    init(_ row: SpendRow) {
        let day = row.day ?? "1970-01-01"
        let start = Timestamp.parse(day) ?? Date(timeIntervalSince1970: 0)
        let (monthStart, nextMonth) = SpendReporter.month(containing: start)
        let provider = row.provider ?? "unknown"
        let model = row.model ?? "unknown"
        let totals = row.totals
        let tokens = String(totals.inputTokens.saturatingAdd(totals.outputTokens))
        let cost = totals.cost.decimalString
        let tags: [String: String?] = ["tollgate_team": row.teamName, "tollgate_key": row.keyName, "tollgate_task": row.task]
        let tagsJSON = String(decoding: (try? JSONEncoder.sorted.encode(tags.compactMapValues { $0 })) ?? Data("{}".utf8), as: UTF8.self)
        values = [
            "BilledCost": .number(cost), "BillingAccountId": .text("tollgate"), "BillingAccountName": .text("Tollgate"),
            "BillingAccountType": .text("Gateway"), "BillingCurrency": .text("USD"),
            "BillingPeriodEnd": .text(Timestamp.format(nextMonth)), "BillingPeriodStart": .text(Timestamp.format(monthStart)),
            "ChargeCategory": .text("Usage"), "ChargeClass": .text(nil),
            "ChargeDescription": .text("\(model) tokens for task \(row.task ?? "default")"), "ChargeFrequency": .text("Usage-Based"),
            "ChargePeriodEnd": .text(Timestamp.format(start.addingTimeInterval(86_400))), "ChargePeriodStart": .text(Timestamp.format(start)),
            "ConsumedQuantity": .number(tokens), "ConsumedUnit": .text("Tokens"), "ContractedCost": .number(cost),
            "EffectiveCost": .number(cost), "InvoiceIssuerName": .text(provider), "ListCost": .number(cost),
            "PricingCategory": .text("Standard"), "PricingCurrency": .text("USD"), "PricingQuantity": .number(tokens),
            "PricingUnit": .text("Tokens"), "ProviderName": .text(provider), "PublisherName": .text(provider),
            "ResourceId": .text(model), "ResourceName": .text(model), "ResourceType": .text("Model"),
            "ServiceCategory": .text("AI and Machine Learning"), "ServiceName": .text(provider),
            "ServiceSubcategory": .text("Generative AI"), "SkuId": .text(model),
            "SubAccountId": .text(row.teamID?.uuidString), "SubAccountName": .text(row.teamName), "SubAccountType": .text("Team"),
            "Tags": .text(tagsJSON),
            "x_Requests": .number(String(totals.requests)), "x_InputTokens": .number(String(totals.inputTokens)),
            "x_CachedInputTokens": .number(String(totals.cachedInputTokens)), "x_CacheWriteTokens": .number(String(totals.cacheWriteTokens)),
            "x_OutputTokens": .number(String(totals.outputTokens)), "x_ReasoningTokens": .number(String(totals.reasoningTokens)),
            "x_UnpricedRequests": .number(String(totals.unpricedRequests)),
        ]
    }

    var json: [String: FocusValue] { values }

    var cells: [CSV.Cell] {
        Self.columns.map { column in
            switch values[column] {
            case .number(let digits)?: .number(digits)
            case .text(let text)?: .text(text)
            case nil: .text(nil)
            }
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled; lines end
/// in CRLF. A text cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`,
/// so a spreadsheet never runs a team's or task's name as a formula.
enum CSV {
    enum Cell {
        case text(String?)
        case number(String)

        static func number(_ value: Int) -> Cell { .number(String(value)) }
    }

    static func line(_ cells: [Cell]) -> String {
        cells.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ cell: Cell) -> String {
        switch cell {
        case .number(let digits):
            return digits
        case .text(nil):
            return ""
        case .text(var text?):
            if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    static func response(_ lines: [String], filename: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: lines.joined())))
    }
}
