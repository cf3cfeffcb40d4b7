import NIOCore

/// A request body that does not match the OpenAI wire format; `param` names the offending field.
public struct WireError: Error, Sendable, Equatable {
    public var message: String
    public var param: String?

    public init(_ message: String, param: String? = nil) {
        self.message = message
        self.param = param
    }
}

extension WireError {
    /// A request body as a JSON object, or the error that says it is not one.
    static func jsonObject(_ buffer: ByteBuffer) throws(WireError) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try WireCoding.decode(JSONValue.self, from: buffer)
        } catch {
            throw WireError("The request body is not valid JSON.")
        }
        guard let body = value.objectValue else {
            throw WireError("The request body must be a JSON object, not \(value.typeName).")
        }
        return body
    }
}
