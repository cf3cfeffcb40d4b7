import Foundation

/// Who is calling: the key presented and the team it belongs to.
public struct Principal: Sendable, Hashable {
    public var key: APIKey
    public var team: Team

    public init(key: APIKey, team: Team) {
        self.key = key
        self.team = team
    }

    /// Why the key cannot be used at `now`, or nil when it can.
    public func refusal(at now: Date) -> KeyRefusal? {
        if key.revokedAt != nil { return .revoked }
        if let expiresAt = key.expiresAt, expiresAt <= now { return .expired }
        return nil
    }
}

/// Why a known key is refused.
public enum KeyRefusal: Sendable, Equatable {
    case revoked
    case expired
}
