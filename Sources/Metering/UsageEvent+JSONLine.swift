import Foundation
import Pricing

/// A usage event as one line of JSON: how the spool keeps it on disk and how `usage_rejects`
/// keeps a row PostgreSQL refused.
///
/// Writing is hand-rolled (it runs on the request path, for every call); reading uses
/// Foundation (it runs only when a spool is replayed or spilled past memory).
extension UsageEvent {
    /// The event as a JSON object followed by a newline.
    public var jsonLine: [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(512)
        line.append(contentsOf: #"{"request_id":"#.utf8)
        Self.appendString(requestID, to: &line)
        Self.appendField("attempt", attempt, to: &line)
        Self.appendField("time_us", Int64((time.timeIntervalSince1970 * 1_000_000).rounded()), to: &line)
        Self.appendField("team_id", teamID, to: &line)
        Self.appendField("key_id", keyID, to: &line)
        Self.appendField("task", task, to: &line)
        Self.appendField("requested_model", requestedModel, to: &line)
        Self.appendField("served_model", servedModel, to: &line)
        Self.appendField("provider", provider, to: &line)
        Self.appendField("uncached_input", usage.uncachedInput, to: &line)
        Self.appendField("cache_read", usage.cacheRead, to: &line)
        Self.appendField("cache_write", usage.cacheWrite, to: &line)
        Self.appendField("cache_write_1h", usage.cacheWrite1h, to: &line)
        Self.appendField("output", usage.output, to: &line)
        Self.appendField("reasoning", usage.reasoning, to: &line)
        Self.appendField("service_tier", billing.serviceTier, to: &line)
        Self.appendField("thinking", billing.thinking, to: &line)
        Self.appendField("cost", cost?.decimalString, to: &line)
        Self.appendField("status", status, to: &line)
        Self.appendField("latency_ms", latencyMilliseconds, to: &line)
        Self.appendField("streamed", streamed, to: &line)
        Self.appendField("usage_estimated", usageEstimated, to: &line)
        Self.appendField("downgraded_from", downgradedFrom, to: &line)
        Self.appendField("route", route, to: &line)
        Self.appendField("end_user", endUser, to: &line)
        Self.appendField("run", run, to: &line)
        Self.appendField("run_started_at_us", runStartedAt.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) }, to: &line)
        Self.appendField("budget_period_start_us", budgetPeriodStart.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) }, to: &line)
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// Reads a line written by `jsonLine`; nil when it is not one (a write torn by a crash).
    public init?(jsonLine: some Collection<UInt8>) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonLine)) as? [String: Any],
              let requestID = object["request_id"] as? String, let attempt = (object["attempt"] as? NSNumber)?.intValue,
              let timeMicros = (object["time_us"] as? NSNumber)?.int64Value,
              let teamID = (object["team_id"] as? String).flatMap(UUID.init(uuidString:)),
              let keyID = (object["key_id"] as? String).flatMap(UUID.init(uuidString:)),
              let task = object["task"] as? String, let requestedModel = object["requested_model"] as? String,
              let servedModel = object["served_model"] as? String, let provider = object["provider"] as? String,
              let status = (object["status"] as? NSNumber)?.intValue, let latency = (object["latency_ms"] as? NSNumber)?.intValue,
              let streamed = object["streamed"] as? Bool, let estimated = object["usage_estimated"] as? Bool
        else { return nil }
        func count(_ key: String) -> Int { (object[key] as? NSNumber)?.intValue ?? 0 }
        let cost: Money?
        if let text = object["cost"] as? String {
            guard let money = Money(text) else { return nil }
            cost = money
        } else {
            cost = nil
        }
        self.init(
            requestID: requestID, attempt: attempt, time: Date(timeIntervalSince1970: Double(timeMicros) / 1_000_000),
            teamID: teamID, keyID: keyID, task: task, requestedModel: requestedModel, servedModel: servedModel, provider: provider,
            usage: TokenUsage(uncachedInput: count("uncached_input"), cacheRead: count("cache_read"), cacheWrite: count("cache_write"),
                              cacheWrite1h: count("cache_write_1h"), output: count("output"), reasoning: count("reasoning")),
            billing: BillingMode(serviceTier: object["service_tier"] as? String, thinking: object["thinking"] as? Bool ?? false),
            cost: cost, status: status, latencyMilliseconds: latency, streamed: streamed, usageEstimated: estimated,
            downgradedFrom: object["downgraded_from"] as? String,
            budgetPeriodStart: ((object["budget_period_start_us"] as? NSNumber)?.int64Value).map { Date(timeIntervalSince1970: Double($0) / 1_000_000) })
        // Lines written before routing have no route: they named their model.
        self.route = object["route"] as? String ?? "direct"
        self.endUser = object["end_user"] as? String
        self.run = object["run"] as? String
        self.runStartedAt = ((object["run_started_at_us"] as? NSNumber)?.int64Value).map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
    }

    /// The events of a spool segment: its lines in order, skipping any that do not parse (at most
    /// the last, cut short by a crash mid-write).
    public static func events(inSpoolSegment bytes: [UInt8]) -> (events: [UsageEvent], unreadable: Int) {
        var events: [UsageEvent] = []
        var unreadable = 0
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            if let event = UsageEvent(jsonLine: line) { events.append(event) } else { unreadable += 1 }
        }
        return (events, unreadable)
    }

    // MARK: Writing

    private static func appendField(_ name: String, _ value: String?, to line: inout [UInt8]) {
        appendName(name, to: &line)
        if let value { appendString(value, to: &line) } else { line.append(contentsOf: "null".utf8) }
    }

    /// A UUID as `uuidString` writes it (uppercase, hyphenated), from its bytes: no string made.
    private static func appendField(_ name: String, _ value: UUID, to line: inout [UInt8]) {
        appendName(name, to: &line)
        line.append(UInt8(ascii: "\""))
        withUnsafeBytes(of: value.uuid) { bytes in
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { line.append(UInt8(ascii: "-")) }
                line.append(upperHexDigits[Int(byte >> 4)])
                line.append(upperHexDigits[Int(byte & 0xF)])
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    private static func appendField(_ name: String, _ value: Int, to line: inout [UInt8]) {
        appendName(name, to: &line)
        line.append(contentsOf: String(value).utf8)
    }

    private static func appendField(_ name: String, _ value: Int64?, to line: inout [UInt8]) {
        appendName(name, to: &line)
        line.append(contentsOf: (value.map { String($0) } ?? "null").utf8)
    }

    private static func appendField(_ name: String, _ value: Bool, to line: inout [UInt8]) {
        appendName(name, to: &line)
        line.append(contentsOf: (value ? "true" : "false").utf8)
    }

    private static func appendName(_ name: String, to line: inout [UInt8]) {
        line.append(contentsOf: ",\"".utf8)
        line.append(contentsOf: name.utf8)
        line.append(contentsOf: "\":".utf8)
    }

    /// A JSON string: quotes, backslashes and control characters escaped, so a line never breaks.
    private static func appendString(_ value: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        // Names and ids seldom need escaping: then the bytes go in at once.
        if !value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            line.append(contentsOf: value.utf8)
            line.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                line.append(UInt8(ascii: "\\"))
                line.append(byte)
            case 0..<0x20:
                line.append(contentsOf: "\\u00".utf8)
                line.append(hexDigits[Int(byte >> 4)])
                line.append(hexDigits[Int(byte & 0xF)])
            default:
                line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let upperHexDigits = Array("0123456789ABCDEF".utf8)
}
