import NIOCore
import OpenAIWire

/// Anthropic's error bodies (`{"type": "error", "error": {"type", "message"}}`) in OpenAI's envelope.
enum AnthropicErrors {
    static func envelope(status: Int, body: ByteBuffer) -> ErrorEnvelope? {
        guard let json = try? JSONParser.parse(body), let error = json["error"], let message = error["message"]?.stringValue else {
            return nil
        }
        return envelope(type: error["type"]?.stringValue, message: message)
    }

    static func envelope(type: String?, message: String) -> ErrorEnvelope {
        let openAIType: String = switch type {
        case "invalid_request_error", "not_found_error", "request_too_large": "invalid_request_error"
        case "authentication_error": "authentication_error"
        case "permission_error": "permission_error"
        case "rate_limit_error": "rate_limit_error"
        case "overloaded_error": "server_error"
        default: "api_error"
        }
        return ErrorEnvelope(message: "Anthropic: \(message)", type: openAIType, code: type)
    }

    /// An `error` event in the middle of a stream (overloaded, for one).
    static func streamError(_ event: JSONValue) -> ProviderError {
        let type = event["error"]?["type"]?.stringValue
        let status = type == "overloaded_error" ? 529 : type == "rate_limit_error" ? 429 : 500
        return ProviderError(kind: .upstreamStatus(status),
                             envelope: envelope(type: type, message: event["error"]?["message"]?.stringValue ?? "stream error"))
    }
}
