import NIOCore
import NIOPosix

/// One thread of the process's own for work that no request waits for: the usage writer (encoding
/// a batch, its database round trip, folding the result into the budget ledger) and the
/// database connections.
///
/// Swift concurrency runs on the event loops that serve requests (see `Entry.main`), so a batch
/// encoded there holds up every request on that loop for as long as it takes. On a thread of its
/// own the kernel's scheduler shares the cores instead, and a request is never queued behind a
/// usage write.
public final class BackgroundExecutor: TaskExecutor {
    /// The process's background thread, started on first use and kept for the process's life.
    public static let shared = BackgroundExecutor()

    /// The event loop on the background thread: give it to clients whose I/O belongs there.
    public let eventLoopGroup: MultiThreadedEventLoopGroup
    private let loop: any EventLoop

    private init() {
        eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = eventLoopGroup.next()
    }

    /// Waits `duration` on this thread's own timer; throws `CancellationError` when the waiting
    /// task is cancelled. `Task.sleep` arms its timer on a thread of the runtime's, which then
    /// wakes to hand the task back here: the usage writer's loops, every 50 and 100 ms, woke two
    /// threads each time instead of none.
    public func sleep(for duration: Duration) async throws {
        try await Self.sleep(for: duration, on: loop)
    }

    /// Waits for `timer(for:on:)`; cancelling the waiting task cancels the timer.
    static func sleep(for duration: Duration, on loop: any EventLoop) async throws {
        let timer = timer(for: duration, on: loop)
        try await withTaskCancellationHandler {
            do {
                try await timer.futureResult.get()
            } catch {
                throw CancellationError()
            }
        } onCancel: {
            timer.cancel()
        }
    }

    /// A timer on `loop` that fires after `duration`: at once for zero or less, and past about 136
    /// years (as good as for ever) at that, so no duration overflows the loop's clock.
    static func timer(for duration: Duration, on loop: any EventLoop) -> Scheduled<Void> {
        let (seconds, attoseconds) = max(.zero, min(duration, .seconds(Int64(UInt32.max)))).components
        return loop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {}
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
