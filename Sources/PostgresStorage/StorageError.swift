import PostgresNIO

/// A storage failure that is not PostgreSQL's own: a launcher step, a migration, a bad address.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    static func launcher(_ step: String, _ output: String) -> StorageError {
        StorageError("embedded PostgreSQL: \(step) failed: \(output.suffix(2000))")
    }

    static func migration(_ file: String, _ reason: String) -> StorageError {
        StorageError("migration \(file) failed: \(reason)")
    }

    static func badURL(_ reason: String) -> StorageError {
        StorageError("DATABASE_URL: \(reason)")
    }
}

/// Whether PostgreSQL refused a write because a unique key already holds its value.
func isUniqueViolation(_ error: any Error) -> Bool {
    (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
}

/// Why PostgreSQL refused a write for what a row holds — a data exception (SQLSTATE class 22),
/// a constraint other than a duplicate key (class 23), or a size limit (54000) — as its SQLSTATE
/// and message, which carry no bound values; nil for anything else (a connection lost, a server
/// shutting down), which a retry may cure.
func rejectionReason(_ error: any Error) -> String? {
    guard let info = (error as? PSQLError)?.serverInfo, let state = info[.sqlState] else { return nil }
    guard state.hasPrefix("22") || (state.hasPrefix("23") && state != "23505") || state == "54000" else { return nil }
    return "\(state): \(info[.message] ?? "refused")"
}

/// An error as it may go into a log line: PostgreSQL errors as their SQLSTATE and server message
/// only (`String(reflecting:)` would add the statement and its bound values); others as they
/// describe themselves.
public func loggable(_ error: any Error) -> String {
    if let error = error as? PSQLError {
        guard let info = error.serverInfo else { return "PostgreSQL: \(error.code)" }
        return "PostgreSQL \(info[.sqlState] ?? "?"): \(info[.message] ?? "error")"
    }
    return "\(error)"
}
