import Dispatch
import Foundation

/// SIGTERM and SIGINT while the gateway starts (before its service group listens for them):
/// noted instead of killing the process half-started, so a managed PostgreSQL cluster it had
/// already started is stopped again on the way out.
final class StartupSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let queue = DispatchQueue(label: "tollgate.startup-signals")
    private var received: Int32?
    private let lock = NSLock()

    init(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            // Dispatch delivers a signal only when its default action is off; the service group
            // that follows handles them the same way.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            sources.append(source)
        }
        self.sources = sources
        for (source, number) in zip(sources, signals) {
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                self.received = self.received ?? number
                self.lock.unlock()
            }
            source.resume()
        }
    }

    /// The signal that arrived during start-up, if any.
    var signalled: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Stops watching: the service group takes over.
    func stop() {
        for source in sources { source.cancel() }
    }
}
