import Foundation
import Pricing

/// The checks teams and keys share, each naming the field at fault.
enum FieldRules {
    static func name(_ name: String?) throws(GovernanceError) {
        guard let name else { return }
        try text(name, field: "name")
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
            throw .invalid("'name' must be 1 to 200 characters", field: "name")
        }
    }

    /// Text PostgreSQL can store: no NUL character (JSON can carry one as `\u0000`; the
    /// database refuses it, which must be the caller's 400, not the gateway's 500).
    static func text(_ value: String, field: String) throws(GovernanceError) {
        if value.utf8.contains(0) {
            throw .invalid("'\(field)' must not contain the NUL character (\\u0000)", field: field)
        }
    }

    /// The largest budget stored exactly (the columns are numeric(24, 12)): just under $10¹².
    static let maxBudget = Money(Decimal(999_999_999_999))

    /// A budget being set (`.some(.some)`) must be between zero and `maxBudget`.
    static func budget(_ change: Money??, field: String) throws(GovernanceError) {
        guard case .some(.some(let budget)) = change else { return }
        if budget < .zero {
            throw .invalid("'\(field)' must not be negative", field: field)
        }
        if maxBudget < budget {
            throw .invalid("'\(field)' must be between 0 and \(maxBudget) USD", field: field)
        }
    }

    /// A limit being set must be at least 1 and fit its column (a 32-bit integer).
    static func positive(_ change: Int??, field: String) throws(GovernanceError) {
        if case .some(.some(let limit)) = change, limit < 1 || limit > Int(Int32.max) {
            throw .invalid("'\(field)' must be between 1 and \(Int32.max)", field: field)
        }
    }
}
