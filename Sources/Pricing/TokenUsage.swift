/// Tokens of one request, split into the buckets that are priced differently.
///
/// The buckets do not overlap on the input side: `uncachedInput + cacheRead + cacheWrite` is the
/// whole prompt. `output` is every generated token, `reasoning` included; `reasoning` is the part of
/// `output` the model spent thinking, kept for reports.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var uncachedInput: Int
    public var cacheRead: Int
    public var cacheWrite: Int
    public var output: Int
    public var reasoning: Int

    public init(uncachedInput: Int = 0, cacheRead: Int = 0, cacheWrite: Int = 0, output: Int = 0, reasoning: Int = 0) {
        self.uncachedInput = uncachedInput
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
        self.output = output
        self.reasoning = reasoning
    }

    public static let zero = TokenUsage()

    /// Every prompt token, cached or not (saturating: buckets come from upstreams).
    public var input: Int { uncachedInput.saturatingAdd(cacheRead).saturatingAdd(cacheWrite) }

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
