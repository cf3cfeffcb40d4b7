import Synchronization

/// The randomness of weighted deployment order: the system's by default, or a fixed sequence from
/// a seed, so a test (or an operator reproducing a report) gets the same draws every run.
///
/// ```swift
/// let random = RouteRandom(seed: 42)
/// var generator = random.next()      // one generator per request
/// let order = WeightedOrder.order(weights: [3, 1], using: &generator)
/// ```
public final class RouteRandom: Sendable {
    private let seed: UInt64?
    private let requests = Atomic<UInt64>(0)

    public init(seed: UInt64? = nil) {
        self.seed = seed
    }

    /// A generator for one request: the system's, or the seeded sequence's next one.
    public func next() -> Generator {
        guard let seed else { return Generator(state: nil) }
        let request = requests.wrappingAdd(1, ordering: .relaxed).newValue
        return Generator(state: seed &+ request &* 0x9E37_79B9_7F4A_7C15)
    }

    /// SplitMix64 when seeded, else the system's generator.
    public struct Generator: RandomNumberGenerator {
        var state: UInt64?

        public mutating func next() -> UInt64 {
            guard var z = state else {
                var system = SystemRandomNumberGenerator()
                return system.next()
            }
            z &+= 0x9E37_79B9_7F4A_7C15
            state = z
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
