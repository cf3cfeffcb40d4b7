/// The OpenAI error body: `{"error": {"message", "type", "param", "code"}}`.
public struct ErrorEnvelope: Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public var message: String
        public var type: String
        public var param: String?
        public var code: String?

        public init(message: String, type: String, param: String? = nil, code: String? = nil) {
            self.message = message
            self.type = type
            self.param = param
            self.code = code
        }

        public func encode(to encoder: any Encoder) throws {
            // `param` and `code` are always present, as null when unset, as OpenAI sends them.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(param, forKey: .param)
            try container.encode(code, forKey: .code)
        }
    }

    public var error: Body

    public init(error: Body) {
        self.error = error
    }

    public init(message: String, type: String, param: String? = nil, code: String? = nil) {
        self.error = Body(message: message, type: type, param: param, code: code)
    }
}
