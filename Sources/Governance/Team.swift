import Foundation
import Pricing

/// A team: the unit that owns keys and is billed.
public struct Team: Sendable, Hashable, Codable {
    public var id: UUID
    public var name: String
    /// The hard monthly limit in USD; nil means unlimited.
    public var monthlyBudget: Money?
    public var createdAt: Date

    public init(id: UUID, name: String, monthlyBudget: Money?, createdAt: Date) {
        self.id = id
        self.name = name
        self.monthlyBudget = monthlyBudget
        self.createdAt = createdAt
    }
}

/// The fields an admin sets when creating or changing a team.
public struct TeamChanges: Sendable {
    public var name: String?
    /// `.some(nil)` clears the budget.
    public var monthlyBudget: Money??

    public init(name: String? = nil, monthlyBudget: Money?? = nil) {
        self.name = name
        self.monthlyBudget = monthlyBudget
    }

    /// Checks the values an admin sent, naming the field at fault.
    public func validate() throws(GovernanceError) {
        if let name {
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
                throw .invalid("'name' must be 1 to 200 characters", field: "name")
            }
        }
        if case .some(.some(let budget)) = monthlyBudget, budget < .zero {
            throw .invalid("'monthly_budget_usd' must not be negative", field: "monthly_budget_usd")
        }
    }
}
