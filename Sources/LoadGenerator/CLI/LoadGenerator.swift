import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `tollgate-loadgen`: sends POST requests at a fixed rate, evenly spaced, and reports latency
/// percentiles measured from each request's scheduled start (so a slow server cannot hide its
/// queueing), for the benchmark script. Not part of the gateway.
///
///     tollgate-loadgen URL [URL…] --rate 1000 --seconds 10 --body body.json [--header "name: value"]…
///
/// Given several URLs it takes turns between them in slices of `--slice-ms` (default 1000), each
/// URL getting `--seconds` in all: the machine's background noise, which drifts from minute to
/// minute on a shared host, then falls on every path alike, and the paths can be compared.
@main
enum LoadGenerator {
    struct Options {
        var urls: [String] = []
        var sliceMilliseconds = 1000
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
            case "--slice-ms": options.sliceMilliseconds = iterator.next().flatMap(Int.init) ?? 0
            case "--header":
                guard let header = iterator.next(), let colon = header.firstIndex(of: ":") else { return nil }
                options.headers.append((String(header[..<colon]), header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            default: options.urls.append(argument)
            }
        }
        guard !options.urls.isEmpty, options.sliceMilliseconds > 0, options.rate > 0, options.seconds > 0, options.connections > 0, !options.bodyFile.isEmpty else { return nil }
        return options
    }

    static func main() async throws {
        guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
            FileHandle.standardError.write(Data("usage: tollgate-loadgen URL [URL…] --rate N --seconds N --body FILE [--header 'name: value']… [--connections N] [--slice-ms N] [--samples FILE]\n".utf8))
            exit(2)
        }
        let body = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: options.bodyFile)))
        var headers = HTTPHeaders([("content-type", "application/json")])
        for (name, value) in options.headers { headers.add(name: name, value: value) }
        let requests = try options.urls.map { url in
            try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .byteBuffer(body))
        }

        // The generator shares the machine with what it measures, so it is kept lean: one event
        // loop thread, every request started by that loop's own timer and read by callbacks on it
        // (no Swift task and no Dispatch timer per request, which cost several times as much).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connections)
        let client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)

        let total = options.rate * options.seconds * requests.count
        let perSlice = max(1, options.rate * options.sliceMilliseconds / 1000)
        let interval = 1_000_000_000 / Int64(options.rate)
        let start = NIODeadline.now() + .milliseconds(100)
        let done = loop.makePromise(of: [Sample].self)
        let collected = try await loop.submit { NIOLoopBoundBox([Sample](), eventLoop: loop) }.get()
        for index in 0..<total {
            let scheduled = start + .nanoseconds(interval * Int64(index))
            let target = (index / perSlice) % requests.count
            loop.scheduleTask(deadline: scheduled) {
                client.execute(request: requests[target], eventLoop: .delegate(on: loop), deadline: .now() + .seconds(30))
                    .whenComplete { result in
                        let succeeded = (try? result.get().status.code) == 200
                        collected.value.append(Sample(
                            target: target, offset: .nanoseconds(Int64(scheduled.uptimeNanoseconds - start.uptimeNanoseconds)),
                            latency: .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - scheduled.uptimeNanoseconds)),
                            succeeded: succeeded))
                        if collected.value.count == total { done.succeed(collected.value) }
                    }
            }
        }
        let urls = options.urls
        let results = try await done.futureResult.get()
        let elapsed = Duration.nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - start.uptimeNanoseconds))
        try await client.shutdown()
        try await group.shutdownGracefully()

        if let path = options.samples {
            let lines = results.sorted { $0.offset < $1.offset }.map { sample in
                String(format: "%.3f %.3f", sample.offset.milliseconds, sample.latency.milliseconds) + (urls.count > 1 ? " \(sample.target)" : "")
            }
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        for (target, url) in urls.enumerated() {
            let mine = results.filter { $0.target == target }
            let latencies = mine.map(\.latency.milliseconds).sorted()
            func percentile(_ p: Double) -> Double { latencies[min(Int(Double(latencies.count) * p / 100), latencies.count - 1)] }
            let failures = mine.filter { !$0.succeeded }.count
            // Each URL had the generator for 1/n of the time.
            let achieved = Double(mine.count) * Double(urls.count) / (elapsed.milliseconds / 1000)
            print((urls.count > 1 ? "url \(url) " : "") + String(
                format: "requests %d failures %d achieved_rps %.0f p50_ms %.3f p90_ms %.3f p99_ms %.3f max_ms %.3f",
                mine.count, failures, achieved, percentile(50), percentile(90), percentile(99), latencies.last ?? 0))
        }
    }

    struct Sample {
        var target: Int
        /// When the request was due, from the start of the run.
        var offset: Duration
        /// From when it was due to when its answer was read.
        var latency: Duration
        var succeeded: Bool
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
