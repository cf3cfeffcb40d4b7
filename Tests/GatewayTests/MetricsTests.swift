import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// `GET /metrics`: the Prometheus text format, parsed; counters move by exactly what a known set of
/// calls adds.
@Suite struct MetricsTests {
    /// One sample: its metric name, labels and value.
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Parses the text exposition format (`name{a="x",b="y"} value`, `#` lines skipped).
    static func parse(_ text: String) throws -> [Sample] {
        try text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { line in
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw HarnessError("not a sample: \(line)")
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw HarnessError("bad label in \(line)") }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
    }

    @Test func countersMoveByExactlyWhatTheCallsAdd() async throws {
        try await GatewayHarness.run { gateway in
            let (team, key) = try await gateway.makeCaller()
            #expect(try await gateway.send(.get, "/metrics").status == .unauthorized)
            #expect(try await gateway.send(.get, "/metrics", bearer: key).status == .unauthorized)
            let before = try Self.parse(String(buffer: try await gateway.send(.get, "/metrics", bearer: gateway.adminKey).body))
            for _ in 0..<3 { #expect(try await gateway.chat(key: key, BudgetTests.request).status == .ok) }
            #expect(try await gateway.chat(key: key, ["model": "mock-error-500", "messages": [["role": "user", "content": "hi"]]]).status != .ok)
            try await gateway.flushUsage()
            let response = try await gateway.send(.get, "/metrics", bearer: gateway.adminKey)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let after = try Self.parse(String(buffer: response.body))
            func delta(_ name: String, _ labels: [String: String]) -> Double {
                Self.value(after, name, labels) - Self.value(before, name, labels)
            }
            let served = ["model": "gpt-4o-mini", "provider": "openai"]
            #expect(delta("tollgate_requests_total", served.merging(["status": "200", "route": "direct"]) { $1 }) == 3)
            #expect(delta("tollgate_requests_total", ["model": "mock-error-500", "status": "500"]) == 1)
            // gpt-4o-mini, "hello there": 3 prompt tokens and 10 output each.
            #expect(delta("tollgate_tokens_total", served.merging(["bucket": "uncached_input"]) { $1 }) == 9)
            #expect(delta("tollgate_tokens_total", served.merging(["bucket": "output"]) { $1 }) == 30)
            let cost = delta("tollgate_cost_usd_total", ["team_id": team.uuidString.lowercased(), "model": "gpt-4o-mini"])
            #expect(abs(cost - 3 * 0.00000645) < 1e-12)
            #expect(delta("tollgate_upstream_latency_seconds_count", served) == 3)
            // The gateway's own time before each request's first attempt, and the rows written.
            #expect(delta("tollgate_overhead_seconds_count", [:]) == 4)
            #expect(delta("tollgate_usage_rows_written_total", [:]) == 4)
            #expect(delta("tollgate_usage_write_seconds_count", ["result": "ok"]) >= 1)
            // Gauges read at scrape time.
            #expect(after.contains { $0.name == "tollgate_usage_queue_depth" })
            #expect(after.contains { $0.name == "tollgate_usage_spool_bytes" })
            #expect(Self.value(after, "tollgate_deployment_state", ["deployment": "openai/gpt-4o-mini", "state": "healthy"]) == 1)
            // No key or request ids among the labels.
            #expect(after.allSatisfy { $0.labels["key_id"] == nil && $0.labels["request_id"] == nil })
        }
    }

    /// Attempts by the pipeline's typed outcome, fallbacks, and a stream's time to first event.
    @Test func attemptsAreCountedByOutcomeWithFallbacks() async throws {
        try await RoutingGatewayTests.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let before = try Self.parse(String(buffer: try await gateway.send(.get, "/metrics", bearer: gateway.adminKey).body))
            // r-primary always fails with 500 and falls back to r-backup.
            #expect(try await gateway.chat(key: key, ["model": "r-primary", "messages": RoutingGatewayTests.user]).status == .ok)
            let stream = try await gateway.chat(key: key, ["model": "r-ok", "stream": true, "messages": RoutingGatewayTests.user])
            #expect(stream.status == .ok)
            let after = try Self.parse(String(buffer: try await gateway.send(.get, "/metrics", bearer: gateway.adminKey).body))
            func delta(_ name: String, _ labels: [String: String]) -> Double {
                Self.value(after, name, labels) - Self.value(before, name, labels)
            }
            #expect(delta("tollgate_attempts_total", ["outcome": "upstream_status", "model": "r-primary"]) == 1)
            #expect(delta("tollgate_attempts_total", ["outcome": "answered", "model": "r-backup"]) == 1)
            #expect(delta("tollgate_fallbacks_total", ["model": "r-backup"]) == 1)
            #expect(delta("tollgate_attempts_total", ["outcome": "answered", "model": "r-ok"]) == 1)
            #expect(delta("tollgate_time_to_first_token_seconds_count", ["model": "r-ok"]) == 1)
        }
    }
}
