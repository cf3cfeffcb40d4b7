import ArgumentParser
import Hummingbird
import MockUpstream

struct MockUpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-upstream", abstract: "Run a mock upstream speaking the OpenAI, Anthropic and Gemini APIs, with deterministic answers.")
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks one and prints it).") var port = 9090

    func run() async throws {
        let logger = makeLogger("tollgate.mock-upstream")
        let app = MockUpstream.application(host: host, port: port, logger: logger) { port in
            print("mock upstream listening on http://\(host):\(port)/v1")
        }
        try await app.runService()
    }
}
