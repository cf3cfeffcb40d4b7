/// Tokens of one request, split into the buckets that are priced differently.
///
/// The buckets do not overlap on the input side: `uncachedInput + cacheRead + cacheWrite +
/// cacheWrite1h` is the whole prompt. `output` is every generated token, `reasoning` included; `reasoning` is the part of
/// `output` the model spent thinking, kept for reports.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var uncachedInput: Int
    public var cacheRead: Int
    /// Tokens written to the cache: Anthropic's 5-minute class, or any write of a provider with one.
    public var cacheWrite: Int
    /// Tokens written to Anthropic's 1-hour cache.
    public var cacheWrite1h: Int
    public var output: Int
    public var reasoning: Int

    public init(
        uncachedInput: Int = 0, cacheRead: Int = 0, cacheWrite: Int = 0, cacheWrite1h: Int = 0, output: Int = 0, reasoning: Int = 0
    ) {
        self.uncachedInput = uncachedInput
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
        self.cacheWrite1h = cacheWrite1h
        self.output = output
        self.reasoning = reasoning
    }

    public static let zero = TokenUsage()

    /// Every prompt token, cached or not (saturating: buckets come from upstreams).
    public var input: Int { uncachedInput.saturatingAdd(cacheRead).saturatingAdd(cacheWrite).saturatingAdd(cacheWrite1h) }

    /// Every cache write, of either class.
    public var cacheWrites: Int { cacheWrite.saturatingAdd(cacheWrite1h) }

    /// Every token of the call, input and output (saturating).
    public var total: Int { input.saturatingAdd(output) }
}

extension Int {
    /// `self + other`, held at `Int.max` or `Int.min` instead of trapping.
    public func saturatingAdd(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : sum
    }

    /// `self × other` for counts (non-negative), held at `Int.max` instead of trapping.
    public func saturatingMultiply(_ other: Int) -> Int {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : product
    }
}
