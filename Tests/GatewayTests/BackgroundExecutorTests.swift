import Gateway
import NIOCore
import Testing

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
            try? await Task.sleep(for: .milliseconds(1))
            return own && children && loop.inEventLoop
        }
        #expect(placed)
    }

    @Test func aSleepWaitsAtLeastItsDurationAndComesBackOnTheBackgroundThread() async throws {
        let background = BackgroundExecutor.shared
        let loop = background.eventLoopGroup.next()
        let clock = ContinuousClock()
        let (waited, back) = try await withTaskExecutorPreference(background) {
            let start = clock.now
            try await background.sleep(for: .milliseconds(30))
            return (clock.now - start, loop.inEventLoop)
        }
        #expect(waited >= .milliseconds(30))
        #expect(back)
        // No wait at all for nothing, or less than nothing.
        try await background.sleep(for: .zero)
        try await background.sleep(for: .milliseconds(-5))
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
