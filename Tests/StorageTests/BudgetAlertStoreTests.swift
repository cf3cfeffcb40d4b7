import Foundation
import Governance
import PostgresNIO
import PostgresStorage
import Pricing
import Testing
import TollgateTestSupport

/// Budget alerts in the shared store: claimed once, and handed out again for another attempt only
/// while undelivered, by one step that reads and claims, so an alert whose first delivery ends
/// meanwhile is not sent twice.
@Suite struct BudgetAlertStoreTests {
    static func alert(_ team: UUID, threshold: Int) -> BudgetAlert {
        BudgetAlert(scope: .team, scopeID: team, scopeName: "alerted", teamID: team, threshold: threshold, limit: Money(10),
                    spent: Money(9), periodStart: Date(timeIntervalSince1970: 1_800_000_000),
                    periodEnd: Date(timeIntervalSince1970: 1_802_592_000), time: Date())
    }

    @Test func anUndeliveredAlertIsClaimedAgainOnceAndADeliveredOneNever() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let team = try await PostgresGovernanceStore(client: client, logger: TestPostgres.logger).createTeam(name: "alerted", changes: TeamChanges())
            let store = PostgresBudgetStore(client: client, logger: TestPostgres.logger)
            let failed = Self.alert(team.id, threshold: 50)
            let sent = Self.alert(team.id, threshold: 80)
            #expect(try await store.claim(failed))
            #expect(try await !store.claim(failed))
            #expect(try await store.claim(sent))
            try await store.markDelivered(failed, delivered: false)
            try await store.markDelivered(sent, delivered: true)

            // Two retry passes at once (two replicas), both counting as due what was claimed before
            // now: the failed alert goes to one of them, whichever runs first.
            let due = Date()
            async let first = store.claimUndelivered(claimedBefore: due)
            async let second = store.claimUndelivered(claimedBefore: due)
            let handedOut = try await first + second
            #expect(handedOut.map(\.threshold) == [50])
            #expect(try await store.claimUndelivered(claimedBefore: due).isEmpty)
            try await store.markDelivered(failed, delivered: true)
            #expect(try await store.claimUndelivered(claimedBefore: Date().addingTimeInterval(3600)).isEmpty)
        }
    }
}
