import NIOPosix
import Testing

@testable import ConcurrencyOnLoops

/// The hook is process-wide: it is installed for one short test and removed after it, so the
/// rest of the suite runs on the runtime's own pool. Jobs other tests enqueue meanwhile run on
/// the loops as well, which is what the gateway does with all of them.
@Suite(.serialized)
struct ConcurrencyOnLoopsTests {
    /// A nonisolated async function: calling it and returning from it are where the runtime may
    /// change executors.
    @inline(never)
    nonisolated static func step(_ value: Int) async -> Int {
        value &* 31 &+ 7
    }

    static let calls = 10_000

    @Test func globalJobsRunOnTheLoopsAndCallsDoNotHop() async throws {
        #expect(ConcurrencyOnLoops.hookSlot() != nil, "the runtime has a global enqueue hook")
        try #require(ConcurrencyOnLoops.install())
        defer { ConcurrencyOnLoops.uninstall() }
        #expect(!ConcurrencyOnLoops.install(), "installed once")

        let before = ConcurrencyOnLoops.jobsEnqueued
        let (onLoop, total) = await Task.detached {
            var total = 0
            for value in 0..<Self.calls {
                total &+= await Self.step(value)
            }
            return (MultiThreadedEventLoopGroup.currentEventLoop != nil, total)
        }.value
        let jobs = ConcurrencyOnLoops.jobsEnqueued - before

        #expect(onLoop, "a global job runs on one of NIO's singleton loops")
        #expect(total == (0..<Self.calls).reduce(0) { $0 &+ ($1 &* 31 &+ 7) })
        // Run as if isolated to the loop (NIO's own hook), every call to `step` is a job of its
        // own (10,004 jobs for these 10,000 calls). As jobs of the global executor, none are: only
        // the task's start, and whatever other tests enqueue in these few milliseconds.
        #expect(jobs >= 1)
        #expect(jobs < Self.calls / 10, "\(jobs) jobs for \(Self.calls) calls")
    }
}
