import OpenAIWire

/// What the mock does for a model, picked from words in the model's name, so a test chooses a
/// behaviour just by the model it routes to:
///
/// | in the name | behaviour |
/// | --- | --- |
/// | `error-NNN` | answers HTTP NNN with an OpenAI error envelope (`retry-after: 7` on 429 and 503) |
/// | `hang` | never answers (until the client gives up) |
/// | `slow` | waits 200 ms before answering |
/// | `linger` | waits 2 s before answering (a client's reset lands first, however loaded the machine) |
/// | `no-usage` | sends no usage, streamed or not |
/// | `stream-cut` | stops a stream after half its chunks, with no usage and no `[DONE]` |
/// | `drip` | streams one event every 100 ms (for clients that hang up mid-stream) |
/// | `invalid-json` | answers 200 with a body that is not JSON |
/// | `reset` | starts a 200 answer (a stream's first event), then drops the connection |
/// | `huge-usage` | reports 10^17 completion tokens (the answer itself is normal) |
/// | `negative-usage` | reports -5 prompt tokens |
/// | `no-tier` | leaves `service_tier` out of its answers |
/// | `sparse` | leaves `logprobs`, `refusal` and `annotations` out of a chat answer, as some OpenAI-compatible servers do |
/// | `cache-write` | reports the prompt's uncached part as written to the cache (`cache_write_tokens`) |
/// | `recovers-after-N` | answers its first N chat calls with HTTP 500, then normally (counted per model name) |
/// | anything else | answers normally |
public struct MockBehaviour: Sendable, Equatable {
    public var errorStatus: Int?
    public var hangs: Bool
    public var slow: Bool
    public var lingers: Bool
    public var sendsUsage: Bool
    public var cutsStream: Bool
    public var invalidJSON: Bool
    public var drips: Bool
    public var hugeUsage: Bool
    public var resets: Bool
    public var negativeUsage: Bool
    public var hidesServiceTier: Bool
    public var writesCache: Bool
    public var sparse: Bool
    /// `recovers-after-N`: the first N calls to the model fail with 503, the rest succeed.
    public var failuresBeforeRecovery: Int?

    public init(model: String) {
        let name = model.lowercased()
        if let range = name.range(of: "error-") {
            errorStatus = Int(name[range.upperBound...].prefix(3))
        } else {
            errorStatus = nil
        }
        hangs = name.contains("hang")
        slow = name.contains("slow")
        lingers = name.contains("linger")
        sendsUsage = !name.contains("no-usage")
        cutsStream = name.contains("stream-cut")
        invalidJSON = name.contains("invalid-json")
        drips = name.contains("drip")
        hugeUsage = name.contains("huge-usage")
        resets = name.contains("reset")
        negativeUsage = name.contains("negative-usage")
        hidesServiceTier = name.contains("no-tier")
        writesCache = name.contains("cache-write")
        sparse = name.contains("sparse")
        if let range = name.range(of: "recovers-after-") {
            failuresBeforeRecovery = Int(name[range.upperBound...].prefix { $0.isNumber })
        } else {
            failuresBeforeRecovery = nil
        }
    }

    /// The usage object the mock reports for `usage`: as it is, or misreported on request.
    public func reported(_ usage: Usage) -> JSONValue {
        var usage = usage
        if writesCache { usage.cacheWriteTokens = usage.promptTokens - usage.cachedTokens }
        guard var json = usage.json.objectValue else { return usage.json }
        if hugeUsage {
            json["completion_tokens"] = .integer(100_000_000_000_000_000)
            json["total_tokens"] = .integer(100_000_000_000_000_000)
        }
        if negativeUsage {
            json["prompt_tokens"] = -5
        }
        return .object(json)
    }
}
