import OpenAIWire

/// A conversation rebuilt for providers whose user and assistant turns must alternate (Anthropic,
/// Gemini): consecutive pieces from the same role are merged into one turn.
struct ConversationTurns {
    private(set) var turns: [(role: String, pieces: [JSONValue])] = []

    /// Adds `pieces` to the conversation, joining the previous turn when it has the same role.
    mutating func append(_ role: String, _ pieces: [JSONValue]) {
        guard !pieces.isEmpty else { return }
        if let last = turns.last, last.role == role {
            turns[turns.count - 1].pieces += pieces
        } else {
            turns.append((role, pieces))
        }
    }

    var isEmpty: Bool { turns.isEmpty }

    /// The turns as JSON objects: `{"role": …, key: [pieces]}`.
    func json(piecesKey: String) -> JSONValue {
        .array(turns.map { .object(["role": .string($0.role), piecesKey: .array($0.pieces)]) })
    }
}
