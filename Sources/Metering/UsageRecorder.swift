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
    private let writing = AsyncLock()
    private let flushInterval: Duration
    private let maxBatch: Int
    private let logger: Logger
    private let onWritten: @Sendable ([UsageEvent], UsageWriteResult) async -> Void

    /// - Parameter onWritten: called after each batch is durably written, with what the write
    ///   reported (budget counters use it).
    public init(
        store: any UsageStore, flushInterval: Duration = .milliseconds(100), maxBatch: Int = 1000, logger: Logger,
        onWritten: @escaping @Sendable ([UsageEvent], UsageWriteResult) async -> Void = { _, _ in }
    ) {
        self.store = store
        self.flushInterval = flushInterval
        self.maxBatch = maxBatch
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
    /// A failing store is retried with backoff; events are never dropped.
    public func run() async {
        var backoff = flushInterval
        while !state.withLock({ $0.finished }) && !Task.isCancelled {
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
        for attempt in 1...5 {
            do {
                try await flush()
                return
            } catch {
                logger.error("final usage write failed", metadata: [
                    "tollgate.attempt": "\(attempt)", "tollgate.pending_events": "\(pendingCount)", "tollgate.error": "\(error)",
                ])
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    /// Asks `run()` to flush what is queued and return.
    public func finish() {
        state.withLock { $0.finished = true }
    }
}
