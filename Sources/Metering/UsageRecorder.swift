import Foundation
import Logging
import Synchronization

/// Takes usage events on the request path without waiting and writes them to a `UsageStore` in
/// batches, off the request path.
///
/// A failed write keeps the batch and tries again (writes are idempotent), so no event is dropped
/// while the process lives. `finish()` ends `run()` after a last flush.
///
/// ```swift
/// let recorder = UsageRecorder(store: store, logger: logger)
/// async let writer: Void = recorder.run()
/// recorder.record(event)          // returns at once
/// recorder.finish(); await writer // everything recorded is now in the store
/// ```
public final class UsageRecorder: Sendable {
    private struct State {
        var pending: [UsageEvent] = []
        var finished = false
    }

    private let store: any UsageStore
    private let state = Mutex(State())
    /// Ends when `finish()` is called, so `run()` can start the shutdown deadline without polling.
    private let finishing = AsyncStream<Never>.makeStream()
    private let writing = AsyncLock()
    private let flushInterval: Duration
    private let maxBatch: Int
    private let logger: Logger
    private let onWritten: @Sendable ([UsageEvent], UsageWriteResult) async -> Void
    /// How long `run()` keeps trying to write what is left once `finish()` is called.
    private let shutdownDeadline: Duration

    /// - Parameters:
    ///   - onWritten: called after each batch is durably written, with what the write reported
    ///     (budget counters use it).
    ///   - shutdownDeadline: how long the last flush may take: a store that does not answer must
    ///     not keep the process from exiting.
    public init(
        store: any UsageStore, flushInterval: Duration = .milliseconds(100), maxBatch: Int = 1000,
        shutdownDeadline: Duration = .seconds(15), logger: Logger,
        onWritten: @escaping @Sendable ([UsageEvent], UsageWriteResult) async -> Void = { _, _ in }
    ) {
        self.store = store
        self.flushInterval = flushInterval
        self.maxBatch = maxBatch
        self.shutdownDeadline = shutdownDeadline
        self.logger = logger
        self.onWritten = onWritten
    }

    /// Queues an event for writing; never blocks and never fails.
    public func record(_ event: UsageEvent) {
        state.withLock { $0.pending.append(event) }
    }

    /// Events recorded but not yet written.
    public var pendingCount: Int {
        state.withLock { $0.pending.count }
    }

    /// Writes every queued event now; on failure the events stay queued and the error is thrown.
    /// Flushes run one at a time, so when this returns every event recorded before the call is
    /// written, including a batch another flush had already taken.
    public func flush() async throws {
        try await writing.withLock { try await writeQueued() }
    }

    /// Writes the events queued when it starts, in batches of `maxBatch`; events recorded while it
    /// writes wait for the next flush, so a steady stream of requests cannot turn the writer into a
    /// stream of tiny batches.
    private func writeQueued() async throws {
        var remaining = pendingCount
        while remaining > 0 {
            let batch = state.withLock { state -> [UsageEvent] in
                let batch = Array(state.pending.prefix(min(maxBatch, remaining)))
                state.pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            remaining -= batch.count
            let result: UsageWriteResult
            do {
                result = try await store.insert(batch)
            } catch {
                state.withLock { $0.pending.insert(contentsOf: batch, at: 0) }
                throw error
            }
            await onWritten(batch, result)
        }
    }

    /// Flushes every `flushInterval` until `finish()`, then flushes what is left and returns.
    /// A failing store is retried with backoff; events are never dropped while the process runs.
    /// After `finish()`, a store that does not answer within `shutdownDeadline` is given up on,
    /// so a database that is gone cannot keep the process from exiting; what could not be written
    /// is logged as lost.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.writeUntilFinished() }
            group.addTask {
                for await _ in self.finishing.stream {}
                guard !Task.isCancelled else { return }
                try? await Task.sleep(for: self.shutdownDeadline)
            }
            await group.next()
            group.cancelAll()
        }
        let unwritten = pendingCount
        if unwritten > 0 {
            logger.critical("usage events could not be written before shutdown and are lost", metadata: [
                "tollgate.lost_events": "\(unwritten)",
            ])
        }
    }

    private var isFinished: Bool { state.withLock { $0.finished } }

    private func writeUntilFinished() async {
        var backoff = flushInterval
        while !isFinished && !Task.isCancelled {
            try? await Task.sleep(for: backoff)
            do {
                try await flush()
                backoff = flushInterval
            } catch {
                logger.error("usage write failed; will retry", metadata: [
                    "tollgate.pending_events": "\(pendingCount)", "tollgate.error": "\(error)",
                ])
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        // The last flush, retried until written or cancelled by the shutdown deadline.
        while pendingCount > 0 && !Task.isCancelled {
            do {
                try await flush()
            } catch {
                logger.error("final usage write failed; retrying", metadata: [
                    "tollgate.pending_events": "\(pendingCount)", "tollgate.error": "\(error)",
                ])
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Asks `run()` to flush what is queued and return.
    public func finish() {
        state.withLock { $0.finished = true }
        finishing.continuation.finish()
    }
}
