import Synchronization

/// Runs `body`, giving up with `DeadlineExceeded` after `duration`: a database that does not
/// answer must not hold a request for as long as its connection attempts take.
///
/// The caller is answered at the deadline even if `body` ignores cancellation (awaiting another
/// task's value does): `body` is cancelled and left to finish on its own. A task group would not
/// do, as it waits for every child before returning.
func withDeadline<T: Sendable>(_ duration: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let work = Task { try await body() }
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let timer = Task {
                try await Task.sleep(for: duration)
                work.cancel()
                race.finish(.failure(DeadlineExceeded(duration: duration)))
            }
            Task {
                let result = await work.result
                timer.cancel()
                race.finish(result)
            }
        }
    } onCancel: {
        work.cancel()
        race.finish(.failure(CancellationError()))
    }
}

/// The continuation of `withDeadline`, resumed by whichever of the body, the timer and
/// cancellation comes first.
private final class DeadlineRace<T: Sendable>: Sendable {
    private enum State {
        case waiting
        case started(CheckedContinuation<T, any Error>)
        /// Finished before the continuation was installed (cancelled on entry).
        case finished(Result<T, any Error>)
        case done
    }

    private let state = Mutex<State>(.waiting)

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { state in
            switch state {
            case .waiting:
                state = .started(continuation)
                return nil
            case .finished(let result):
                state = .done
                return result
            case .started, .done:
                return nil
            }
        }
        if let early { continuation.resume(with: early) }
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
            switch state {
            case .waiting:
                state = .finished(result)
                return nil
            case .started(let continuation):
                state = .done
                return continuation
            case .finished, .done:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    let duration: Duration
    var description: String { "no answer within \(duration)" }
}
