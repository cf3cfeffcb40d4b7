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
/// random-looking bits and a 16-bit counter.
///
/// Ids made later sort later, so the usage table's primary key grows at its right edge: a batch
/// of usage rows touches a few hot index pages instead of random ones all over a large index.
/// The 64 bits keep ids made in the same millisecond on different replicas from colliding, and
/// differ between any two ids of one process: they are a bijective mix (SplitMix64's finaliser)
/// of a per-process random seed plus a 64-bit sequence number, so the system's generator is drawn
/// from once per process instead of once per id (each draw is a system call). The counter is the
/// sequence number's low 16 bits.
enum RequestIdentifier {
    private static let seed: UInt64 = { var generator = SystemRandomNumberGenerator(); return generator.next() }()
    private static let sequence = Atomic<UInt64>({ var generator = SystemRandomNumberGenerator(); return generator.next() }())

    static func make(at date: Date = Date()) -> String {
        let number = sequence.wrappingAdd(1, ordering: .relaxed).newValue
        return make(at: date, random: mix(seed &+ number), count: UInt16(truncatingIfNeeded: number))
    }

    /// SplitMix64's finaliser: a bijection of 64-bit values (each step can be undone), so distinct
    /// sequence numbers never give the same bits.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The id for `date` with these random bits and counter value.
    static func make(at date: Date, random: UInt64, count: UInt16) -> String {
        let milliseconds = UInt64(max(0, min(date.timeIntervalSince1970 * 1000, 0xFFFF_FFFF_FFFF)))
        return String(unsafeUninitializedCapacity: 36) { text in
            _ = text.initialize(from: "req_".utf8)
            Hex.write(milliseconds, digitCount: 12, into: text, at: 4)
            Hex.write(random, digitCount: 16, into: text, at: 16)
            Hex.write(UInt64(count), digitCount: 4, into: text, at: 32)
            return 36
        }
    }
}
