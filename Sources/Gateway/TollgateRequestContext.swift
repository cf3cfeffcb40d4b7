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
        // Two draws, not one a byte: each is a system call.
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        return "req_" + Hex.lowercase(withUnsafeBytes(of: (high, low)) { Array($0.prefix(12)) })
    }
}
