import Foundation
import Hummingbird
import HTTPTypes
import Logging
import Metering
import OTel
import Pricing
import ServiceLifecycle
import Synchronization
import Tracing

/// OpenTelemetry traces, exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; off otherwise, and then free: no tracer is made,
/// the request path checks one optional, and the upstream client runs without a span.
///
/// One server span per request, continuing the caller's W3C `traceparent`, and one client span per
/// upstream attempt under it, named and attributed by OpenTelemetry's GenAI conventions
/// (`gen_ai.request.model`, `gen_ai.response.model`, `gen_ai.usage.*`) with Tollgate's own
/// (`tollgate.team_id`, `tollgate.task`, `tollgate.cost_usd`, …). The upstream call carries the
/// trace on in its `traceparent`.
struct GatewayTracing: Sendable {
    let tracer: any Tracer
    /// Batches and exports the spans; runs with the gateway's services, and flushes at shutdown.
    let service: any Service

    /// The tracing the environment asks for, or nil. Honours `OTEL_SERVICE_NAME` (default
    /// `tollgate`), `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`, the default, or `http/json`),
    /// `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_BSP_SCHEDULE_DELAY` (milliseconds between exports),
    /// as the OpenTelemetry specification defines them.
    static func make(environment: [String: String], logger: Logger) throws -> GatewayTracing? {
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        // The shared endpoint is a base URL: traces go to its /v1/traces. The traces one is whole.
        let endpoint = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            ?? value("OTEL_EXPORTER_OTLP_ENDPOINT").map { $0.hasSuffix("/") ? $0 + "v1/traces" : $0 + "/v1/traces" }
        guard let endpoint else { return nil }
        guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigurationError("OTEL_EXPORTER_OTLP_ENDPOINT '\(endpoint)' is not an http or https URL")
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = value("OTEL_SERVICE_NAME") ?? "tollgate"
        configuration.diagnosticLogger = .custom(logger)
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.otlpExporter.endpoint = endpoint
        switch value("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? value("OTEL_EXPORTER_OTLP_PROTOCOL") {
        case nil, "http/protobuf": configuration.traces.otlpExporter.protocol = .httpProtobuf
        case "http/json": configuration.traces.otlpExporter.protocol = .httpJSON
        case let other?: throw ConfigurationError("OTEL_EXPORTER_OTLP_PROTOCOL '\(other)': Tollgate exports traces over http/protobuf or http/json")
        }
        if let headers = value("OTEL_EXPORTER_OTLP_TRACES_HEADERS") ?? value("OTEL_EXPORTER_OTLP_HEADERS") {
            configuration.traces.otlpExporter.headers = headers.split(separator: ",").compactMap { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                return (name, value.removingPercentEncoding ?? value)
            }
        }
        if let delay = value("OTEL_BSP_SCHEDULE_DELAY").flatMap(Int.init), (1...3_600_000).contains(delay) {
            configuration.traces.batchSpanProcessor.scheduleDelay = .milliseconds(delay)
        }
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        let tracing = GatewayTracing(tracer: backend.factory, service: backend.service)
        kept.withLock { $0.append(tracing) }
        return tracing
    }

    /// Every tracing made, kept for the process's life. swift-otel's exporter shuts its HTTP client
    /// down again in its deinit, as a backstop, and AsyncHTTPClient traps when that happens on an
    /// event loop: where the last reference is most often dropped here, since Swift concurrency
    /// runs on the event loops (a test process crashed so as it exited). Kept, it is never
    /// deinitialised; its service has shut the client down at graceful shutdown, so a kept one
    /// holds no connection, and a process makes one (a test process one per traced gateway).
    private static let kept = Mutex<[GatewayTracing]>([])

    struct ConfigurationError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Opens each request's server span, continuing the caller's `traceparent`, and ends it when the
/// answer's last byte is written (a stream's too).
struct TracingMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext
    let tracer: any Tracer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsCarrier())
        let route = context.endpointPath ?? request.uri.path
        let span = tracer.startSpan("\(request.method.rawValue) \(route)", context: parent, ofKind: .server)
        span.attributes["http.request.method"] = request.method.rawValue
        span.attributes["http.route"] = route
        span.attributes["url.path"] = request.uri.path
        span.attributes["tollgate.request_id"] = context.requestID
        var context = context
        context.trace = RequestTrace(span: span, tracer: tracer)
        let response: Response
        do {
            response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
        } catch {
            let status = (error as? HTTPResponseError)?.status.code ?? 500
            Self.finish(span, status: Int(status), error: error)
            throw error
        }
        var traced = response
        let body = response.body
        traced.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
            } catch {
                Self.finish(span, status: Int(response.status.code), error: error)
                throw error
            }
            Self.finish(span, status: Int(response.status.code), error: nil)
        }
        return traced
    }

    static func finish(_ span: any Span, status: Int, error: (any Error)?) {
        span.attributes["http.response.status_code"] = status
        if let error {
            span.recordError(error)
        }
        if status >= 500 || (error != nil && status < 400) {
            span.setStatus(SpanStatus(code: .error))
        }
        span.end()
    }
}

/// A request's span, and what its attempts add to it: the served model, the tokens and the cost
/// (summed over every attempt that was billed).
final class RequestTrace: Sendable {
    let span: any Span
    let tracer: any Tracer
    private let cost = Mutex<Money?>(nil)

    init(span: any Span, tracer: any Tracer) {
        self.span = span
        self.tracer = tracer
    }

    /// The client span of one upstream attempt, under the request's.
    func attempt(_ terms: SettlementTerms, operation: String) -> AttemptTrace {
        let span = tracer.startSpan("\(operation) \(terms.servedModel)", context: self.span.context, ofKind: .client)
        for target in [span, self.span] {
            target.attributes["gen_ai.operation.name"] = operation
            target.attributes["gen_ai.provider.name"] = terms.provider
            target.attributes["gen_ai.request.model"] = terms.requestedModel
            target.attributes["tollgate.team_id"] = terms.teamID.uuidString
            target.attributes["tollgate.key_id"] = terms.keyID.uuidString
            target.attributes["tollgate.task"] = terms.task
            target.attributes["tollgate.route"] = terms.route
            if let endUser = terms.endUser { target.attributes["tollgate.end_user"] = endUser }
            if let run = terms.run { target.attributes["tollgate.run"] = run }
        }
        span.attributes["tollgate.attempt"] = terms.attempt
        span.attributes["tollgate.request_id"] = terms.requestID
        if let from = terms.downgradedFrom { span.attributes["tollgate.downgraded_from"] = from }
        return AttemptTrace(span: span, request: self)
    }

    /// Adds a settled attempt's figures to the request's span.
    fileprivate func settled(_ settled: AttemptSettlement.Settled, terms: SettlementTerms, answered: Bool) {
        if answered { GenAIAttributes.set(on: span, usage: settled.usage, servedModel: terms.servedModel) }
        span.attributes["tollgate.attempts"] = terms.attempt
        guard let billed = settled.cost else { return }
        let total = cost.withLock { sum -> Money in
            sum = (sum ?? .zero) + billed
            return sum ?? billed
        }
        span.attributes["tollgate.cost_usd"] = total.decimalString
    }
}

/// One upstream attempt's span: the send runs inside it (so the upstream client's span and the
/// `traceparent` it sends descend from it), and its settlement ends it.
struct AttemptTrace: Sendable {
    let span: any Span
    let request: RequestTrace

    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await ServiceContext.$current.withValue(span.context) { try await body() }
    }

    func settled(_ outcome: AttemptOutcome, _ settled: AttemptSettlement.Settled, terms: SettlementTerms) {
        let answered = outcome == .answered
        GenAIAttributes.set(on: span, usage: settled.usage, servedModel: terms.servedModel)
        span.attributes["tollgate.outcome"] = outcome.metricName
        span.attributes["http.response.status_code"] = settled.decision.clientStatus
        if let cost = settled.cost { span.attributes["tollgate.cost_usd"] = cost.decimalString }
        if !answered {
            span.attributes["error.type"] = outcome.metricName
            span.setStatus(SpanStatus(code: .error))
        }
        request.settled(settled, terms: terms, answered: answered)
        span.end()
    }
}

/// OpenTelemetry's GenAI attributes of an attempt's usage.
enum GenAIAttributes {
    static func set(on span: any Span, usage: TokenUsage, servedModel: String) {
        span.attributes["gen_ai.response.model"] = servedModel
        span.attributes["gen_ai.usage.input_tokens"] = usage.input
        span.attributes["gen_ai.usage.output_tokens"] = usage.output
        span.attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cacheRead
        span.attributes["gen_ai.usage.cache_creation.input_tokens"] = usage.cacheWrites
        span.attributes["tollgate.usage.reasoning_tokens"] = usage.reasoning
    }
}

/// Reads and writes W3C trace context in HTTP fields.
struct HTTPFieldsCarrier: Extractor, Injector {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }

    func inject(_ value: String, forKey key: String, into fields: inout HTTPFields) {
        if let name = HTTPField.Name(key) { fields[name] = value }
    }
}
