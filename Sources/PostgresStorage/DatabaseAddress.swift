import Foundation
import NIOSSL
import PostgresNIO

/// Where an external PostgreSQL server is: from `DATABASE_URL` or the libpq `PG*` variables.
public enum DatabaseAddress {
    /// The configuration `environment` names, or nil when it names no server.
    public static func configuration(from environment: [String: String]) throws -> PostgresClient.Configuration? {
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            return try configuration(url: url)
        }
        guard let host = environment["PGHOST"], !host.isEmpty else { return nil }
        return try configuration(
            host: host,
            port: environment["PGPORT"].flatMap(Int.init) ?? 5432,
            user: environment["PGUSER"] ?? "postgres",
            password: environment["PGPASSWORD"],
            database: environment["PGDATABASE"],
            sslMode: environment["PGSSLMODE"]
        )
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=…`; a `host` query item that is
    /// a directory selects a unix socket, as libpq does.
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else { throw StorageError.badURL("expected postgres://user:password@host:port/database") }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let host = query["host"] ?? components.host ?? "localhost"
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        return try configuration(
            host: host.isEmpty ? "localhost" : host,
            port: components.port ?? 5432,
            user: components.user?.removingPercentEncoding ?? "postgres",
            password: components.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database,
            sslMode: query["sslmode"]
        )
    }

    static func configuration(
        host: String, port: Int, user: String, password: String?, database: String?, sslMode: String?
    ) throws -> PostgresClient.Configuration {
        if host.hasPrefix("/") {
            return .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS
        switch sslMode ?? "prefer" {
        case "disable", "allow":
            tls = .disable
        case "prefer":
            tls = .prefer(Self.unverifiedTLS())
        case "require":
            tls = .require(Self.unverifiedTLS())
        case "verify-ca", "verify-full":
            tls = .require(.makeClientConfiguration())
        case let other:
            throw StorageError.badURL("unknown sslmode '\(other)'")
        }
        return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// libpq's `require` encrypts without checking the certificate.
    private static func unverifiedTLS() -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return tls
    }
}
