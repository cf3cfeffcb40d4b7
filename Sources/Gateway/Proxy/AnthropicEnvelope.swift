import Hummingbird
import HTTPTypes
import OpenAIWire

/// Errors in Anthropic's own envelope, `{"type": "error", "error": {"type", "message"}}`, for the
/// Messages API's clients: the Anthropic SDK raises its own exception classes from the status and
/// reads the message from there. Tollgate's `code` and `param` ride along in the inner object.
enum AnthropicEnvelope {
    /// Whether a request is the Messages API's, whose errors take this envelope.
    static func applies(to path: String) -> Bool {
        path == "/v1/messages" || path.hasPrefix("/v1/messages/")
    }

    static func body(status: Int, _ envelope: ErrorEnvelope) -> JSONValue {
        var error: [String: JSONValue] = ["type": .string(type(status: status)), "message": .string(envelope.error.message)]
        if let code = envelope.error.code { error["code"] = .string(code) }
        if let param = envelope.error.param { error["param"] = .string(param) }
        return ["type": "error", "error": .object(error)]
    }

    /// Anthropic's error type for a status (its documented table).
    static func type(status: Int) -> String {
        switch status {
        case 400, 409, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        default: "api_error"
        }
    }

    /// A Messages stream's failure after its first byte: an `error` event.
    static func failureEvent(status: Int, _ envelope: ErrorEnvelope) -> SSEEvent {
        SSEEvent(event: "error", data: body(status: status, envelope).jsonText)
    }
}
