/// What a request needs of a model, and whether a candidate can give it: a candidate that cannot
/// take the request is skipped, not tried.
public struct RequestNeeds: Sendable, Equatable {
    public var images: Bool
    public var tools: Bool
    /// An estimate of the prompt's tokens (not the byte bound: that would skip models that fit).
    public var promptTokens: Int

    public init(images: Bool = false, tools: Bool = false, promptTokens: Int = 0) {
        self.images = images
        self.tools = tools
        self.promptTokens = promptTokens
    }
}

/// What the catalogue knows of a model's abilities; nil is unknown, taken as able.
public struct ModelAbilities: Sendable, Equatable {
    public var maxInputTokens: Int?
    public var images: Bool?
    public var tools: Bool?

    public init(maxInputTokens: Int? = nil, images: Bool? = nil, tools: Bool? = nil) {
        self.maxInputTokens = maxInputTokens
        self.images = images
        self.tools = tools
    }

    /// Why a model with these abilities cannot take `needs`, or nil when it can.
    public func refusal(of needs: RequestNeeds) -> String? {
        if needs.images, images == false { return "it takes no images" }
        if needs.tools, tools == false { return "it takes no tools" }
        if let maxInputTokens, needs.promptTokens > maxInputTokens {
            return "the prompt (about \(needs.promptTokens) tokens) is over its \(maxInputTokens)-token context"
        }
        return nil
    }
}
