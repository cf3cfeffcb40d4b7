import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// HTTP/1 connections that get `grace` to finish once graceful shutdown begins, and are cut after.
///
/// At SIGTERM the server stops accepting and closes idle connections; a connection still busy
/// (a long stream, a slow upstream) keeps going for `grace`, then its handler is cancelled, so the
/// call is cut and settled as such while the usage writer and PostgreSQL are still up to record
/// it. Without this the server would wait for the slowest call for ever.
struct GracefulHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let grace: Duration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await base.handle(value: value, logger: logger) }
            group.addTask {
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(for: grace)
                } catch {
                    return  // the connection ended first
                }
                logger.warning("cutting a connection still busy when the shutdown grace ended")
            }
            // The connection ending, or the grace running out, ends the other.
            await group.next()
            group.cancelAll()
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with a shutdown grace for busy connections (see `GracefulHTTP1Channel`).
    static func http1(shutdownGrace: Duration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GracefulHTTP1Channel(base: HTTP1Channel(responder: responder), grace: shutdownGrace)
        }
    }
}
