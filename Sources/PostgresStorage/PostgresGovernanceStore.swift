import Foundation
import Governance
import Logging
import PostgresNIO
import Pricing

/// Teams and API keys in PostgreSQL.
public struct PostgresGovernanceStore: TeamStore, KeyStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    // MARK: Teams

    static let teamColumns = "id, name, monthly_budget_usd::text, created_at"
    typealias TeamRow = (UUID, String, String?, Date)

    static func team(_ row: TeamRow) -> Team {
        Team(id: row.0, name: row.1, monthlyBudget: row.2.flatMap(Money.init), createdAt: row.3)
    }

    public func createTeam(name: String, changes: TeamChanges) async throws -> Team {
        let budget = (changes.monthlyBudget ?? nil)?.decimalString
        do {
            let rows = try await client.query("""
                INSERT INTO teams (id, name, monthly_budget_usd) VALUES (\(UUID()), \(name), \(budget)::numeric)
                RETURNING id, name, monthly_budget_usd::text, created_at
                """, logger: logger)
            return Self.team(try await Self.only(rows.decode(TeamRow.self)))
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw GovernanceError.conflict("a team named '\(name)' already exists")
        }
    }

    public func teams() async throws -> [Team] {
        let rows = try await client.query("SELECT id, name, monthly_budget_usd::text, created_at FROM teams ORDER BY name", logger: logger)
        var teams: [Team] = []
        for try await row in rows.decode(TeamRow.self) { teams.append(Self.team(row)) }
        return teams
    }

    public func team(id: UUID) async throws -> Team? {
        let rows = try await client.query("SELECT id, name, monthly_budget_usd::text, created_at FROM teams WHERE id = \(id)", logger: logger)
        return try await Self.first(rows.decode(TeamRow.self)).map(Self.team)
    }

    public func updateTeam(id: UUID, changes: TeamChanges) async throws -> Team? {
        let setsBudget = changes.monthlyBudget != nil
        let budget = (changes.monthlyBudget ?? nil)?.decimalString
        do {
            let rows = try await client.query("""
                UPDATE teams SET
                    name = coalesce(\(changes.name), name),
                    monthly_budget_usd = CASE WHEN \(setsBudget) THEN \(budget)::numeric ELSE monthly_budget_usd END,
                    updated_at = now()
                WHERE id = \(id)
                RETURNING id, name, monthly_budget_usd::text, created_at
                """, logger: logger)
            return try await Self.first(rows.decode(TeamRow.self)).map(Self.team)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw GovernanceError.conflict("a team named '\(changes.name ?? "")' already exists")
        }
    }

    // MARK: Keys

    typealias KeyRow = (UUID, UUID, String, String, [String]?, String?, Date?, Date?, Date)

    static func key(_ row: KeyRow) -> APIKey {
        APIKey(
            id: row.0, teamID: row.1, name: row.2, prefix: row.3, models: row.4, monthlyBudget: row.5.flatMap(Money.init),
            expiresAt: row.6, revokedAt: row.7, createdAt: row.8
        )
    }

    public func createKey(_ key: NewAPIKey, prefix: String, secretHash: String) async throws -> APIKey {
        guard try await team(id: key.teamID) != nil else {
            throw GovernanceError.notFound("no team with id \(key.teamID)")
        }
        let rows = try await client.query("""
            INSERT INTO api_keys (id, team_id, name, prefix, secret_hash, models, monthly_budget_usd, expires_at)
            VALUES (\(UUID()), \(key.teamID), \(key.name), \(prefix), \(secretHash), \(key.models), \(key.monthlyBudget?.decimalString)::numeric, \(key.expiresAt))
            RETURNING id, team_id, name, prefix, models, monthly_budget_usd::text, expires_at, revoked_at, created_at
            """, logger: logger)
        return Self.key(try await Self.only(rows.decode(KeyRow.self)))
    }

    public func keys(teamID: UUID?) async throws -> [APIKey] {
        let rows = try await client.query("""
            SELECT id, team_id, name, prefix, models, monthly_budget_usd::text, expires_at, revoked_at, created_at
            FROM api_keys WHERE \(teamID)::uuid IS NULL OR team_id = \(teamID) ORDER BY created_at, id
            """, logger: logger)
        var keys: [APIKey] = []
        for try await row in rows.decode(KeyRow.self) { keys.append(Self.key(row)) }
        return keys
    }

    public func revokeKey(id: UUID) async throws -> APIKey? {
        let rows = try await client.query("""
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = \(id)
            RETURNING id, team_id, name, prefix, models, monthly_budget_usd::text, expires_at, revoked_at, created_at
            """, logger: logger)
        return try await Self.first(rows.decode(KeyRow.self)).map(Self.key)
    }

    public func principal(secretHash: String) async throws -> Principal? {
        let rows = try await client.query("""
            SELECT k.id, k.team_id, k.name, k.prefix, k.models, k.monthly_budget_usd::text, k.expires_at, k.revoked_at, k.created_at,
                   t.id, t.name, t.monthly_budget_usd::text, t.created_at
            FROM api_keys k JOIN teams t ON t.id = k.team_id
            WHERE k.secret_hash = \(secretHash)
            """, logger: logger)
        for try await row in rows {
            let (keyID, teamID, name, prefix, models, keyBudget, expires, revoked, created, _, teamName, teamBudget, teamCreated) =
                try row.decode((UUID, UUID, String, String, [String]?, String?, Date?, Date?, Date, UUID, String, String?, Date).self)
            let key = Self.key((keyID, teamID, name, prefix, models, keyBudget, expires, revoked, created))
            return Principal(key: key, team: Self.team((teamID, teamName, teamBudget, teamCreated)))
        }
        return nil
    }

    static func first<S: AsyncSequence>(_ sequence: S) async throws -> S.Element? {
        for try await element in sequence { return element }
        return nil
    }

    /// The one row a `RETURNING` statement yields.
    static func only<S: AsyncSequence>(_ sequence: S) async throws -> S.Element {
        guard let element = try await first(sequence) else { throw StorageError("the statement returned no row") }
        return element
    }
}
