/// A governance request that cannot be carried out.
public struct GovernanceError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case invalid(field: String?)
        case notFound
        case conflict
    }

    let kind: Kind
    public let description: String

    public static func invalid(_ message: String, field: String? = nil) -> GovernanceError {
        GovernanceError(kind: .invalid(field: field), description: message)
    }

    public static func notFound(_ message: String) -> GovernanceError {
        GovernanceError(kind: .notFound, description: message)
    }

    public static func conflict(_ message: String) -> GovernanceError {
        GovernanceError(kind: .conflict, description: message)
    }

    public var isNotFound: Bool { kind == .notFound }
    public var isConflict: Bool { kind == .conflict }

    /// The request field at fault, for an invalid request.
    public var field: String? {
        if case .invalid(let field) = kind { return field }
        return nil
    }
}
