import ArgumentParser
import ConcurrencyOnLoops
import Foundation
import Logging
import NIOCore
import NIOPosix

@main
enum Entry {
    static func main() async {
        // Run Swift concurrency on NIO's event loop threads: no thread hop between a request's
        // I/O and its handler (measurably lower latency on small machines). Must be first, on the
        // main thread. NIO's hook by default; TOLLGATE_GLOBAL_EXECUTOR=loops runs the jobs as the
        // global executor's instead (see ConcurrencyOnLoops and the README's Performance section
        // for what each costs).
        ConcurrencyOnLoops.installSelected()
        await Tollgate.main()
    }
}

struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An OpenAI-compatible LLM gateway that meters, prices and budgets every request.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, TeamsCommand.self, KeysCommand.self,
            ReportCommand.self, PricingCommand.self, RepriceCommand.self, MockUpstreamCommand.self,
        ]
    )
}

/// A logger writing to standard error at `LOG_LEVEL` (default `info`).
func makeLogger(_ label: String) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}
