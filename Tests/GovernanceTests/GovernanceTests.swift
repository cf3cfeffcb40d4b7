import Foundation
import Pricing
import Testing
@testable import Governance

@Suite struct GovernanceTests {
    static func key(models: [String]? = nil, expires: Date? = nil, revoked: Date? = nil) -> APIKey {
        APIKey(id: UUID(), teamID: UUID(), name: "k", prefix: "tg-abc", models: models, monthlyBudget: nil,
               expiresAt: expires, revokedAt: revoked, createdAt: Date())
    }

    static let team = Team(id: UUID(), name: "t", monthlyBudget: nil, createdAt: Date())

    @Test func aKeyWithoutAModelListMayUseEveryModel() {
        #expect(Self.key().allows(model: "anything"))
        #expect(Self.key(models: ["gpt-4o"]).allows(model: "gpt-4o"))
        #expect(!Self.key(models: ["gpt-4o"]).allows(model: "gpt-4o-mini"))
    }

    @Test func revokedAndExpiredKeysAreRefused() {
        let now = Date()
        #expect(Principal(key: Self.key(), team: Self.team).refusal(at: now) == nil)
        #expect(Principal(key: Self.key(revoked: now), team: Self.team).refusal(at: now) == .revoked)
        #expect(Principal(key: Self.key(expires: now), team: Self.team).refusal(at: now) == .expired)
        #expect(Principal(key: Self.key(expires: now + 60), team: Self.team).refusal(at: now) == nil)
    }

    @Test(arguments: [
        (NewAPIKey(teamID: UUID(), name: " "), "name"),
        (NewAPIKey(teamID: UUID(), name: "k", models: []), "models"),
        (NewAPIKey(teamID: UUID(), name: "k", models: [""]), "models"),
        (NewAPIKey(teamID: UUID(), name: "k", monthlyBudget: Money("-1")), "monthly_budget_usd"),
        (NewAPIKey(teamID: UUID(), name: "k", expiresAt: Date(timeIntervalSince1970: 0)), "expires_at"),
    ])
    func invalidKeysNameTheField(key: NewAPIKey, field: String) {
        #expect { try key.validate() } throws: { ($0 as? GovernanceError)?.field == field }
    }

    @Test func teamChangesAreValidated() throws {
        #expect { try TeamChanges(name: "").validate() } throws: { ($0 as? GovernanceError)?.field == "name" }
        #expect { try TeamChanges(monthlyBudget: .some(Money("-0.01"))).validate() } throws: { ($0 as? GovernanceError)?.field == "monthly_budget_usd" }
        try TeamChanges(name: "ok", monthlyBudget: .some(nil)).validate()
    }

    @Test(arguments: [
        ("99", "0", true), ("90", "0", true), ("80", "10", true), ("89.99", "0", false), ("10", "0", false), ("0", "0", false),
    ])
    func aRefusalCountsAsExhaustionOnlyNearTheLimit(spent: String, reserved: String, exhausts: Bool) {
        #expect(BudgetAlert.refusalExhausts(spent: Money(spent)!, reserved: Money(reserved)!, limit: Money("100")!) == exhausts)
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("localhost", true), ("api.localhost", true), ("printer.local", true), ("10.1.2.3", true),
        ("172.16.0.1", true), ("172.31.255.255", true), ("172.32.0.1", false), ("192.168.1.1", true), ("169.254.169.254", true),
        ("100.64.0.1", true), ("0.0.0.0", true), ("[::1]", true), ("::", true), ("[fd00::1]", true), ("fe80::1", true),
        ("::ffff:127.0.0.1", true), ("::ffff:8.8.8.8", false), ("8.8.8.8", false), ("[2606:4700::1111]", false),
        ("hooks.example.com", false), ("LOCALHOST.", true), ("metadata.google.internal", true),
    ])
    func privateAddressesAreRecognised(host: String, isPrivate: Bool) {
        #expect(PrivateAddress.isPrivate(host: host) == isPrivate)
    }
}
