import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import Gateway

@Suite struct BackgroundExecutorTests {
    @Test func workThatPrefersItRunsOnTheBackgroundThreadWithItsChildTasks() async {
        let background = BackgroundExecutor.shared
        let loop = background.eventLoopGroup.next()
        #expect(!loop.inEventLoop)
        let placed = await withTaskExecutorPreference(background) {
            let own = loop.inEventLoop
            let children = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { loop.inEventLoop } }
                return await group.reduce(true) { $0 && $1 }
            }
            await Task.yield()
            return own && children && loop.inEventLoop
        }
        #expect(placed)
    }

    /// The timer a sleep waits for, on a loop whose clock the test moves: it fires after its
    /// duration and not before; zero and less fire at once; an age does not overflow the clock.
    @Test func aSleepsTimerFiresAfterItsDurationAndNotBefore() {
        let loop = EmbeddedEventLoop()
        let fired = Mutex(0)
        BackgroundExecutor.timer(for: .milliseconds(30), on: loop).futureResult.whenSuccess { fired.withLock { $0 += 1 } }
        loop.advanceTime(by: .milliseconds(29))
        #expect(fired.withLock { $0 } == 0)
        loop.advanceTime(by: .milliseconds(1))
        #expect(fired.withLock { $0 } == 1)

        // No wait at all for nothing, or less than nothing.
        BackgroundExecutor.timer(for: .zero, on: loop).futureResult.whenSuccess { fired.withLock { $0 += 1 } }
        BackgroundExecutor.timer(for: .milliseconds(-5), on: loop).futureResult.whenSuccess { fired.withLock { $0 += 1 } }
        loop.run()
        #expect(fired.withLock { $0 } == 3)

        let forever = BackgroundExecutor.timer(for: .seconds(Int64.max), on: loop)
        forever.futureResult.whenSuccess { fired.withLock { $0 += 1 } }
        loop.advanceTime(by: .hours(24 * 366 * 100))
        #expect(fired.withLock { $0 } == 3)
        forever.cancel()
    }

    @Test func aSleepComesBackOnTheBackgroundThread() async throws {
        let background = BackgroundExecutor.shared
        let loop = background.eventLoopGroup.next()
        let back = try await withTaskExecutorPreference(background) {
            try await background.sleep(for: .zero)
            return loop.inEventLoop
        }
        #expect(back)
    }

    /// Cancelling a task ends its sleep at once with `CancellationError` (the writer's loops end
    /// that way at shutdown); this test would hang, not pass, if the timer were left to run.
    @Test(.timeLimit(.minutes(1))) func cancellingTheTaskEndsItsSleep() async throws {
        let background = BackgroundExecutor.shared
        let sleeper = Task { try await background.sleep(for: .seconds(3600)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        // Cancelled before it starts sleeping, too.
        let late = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await background.sleep(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await late.value }
    }
}
