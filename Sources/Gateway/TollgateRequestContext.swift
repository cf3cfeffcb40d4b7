import Foundation
import Governance
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The per-request state: the request id every log line and usage row carries, and, once the
/// key is checked, who is calling.
public struct TollgateRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    public var principal: Principal?
    /// The request's trace, when traces are exported (see `GatewayTracing`).
    var trace: RequestTrace?
    /// When the request arrived: the gateway's overhead is measured from here.
    let arrival = ContinuousClock.now
    /// The connection, for the client's address when it is needed (failed authentication).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.requestID = RequestIdentifier.make()
        self.principal = nil
    }

    /// The logger for a line about this request: it carries the request id. Made when a line is
    /// logged, not per request (setting logger metadata costs every request an allocation and a
    /// re-rendering of the handler's metadata); `logger` itself has none of the request's.
    var requestLogger: Logger {
        var logger = logger
        logger[metadataKey: LogKey.requestID] = .string(requestID)
        return logger
    }

    /// The client's IP address (the peer of the connection), or "unknown".
    var clientAddress: String {
        channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// Request ids: `req_`, 12 hex digits of the Unix time in milliseconds, then 20 hex digits of 64
/// random bits and a 16-bit counter.
///
/// Ids made later sort later, so the usage table's primary key grows at its right edge: a batch
/// of usage rows touches a few hot index pages instead of random ones all over a large index.
/// The random bits keep ids made in the same millisecond on different replicas from colliding,
/// and the counter (starting at a random value) those of one process. One draw from the system's
/// generator per id: each draw is a system call.
enum RequestIdentifier {
    private static let counter = Atomic<UInt16>({ var generator = SystemRandomNumberGenerator(); return generator.next() }())

    static func make(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(at: date, random: generator.next(), count: counter.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    /// The id for `date` with these random bits and counter value.
    static func make(at date: Date, random: UInt64, count: UInt16) -> String {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for shift in stride(from: 40, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: milliseconds >> UInt64(shift)))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: random >> UInt64(shift)))
        }
        bytes.append(UInt8(truncatingIfNeeded: count >> 8))
        bytes.append(UInt8(truncatingIfNeeded: count))
        return "req_" + Hex.lowercase(bytes)
    }
}
