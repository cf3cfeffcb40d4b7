/// A request body that does not match the OpenAI wire format; `param` names the offending field.
public struct WireError: Error, Sendable, Equatable {
    public var message: String
    public var param: String?

    public init(_ message: String, param: String? = nil) {
        self.message = message
        self.param = param
    }
}
