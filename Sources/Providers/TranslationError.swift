import OpenAIWire

extension ProviderError {
    /// A request Tollgate cannot express in the provider's API (the caller's to change): a 400.
    public static func untranslatable(_ provider: String, _ detail: String, param: String? = nil) -> ProviderError {
        ProviderError(kind: .unsupported, envelope: ErrorEnvelope(
            message: "This request cannot be sent to '\(provider)': \(detail)", type: "invalid_request_error", param: param,
            code: "unsupported_for_provider"))
    }
}
