#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import Synchronization

/// Runs Swift concurrency's global jobs on NIO's singleton event loops, as jobs of the global
/// (generic) executor.
///
/// Without this a request's handler and the sockets it reads and writes live on different threads,
/// and every await that waits for I/O hops between them. NIO's own way of avoiding that
/// (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`) runs
/// each global job as if it were isolated to the loop; the runtime then sees every call into a
/// nonisolated async function as a change of executor, and every such call goes back through the
/// loop's task queue as a new job: about 85 jobs per proxied call in the bare pass-through, 114 in
/// Tollgate. Run as generic jobs those calls stay on the thread without a
/// switch (3.5 jobs per call), which is what the global executor means. Jobs for an actor whose
/// executor is a loop still go to that loop's own queue and run isolated to it: only jobs enqueued
/// on the global executor come here.
///
/// Not the default (`TOLLGATE_GLOBAL_EXECUTOR=loops` selects it, see `installSelected`): below saturation it costs the
/// gateway 5-8% less CPU per call, but at saturation (64 connections, closed loop) the gateway did
/// 10-30% fewer requests/s than under NIO's hook and spent more CPU per call, user and kernel
/// alike, with the same system calls per call (18 interleaved rounds, both orders). Part of that
/// is its writes, no longer gathered at the end of the loop's turn, waking sleeping readers more
/// often; the rest is not known yet (see the README's Performance section). Until it is won back,
/// throughput at saturation decides.
public enum ConcurrencyOnLoops {
    /// The runtime's hook for enqueuing a global job (`swift_task_enqueueGlobal_hook`): called with
    /// the job and the runtime's own enqueue function. The runtime calls it with Swift's calling
    /// convention; for two pointer-sized arguments and no result that is the C one on the
    /// platforms Swift supports.
    typealias EnqueueHook = @convention(c) (UnsafeMutableRawPointer, UnsafeRawPointer?) -> Void

    /// Installs the executor setup the process's `TOLLGATE_GLOBAL_EXECUTOR` names: `loops` this
    /// hook, anything else (or this one failing) NIO's. First thing in `main`, on the main thread:
    /// tollgate and tollgate-passthrough both start this way, so they differ only in what they do
    /// per request.
    public static func installSelected() {
        let selected = getenv("TOLLGATE_GLOBAL_EXECUTOR").map { String(cString: $0) }
        if selected != "loops" || !install() {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
    }

    /// Installs the hook before any other concurrency work is started. Returns false, changing
    /// nothing, when the runtime has no such hook or one is installed already (this one included).
    @discardableResult
    static func install() -> Bool {
        guard let slot = hookSlot(), slot.pointee == nil else { return false }
        slot.pointee = enqueueOnLoop
        return true
    }

    /// Global jobs enqueued through the hook since the process started: a test's way to see that
    /// calls between nonisolated async functions no longer hop.
    public static var jobsEnqueued: Int { enqueued.load(ordering: .relaxed) }

    /// Removes the hook when it is this one (tests only: the process's remaining global jobs go
    /// back to the runtime's own pool).
    static func uninstall() {
        guard let slot = hookSlot(), let current = slot.pointee,
              unsafeBitCast(current, to: UnsafeRawPointer.self) == unsafeBitCast(enqueueOnLoop as EnqueueHook, to: UnsafeRawPointer.self)
        else { return }
        slot.pointee = nil
    }

    static func hookSlot() -> UnsafeMutablePointer<EnqueueHook?>? {
        dlsym(dlopen(nil, RTLD_NOW), "swift_task_enqueueGlobal_hook")?.assumingMemoryBound(to: EnqueueHook?.self)
    }

    fileprivate static let enqueued = Atomic<Int>(0)
}

/// The global (generic) executor: the runtime spells it as an executor reference of two zero words.
private let genericExecutor: UnownedSerialExecutor = {
    precondition(MemoryLayout<UnownedSerialExecutor>.size == 2 * MemoryLayout<Int>.size)
    return unsafeBitCast((0, 0), to: UnownedSerialExecutor.self)
}()

/// The hook: the loop the caller is on (any loop of the singleton group when it is on none), run
/// as a job of the global executor.
private func enqueueOnLoop(_ job: UnsafeMutableRawPointer, _ runtimeEnqueue: UnsafeRawPointer?) {
    ConcurrencyOnLoops.enqueued.add(1, ordering: .relaxed)
    let job = unsafeBitCast(job, to: UnownedJob.self)
    MultiThreadedEventLoopGroup.singleton.any().execute {
        job.runSynchronously(on: genericExecutor)
    }
}
