import Governance
import Hummingbird
import Logging

/// The per-request state: the request id every log line and usage row carries, and, once the
/// key is checked, who is calling.
public struct TollgateRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = RequestIdentifier.make()
        self.principal = nil
        self.logger[metadataKey: LogKey.requestID] = .string(requestID)
    }
}

/// Random request ids, `req_` and 24 hex digits.
enum RequestIdentifier {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt32
        return "req_" + hex(high, width: 16) + hex(UInt64(low), width: 8)
    }

    private static func hex(_ value: UInt64, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: width - digits.count) + digits
    }
}
