import Foundation
import PostgresNIO
import PostgresStorage
import Pricing
import Testing
import TollgateTestSupport

/// Seeding the catalogue into PostgreSQL at every start: new entries are added, a changed built-in
/// entry replaces the old one (kept in the history), and an admin correction is never overwritten.
@Suite struct PriceStoreTests {
    static func entry(_ input: String, day: String = "2025-01-01") -> PriceEntry {
        PriceEntry(model: "m", provider: "p", input: input, output: "1", effective_from: day)
    }

    @Test func seedingAddsChangesAndLeavesAdminCorrectionsAlone() async throws {
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let store = PostgresPriceStore(client: client, logger: TestPostgres.logger)
            #expect(try await store.seed([Self.entry("1")], origin: .builtIn) == 1)
            #expect(try await store.seed([Self.entry("1")], origin: .builtIn) == 0)  // a restart: nothing new
            #expect(try await store.seed([Self.entry("2")], origin: .builtIn) == 1)  // a newer binary corrected it
            #expect(try await store.entriesInForce().map(\.input) == ["2"])

            let (added, replaced) = try await store.add(Self.entry("3"), origin: .admin)
            #expect(replaced?.entry.input == "2" && replaced?.replacedBy == added.id)
            #expect(try await store.seed([Self.entry("2")], origin: .builtIn) == 0)  // the admin's correction stays
            #expect(try await store.entriesInForce().map(\.input) == ["3"])

            #expect(try await store.seed([Self.entry("5", day: "2026-01-01")], origin: .file) == 1)
            let history = try await store.history(model: "m")
            #expect(history.map(\.entry.input) == ["1", "2", "3", "5"])
            #expect(history.map { $0.replacedAt == nil } == [false, false, true, true])
            #expect(history.map(\.origin) == [.builtIn, .builtIn, .admin, .file])
        }
    }
}
