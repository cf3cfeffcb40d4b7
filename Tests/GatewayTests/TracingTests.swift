import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

@testable import Gateway

/// OpenTelemetry traces: a gateway told `OTEL_EXPORTER_OTLP_ENDPOINT` sends a server span per
/// request and a client span per upstream attempt to an OTLP/HTTP receiver, with the GenAI and
/// Tollgate attributes, continuing the caller's `traceparent` and passing it upstream.
@Suite struct TracingTests {
    static let callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpan = "00f067aa0ba902b7"

    static func tracing(_ endpoint: String) -> @Sendable (inout GatewayConfiguration) -> Void {
        { settings in
            settings.environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
            settings.environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json"
            settings.environment["OTEL_BSP_SCHEDULE_DELAY"] = "50"
        }
    }

    @Test func aCallIsOneServerSpanWithAClientSpanPerAttempt() async throws {
        let receiver = OTLPReceiver()
        try await receiver.run { endpoint in
            try await GatewayHarness.run(configure: Self.tracing(endpoint)) { gateway in
                let (team, key) = try await gateway.makeCaller()
                let response = try await gateway.chat(
                    key: key, SpendReportTests.chat("gpt-4o", task: "summarise"),
                    headers: [HTTPField.Name("traceparent")!: "00-\(Self.callerTrace)-\(Self.callerSpan)-01"])
                #expect(response.status == .ok)
                let requestID = try #require(response.headers[HTTPField.Name("x-tollgate-request-id")!])
                let row = try #require(try await gateway.waitForUsageRows(count: 1).first)

                let spans = await receiver.wait { spans in spans.contains { $0.kind == 2 && $0.text("tollgate.request_id") == requestID } }
                let server = try #require(spans.first { $0.kind == 2 && $0.text("tollgate.request_id") == requestID })
                // The caller's trace goes on: same trace id, its span is the parent.
                #expect(server.name == "POST /v1/chat/completions")
                #expect(server.traceID == Self.callerTrace && server.parentSpanID == Self.callerSpan)
                #expect(server.text("http.response.status_code") == "200")
                #expect(server.text("tollgate.team_id") == team.uuidString)
                #expect(server.text("tollgate.task") == "summarise")
                #expect(server.text("gen_ai.request.model") == "gpt-4o")
                #expect(server.text("gen_ai.response.model") == row.servedModel)
                #expect(server.text("gen_ai.usage.input_tokens") == String(row.uncachedInput + row.cacheRead + row.cacheWrite + row.cacheWrite1h))
                #expect(server.text("gen_ai.usage.output_tokens") == String(row.output))
                #expect(server.text("gen_ai.usage.cache_read.input_tokens") == String(row.cacheRead))
                #expect(server.text("tollgate.cost_usd").flatMap { Decimal(string: $0) } == row.cost.flatMap { Decimal(string: $0) })

                let attempt = try #require(spans.first { $0.kind == 3 && $0.parentSpanID == server.spanID })
                #expect(attempt.name == "chat gpt-4o")
                #expect(attempt.traceID == Self.callerTrace)
                #expect(attempt.text("gen_ai.operation.name") == "chat")
                #expect(attempt.text("gen_ai.provider.name") == "openai")
                #expect(attempt.text("tollgate.outcome") == "answered")
                #expect(attempt.text("tollgate.cost_usd").flatMap { Decimal(string: $0) } == row.cost.flatMap { Decimal(string: $0) })

                // The upstream was asked with the same trace.
                #expect(gateway.mock.traceparents.last?.contains(Self.callerTrace) == true)
            }
        }
    }

    @Test func aStreamAndAFallbackAreTracedToTheirEnd() async throws {
        let receiver = OTLPReceiver()
        try await receiver.run { endpoint in
            try await GatewayHarness.run(
                extraProviders: """
                  - name: flaky
                    base_url: {mock}
                    models:
                      - {name: primary-down, upstream: mock-error-500}
                """,
                configure: Self.tracing(endpoint)
            ) { gateway in
                let (_, key) = try await gateway.makeCaller()
                // A stream: its server span ends after the last chunk, with the usage.
                let streamed = try await gateway.streamChat(key: key, body: [
                    "model": "gpt-4o", "stream": true, "messages": [["role": "user", "content": "hello"]]]) {}
                #expect(streamed.contains("[DONE]"))
                let rows = try await gateway.waitForUsageRows(count: 1)
                let isStream: @Sendable (OTLPReceiver.Span) -> Bool = { $0.kind == 2 && $0.name == "POST /v1/chat/completions" }
                var spans = await receiver.wait { spans in spans.contains(where: isStream) }
                let stream = try #require(spans.first(where: isStream))
                #expect(stream.text("gen_ai.usage.output_tokens") == String(rows[0].output))
                #expect(stream.traceID.count == 32 && stream.parentSpanID.isEmpty)

                // A failing model with a fallback: two client spans, the first an error.
                let yaml = try String(contentsOfFile: gateway.configFile, encoding: .utf8)
                try (yaml + "\nfallbacks:\n  primary-down: [gpt-4o]\n").write(toFile: gateway.configFile, atomically: true, encoding: .utf8)
                #expect(gateway.reloadConfiguration())
                let response = try await gateway.chat(key: key, ["model": "primary-down", "messages": [["role": "user", "content": "hi"]]])
                #expect(response.status == .ok)
                let requestID = try #require(response.headers[HTTPField.Name("x-tollgate-request-id")!])
                // Both attempts' spans and the request's, which ends last and may come in a later export.
                spans = await receiver.wait { spans in
                    spans.filter { $0.kind == 3 && $0.text("tollgate.request_id") == requestID }.count == 2
                        && spans.contains { $0.kind == 2 && $0.text("tollgate.request_id") == requestID }
                }
                let attempts = spans.filter { $0.kind == 3 && $0.text("tollgate.request_id") == requestID }
                    .sorted { ($0.text("tollgate.attempt") ?? "") < ($1.text("tollgate.attempt") ?? "") }
                #expect(attempts.map(\.name) == ["chat primary-down", "chat gpt-4o"])
                #expect(attempts.first?.text("tollgate.outcome") == "upstream_status" && attempts.first?.statusCode == 2)
                #expect(attempts.last?.text("tollgate.outcome") == "answered")
                let server = try #require(spans.first { $0.kind == 2 && $0.text("tollgate.request_id") == requestID })
                #expect(server.text("tollgate.attempts") == "2" && server.text("gen_ai.response.model") == "gpt-4o")
            }
        }
    }

    @Test func tracingIsOffWithoutAnEndpointAndRefusesABadOne() throws {
        #expect(try GatewayTracing.make(environment: [:], logger: TestPostgres.logger) == nil)
        #expect(try GatewayTracing.make(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "  "], logger: TestPostgres.logger) == nil)
        #expect(throws: GatewayTracing.ConfigurationError.self) {
            try GatewayTracing.make(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"], logger: TestPostgres.logger)
        }
        #expect(throws: GatewayTracing.ConfigurationError.self) {
            try GatewayTracing.make(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"],
                                    logger: TestPostgres.logger)
        }
    }
}
