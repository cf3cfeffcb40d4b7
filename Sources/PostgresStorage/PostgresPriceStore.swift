import Foundation
import Governance
import Logging
import PostgresNIO
import Pricing

/// Price entries in PostgreSQL (`model_prices`), shared by every replica; a change is announced on
/// the governance channel so every replica reloads its table at once.
public struct PostgresPriceStore: PriceStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = "id, entry::text, origin, created_at, replaced_at, replaced_by"

    static func record(_ row: PostgresRandomAccessRow) throws -> PriceRecord {
        let json = try row[1].decode(String.self)
        let entry = try JSONDecoder().decode(PriceEntry.self, from: Data(json.utf8))
        return PriceRecord(
            id: try row[0].decode(Int64.self), entry: entry,
            origin: PriceOrigin(rawValue: try row[2].decode(String.self)) ?? .admin,
            createdAt: try row[3].decode(Date.self), replacedAt: try row[4].decode(Date?.self), replacedBy: try row[5].decode(Int64?.self))
    }

    static func json(_ entry: PriceEntry) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(entry), as: UTF8.self)
    }

    public func seed(_ entries: [PriceEntry], origin: PriceOrigin) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            // Replicas starting together seed one at a time.
            try await connection.query("SELECT pg_advisory_xact_lock(7420002)", logger: logger)
            var added = 0
            for entry in entries {
                let json = try Self.json(entry)
                let current = try await Self.inForce(entry, on: connection, logger: logger)
                if let current, current.origin == .admin || current.entry == entry { continue }
                _ = try await Self.insert(entry, json: json, origin: origin, replacing: current, on: connection, logger: logger)
                added += 1
            }
            if added > 0 { try await Self.announce(on: connection, logger: logger) }
            return added
        }
    }

    public func add(_ entry: PriceEntry, origin: PriceOrigin) async throws -> (added: PriceRecord, replaced: PriceRecord?) {
        let json = try Self.json(entry)
        return try await client.withTransaction(logger: logger) { connection in
            let current = try await Self.inForce(entry, on: connection, logger: logger)
            let added = try await Self.insert(entry, json: json, origin: origin, replacing: current, on: connection, logger: logger)
            try await Self.announce(on: connection, logger: logger)
            var replaced = current
            replaced?.replacedAt = added.createdAt
            replaced?.replacedBy = added.id
            return (added, replaced)
        }
    }

    public func entriesInForce() async throws -> [PriceEntry] {
        try await records("SELECT \(unescaped: Self.columns) FROM model_prices WHERE replaced_at IS NULL ORDER BY model, effective_from")
            .map(\.entry)
    }

    public func history(model: String?) async throws -> [PriceRecord] {
        if let model {
            return try await records("SELECT \(unescaped: Self.columns) FROM model_prices WHERE model = \(model) ORDER BY effective_from, id")
        }
        return try await records("SELECT \(unescaped: Self.columns) FROM model_prices ORDER BY model, effective_from, id")
    }

    private func records(_ query: PostgresQuery) async throws -> [PriceRecord] {
        var result: [PriceRecord] = []
        for try await row in try await client.query(query, logger: logger) {
            result.append(try Self.record(row.makeRandomAccess()))
        }
        return result
    }

    /// The entry in force for `entry`'s model and day, locked until the transaction ends.
    private static func inForce(_ entry: PriceEntry, on connection: PostgresConnection, logger: Logger) async throws -> PriceRecord? {
        let rows = try await connection.query("""
            SELECT \(unescaped: columns) FROM model_prices
            WHERE model = \(entry.model) AND effective_from = \(entry.effective_from)::date AND replaced_at IS NULL
            FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try record(row.makeRandomAccess()) }
        return nil
    }

    /// Inserts `entry`, first marking `replacing` replaced (the index allows one entry in force).
    private static func insert(
        _ entry: PriceEntry, json: String, origin: PriceOrigin, replacing: PriceRecord?, on connection: PostgresConnection, logger: Logger
    ) async throws -> PriceRecord {
        if let replacing {
            try await connection.query("UPDATE model_prices SET replaced_at = now() WHERE id = \(replacing.id)", logger: logger)
        }
        let rows = try await connection.query("""
            INSERT INTO model_prices (model, provider, effective_from, entry, origin)
            VALUES (\(entry.model), \(entry.provider ?? ""), \(entry.effective_from)::date, \(json)::jsonb, \(origin.rawValue))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        var added: PriceRecord?
        for try await row in rows { added = try record(row.makeRandomAccess()) }
        guard let added else { throw StorageError("inserting a price returned no row") }
        if let replacing {
            try await connection.query("UPDATE model_prices SET replaced_by = \(added.id) WHERE id = \(replacing.id)", logger: logger)
        }
        return added
    }

    private static func announce(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_notify(\(PostgresGovernanceStore.changeChannel), \(GovernanceChange.prices.message))", logger: logger)
    }
}
