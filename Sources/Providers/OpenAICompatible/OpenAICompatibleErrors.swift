import NIOCore
import OpenAIWire

/// Error bodies of OpenAI-compatible upstreams.
enum OpenAICompatibleErrors {
    /// The upstream's own envelope when it sent one (OpenAI's shape, or a bare `{"message"}` as some
    /// compatible servers do); nil when the body says nothing usable.
    static func envelope(status: Int, body: ByteBuffer) -> ErrorEnvelope? {
        guard let json = try? WireCoding.decode(JSONValue.self, from: body) else { return nil }
        let error = json["error"] ?? json
        guard let message = error["message"]?.stringValue ?? error.stringValue else { return nil }
        return ErrorEnvelope(
            message: message,
            type: error["type"]?.stringValue ?? defaultType(status),
            param: error["param"]?.stringValue,
            code: error["code"]?.stringValue ?? error["code"]?.intValue.map(String.init)
        )
    }

    static func defaultType(_ status: Int) -> String {
        switch status {
        case 400, 404, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 429: "rate_limit_error"
        default: "api_error"
        }
    }
}
