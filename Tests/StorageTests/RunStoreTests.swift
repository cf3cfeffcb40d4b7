import Foundation
import Governance
import PostgresNIO
import PostgresStorage
import Pricing
import Testing
import TollgateTestSupport

/// The shared record of runs: concurrent first requests agree on one start and budget, a running
/// run keeps them, a run 24 hours past its last call starts anew, ended runs are purged.
@Suite struct RunStoreTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aRunIsOpenedOnceAndEndsADayAfterItsLastCall() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let team = try await PostgresGovernanceStore(client: client, logger: TestPostgres.logger).createTeam(name: "agents", changes: TeamChanges())
            let store = PostgresRunStore(client: client, logger: TestPostgres.logger)
            let opened = try await withThrowingTaskGroup(of: AgentRun.self) { group in
                for n in 0..<8 {
                    group.addTask {
                        try await store.open(teamID: team.id, name: "job", budget: Money("\(n + 1)"), now: Self.start.addingTimeInterval(Double(n) / 1000))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(opened.map(\.startedAt)).count == 1)
            #expect(Set(opened.map(\.budget)).count == 1)
            let first = opened[0]
            // 23 hours later: the same run, its last call moved on.
            let later = try await store.open(teamID: team.id, name: "job", budget: nil, now: Self.start.addingTimeInterval(23 * 3600))
            #expect(later == first)
            #expect(try await store.purgeEnded(now: Self.start.addingTimeInterval(46 * 3600)) == 0)
            // A day after that last call it has ended: purged, and the name starts a new run.
            #expect(try await store.purgeEnded(now: Self.start.addingTimeInterval(47.1 * 3600)) == 1)
            let fresh = try await store.open(teamID: team.id, name: "job", budget: Money("9"), now: Self.start.addingTimeInterval(48 * 3600))
            #expect(fresh.startedAt == Self.start.addingTimeInterval(48 * 3600) && fresh.budget == Money("9"))
            // Without a purge, an ended run is started anew by its next call too.
            let reopened = try await store.open(teamID: team.id, name: "job", budget: nil, now: Self.start.addingTimeInterval(73 * 3600))
            #expect(reopened.startedAt == Self.start.addingTimeInterval(73 * 3600) && reopened.budget == nil)
        }
    }
}
