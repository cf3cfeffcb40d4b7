import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAIWire
import Testing
import TollgateTestSupport
@testable import Gateway

/// Thousands of generated requests — bodies, headers and query strings, valid, malformed and
/// hostile — to every endpoint of a running gateway: each gets a well-formed answer (JSON, or an
/// event stream for a stream that started), never a 500 and never a dropped connection.
///
/// The generator is seeded, so a failure names a seed that replays it
/// (`TOLLGATE_FUZZ_SEED`, `TOLLGATE_FUZZ_COUNT`).
@Suite struct FuzzTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            // SplitMix64: small, fast and good enough to pick cases.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Routes that do not exist, or with the wrong method, sent beside the served ones.
    static let wrongRoutes: [(HTTPRequest.Method, String)] = [
        (.post, "/v1/models"), (.put, "/v1/chat/completions"), (.get, "/v1/unknown"), (.get, "/admin/teams/not-a-uuid"),
    ]

    /// The OpenAPI document describes every route the router serves: a route added without its
    /// description fails here.
    @Test func theOpenAPIDocumentDescribesEveryServedRoute() async throws {
        let document = try JSONParser.parse(OpenAPIDocument.json)
        try await GatewayHarness.run { gateway in
            #expect(gateway.routes.count >= 24)
            for (method, path) in gateway.routes {
                #expect(document["paths"]?[path]?[method.rawValue.lowercased()] != nil, "\(method) \(path) is not in openapi/openapi.json")
            }
        }
    }

    static let models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "gemini-2.5-flash", "qwen-plus", "text-embedding-3-small",
                         "mock-ok", "nope", "", "gpt-4o\u{0}", String(repeating: "m", count: 300)]

    static let hostileStrings = ["", " ", "\u{0}", "\u{FEFF}", "'; DROP TABLE usage_events; --", "%00", "../../etc/passwd",
                                 "😀", "\u{202E}", String(repeating: "x", count: 5000), "null", "{}", "[", "\\u0000", "NaN"]

    static let hostileNumbers: [JSONValue] = [
        0, -1, 1, .integer(Int64.max), .integer(Int64.min), .number(1e308), .number(-1e308), .number(0.5), .number(1e-300),
        .integer(2_147_483_648), .integer(1_000_000_000), .integer(1_000_000_001),
    ]

    static func value(_ g: inout Generator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 8), using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2: return hostileNumbers.randomElement(using: &g)!
        case 3: return .string(hostileStrings.randomElement(using: &g)!)
        case 4: return .string(models.randomElement(using: &g)!)
        case 5: return .array((0..<Int.random(in: 0..<4, using: &g)).map { _ in value(&g, depth: depth + 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &g) {
                object[fields.randomElement(using: &g)!] = value(&g, depth: depth + 1)
            }
            return .object(object)
        }
    }

    static let fields = ["model", "messages", "role", "content", "stream", "max_tokens", "max_completion_tokens", "n", "tools",
                         "stream_options", "include_usage", "metadata", "task", "input", "name", "team_id", "monthly_budget_usd",
                         "soft_budget_usd", "budget_timezone", "downgrade", "models", "rpm_limit", "tpm_limit", "expires_at",
                         "alert_webhook_url", "type", "image_url", "url", "text", "temperature"]

    /// A chat body: mostly valid with one field made hostile, sometimes wholly random.
    static func chatBody(_ g: inout Generator) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(models.randomElement(using: &g)!),
            "messages": [["role": "user", "content": "hello"]],
        ]
        if Bool.random(using: &g) { body["stream"] = .bool(Bool.random(using: &g)) }
        let field = fields.randomElement(using: &g)!
        body[field] = value(&g)
        if Int.random(in: 0..<4, using: &g) == 0 { body["messages"] = value(&g) }
        return .object(body)
    }

    static func bodyText(_ g: inout Generator, method: HTTPRequest.Method, path: String) -> String? {
        guard method != .get, method != .delete else { return Bool.random(using: &g) ? nil : "garbage" }
        let json: JSONValue
        if path.hasPrefix("/v1/chat") {
            json = chatBody(&g)
        } else if path.hasPrefix("/v1/messages") {
            // A Messages body: chat's fields and hostile values, with max_tokens and content blocks.
            var body = chatBody(&g).objectValue ?? [:]
            if Int.random(in: 0..<4, using: &g) > 0 { body["max_tokens"] = Bool.random(using: &g) ? 16 : value(&g) }
            if Bool.random(using: &g) {
                body["messages"] = [["role": "user", "content": [["type": .string(["text", "image", "tool_result", "document", "x"].randomElement(using: &g)!),
                                                                  "text": value(&g), "source": value(&g)]]]]
            }
            if Bool.random(using: &g) { body["system"] = value(&g) }
            json = .object(body)
        } else if Bool.random(using: &g) {
            json = value(&g)
        } else {
            var object: [String: JSONValue] = [
                "name": .string(hostileStrings.randomElement(using: &g)!), "model": .string(models.randomElement(using: &g)!),
                "input": value(&g),
            ]
            object[fields.randomElement(using: &g)!] = value(&g)
            json = .object(object)
        }
        var text = String(buffer: WireCoding.encode(json))
        switch Int.random(in: 0..<10, using: &g) {
        case 0: text = String(text.prefix(Int.random(in: 0...max(text.count, 1), using: &g)))  // truncated
        case 1: text = String(repeating: "[", count: 5000)                                    // deep nesting
        case 2: text = "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"\\ud800\"}]}"  // lone surrogate
        default: break
        }
        return text
    }

    static func query(_ g: inout Generator) -> String {
        let keys = ["from", "to", "group_by", "team_id", "model", "limit"]
        let values = ["2026-11-01", "2026-13-45", "yesterday", "team,key,model,task,day,provider", "bogus", "", "%ZZ", "%00",
                      "2026-12-01T00:00:00Z", UUID().uuidString, "-1", String(repeating: "9", count: 40)]
        guard Bool.random(using: &g) else { return "" }
        let pairs = (0..<Int.random(in: 1...3, using: &g)).map { _ in
            "\(keys.randomElement(using: &g)!)=\(values.randomElement(using: &g)!)"
        }
        return "?" + pairs.joined(separator: "&")
    }

    /// Alone its 2,000 requests take about 10 s; run with the whole suite on 2 cores they queue
    /// behind every other test and took 170 s on a slow day. The limit only catches a hang.
    @Test(.timeLimit(.minutes(5)))
    func generatedRequestsAlwaysGetAWellFormedAnswer() async throws {
        let seed = ProcessInfo.processInfo.environment["TOLLGATE_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_203
        let count = ProcessInfo.processInfo.environment["TOLLGATE_FUZZ_COUNT"].flatMap(Int.init) ?? 2_000
        try await GatewayHarness.run(configure: {
            $0.maxFailedAuthPerMinute = 1_000_000
            $0.maxBodyBytes = 64 * 1024
        }) { gateway in
            let (team, key) = try await gateway.makeCaller()
            let (keyID, _) = try await gateway.createKey(team: team, name: "second")
            var g = Generator(state: seed)
            var statuses: [Int: Int] = [:]
            // Every route the router serves, read from it, so a new endpoint cannot go unfuzzed.
            let endpoints = gateway.routes.map { ($0.method, $0.path) } + Self.wrongRoutes
            for index in 0..<count {
                let (method, template) = endpoints.randomElement(using: &g)!
                let id = template.hasPrefix("/admin/teams") ? team.uuidString : Bool.random(using: &g) ? keyID.uuidString : UUID().uuidString
                let path = template.replacingOccurrences(of: #"\{[^}/]*\}"#, with: id, options: .regularExpression)
                var headers = HTTPFields()
                switch Int.random(in: 0..<6, using: &g) {
                case 0: break
                case 1: headers[.authorization] = "Bearer \(Self.hostileStrings.randomElement(using: &g)!.prefix(200))"
                case 2: headers[.authorization] = "Basic dXNlcjpwYXNz"
                case 3: headers[.authorization] = "Bearer " + gateway.adminKey
                default: headers[.authorization] = "Bearer " + key
                }
                if Bool.random(using: &g) { headers[.contentType] = ["application/json", "text/plain", "", "multipart/form-data"].randomElement(using: &g)! }
                if Int.random(in: 0..<4, using: &g) == 0 {
                    headers[HTTPField.Name("x-tollgate-task")!] = Self.hostileStrings.randomElement(using: &g)!.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "x"
                }
                let body = Self.bodyText(&g, method: method, path: path)
                let uri = path + Self.query(&g)
                let response: TestResponse
                do {
                    response = try await gateway.client.executeRequest(
                        uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                } catch {
                    Issue.record("request \(index) (seed \(seed)) \(method) \(uri) dropped: \(error)")
                    continue
                }
                let status = Int(response.status.code)
                statuses[status, default: 0] += 1
                let context = "request \(index) (seed \(seed)): \(method) \(uri) \((body ?? "").prefix(300)) → \(status) \(String(buffer: response.body).prefix(300))"
                #expect(status != 500 && status < 600, "\(context)")
                if path.hasPrefix("/dashboard"), let type = response.headers[.contentType], !type.hasPrefix("application/json") {
                    // The dashboard's pages, assets and redirects, for a browser.
                    #expect([200, 303, 401, 403, 429].contains(status), "\(context)")
                } else if let type = response.headers[.contentType], type == "text/event-stream" || type.hasPrefix("text/csv") || type.hasPrefix("text/plain") {
                    // Streams, CSV exports and the metrics exposition: answers, never errors.
                    #expect(status == 200, "\(context)")
                } else if status != 204 {
                    let json = try? WireCoding.decode(JSONValue.self, from: response.body)
                    #expect(json != nil, "not JSON: \(context)")
                    if status >= 400 {
                        let error = json?["error"]
                        #expect(error?["message"]?.stringValue?.isEmpty == false, "no error message: \(context)")
                        #expect(error?["type"]?.stringValue != nil, "no error type: \(context)")
                        if path.hasPrefix("/v1/messages") {
                            // Anthropic's envelope: {"type": "error", "error": {"type", "message"}}.
                            #expect(json?["type"] == "error", "not Anthropic's envelope: \(context)")
                        } else {
                            #expect(error?.objectValue?.keys.contains("param") == true && error?.objectValue?.keys.contains("code") == true,
                                    "param and code must be present (null when none): \(context)")
                        }
                    }
                }
            }
            // The gateway is still whole, and it metered what it served.
            #expect(try await gateway.send(.get, "/health").status == .ok)
            #expect(try await gateway.chat(key: key, ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]]).status == .ok)
            print("fuzz: \(count) requests, statuses \(statuses.sorted { $0.key < $1.key })")
        }
    }
}
