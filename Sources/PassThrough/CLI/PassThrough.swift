import AsyncHTTPClient
import ConcurrencyOnLoops
import Foundation
import Hummingbird
import NIOCore
import NIOPosix

/// `tollgate-passthrough`: the least a Hummingbird + AsyncHTTPClient proxy can do — read the
/// request body, POST it to the upstream, send the answer back — for the benchmark to measure
/// next to Tollgate in the same run, so "added by Tollgate" can be told apart from what any proxy
/// on this stack and machine adds. Not part of the gateway.
///
///     tollgate-passthrough --port 18181 --upstream http://127.0.0.1:19090
@main
enum PassThrough {
    static func main() async throws {
        // The same executor setup as Tollgate's (see Entry.main), so the two differ only in what
        // they do per request.
        ConcurrencyOnLoops.installSelected()
        var port = 18181
        var upstream = ""
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--port": port = arguments.next().flatMap(Int.init) ?? 0
            case "--upstream": upstream = arguments.next() ?? ""
            default: upstream = ""
            }
        }
        guard port > 0, !upstream.isEmpty else {
            FileHandle.standardError.write(Data("usage: tollgate-passthrough --port N --upstream URL\n".utf8))
            exit(2)
        }

        let base = upstream
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let router = Router()
        router.post("/**") { request, context -> Response in
            var forwarded = HTTPClientRequest(url: base + request.uri.path)
            forwarded.method = .POST
            forwarded.headers.add(name: "content-type", value: "application/json")
            forwarded.body = .bytes(try await request.body.collect(upTo: 10 << 20))
            let answer = try await client.execute(forwarded, timeout: .seconds(30))
            let body = try await answer.body.collect(upTo: 10 << 20)
            return Response(
                status: .init(code: Int(answer.status.code)), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: body))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
        try await client.shutdown()
    }
}
