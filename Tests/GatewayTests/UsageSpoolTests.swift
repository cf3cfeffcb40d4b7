import Foundation
import Gateway
import HTTPTypes
import Metering
import OpenAIWire
import PostgresStorage
import Pricing
import Testing
import TollgateTestSupport

/// The usage spool on disk: one process per directory, segments replayed after a crash, and a
/// full spool refusing calls it could not bill.
@Suite struct UsageSpoolTests {
    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-spool-\(UUID().uuidString)").path
    }

    static func event(_ id: String) -> UsageEvent {
        UsageEvent(requestID: id, time: Date(), teamID: UUID(), keyID: UUID(), task: "default", requestedModel: "gpt-4o",
                   servedModel: "gpt-4o", provider: "openai", usage: TokenUsage(uncachedInput: 3, output: 4), cost: Money("0.0000475"),
                   status: 200, latencyMilliseconds: 5, streamed: false)
    }

    @Test func aSpoolDirectoryBelongsToOneProcessAtATime() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try FileSpoolStorage(directory: path)
        #expect(throws: (any Error).self) { try FileSpoolStorage(directory: path) }
        _ = first
    }

    /// A segment created ahead of its appends is an empty file that takes them like any other.
    @Test func aCreatedSegmentIsEmptyUntilAppendedTo() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let storage = try FileSpoolStorage(directory: path)
        try storage.create(4)
        try storage.sync(current: 4)
        #expect(try storage.existingSegments().map(\.id) == [4])
        #expect(try storage.existingSegments().map(\.bytes) == [0])
        try storage.append(Array("one\n".utf8), to: 4)
        try storage.create(4)
        try storage.append(Array("two\n".utf8), to: 4)
        #expect(try storage.read(4) == Array("one\ntwo\n".utf8))
    }

    @Test func segmentsAreListedInOrderReadAndRemoved() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let storage = try FileSpoolStorage(directory: path)
            try storage.append(Array("one\n".utf8), to: 10)
            try storage.append(Array("two\n".utf8), to: 2)
            try storage.append(Array("three\n".utf8), to: 10)
            try storage.sync(current: 10)
            #expect(try storage.read(10) == Array("one\nthree\n".utf8))
        }
        // A new process finds the segments, oldest first.
        let again = try FileSpoolStorage(directory: path)
        #expect(try again.existingSegments().map(\.id) == [2, 10])
        #expect(try again.existingSegments().map(\.bytes) == [4, 10])
        try again.remove(2)
        #expect(try again.existingSegments().map(\.id) == [10])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    /// Usage recorded by a process that died before writing it is written by the next one, and
    /// only once.
    @Test func usageSpooledByAProcessThatDiedIsWrittenOnTheNextStart() async throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try await TestPostgres.makeDatabase()
        try await TestPostgres.withClient(database) { client in
            let store = PostgresUsageStore(client: client, logger: TestPostgres.logger)
            do {
                // Recorded, spooled, never flushed: the process "dies" here.
                let dying = try UsageRecorder(store: store, spool: try FileSpoolStorage(directory: path), logger: TestPostgres.logger)
                for index in 0..<5 { dying.record(Self.event("dead-\(index)")) }
                // One of them had been written before the crash (its segment was not yet deleted).
                _ = try await store.insert([Self.event("dead-0")])
            }
            let next = try UsageRecorder(store: store, spool: try FileSpoolStorage(directory: path), logger: TestPostgres.logger)
            try await next.flush()
            let rows = try await client.query("SELECT request_id FROM usage_events ORDER BY request_id").decode(String.self)
            var ids: [String] = []
            for try await id in rows { ids.append(id) }
            #expect(ids == (0..<5).map { "dead-\($0)" })
            #expect(try FileSpoolStorage.segmentFiles(in: path).isEmpty)
        }
    }

    @Test func aFullSpoolAnswers503MeteringUnavailableAndIsNotReady() async throws {
        try await GatewayHarness.run(configure: {
            $0.spoolMaxBytes = 1
            $0.usageFlushInterval = .seconds(3600)
        }) { gateway in
            let (_, key) = try await gateway.makeCaller()
            let request: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]]
            #expect(try await gateway.chat(key: key, request).status == .ok)
            let refused = try await gateway.chat(key: key, request)
            #expect(refused.status == .serviceUnavailable)
            #expect(try refused.errorBody()["code"] == "metering_unavailable")
            #expect(gateway.mock.total == 1)  // refused before it reached the upstream
            let ready = try await gateway.send(.get, "/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(try ready.json()["checks"]?["usage_spool"]?["status"] == "full")
            #expect(try await gateway.send(.get, "/health").status == .ok)
            try await gateway.flushUsage()
            #expect(try await gateway.chat(key: key, request).status == .ok)
        }
    }
}

extension FileSpoolStorage {
    static func segmentFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".spool") }
    }
}
