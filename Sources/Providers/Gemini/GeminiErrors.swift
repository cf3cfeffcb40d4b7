import NIOCore
import OpenAIWire

/// Gemini's error bodies (`{"error": {"code", "message", "status"}}`) in OpenAI's envelope.
enum GeminiErrors {
    static func envelope(status: Int, body: ByteBuffer) -> ErrorEnvelope? {
        guard let json = try? JSONParser.parse(body), let error = json["error"] else { return nil }
        return envelope(error)
    }

    static func envelope(_ error: JSONValue) -> ErrorEnvelope {
        let status = error["status"]?.stringValue
        let type: String = switch status {
        case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND", "OUT_OF_RANGE": "invalid_request_error"
        case "UNAUTHENTICATED": "authentication_error"
        case "PERMISSION_DENIED": "permission_error"
        case "RESOURCE_EXHAUSTED": "rate_limit_error"
        default: "api_error"
        }
        return ErrorEnvelope(message: "Gemini: \(error["message"]?.stringValue ?? "error")", type: type, code: status)
    }

    static func streamError(_ error: JSONValue) -> ProviderError {
        ProviderError(kind: .upstreamStatus(error["code"]?.intValue ?? 500), envelope: envelope(error))
    }
}
