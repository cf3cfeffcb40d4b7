import Foundation
import Logging
import Synchronization

/// Takes usage events on the request path and makes them durable twice over: at once in a local
/// append-only spool, then in the `UsageStore` in batches, off the request path.
///
/// - `record` appends the event's line to the current spool segment (a `write(2)` into the page
///   cache) before it returns, so a process killed after a call was answered loses nothing; the
///   spool is fsynced in groups by `run()`, which bounds what a machine crash can lose.
/// - Events are also kept in memory, up to `maxQueuedEvents`; past that a segment is read back
///   from disk when its turn comes, so a long database outage costs disk, not memory.
/// - Each flush closes the current segment and writes the closed ones in order; a segment is
///   deleted once every event in it is in the store. Writes are idempotent (request id + attempt),
///   so a segment written again after a crash or a failed write counts nothing twice.
/// - A batch the store refuses for its content (`UsageRejected`) is split until the refused
///   events are found; they are set aside with `UsageStore.reject` and the rest is written.
/// - Segments an earlier process left are written first: the spool is replayed on start.
///
/// ```swift
/// let recorder = try UsageRecorder(store: store, spool: files, logger: logger)
/// async let writer: Void = recorder.run()
/// recorder.record(event)          // on disk when it returns
/// recorder.finish(); await writer // everything recorded is in the store, or still spooled
/// ```
public final class UsageRecorder: Sendable {
    private struct Segment {
        var id: UInt64
        var bytes = 0
        /// The segment's events, while all of them are held in memory; nil once it spilled (or
        /// came from an earlier process) and must be read back from disk.
        var events: [UsageEvent]? = []
        /// How many of its events, from the start, are already in the store.
        var written = 0
        /// Left by an earlier process, and not yet read: its events are not in `pending` yet.
        var uncounted = false
        /// Appends that claimed this segment and have not been booked yet (their `write(2)` runs
        /// with no lock held): a flush waits for them before it reads the segment.
        var appending = 0

        /// Whether anything was appended to it or is being appended.
        var isUsed: Bool { bytes > 0 || appending > 0 }
    }

    private struct State {
        var closed: [Segment] = []
        var current: Segment
        var inMemory = 0
        var spooledBytes = 0
        /// Recorded and not yet written (segments from an earlier process count once read).
        var pending = 0
        /// Events whose append failed: held in memory only, and new calls are refused meanwhile.
        var unspooled: [UsageEvent] = []
        var appendFailing = false
        var unsynced = false

        /// Books an append to segment `id` that has finished (`appended` false: it failed); returns
        /// the failure to log, the first of a run.
        mutating func book(_ event: UsageEvent, bytes: Int, in id: UInt64, appended error: (any Error)?, maxQueuedEvents: Int) -> (any Error)? {
            let isCurrent = current.id == id
            let index = isCurrent ? nil : closed.firstIndex { $0.id == id }
            func update(_ change: (inout Segment) -> Void) {
                if isCurrent { change(&current) } else if let index { change(&closed[index]) }
            }
            update { $0.appending -= 1 }
            if let error {
                unspooled.append(event)
                defer { appendFailing = true }
                return appendFailing ? nil : error
            }
            appendFailing = false
            unsynced = true
            spooledBytes += bytes
            var inMemory = self.inMemory
            update { segment in
                segment.bytes += bytes
                guard segment.events != nil else { return }
                if inMemory < maxQueuedEvents {
                    segment.events?.append(event)
                    inMemory += 1
                } else {
                    // Memory is full: this segment will be read back from disk.
                    inMemory -= segment.events?.count ?? 0
                    segment.events = nil
                }
            }
            self.inMemory = inMemory
            return nil
        }

        /// The oldest segment that may still be appended to: the current one, or a closed one
        /// whose appends are not booked yet.
        var oldestOpen: UInt64 {
            closed.filter { $0.appending > 0 }.map(\.id).min() ?? current.id
        }
    }

    private let store: any UsageStore
    private let spool: any SpoolStorage
    private let state: Mutex<State>
    /// Ends when `finish()` is called, so `run()` can start the shutdown deadline without polling.
    private let finishing = AsyncStream<Never>.makeStream()
    private let writing = AsyncLock()
    /// Told of every event recorded (the gateway's metrics count them).
    private let onRecorded: @Sendable (UsageEvent) -> Void
    private let flushInterval: Duration
    private let syncInterval: Duration
    private let maxBatch: Int
    private let maxQueuedEvents: Int
    /// Past this many spooled bytes, `acceptsCalls` is false: calls that could not be billed are refused.
    public let spoolMaxBytes: Int
    private let logger: Logger
    private let onWritten: @Sendable ([UsageEvent], UsageWriteResult) async -> Void
    /// How long `run()` keeps trying to write what is left once `finish()` is called.
    private let shutdownDeadline: Duration
    /// The timer of the writer's and syncer's loops: throws when the waiting task is cancelled.
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - spool: the segments; those an earlier process left are written first.
    ///   - maxQueuedEvents: events held in memory at most; the rest wait on disk only.
    ///   - spoolMaxBytes: the spool size past which new calls are refused (`acceptsCalls`).
    ///   - onWritten: called after each batch is durably written, with what the write reported
    ///     (budget counters use it).
    ///   - shutdownDeadline: how long the last flush may take: a store that does not answer must
    ///     not keep the process from exiting (what is left stays spooled for the next start).
    ///   - sleep: waits between flushes and syncs, throwing when the task is cancelled. The gateway
    ///     passes a timer of the thread the writer runs on, so its loops wake nothing else.
    public init(
        store: any UsageStore, spool: any SpoolStorage, flushInterval: Duration = .milliseconds(100),
        syncInterval: Duration = .milliseconds(50), maxBatch: Int = 1000, maxQueuedEvents: Int = 50_000,
        spoolMaxBytes: Int = 1 << 30, shutdownDeadline: Duration = .seconds(15), logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        onWritten: @escaping @Sendable ([UsageEvent], UsageWriteResult) async -> Void = { _, _ in },
        onRecorded: @escaping @Sendable (UsageEvent) -> Void = { _ in }
    ) throws {
        self.sleep = sleep
        self.onRecorded = onRecorded
        self.store = store
        self.spool = spool
        self.flushInterval = flushInterval
        self.syncInterval = syncInterval
        self.maxBatch = max(maxBatch, 1)
        self.maxQueuedEvents = maxQueuedEvents
        self.spoolMaxBytes = spoolMaxBytes
        self.shutdownDeadline = shutdownDeadline
        self.logger = logger
        self.onWritten = onWritten
        let left = try spool.existingSegments()
        var initial = State(current: Segment(id: (left.map(\.id).max() ?? 0) + 1))
        initial.closed = left.map { Segment(id: $0.id, bytes: $0.bytes, events: nil, uncounted: true) }
        initial.spooledBytes = left.reduce(0) { $0 + $1.bytes }
        state = Mutex(initial)
        if !left.isEmpty {
            logger.notice("replaying the usage spool left by an earlier run", metadata: [
                "tollgate.spool_segments": "\(left.count)", "tollgate.spool_bytes": "\(initial.spooledBytes)",
            ])
        }
    }

    // MARK: Recording

    /// Spools an event and queues it for the store. Never waits on the store; fails only into
    /// memory (logged, and `acceptsCalls` turns false) when the spool cannot be written.
    ///
    /// The append is a `write(2)` made with no lock held: the event claims the current segment,
    /// appends, then books the append, so concurrent calls never wait on each other's system call.
    public func record(_ event: UsageEvent) {
        let line = event.jsonLine
        let segment = state.withLock { state -> UInt64 in
            state.pending += 1
            state.current.appending += 1
            return state.current.id
        }
        var appendError: (any Error)?
        do {
            try spool.append(line, to: segment)
        } catch {
            appendError = error
        }
        let failure = state.withLock { state in
            state.book(event, bytes: line.count, in: segment, appended: appendError, maxQueuedEvents: maxQueuedEvents)
        }
        if let failure {
            logger.error("cannot append to the usage spool; holding usage in memory and refusing new calls", metadata: [
                "tollgate.error": "\(failure)",
            ])
        }
        onRecorded(event)
    }

    /// Whether the gateway may take calls it will have to bill: the spool works and is under
    /// `spoolMaxBytes`.
    public var acceptsCalls: Bool {
        state.withLock { !$0.appendFailing && $0.spooledBytes < spoolMaxBytes }
    }

    /// Events recorded and not yet written.
    public var pendingCount: Int {
        state.withLock { $0.pending }
    }

    /// Bytes in the spool (segments not yet fully written), this process's and earlier ones'.
    public var spooledBytes: Int {
        state.withLock { $0.spooledBytes }
    }

    // MARK: Writing

    /// Writes every recorded event now; on failure what is unwritten stays queued and the error is
    /// thrown. Flushes run one at a time, so when this returns every event recorded before the
    /// call is written.
    public func flush() async throws {
        try await writing.withLock { try await writeQueued() }
    }

    /// Closes the current segment, then writes the closed ones in order, deleting each once it is
    /// in the store. Events recorded meanwhile go to the new segment, for the next flush, which is
    /// created here first so that no request creates it.
    private func writeQueued() async throws {
        // Only this function starts segments, one flush at a time: the id read here is still the
        // current one below, and a segment in use now is still in use then.
        let (currentID, inUse) = state.withLock { ($0.current.id, $0.current.isUsed) }
        if inUse {
            // If it cannot be created now, the first append creates it and reports any failure.
            try? spool.create(currentID + 1)
        }
        let unspooled = state.withLock { state -> [UsageEvent] in
            if state.current.isUsed {
                state.closed.append(state.current)
                state.current = Segment(id: state.current.id + 1)
            }
            defer { state.unspooled = [] }
            return state.unspooled
        }
        // Appends that claimed a segment before it closed are booked within microseconds.
        var segments = state.withLock { $0.closed.contains { $0.appending > 0 } ? nil : $0.closed }
        while segments == nil {
            try? await sleep(.microseconds(200))
            segments = state.withLock { $0.closed.contains { $0.appending > 0 } ? nil : $0.closed }
        }
        let closed = segments ?? []
        do {
            try await write(unspooled[...]) { _ in }
        } catch {
            state.withLock { $0.unspooled.insert(contentsOf: unspooled, at: 0) }
            throw error
        }
        state.withLock { $0.pending -= unspooled.count }
        for segment in closed {
            try await write(segment)
        }
    }

    private func write(_ segment: Segment) async throws {
        var events: [UsageEvent]
        if let held = segment.events {
            events = held
        } else {
            let bytes = try spool.read(segment.id)
            let (read, unreadable) = UsageEvent.events(inSpoolSegment: bytes)
            if unreadable > 0 {
                logger.error("usage spool lines could not be read (a write cut short by a crash)", metadata: [
                    "tollgate.spool_segment": "\(segment.id)", "tollgate.unreadable_lines": "\(unreadable)",
                ])
            }
            events = read
            if segment.uncounted {
                state.withLock { state in
                    guard let index = state.closed.firstIndex(where: { $0.id == segment.id }) else { return }
                    state.closed[index].uncounted = false
                    state.pending += read.count
                }
            }
        }
        try await write(events[segment.written...]) { count in
            self.state.withLock { state in
                guard let index = state.closed.firstIndex(where: { $0.id == segment.id }) else { return }
                state.closed[index].written += count
                state.pending -= count
            }
        }
        try spool.remove(segment.id)
        state.withLock { state in
            state.closed.removeAll { $0.id == segment.id }
            state.spooledBytes -= segment.bytes
            state.inMemory -= segment.events?.count ?? 0
        }
    }

    /// Writes events in batches of `maxBatch`, in order, calling `advance` after each stored run.
    private func write(_ events: ArraySlice<UsageEvent>, advance: @Sendable (Int) -> Void) async throws {
        var start = events.startIndex
        while start < events.endIndex {
            let end = min(start + maxBatch, events.endIndex)
            try await writeIsolatingRejects(events[start..<end], advance: advance)
            start = end
        }
    }

    /// Writes a batch; when the store refuses it for its content, splits it in halves until the
    /// refused events are found, sets them aside and writes the rest.
    private func writeIsolatingRejects(_ batch: ArraySlice<UsageEvent>, advance: @Sendable (Int) -> Void) async throws {
        let events = Array(batch)
        do {
            let result = try await store.insert(events)
            advance(events.count)
            await onWritten(events, result)
        } catch let rejected as UsageRejected {
            guard events.count > 1 else {
                try await store.reject(events[0], reason: rejected.reason)
                logger.error("the usage store refused an event; it is kept in usage_rejects", metadata: [
                    "tollgate.request_id": "\(events[0].requestID)", "tollgate.attempt": "\(events[0].attempt)",
                    "tollgate.error": "\(rejected.reason)",
                ])
                advance(1)
                return
            }
            let middle = batch.startIndex + batch.count / 2
            try await writeIsolatingRejects(batch[..<middle], advance: advance)
            try await writeIsolatingRejects(batch[middle...], advance: advance)
        }
    }

    // MARK: Running

    /// Flushes every `flushInterval` and fsyncs the spool every `syncInterval` until `finish()`,
    /// then flushes what is left and returns. A failing store is retried with backoff.
    /// After `finish()`, a store that does not answer within `shutdownDeadline` is given up on;
    /// what could not be written stays in the spool and is written on the next start.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.writePeriodically() }
            group.addTask { await self.syncUntilCancelled() }
            for await _ in finishing.stream {}
            group.cancelAll()
        }
        // The last flush, retried until written or the shutdown deadline passes. It runs apart
        // from this task, so that a shutdown escalated to cancellation still tries it; it is
        // awaited, so it never outlives the recorder, and bounded, so it cannot hold the exit.
        await Task.detached {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.flushUntilWritten() }
                group.addTask { try? await self.sleep(self.shutdownDeadline) }
                await group.next()
                group.cancelAll()
            }
        }.value
        // The segment the last flush created for appends that never came (the server stops
        // before the recorder, so none come now): a clean exit leaves an empty spool.
        let unused = state.withLock { $0.current.isUsed ? nil : $0.current.id }
        if let unused { try? spool.remove(unused) }
        syncNow()
        let (pending, unspooled) = state.withLock { ($0.pending, $0.unspooled.count) }
        if unspooled > 0 {
            logger.critical("usage events could not be spooled or written before shutdown and are lost", metadata: [
                "tollgate.lost_events": "\(unspooled)",
            ])
        }
        if pending > unspooled {
            logger.warning("usage events stay in the spool; they are written on the next start", metadata: [
                "tollgate.pending_events": "\(pending - unspooled)",
            ])
        }
    }

    /// Flushes every `flushInterval` (backing off while the store fails) until cancelled by
    /// `finish()`, which also ends a wait at once, however long the interval.
    private func writePeriodically() async {
        var backoff = flushInterval
        while !Task.isCancelled {
            do {
                try await sleep(backoff)
            } catch {
                return
            }
            do {
                try await flush()
                backoff = flushInterval
            } catch {
                guard !Task.isCancelled else { return }
                logger.error("usage write failed; will retry", metadata: [
                    "tollgate.pending_events": "\(pendingCount)", "tollgate.error": "\(error)",
                ])
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    private func flushUntilWritten() async {
        while !Task.isCancelled {
            do {
                try await flush()
                return
            } catch {
                logger.error("final usage write failed; retrying", metadata: [
                    "tollgate.pending_events": "\(pendingCount)", "tollgate.error": "\(error)",
                ])
                try? await sleep(.milliseconds(200))
            }
        }
    }

    /// Runs until cancelled by `finish()`.
    private func syncUntilCancelled() async {
        while !Task.isCancelled {
            try? await sleep(syncInterval)
            syncNow()
        }
    }

    /// fsyncs what was appended since the last sync.
    private func syncNow() {
        let current = state.withLock { state -> UInt64? in
            defer { state.unsynced = false }
            return state.unsynced ? state.oldestOpen : nil
        }
        guard let current else { return }
        do {
            try spool.sync(current: current)
        } catch {
            logger.error("cannot fsync the usage spool", metadata: ["tollgate.error": "\(error)"])
        }
    }

    /// Asks `run()` to flush what is queued and return.
    public func finish() {
        finishing.continuation.finish()
    }
}
