import Foundation
import NIOCore
import OpenAIWire
import Pricing

/// Watches a stream of OpenAI chunk events on their way to the client: captures the usage chunk,
/// prices it into `usage.cost`, and drops it again when the client did not ask for usage.
///
/// Events without usage pass through as they came, byte for byte.
struct StreamMeter: Sendable {
    let clientWantsUsage: Bool
    /// Prices the usage once it is seen: (usage) -> cost.
    let price: @Sendable (Usage) -> Money?
    private(set) var usage: Usage?
    /// Content chunks seen: roughly one token each, the estimate for a stream cut before its usage.
    private(set) var contentChunks = 0
    private(set) var sawDone = false
    /// Set when the upstream's usage chunk had impossible counts: the stream is a bad answer.
    private(set) var sawImplausibleUsage = false

    init(clientWantsUsage: Bool, price: @escaping @Sendable (Usage) -> Money?) {
        self.clientWantsUsage = clientWantsUsage
        self.price = price
    }

    /// The bytes to send the client for `event`, or nil to send nothing.
    mutating func process(_ event: SSEEvent) -> ByteBuffer? {
        if event.data == "[DONE]" {
            sawDone = true
            return event.wireBytes
        }
        if event.data.contains("\"content\":\""), !event.data.contains("\"content\":\"\"") { contentChunks += 1 }
        guard Self.mayCarryUsage(event.data),
              let json = try? WireCoding.decode(JSONValue.self, from: ByteBuffer(string: event.data)),
              var chunk = json.objectValue, let usageJSON = chunk["usage"], var usage = Usage(json: usageJSON)
        else { return event.wireBytes }
        usage.serviceTier = chunk["service_tier"]?.stringValue
        guard usage.isPlausible else {
            sawImplausibleUsage = true
            return nil
        }

        self.usage = usage
        let choices = chunk["choices"]?.arrayValue ?? []
        if clientWantsUsage {
            chunk["usage"] = Self.withCost(usageJSON, price(usage))
        } else if choices.isEmpty {
            return nil
        } else {
            chunk["usage"] = nil
        }
        return SSEEvent(event: event.event, data: String(buffer: WireCoding.encode(chunk))).wireBytes
    }

    /// A cheap test before parsing: only chunks whose `usage` is not null need a look.
    static func mayCarryUsage(_ data: String) -> Bool {
        guard let range = data.range(of: "\"usage\"") else { return false }
        let rest = data[range.upperBound...].drop { $0 == ":" || $0 == " " }
        return !rest.hasPrefix("null")
    }

    /// A usage object with `cost` (USD, OpenRouter's convention) added; `null` when unpriced.
    static func withCost(_ usage: JSONValue, _ cost: Money?) -> JSONValue {
        guard var object = usage.objectValue else { return usage }
        object["cost"] = cost.map { .decimal($0.amount) } ?? .null
        return .object(object)
    }
}
