import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOPosix
import PostgresNIO

/// A PostgreSQL cluster of Tollgate's own, run from the system's PostgreSQL binaries.
///
/// It listens on a unix socket only, runs as the `postgres` user when Tollgate runs as root (the
/// server refuses root), and is reused when it is already running.
///
/// ```swift
/// let cluster = EmbeddedPostgres(directory: ".tollgate/postgres")
/// let configuration = try await cluster.start(database: "tollgate", logger: logger)
/// defer { try? cluster.stop() }
/// ```
public struct EmbeddedPostgres: Sendable {
    public let directory: String
    public let port: Int
    /// Turns off fsync: for throwaway test clusters only.
    public let durable: Bool

    public init(directory: String, port: Int = 5432, durable: Bool = true) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.port = port
        self.durable = durable
    }

    var dataDirectory: String { directory + "/data" }
    var logFile: String { directory + "/postgres.log" }

    /// The socket directory: inside `directory` when the path fits a unix socket address.
    var socketDirectory: String {
        let inside = directory + "/run"
        if inside.utf8.count + 16 < 100 { return inside }
        let digest = directory.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return "/tmp/tollgate-pg-\(String(digest, radix: 36))"
    }

    /// The user the server runs as: `postgres` when we are root, else ourselves.
    var serverUser: String? { geteuid() == 0 ? "postgres" : nil }

    /// Initialises the cluster if needed, starts it unless running, creates `database` if missing,
    /// and returns how to connect and whether this call started the server.
    @discardableResult
    public func start(database: String, logger: Logger) async throws -> (configuration: PostgresClient.Configuration, started: Bool) {
        let binaries = try Self.binaryDirectory()
        try prepareDirectories()
        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            logger.info("initialising PostgreSQL cluster", metadata: ["tollgate.path": "\(dataDirectory)"])
            var arguments = [binaries + "/initdb", "-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"]
            if !durable { arguments.append("--no-sync") }
            try check(ProcessRunner.run(arguments, asUser: serverUser), "initdb")
        }
        let status = try ProcessRunner.run([binaries + "/pg_ctl", "status", "-D", dataDirectory], asUser: serverUser)
        let started = status.status != 0
        if started {
            var options = "-c listen_addresses= -k \(socketDirectory) -p \(port)"
            // A throwaway test cluster serves every test of a process at once, each with its own
            // gateway and pool: PostgreSQL's default of 100 connections is too few for that.
            if !durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1500" }
            let start = try ProcessRunner.run(
                [binaries + "/pg_ctl", "start", "-w", "-t", "60", "-D", dataDirectory, "-l", logFile, "-o", options],
                asUser: serverUser
            )
            try check(start, "pg_ctl start (log: \(logFile))")
            logger.info("started PostgreSQL", metadata: ["tollgate.socket": "\(socketDirectory)"])
        } else {
            logger.info("reusing running PostgreSQL", metadata: ["tollgate.socket": "\(socketDirectory)"])
        }
        try await createDatabaseIfMissing(database, logger: logger)
        return (configuration(database: database), started)
    }

    /// Stops the server (fast shutdown: open sessions are ended, committed data is safe).
    public func stop() throws {
        let binaries = try Self.binaryDirectory()
        let result = try ProcessRunner.run([binaries + "/pg_ctl", "stop", "-w", "-m", "fast", "-D", dataDirectory], asUser: serverUser)
        try check(result, "pg_ctl stop")
    }

    public func configuration(database: String) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: "postgres", password: nil, database: database
        )
        configuration.options.maximumConnections = 20
        return configuration
    }

    /// Runs `CREATE DATABASE` over one short-lived connection unless it exists.
    public func createDatabaseIfMissing(_ database: String, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: "postgres", password: nil, database: "postgres"),
            id: 1,
            logger: logger
        )
        do {
            let rows = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(database)", logger: logger)
            var exists = false
            for try await _ in rows { exists = true }
            if !exists {
                let quoted = "\"" + database.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoted)"), logger: logger)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    private func prepareDirectories() throws {
        let files = FileManager.default
        for path in [directory, socketDirectory] {
            // Parents get the usual permissions (the server user must pass through them); the
            // cluster's own directories are closed to everyone else.
            let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try files.createDirectory(atPath: parent, withIntermediateDirectories: true)
            if !files.fileExists(atPath: path) {
                try files.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            }
        }
        if let user = serverUser {
            for path in [directory, socketDirectory] {
                try check(ProcessRunner.run(["/bin/chown", "-R", "\(user):", path]), "chown \(path) to \(user)")
            }
            // The server user must be able to reach the directory: a data dir under /root is not.
            let reachable = try ProcessRunner.run(["/usr/bin/test", "-w", directory], asUser: user)
            guard reachable.status == 0 else {
                throw StorageError("embedded PostgreSQL: the '\(user)' user cannot reach \(directory) (a parent directory is closed to it); choose a --data-dir it can reach, e.g. under /var/lib or /tmp, or set DATABASE_URL")
            }
        }
        try checkPrivate(socketDirectory)
    }

    /// The socket directory must be a real directory that only the server's user can enter: the
    /// server trusts every local connection, so anyone who can reach the socket is a superuser.
    /// One left by someone else (e.g. made in /tmp ahead of us) is refused, not used.
    func checkPrivate(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw StorageError("embedded PostgreSQL: cannot inspect the socket directory \(path)")
        }
        let owner = serverUser.flatMap { name in getpwnam(name).map { $0.pointee.pw_uid } } ?? geteuid()
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        guard isDirectory, info.st_uid == owner, info.st_mode & 0o077 == 0 else {
            throw StorageError(
                "embedded PostgreSQL: the socket directory \(path) is not private (it must be a directory owned by the server's user with mode 0700, found owner \(info.st_uid), mode \(String(info.st_mode & 0o7777, radix: 8))); remove it or choose another --data-dir")
        }
    }

    private func check(_ result: ProcessRunner.Result, _ step: String) throws {
        guard result.status == 0 else { throw StorageError.launcher(step, result.output) }
    }

    /// The newest `/usr/lib/postgresql/<version>/bin` with `pg_ctl`, or `PG_BINDIR`.
    public static func binaryDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let configured = environment["PG_BINDIR"], !configured.isEmpty { return configured }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/pg_ctl") {
            return "\(root)/\(version)/bin"
        }
        throw StorageError("no PostgreSQL server binaries found under \(root): install postgresql (e.g. apt-get install postgresql-15), or set PG_BINDIR or DATABASE_URL")
    }
}
