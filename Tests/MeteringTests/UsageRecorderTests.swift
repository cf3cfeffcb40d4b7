import Foundation
import Logging
import Pricing
import Synchronization
import Testing
@testable import Metering

/// A store in memory that can be told to fail, idempotent by request id like the real one.
final class MemoryUsageStore: UsageStore {
    let rows = Mutex<[String: UsageEvent]>([:])
    let rejected = Mutex<[String: String]>([:])
    /// Request ids the store refuses, as PostgreSQL refuses a value out of its column's range.
    let refusing = Mutex<Set<String>>([])
    let batches = Mutex<[Int]>([])
    let failuresLeft = Mutex(0)

    func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult {
        if failuresLeft.withLock({ left in defer { left = max(left - 1, 0) }; return left > 0 }) {
            throw CancellationError()
        }
        if events.contains(where: { event in refusing.withLock { $0.contains(event.requestID) } }) {
            throw UsageRejected(reason: "22003: numeric field overflow")
        }
        batches.withLock { $0.append(events.count) }
        return UsageWriteResult(inserted: rows.withLock { rows in
            var new = 0
            for event in events where rows["\(event.requestID)#\(event.attempt)"] == nil {
                rows["\(event.requestID)#\(event.attempt)"] = event
                new += 1
            }
            return new
        })
    }

    func reject(_ event: UsageEvent, reason: String) async throws {
        rejected.withLock { $0[event.requestID] = reason }
    }
}

func event(_ id: String) -> UsageEvent {
    UsageEvent(requestID: id, time: Date(), teamID: UUID(), keyID: UUID(), task: "default", requestedModel: "m",
               servedModel: "m", provider: "p", usage: TokenUsage(uncachedInput: 1), cost: Money("0.1"),
               status: 200, latencyMilliseconds: 5, streamed: false)
}

@Suite struct UsageRecorderTests {
    let logger: Logger = { var logger = Logger(label: "test"); logger.logLevel = .critical; return logger }()

    @Test func flushWritesInBatchesOfAtMostMaxBatch() async throws {
        let store = MemoryUsageStore()
        let recorder = try UsageRecorder(store: store, spool: MemorySpool(), maxBatch: 3, logger: logger)
        for index in 0..<7 { recorder.record(event("r\(index)")) }
        try await recorder.flush()
        #expect(store.batches.withLock { $0 } == [3, 3, 1])
        #expect(store.rows.withLock { $0.count } == 7)
        #expect(recorder.pendingCount == 0)
    }

    /// Appends run with no lock held: events recorded from many tasks while flushes close and
    /// write segments are each written once, and the spool ends holding no event (only the empty
    /// segment the last flush created for the appends to come).
    @Test func concurrentRecordsDuringFlushesAreEachWrittenOnce() async throws {
        let store = MemoryUsageStore()
        let spool = MemorySpool()
        let recorder = try UsageRecorder(store: store, spool: spool, maxBatch: 50, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<300 { recorder.record(event("t\(task)-\(index)")) }
                }
            }
            group.addTask {
                for _ in 0..<20 { try? await recorder.flush() }
            }
        }
        try await recorder.flush()
        #expect(store.rows.withLock { $0.count } == 2_400)
        #expect(recorder.pendingCount == 0 && recorder.spooledBytes == 0)
        #expect(spool.segments.withLock { $0.count <= 1 && $0.values.allSatisfy(\.isEmpty) })
    }

    @Test func aFlushWritesWhatWasQueuedAndLeavesLaterEventsForTheNext() async throws {
        let store = SlowStore()
        let recorder = try UsageRecorder(store: store, spool: MemorySpool(), maxBatch: 2, logger: logger)
        for index in 0..<3 { recorder.record(event("first\(index)")) }
        // Events arriving during the write wait for the next flush instead of extending this one.
        store.onInsert = { recorder.record(event("late\(UUID())")) }
        try await recorder.flush()
        #expect(store.batches.withLock { $0 } == [2, 1])
        #expect(recorder.pendingCount == 2)
    }

    /// A flush starts the next segment by creating it, so the requests that append to it never
    /// create a file (only the process's first segment is made by an append); an idle flush
    /// starts none.
    @Test func theWriterCreatesEachNewSegmentBeforeRequestsAppendToIt() async throws {
        let spool = MemorySpool()
        let recorder = try UsageRecorder(store: MemoryUsageStore(), spool: spool, logger: logger)
        recorder.record(event("a"))
        try await recorder.flush()
        #expect(spool.made.withLock { $0.map(\.id) } == [1, 2])
        recorder.record(event("b"))
        recorder.record(event("c"))
        try await recorder.flush()
        try await recorder.flush()
        try await recorder.flush()
        let made = spool.made.withLock { $0 }
        #expect(made.map(\.id) == [1, 2, 3])
        #expect(made.map(\.byAppend) == [true, false, false])
        #expect(spool.segments.withLock { $0[2] } == nil)
        #expect(spool.segments.withLock { $0[3] } == [])
    }

    @Test func aFailedWriteKeepsTheEventsForTheNextTry() async throws {
        let store = MemoryUsageStore()
        store.failuresLeft.withLock { $0 = 1 }
        let recorder = try UsageRecorder(store: store, spool: MemorySpool(), logger: logger)
        recorder.record(event("a"))
        recorder.record(event("b"))
        await #expect(throws: CancellationError.self) { try await recorder.flush() }
        #expect(recorder.pendingCount == 2)
        try await recorder.flush()
        #expect(store.rows.withLock { Set($0.keys) } == ["a#1", "b#1"])
    }

    @Test(.timeLimit(.minutes(1)))
    func aStoreThatNeverAnswersCannotHoldShutdownForever() async throws {
        let recorder = try UsageRecorder(store: HangingStore(), spool: MemorySpool(), flushInterval: .milliseconds(5), shutdownDeadline: .milliseconds(100), logger: logger)
        async let running: Void = recorder.run()
        recorder.record(event("stuck"))
        try await Task.sleep(for: .milliseconds(50))  // the first write is now hanging
        recorder.finish()
        await running
        #expect(recorder.pendingCount == 1)  // not written: it stays in the spool for the next start
    }

    @Test func runFlushesEverythingOnFinishEvenAfterFailures() async throws {
        let store = MemoryUsageStore()
        store.failuresLeft.withLock { $0 = 2 }
        let spool = MemorySpool()
        let recorder = try UsageRecorder(store: store, spool: spool, flushInterval: .milliseconds(5), logger: logger)
        async let running: Void = recorder.run()
        for index in 0..<50 { recorder.record(event("e\(index)")) }
        recorder.finish()
        await running
        #expect(store.rows.withLock { $0.count } == 50)
        #expect(recorder.pendingCount == 0)
        // Not even the empty segment a flush created for later appends is left.
        #expect(spool.segments.withLock { $0.isEmpty })
    }
}

extension UsageRecorderTests {
    @Test func rowsTheStoreRefusesAreSetAsideAndTheRestIsWritten() async throws {
        let store = MemoryUsageStore()
        store.refusing.withLock { $0 = ["e3", "e8"] }
        let recorder = try UsageRecorder(store: store, spool: MemorySpool(), logger: logger)
        for index in 0..<10 { recorder.record(event("e\(index)")) }
        try await recorder.flush()
        #expect(store.rows.withLock { $0.count } == 8)
        #expect(store.rejected.withLock { $0 } == ["e3": "22003: numeric field overflow", "e8": "22003: numeric field overflow"])
        #expect(recorder.pendingCount == 0)
        // The batch was split until the two refused rows stood alone.
        #expect(store.batches.withLock { $0.reduce(0, +) } == 8)
        // The writer goes on: later events are written as usual.
        recorder.record(event("after"))
        try await recorder.flush()
        #expect(store.rows.withLock { $0["after#1"] } != nil)
    }

    @Test func aSpoolLeftByAKilledProcessIsReplayedExactlyOnce() async throws {
        let spool = MemorySpool()
        let store = MemoryUsageStore()
        // The first process writes three events, then records two more and dies before writing them.
        let first = try UsageRecorder(store: store, spool: spool, maxBatch: 2, logger: logger)
        for index in 0..<3 { first.record(event("a\(index)")) }
        try await first.flush()
        store.failuresLeft.withLock { $0 = 1 }
        first.record(event("a3"))
        first.record(event("a4"))
        await #expect(throws: CancellationError.self) { try await first.flush() }
        #expect(store.rows.withLock { $0.count } == 3)

        let second = try UsageRecorder(store: store, spool: spool, logger: logger)
        try await second.flush()
        #expect(store.rows.withLock { Set($0.keys) } == ["a0#1", "a1#1", "a2#1", "a3#1", "a4#1"])
        #expect(try spool.existingSegments().isEmpty)
        #expect(second.pendingCount == 0)
    }

    @Test func eventsPastTheMemoryBoundAreReadBackFromTheSpool() async throws {
        let store = MemoryUsageStore()
        let recorder = try UsageRecorder(store: store, spool: MemorySpool(), maxQueuedEvents: 3, logger: logger)
        for index in 0..<10 { recorder.record(event("m\(index)")) }
        try await recorder.flush()
        #expect(store.rows.withLock { $0.count } == 10)
        #expect(store.rows.withLock { $0["m9#1"]?.cost } == Money("0.1"))
    }

    @Test func aFullSpoolRefusesCallsUntilItDrains() async throws {
        let store = MemoryUsageStore()
        let line = event("x").jsonLine.count
        let recorder = try UsageRecorder(store: store, spool: MemorySpool(), spoolMaxBytes: line * 3, logger: logger)
        store.failuresLeft.withLock { $0 = 1 }
        for index in 0..<3 {
            #expect(recorder.acceptsCalls)
            recorder.record(event("s\(index)"))
        }
        #expect(!recorder.acceptsCalls)
        await #expect(throws: CancellationError.self) { try await recorder.flush() }
        #expect(!recorder.acceptsCalls)  // still unwritten
        try await recorder.flush()
        #expect(recorder.acceptsCalls)
        #expect(recorder.spooledBytes == 0)
    }

    @Test func aSpoolThatCannotBeWrittenRefusesCallsButKeepsTheEvents() async throws {
        let store = MemoryUsageStore()
        let spool = MemorySpool()
        let recorder = try UsageRecorder(store: store, spool: spool, logger: logger)
        spool.failing.withLock { $0 = true }
        recorder.record(event("u"))
        #expect(!recorder.acceptsCalls)
        try await recorder.flush()
        #expect(store.rows.withLock { $0["u#1"] } != nil)
        spool.failing.withLock { $0 = false }
        recorder.record(event("v"))
        #expect(recorder.acceptsCalls)
    }

    @Test func anEventSurvivesItsJSONLine() throws {
        var original = event("line \"quoted\"\n")
        original.requestedModel = "weird\u{0}model"
        original.downgradedFrom = "gpt-4o"
        original.endUser = "user \"7\" \u{1F600}\t"
        original.run = "job-42"
        original.budgetPeriodStart = Date(timeIntervalSince1970: 1_764_547_200)
        original.time = Date(timeIntervalSince1970: 1_764_600_000.123456)
        original.cost = Money("0.000123456789")
        let line = original.jsonLine
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        #expect(UsageEvent(jsonLine: line.dropLast()) == original)
        #expect(UsageEvent(jsonLine: line.prefix(40)) == nil)
    }

    /// Spools written before the ids were spelled out from their bytes keep reading the same.
    @Test func idsAreWrittenAsUUIDStrings() throws {
        let original = event("ids")
        let text = String(decoding: original.jsonLine, as: UTF8.self)
        #expect(text.contains(#""team_id":"\#(original.teamID.uuidString)","key_id":"\#(original.keyID.uuidString)""#))
        #expect(text.hasPrefix(#"{"request_id":"ids","attempt":1,"#))
    }
}

/// Spool segments in memory, as the file storage keeps them on disk.
final class MemorySpool: SpoolStorage {
    let segments = Mutex<[UInt64: [UInt8]]>([:])
    let failing = Mutex(false)

    func existingSegments() throws -> [(id: UInt64, bytes: Int)] {
        segments.withLock { $0.map { ($0.key, $0.value.count) }.sorted { $0.0 < $1.0 } }
    }

    /// Segments in the order they came into being, and whether an append or `create` made each.
    let made = Mutex<[(id: UInt64, byAppend: Bool)]>([])

    func append(_ bytes: [UInt8], to id: UInt64) throws {
        if failing.withLock({ $0 }) { throw CancellationError() }
        let new = segments.withLock { segments in
            defer { segments[id, default: []] += bytes }
            return segments[id] == nil
        }
        if new { made.withLock { $0.append((id, true)) } }
    }

    func create(_ id: UInt64) throws {
        if failing.withLock({ $0 }) { throw CancellationError() }
        let new = segments.withLock { segments in
            defer { segments[id, default: []] += [] }
            return segments[id] == nil
        }
        if new { made.withLock { $0.append((id, false)) } }
    }

    func sync(current: UInt64) throws {}

    func read(_ id: UInt64) throws -> [UInt8] {
        segments.withLock { $0[id] ?? [] }
    }

    func remove(_ id: UInt64) throws {
        _ = segments.withLock { $0.removeValue(forKey: id) }
    }
}

/// A store that records a new event from inside each insert, as requests arriving during a write do.
final class SlowStore: UsageStore, @unchecked Sendable {
    let batches = Mutex<[Int]>([])
    var onInsert: @Sendable () -> Void = {}

    func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult {
        batches.withLock { $0.append(events.count) }
        onInsert()
        return UsageWriteResult(inserted: events.count)
    }

    func reject(_ event: UsageEvent, reason: String) async throws {}
}

/// A store whose writes never complete, like a database that went away mid-connection; it only
/// stops when cancelled.
struct HangingStore: UsageStore {
    func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult {
        try await Task.sleep(for: .seconds(3600))
        return UsageWriteResult(inserted: 0)
    }

    func reject(_ event: UsageEvent, reason: String) async throws {}
}
