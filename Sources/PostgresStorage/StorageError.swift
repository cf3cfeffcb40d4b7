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
