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

    // MARK: Rows

    /// The team columns every team query selects, in the order `team(_:at:)` reads them.
    static let teamColumns = """
        t.id, t.name, t.monthly_budget_usd::text, t.soft_budget_usd::text, t.budget_timezone, t.downgrade::text,
        t.alert_webhook_url, t.created_at, t.routes::text
        """

    static func team(_ row: PostgresRandomAccessRow, at offset: Int = 0) throws -> Team {
        let downgradeJSON = try row[offset + 5].decode(String.self)
        let downgrades = (try? JSONDecoder().decode([String: String].self, from: Data(downgradeJSON.utf8))) ?? [:]
        return Team(
            id: try row[offset].decode(UUID.self),
            name: try row[offset + 1].decode(String.self),
            monthlyBudget: try row[offset + 2].decode(String?.self).flatMap(Money.init),
            softBudget: try row[offset + 3].decode(String?.self).flatMap(Money.init),
            budgetTimeZone: try row[offset + 4].decode(String.self),
            downgrades: downgrades,
            alertWebhookURL: try row[offset + 6].decode(String?.self),
            routes: try row[offset + 8].decode(String?.self).flatMap { try? JSONDecoder().decode([String: [String]].self, from: Data($0.utf8)) },
            createdAt: try row[offset + 7].decode(Date.self))
    }

    /// The key columns every key query selects, in the order `key(_:at:)` reads them.
    static let keyColumns = """
        k.id, k.team_id, k.name, k.prefix, k.models, k.monthly_budget_usd::text, k.soft_budget_usd::text,
        k.rpm_limit, k.tpm_limit, k.expires_at, k.revoked_at, k.created_at, k.end_user_monthly_budget_usd::text
        """

    /// How many columns `keyColumns` selects: a joined team's columns follow them.
    static let keyColumnCount = 13

    static func key(_ row: PostgresRandomAccessRow, at offset: Int = 0) throws -> APIKey {
        APIKey(
            id: try row[offset].decode(UUID.self),
            teamID: try row[offset + 1].decode(UUID.self),
            name: try row[offset + 2].decode(String.self),
            prefix: try row[offset + 3].decode(String.self),
            models: try row[offset + 4].decode([String]?.self),
            monthlyBudget: try row[offset + 5].decode(String?.self).flatMap(Money.init),
            softBudget: try row[offset + 6].decode(String?.self).flatMap(Money.init),
            rpmLimit: try row[offset + 7].decode(Int?.self),
            tpmLimit: try row[offset + 8].decode(Int?.self),
            endUserMonthlyBudget: try row[offset + 12].decode(String?.self).flatMap(Money.init),
            expiresAt: try row[offset + 9].decode(Date?.self),
            revokedAt: try row[offset + 10].decode(Date?.self),
            createdAt: try row[offset + 11].decode(Date.self))
    }

    func rows<T>(_ query: PostgresQuery, _ read: (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in try await client.query(query, logger: logger) {
            result.append(try read(row.makeRandomAccess()))
        }
        return result
    }

    static func json(routes: [String: [String]]?) -> String? {
        guard let routes, let data = try? JSONEncoder().encode(routes) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func json(_ downgrades: [String: String]?) -> String? {
        guard let downgrades, let data = try? JSONEncoder().encode(downgrades) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The channel on which key and team changes are announced to every replica.
    public static let changeChannel = "tollgate_governance"

    /// Tells every replica listening (see `PostgresGovernanceListener`) to forget its cached copy.
    /// Best effort: the change is already committed, and caches also expire on their own.
    func announce(_ change: GovernanceChange) async {
        do {
            try await client.query("SELECT pg_notify(\(Self.changeChannel), \(change.message))", logger: logger)
        } catch {
            logger.warning("cannot announce a key change to other replicas", metadata: ["tollgate.error": "\(loggable(error))"])
        }
    }

    // MARK: Teams

    public func createTeam(name: String, changes: TeamChanges) async throws -> Team {
        do {
            let created = try await rows("""
                WITH t AS (
                    INSERT INTO teams (id, name, monthly_budget_usd, soft_budget_usd, budget_timezone, downgrade, alert_webhook_url, routes)
                    VALUES (\(UUID()), \(name), \((changes.monthlyBudget ?? nil)?.decimalString)::numeric,
                            \((changes.softBudget ?? nil)?.decimalString)::numeric, coalesce(\(changes.budgetTimeZone), 'UTC'),
                            coalesce(\(Self.json(changes.downgrades))::jsonb, '{}'), \(changes.alertWebhookURL ?? nil),
                            \(Self.json(routes: changes.routes ?? nil))::jsonb)
                    RETURNING *
                )
                SELECT \(unescaped: Self.teamColumns) FROM t
                """, { try Self.team($0) })
            return try Self.only(created)
        } catch where isUniqueViolation(error) {
            throw GovernanceError.conflict("a team named '\(name)' already exists")
        }
    }

    public func teams() async throws -> [Team] {
        try await rows("SELECT \(unescaped: Self.teamColumns) FROM teams t ORDER BY t.name", { try Self.team($0) })
    }

    public func team(id: UUID) async throws -> Team? {
        try await rows("SELECT \(unescaped: Self.teamColumns) FROM teams t WHERE t.id = \(id)", { try Self.team($0) }).first
    }

    public func updateTeam(id: UUID, changes: TeamChanges) async throws -> Team? {
        let team: Team?
        do {
            team = try await rows("""
                WITH t AS (
                    UPDATE teams SET
                        name = coalesce(\(changes.name), name),
                        monthly_budget_usd = CASE WHEN \(changes.monthlyBudget != nil) THEN \((changes.monthlyBudget ?? nil)?.decimalString)::numeric ELSE monthly_budget_usd END,
                        soft_budget_usd = CASE WHEN \(changes.softBudget != nil) THEN \((changes.softBudget ?? nil)?.decimalString)::numeric ELSE soft_budget_usd END,
                        budget_timezone = coalesce(\(changes.budgetTimeZone), budget_timezone),
                        downgrade = coalesce(\(Self.json(changes.downgrades))::jsonb, downgrade),
                        alert_webhook_url = CASE WHEN \(changes.alertWebhookURL != nil) THEN \(changes.alertWebhookURL ?? nil) ELSE alert_webhook_url END,
                        routes = CASE WHEN \(changes.routes != nil) THEN \(Self.json(routes: changes.routes ?? nil))::jsonb ELSE routes END,
                        updated_at = now()
                    WHERE id = \(id)
                    RETURNING *
                )
                SELECT \(unescaped: Self.teamColumns) FROM t
                """, { try Self.team($0) }).first
        } catch where isUniqueViolation(error) {
            throw GovernanceError.conflict("a team named '\(changes.name ?? "")' already exists")
        }
        if team != nil { await announce(.team(id)) }
        return team
    }

    // MARK: Keys

    public func createKey(_ key: NewAPIKey, prefix: String, secretHash: String) async throws -> APIKey {
        guard try await team(id: key.teamID) != nil else {
            throw GovernanceError.notFound("no team with id \(key.teamID)")
        }
        let created = try await rows("""
            WITH k AS (
                INSERT INTO api_keys (id, team_id, name, prefix, secret_hash, models, monthly_budget_usd, soft_budget_usd,
                                      rpm_limit, tpm_limit, expires_at, end_user_monthly_budget_usd)
                VALUES (\(UUID()), \(key.teamID), \(key.name), \(prefix), \(secretHash), \(key.models),
                        \(key.monthlyBudget?.decimalString)::numeric, \(key.softBudget?.decimalString)::numeric,
                        \(key.rpmLimit), \(key.tpmLimit), \(key.expiresAt), \(key.endUserMonthlyBudget?.decimalString)::numeric)
                RETURNING *
            )
            SELECT \(unescaped: Self.keyColumns) FROM k
            """, { try Self.key($0) })
        return try Self.only(created)
    }

    public func keys(teamID: UUID?) async throws -> [APIKey] {
        try await rows("""
            SELECT \(unescaped: Self.keyColumns) FROM api_keys k
            WHERE \(teamID)::uuid IS NULL OR k.team_id = \(teamID) ORDER BY k.created_at, k.id
            """, { try Self.key($0) })
    }

    public func key(id: UUID) async throws -> APIKey? {
        try await rows("SELECT \(unescaped: Self.keyColumns) FROM api_keys k WHERE k.id = \(id)", { try Self.key($0) }).first
    }

    public func updateKey(id: UUID, changes: KeyChanges) async throws -> APIKey? {
        let key = try await rows("""
            WITH k AS (
                UPDATE api_keys SET
                    name = coalesce(\(changes.name), name),
                    models = CASE WHEN \(changes.models != nil) THEN \(changes.models ?? nil)::text[] ELSE models END,
                    monthly_budget_usd = CASE WHEN \(changes.monthlyBudget != nil) THEN \((changes.monthlyBudget ?? nil)?.decimalString)::numeric ELSE monthly_budget_usd END,
                    soft_budget_usd = CASE WHEN \(changes.softBudget != nil) THEN \((changes.softBudget ?? nil)?.decimalString)::numeric ELSE soft_budget_usd END,
                    rpm_limit = CASE WHEN \(changes.rpmLimit != nil) THEN \(changes.rpmLimit ?? nil)::int ELSE rpm_limit END,
                    tpm_limit = CASE WHEN \(changes.tpmLimit != nil) THEN \(changes.tpmLimit ?? nil)::int ELSE tpm_limit END,
                    end_user_monthly_budget_usd = CASE WHEN \(changes.endUserMonthlyBudget != nil)
                        THEN \((changes.endUserMonthlyBudget ?? nil)?.decimalString)::numeric ELSE end_user_monthly_budget_usd END,
                    expires_at = CASE WHEN \(changes.expiresAt != nil) THEN \(changes.expiresAt ?? nil)::timestamptz ELSE expires_at END
                WHERE id = \(id)
                RETURNING *
            )
            SELECT \(unescaped: Self.keyColumns) FROM k
            """, { try Self.key($0) }).first
        if key != nil { await announce(.key(id)) }
        return key
    }

    public func revokeKey(id: UUID) async throws -> APIKey? {
        let key = try await rows("""
            WITH k AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = \(id) RETURNING *)
            SELECT \(unescaped: Self.keyColumns) FROM k
            """, { try Self.key($0) }).first
        if key != nil { await announce(.key(id)) }
        return key
    }

    public func principal(secretHash: String) async throws -> Principal? {
        try await rows("""
            SELECT \(unescaped: Self.keyColumns), \(unescaped: Self.teamColumns)
            FROM api_keys k JOIN teams t ON t.id = k.team_id
            WHERE k.secret_hash = \(secretHash)
            """, { Principal(key: try Self.key($0), team: try Self.team($0, at: Self.keyColumnCount)) }).first
    }

    /// The one row a `RETURNING` statement yields.
    static func only<T>(_ rows: [T]) throws -> T {
        guard let row = rows.first else { throw StorageError("the statement returned no row") }
        return row
    }
}
