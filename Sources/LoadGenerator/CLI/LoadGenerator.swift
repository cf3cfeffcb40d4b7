import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// `tollgate-loadgen`: sends POST requests at a fixed rate, evenly spaced, and reports latency
/// percentiles measured from each request's scheduled start (so a slow server cannot hide its
/// queueing), for the benchmark script. Not part of the gateway.
///
///     tollgate-loadgen URL --rate 1000 --seconds 10 --body body.json [--header "name: value"]…
@main
enum LoadGenerator {
    struct Options {
        var url = ""
        var rate = 1000
        var seconds = 10
        var bodyFile = ""
        var headers: [(String, String)] = []
        var connections = 64
        /// Where to write each request's start offset and latency (ms), one pair a line.
        var samples: String?
    }

    static func parse(_ arguments: [String]) -> Options? {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rate": options.rate = iterator.next().flatMap(Int.init) ?? 0
            case "--seconds": options.seconds = iterator.next().flatMap(Int.init) ?? 0
            case "--body": options.bodyFile = iterator.next() ?? ""
            case "--connections": options.connections = iterator.next().flatMap(Int.init) ?? 0
            case "--samples": options.samples = iterator.next()
            case "--header":
                guard let header = iterator.next(), let colon = header.firstIndex(of: ":") else { return nil }
                options.headers.append((String(header[..<colon]), header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            default: options.url = argument
            }
        }
        guard !options.url.isEmpty, options.rate > 0, options.seconds > 0, options.connections > 0, !options.bodyFile.isEmpty else { return nil }
        return options
    }

    static func main() async throws {
        // The generator shares the machine with what it measures: run its tasks on NIO's threads
        // instead of a second thread pool.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
            FileHandle.standardError.write(Data("usage: tollgate-loadgen URL --rate N --seconds N --body FILE [--header 'name: value']… [--connections N]\n".utf8))
            exit(2)
        }
        let body = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: options.bodyFile)))
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        let total = options.rate * options.seconds
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(options.rate))
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(100)
        let results = try await withThrowingTaskGroup(of: (Duration, Bool, Duration).self) { group in
            for index in 0..<total {
                let scheduled = start + interval * index
                try await clock.sleep(until: scheduled)
                group.addTask {
                    var request = HTTPClientRequest(url: options.url)
                    request.method = .POST
                    request.headers.add(name: "content-type", value: "application/json")
                    for (name, value) in options.headers { request.headers.add(name: name, value: value) }
                    request.body = .bytes(body)
                    do {
                        let response = try await client.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 16 << 20)
                        return (clock.now - scheduled, response.status.code == 200, scheduled - start)
                    } catch {
                        return (clock.now - scheduled, false, scheduled - start)
                    }
                }
            }
            var results: [(Duration, Bool, Duration)] = []
            for try await result in group { results.append(result) }
            return results
        }
        let elapsed = clock.now - start
        try await client.shutdown()

        func ms(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        if let path = options.samples {
            let lines = results.sorted { $0.2 < $1.2 }.map { String(format: "%.3f %.3f", ms($0.2), ms($0.0)) }
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let latencies = results.map { Double($0.0.components.attoseconds) / 1e15 + Double($0.0.components.seconds) * 1000 }.sorted()
        func percentile(_ p: Double) -> Double { latencies[min(Int(Double(latencies.count) * p / 100), latencies.count - 1)] }
        let failures = results.filter { !$0.1 }.count
        let achieved = Double(results.count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        print(String(format: "requests %d failures %d achieved_rps %.0f p50_ms %.3f p90_ms %.3f p99_ms %.3f max_ms %.3f",
                     results.count, failures, achieved, percentile(50), percentile(90), percentile(99), latencies.last ?? 0))
    }
}
