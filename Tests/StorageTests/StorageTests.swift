import Foundation
import Gateway
import Governance
import Metering
import PostgresNIO
import Pricing
import Testing
import TollgateTestSupport
@testable import PostgresStorage

@Suite struct StorageTests {
    static func event(_ id: String, team: UUID, key: UUID, at time: Date, model: String = "gpt-4o", cost: String? = "0.000133750001",
                      usage: TokenUsage = TokenUsage(uncachedInput: 4, cacheRead: 3, cacheWrite: 2, output: 12, reasoning: 5)) -> UsageEvent {
        UsageEvent(requestID: id, time: time, teamID: team, keyID: key, task: "summarise", requestedModel: model, servedModel: model,
                   provider: "openai", usage: usage, cost: cost.flatMap(Money.init), status: 200, latencyMilliseconds: 12, streamed: true)
    }

    @Test func migrationsApplyOnceAndAreRecorded() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let again = try await MigrationRunner().migrate(client, logger: TestPostgres.logger)
            #expect(again.isEmpty)
            var names: [String] = []
            for try await name in try await client.query("SELECT name FROM schema_migrations ORDER BY name").decode(String.self) {
                names.append(name)
            }
            // The built-in migrations are the repository's migrations/, compiled in.
            #expect(names == (try MigrationRunner().files()))
            #expect(names == (try MigrationRunner(directory: TestPostgres.migrationsDirectory).files()))
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let database = try await TestPostgres.makeDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in try MigrationRunner(directory: TestPostgres.migrationsDirectory).files() {
            try FileManager.default.copyItem(atPath: TestPostgres.migrationsDirectory + "/" + file, toPath: directory + "/" + file)
        }
        try "CREATE TABLE good (x int);\nCREATE TABLE broken (;".write(toFile: directory + "/9999_broken.sql", atomically: true, encoding: .utf8)
        try await TestPostgres.withClient(database) { client in
            await #expect(throws: StorageError.self) {
                try await MigrationRunner(directory: directory).migrate(client, logger: TestPostgres.logger)
            }
            let rows = try await client.query("SELECT count(*)::int8 FROM pg_tables WHERE tablename = 'good'").decode(Int.self)
            for try await count in rows { #expect(count == 0) }
        }
    }

    @Test func usageWritesAreIdempotentAndKeepEveryDigit() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let store = PostgresUsageStore(client: client, logger: TestPostgres.logger)
            let team = UUID(), key = UUID(), now = Date()
            let batch = [Self.event("a", team: team, key: key, at: now), Self.event("b", team: team, key: key, at: now, cost: nil)]
            #expect(try await store.insert(batch).inserted == 2)
            // The same batch again (a retry after a lost acknowledgement) adds nothing.
            // The retry first fails as a wholly new batch, then is written skipping what exists.
            #expect(try await store.insert(batch + [Self.event("c", team: team, key: key, at: now)]).inserted == 1)

            let rows = try await client.query("SELECT request_id, cost_usd::text, cache_write_tokens, reasoning_tokens FROM usage_events ORDER BY request_id")
            var seen: [String: String?] = [:]
            for try await (id, cost, cacheWrite, reasoning) in rows.decode((String, String?, Int, Int).self) {
                seen[id] = cost
                #expect(cacheWrite == 2 && reasoning == 5)
            }
            #expect(seen == ["a": "0.000133750001", "b": nil, "c": "0.000133750001"])

            let rollup = try await client.query("SELECT requests, input_tokens, cost_usd::text, unpriced_requests FROM usage_daily")
            for try await (requests, input, cost, unpriced) in rollup.decode((Int, Int, String, Int).self) {
                #expect(requests == 3)
                #expect(input == 27)  // (4 + 3 + 2) × 3
                #expect(cost == "0.000267500002")
                #expect(unpriced == 1)
            }
        }
    }

    /// A cost past numeric(24, 12) (an upstream reporting absurd usage on an absurd price) once
    /// stopped a replica writing usage for good: it was retried first, forever.
    @Test func aRowPostgreSQLRefusesIsSetAsideAndTheBatchIsWritten() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let store = PostgresUsageStore(client: client, logger: TestPostgres.logger)
            let team = UUID(), key = UUID(), now = Date()
            let poison = Self.event("poison", team: team, key: key, at: now, cost: "1000000000000000")
            await #expect(throws: UsageRejected.self) { try await store.insert([Self.event("ok-1", team: team, key: key, at: now), poison]) }

            let recorder = try UsageRecorder(store: store, spool: FileSpoolStorage(directory: Self.spoolDirectory()), logger: TestPostgres.logger)
            for index in 0..<7 { recorder.record(Self.event("ok-\(index)", team: team, key: key, at: now)) }
            recorder.record(poison)
            try await recorder.flush()
            let written = try await client.query("SELECT count(*)::int8 FROM usage_events").decode(Int.self)
            for try await count in written { #expect(count == 7) }
            let rejects = try await client.query("SELECT request_id, error, event->>'cost' FROM usage_rejects").decode((String, String, String).self)
            var seen = 0
            for try await (id, error, cost) in rejects {
                seen += 1
                #expect(id == "poison")
                #expect(error.hasPrefix("22003"))  // numeric field overflow
                #expect(cost == "1000000000000000")
            }
            #expect(seen == 1)
            #expect(recorder.pendingCount == 0)
        }
    }

    @Test func aSocketDirectoryOthersCanEnterIsRefused() throws {
        let cluster = EmbeddedPostgres(directory: Self.spoolDirectory())
        let path = Self.spoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        let owner = cluster.serverUser.flatMap { name in getpwnam(name).map { Int($0.pointee.pw_uid) } } ?? Int(geteuid())
        try FileManager.default.setAttributes([.ownerAccountID: owner, .posixPermissions: 0o777], ofItemAtPath: path)
        #expect(throws: StorageError.self) { try cluster.checkPrivate(path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        try cluster.checkPrivate(path)
        // A link to a private directory is not the directory.
        let link = path + "-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        defer { try? FileManager.default.removeItem(atPath: link) }
        #expect(throws: StorageError.self) { try cluster.checkPrivate(link) }
    }

    static func spoolDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-spool-\(UUID().uuidString)").path
    }

    @Test func aWriteReturnsTheBudgetSpendOfEveryScopeItTouched() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let store = PostgresUsageStore(client: client, logger: TestPostgres.logger)
            let team = UUID(), key = UUID(), now = Date()
            let period = try #require(Timestamp("2026-11-01T00:00:00Z"))
            func priced(_ id: String, _ cost: String) -> UsageEvent {
                var event = Self.event(id, team: team, key: key, at: now, cost: cost)
                event.budgetPeriodStart = period
                return event
            }
            let first = try await store.insert([priced("a", "0.1"), priced("b", "0.25"), Self.event("c", team: team, key: key, at: now)])
            #expect(first.inserted == 3)
            #expect(Set(first.spend) == [
                ScopeSpend(scope: "team", id: team, periodStart: period, spent: Money("0.35")!),
                ScopeSpend(scope: "key", id: key, periodStart: period, spent: Money("0.35")!),
            ])
            // The figure is the store's total, earlier batches (and other replicas) included.
            let second = try await store.insert([priced("d", "0.000000000001")])
            #expect(second.spend.first { $0.scope == "team" }?.spent == Money("0.350000000001"))
            // A retried batch adds only its new events to the spend.
            let retried = try await store.insert([priced("b", "0.25"), priced("e", "0.5")])
            #expect(retried.inserted == 1)
            #expect(retried.spend.first { $0.scope == "key" }?.spent == Money("0.850000000001"))
        }
    }

    @Test func rollupAndRawEventsGiveTheSameReport() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let governance = PostgresGovernanceStore(client: client, logger: TestPostgres.logger)
            let team = try await governance.createTeam(name: "search", changes: TeamChanges())
            let key = try await governance.createKey(NewAPIKey(teamID: team.id, name: "app"), prefix: "tg-x", secretHash: "h1")
            let other = try await governance.createTeam(name: "other", changes: TeamChanges())
            let day1 = try #require(Timestamp("2026-03-01T10:00:00Z")), day2 = try #require(Timestamp("2026-03-02T23:59:59Z"))
            let store = PostgresUsageStore(client: client, logger: TestPostgres.logger)
            try await store.insert([
                Self.event("1", team: team.id, key: key.id, at: day1),
                Self.event("2", team: team.id, key: key.id, at: day2, model: "gpt-4o-mini", cost: "0.1"),
                Self.event("3", team: team.id, key: key.id, at: day2),
                Self.event("4", team: other.id, key: UUID(), at: day2),
            ])
            let reports = PostgresSpendReportStore(client: client, logger: TestPostgres.logger)
            let query = SpendQuery(
                from: try #require(Timestamp("2026-03-01T00:00:00Z")), to: try #require(Timestamp("2026-03-03T00:00:00Z")),
                groupBy: [.team, .key, .model, .day], teamID: team.id)
            let fromRollup = try await reports.spend(query, from: .rollup)
            let fromEvents = try await reports.spend(query, from: .events)
            #expect(fromRollup == fromEvents)
            #expect(fromRollup.count == 3)
            #expect(fromRollup.allSatisfy { $0.teamName == "search" && $0.keyName == "app" })
            let mini = try #require(fromRollup.first { $0.model == "gpt-4o-mini" })
            #expect(mini.day == "2026-03-02")
            #expect(mini.totals.cost == Money("0.1"))
            #expect(mini.totals.outputTokens == 12)

            // A range that does not fall on whole days reads the raw events.
            let partial = SpendQuery(from: try #require(Timestamp("2026-03-02T12:00:00Z")), to: query.to, groupBy: [], teamID: nil)
            let rows = try await reports.spend(partial)
            #expect(rows.count == 1)
            #expect(rows[0].totals.requests == 3)
            #expect(rows[0].totals.cost == Money("0.100267500002"))  // 0.1 + 2 × 0.000133750001
        }
    }

    @Test func teamsAndKeysRoundTrip() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let store = PostgresGovernanceStore(client: client, logger: TestPostgres.logger)
            let team = try await store.createTeam(name: "t", changes: TeamChanges(monthlyBudget: .some(Money("123.456789012345"))))
            #expect(team.monthlyBudget == Money("123.456789012345"))
            await #expect { try await store.createTeam(name: "t", changes: TeamChanges()) } throws: { ($0 as? GovernanceError)?.isConflict == true }
            let renamed = try #require(try await store.updateTeam(id: team.id, changes: TeamChanges(name: "u", monthlyBudget: .some(nil))))
            #expect(renamed.name == "u" && renamed.monthlyBudget == nil)
            #expect(try await store.updateTeam(id: UUID(), changes: TeamChanges(name: "x")) == nil)

            let key = try await store.createKey(NewAPIKey(teamID: team.id, name: "k", models: ["gpt-4o"]), prefix: "tg-abc", secretHash: "hash")
            let principal = try #require(try await store.principal(secretHash: "hash"))
            #expect(principal.key == key && principal.team.name == "u")
            #expect(try await store.principal(secretHash: "other") == nil)
            let revoked = try #require(try await store.revokeKey(id: key.id))
            #expect(revoked.revokedAt != nil)
            #expect(try await store.principal(secretHash: "hash")?.key.revokedAt != nil)
            await #expect { try await store.createKey(NewAPIKey(teamID: UUID(), name: "k"), prefix: "p", secretHash: "h2") } throws: {
                ($0 as? GovernanceError)?.isNotFound == true
            }
        }
    }

    @Test(arguments: [
        ("postgres://u:p%40ss@db.example:6543/tollgate?sslmode=disable", "db.example", 6543, "u", "p@ss", "tollgate"),
        ("postgresql://localhost/app", "localhost", 5432, "postgres", nil, "app"),
    ])
    func databaseURLsAreParsed(url: String, host: String, port: Int, user: String, password: String?, database: String) throws {
        let configuration = try DatabaseAddress.configuration(url: url)
        #expect(configuration.host == host)
        #expect(configuration.port == port)
        #expect(configuration.username == user)
        #expect(configuration.password == password)
        #expect(configuration.database == database)
    }

    @Test func socketDirectoriesAndBadURLs() throws {
        let socket = try DatabaseAddress.configuration(url: "postgres://me@/db?host=/var/run/postgresql")
        #expect(socket.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5432")
        #expect(throws: StorageError.self) { try DatabaseAddress.configuration(url: "mysql://x/y") }
        #expect(throws: StorageError.self) { try DatabaseAddress.configuration(url: "postgres://x/y?sslmode=sometimes") }
        #expect(try DatabaseAddress.configuration(from: [:]) == nil)
        #expect(try DatabaseAddress.configuration(from: ["PGHOST": "/tmp/s", "PGDATABASE": "d"])?.unixSocketPath == "/tmp/s/.s.PGSQL.5432")
    }
}

func Timestamp(_ text: String) -> Date? {
    try? Date.ISO8601FormatStyle().parse(text)
}
