import NIOCore

/// A `POST /v1/embeddings` body, validated, with every field kept for forwarding.
public struct EmbeddingsRequest: Sendable {
    public var body: [String: JSONValue]

    public init(body buffer: ByteBuffer) throws(WireError) {
        let body = try WireError.jsonObject(buffer)
        guard let model = body["model"] else {
            throw WireError("Missing required parameter: 'model'.", param: "model")
        }
        guard let name = model.stringValue, !name.isEmpty else {
            throw WireError("Invalid type for 'model': expected a non-empty string, but got \(model.typeName).", param: "model")
        }
        guard let input = body["input"] else {
            throw WireError("Missing required parameter: 'input'.", param: "input")
        }
        switch input {
        case .string: break
        case .array(let items) where !items.isEmpty:
            // Strings, a token array, or token arrays: what OpenAI's embeddings endpoint takes.
            for (index, item) in items.enumerated() {
                switch item {
                case .string, .integer: continue
                case .array(let tokens) where !tokens.isEmpty && tokens.allSatisfy({ if case .integer = $0 { true } else { false } }): continue
                default:
                    throw WireError("Invalid 'input[\(index)]': expected a string, a token (integer) or a non-empty array of tokens, but got \(item.typeName).", param: "input")
                }
            }
        case .array: throw WireError("'input' must not be empty.", param: "input")
        default: throw WireError("Invalid type for 'input': expected a string or an array, but got \(input.typeName).", param: "input")
        }
        try EndUser.validate(body)
        self.body = body
    }

    /// Who the app served the call for (see `EndUser`).
    public var endUser: String? { EndUser.read(body) }

    public var model: String {
        get { body["model"]?.stringValue ?? "" }
        set { body["model"] = .string(newValue) }
    }

    /// An upper bound on the input's tokens: a string counts a token a byte, a token array its
    /// length, summed over a list of inputs.
    public var inputTokenBound: Int {
        Self.tokenBound(body["input"] ?? .null)
    }

    private static func tokenBound(_ input: JSONValue) -> Int {
        switch input {
        case .string(let text): text.utf8.count
        case .integer, .number: 1
        case .array(let items): items.reduce(0) { Usage.sum($0, tokenBound($1)) }
        default: 0
        }
    }

    public func encoded() throws -> ByteBuffer {
        try WireCoding.encode(body)
    }
}
