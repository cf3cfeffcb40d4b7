import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// Numbers a client or an upstream can send that once crashed the gateway or slipped past its
/// meter: each gets a clear answer, and the gateway keeps serving and metering afterwards.
@Suite struct HostileInputTests {
    static let user: JSONValue = [["role": "user", "content": "hi"]]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var field: String
        var value: JSONValue
        var testDescription: String { name }
    }

    static let outOfRange: [Case] = [
        Case(name: "max_tokens 2^63-1", field: "max_tokens", value: .integer(Int64.max)),
        Case(name: "max_completion_tokens 2^63-1", field: "max_completion_tokens", value: .integer(Int64.max)),
        Case(name: "max_tokens -1", field: "max_tokens", value: -1),
        Case(name: "max_tokens 1e30", field: "max_tokens", value: .number(1e30)),
        Case(name: "n of a million", field: "n", value: 1_000_000),
        Case(name: "n 2^63-1", field: "n", value: .integer(Int64.max)),
        Case(name: "n zero", field: "n", value: 0),
        Case(name: "n a string", field: "n", value: "3"),
    ]

    @Test(arguments: outOfRange)
    func outOfRangeNumbersAreA400NamingTheField(testCase: Case) async throws {
        try await GatewayHarness.run { gateway in
            // With a tokens-per-minute limit the estimate once overflowed and killed the process.
            for extra: [String: JSONValue] in [[:], ["tpm_limit": 100_000]] {
                let (_, key) = try await gateway.makeCaller(extra: extra)
                for stream in [false, true] {
                    let response = try await gateway.chat(key: key, [
                        "model": "gpt-4o", "messages": Self.user, "stream": .bool(stream), .init(testCase.field): testCase.value,
                    ])
                    #expect(response.status == .badRequest, "\(String(buffer: response.body))")
                    #expect(try response.errorBody()["param"]?.stringValue == testCase.field)
                }
                // Still alive, still metering.
                #expect(try await gateway.chat(key: key, ["model": "gpt-4o", "messages": Self.user]).status == .ok)
            }
            #expect(try await gateway.usageRows().count == 2)
        }
    }

    @Test func maxTokensAboveTheModelsCapIsA400() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let over = try await gateway.chat(key: key, ["model": "gpt-4o", "messages": Self.user, "max_completion_tokens": 16385])
            #expect(over.status == .badRequest)
            let error = try over.errorBody()
            #expect(error["param"] == "max_completion_tokens")
            #expect(error["code"] == "invalid_value")
            #expect(error["message"]?.stringValue?.contains("16384") == true)
            #expect(try await gateway.chat(key: key, ["model": "gpt-4o", "messages": Self.user, "max_tokens": 16384]).status == .ok)
            #expect(try await gateway.usageRows().count == 1)
        }
    }

    @Test(arguments: ["priced-huge-usage", "priced-negative-usage"])
    func anUpstreamReportingImpossibleTokensIsABadResponseMeteredFromTheEstimate(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam(budget: 10)
            let (_, key) = try await gateway.createKey(team: team)
            let plain = try await gateway.chat(key: key, ["model": .string(model), "messages": Self.user])
            #expect(plain.status == .badGateway)
            #expect(try plain.errorBody()["code"] == "upstream_bad_response")
            let streamed = try await gateway.chat(key: key, ["model": .string(model), "messages": Self.user, "stream": true])
            #expect(streamed.status == .ok)  // the stream had begun; its end says what went wrong
            #expect(String(buffer: streamed.body).contains("upstream_bad_response"))
            #expect(!String(buffer: streamed.body).contains("100000000000000000"))
            // Metering goes on: a normal call after them is written too.
            #expect(try await gateway.chat(key: key, ["model": "priced-ok", "messages": Self.user]).status == .ok)

            let rows = try await gateway.usageRows()
            #expect(rows.map(\.status) == [502, 502, 200])
            for row in rows.prefix(2) {
                // The admission bound: "hi" is 2 bytes + 16 for the message; the model's cap of 1,000.
                #expect(row.estimated && row.uncachedInput == 18 && row.output == 1000)
                #expect(row.cost == "0.002018000000")
            }
            let budget = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(budget["team"]?["spent_usd"] == .number(0.004062))
        }
    }

    struct FailureCase: Sendable, CustomTestStringConvertible {
        var model: String
        var stream: Bool
        var status: HTTPResponse.Status
        var rowStatus: Int
        var testDescription: String { "\(model)\(stream ? " streamed" : "")" }
    }

    static let failuresAfterSending: [FailureCase] = [
        FailureCase(model: "priced-hang", stream: false, status: .gatewayTimeout, rowStatus: 504),
        FailureCase(model: "priced-hang", stream: true, status: .gatewayTimeout, rowStatus: 504),
        FailureCase(model: "priced-invalid-json", stream: false, status: .badGateway, rowStatus: 502),
        FailureCase(model: "priced-invalid-json", stream: true, status: .badGateway, rowStatus: 502),
        FailureCase(model: "priced-stream-cut", stream: true, status: .ok, rowStatus: 502),
        FailureCase(model: "priced-reset", stream: false, status: .badGateway, rowStatus: 502),
        FailureCase(model: "priced-reset", stream: true, status: .ok, rowStatus: 502),
    ]

    /// Providers bill calls that were sent and then failed: each leaves a row with its status and
    /// the admission estimate, and the budget counts it.
    @Test(arguments: failuresAfterSending)
    func aCallThatFailedAfterBeingSentIsMeteredAtItsEstimate(testCase: FailureCase) async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam(budget: 10)
            let (_, key) = try await gateway.createKey(team: team)
            let response = try await gateway.chat(key: key, [
                "model": .string(testCase.model), "messages": Self.user, "stream": .bool(testCase.stream), "max_tokens": 500,
            ])
            #expect(response.status == testCase.status)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.status == testCase.rowStatus)
            #expect(row.estimated)
            #expect(row.uncachedInput == 18 && row.output == 500)
            #expect(row.cost == "0.001018000000")  // 18 × $1/1M + 500 × $2/1M
            let budget = try await gateway.send(.get, "/v1/budget", bearer: key).json()
            #expect(budget["team"]?["spent_usd"] == .number(0.001018))
            #expect(budget["team"]?["reserved_usd"] == 0)
        }
    }

    @Test func anUpstreamErrorStatusIsMeteredAtZeroAndAnUnsentCallNotAtAll() async throws {
        try await GatewayHarness.run { gateway in
            let team = try await gateway.createTeam(budget: 10)
            let (_, key) = try await gateway.createKey(team: team)
            #expect(try await gateway.chat(key: key, ["model": "priced-error-500", "messages": Self.user]).status == .badGateway)
            let row = try #require(try await gateway.usageRows().first)
            #expect(row.status == 500 && !row.estimated && row.cost == "0.000000000000")
        }
    }

    @Test func nChoicesReserveTheirOutputEachTime() async throws {
        try await GatewayHarness.run { gateway in
            // Room for one choice of 1,000 output tokens ($0.002018 with the prompt), not for three.
            let team = try await gateway.createTeam(budget: .string("0.003"))
            let (_, key) = try await gateway.createKey(team: team)
            let three = try await gateway.chat(key: key, ["model": "priced-ok", "messages": Self.user, "n": 3])
            #expect(three.status == .tooManyRequests)
            #expect(try three.errorBody()["message"]?.stringValue?.contains("0.006018") == true, "\(String(buffer: three.body))")
            #expect(try await gateway.chat(key: key, ["model": "priced-ok", "messages": Self.user, "n": 1]).status == .ok)
        }
    }

    @Test func tokenArrayEmbeddingsAreBoundedByTheirLength() async throws {
        try await GatewayHarness.run { gateway in
            // 2,000 tokens at $0.02/1M is $0.00004; the budget has room for less.
            let team = try await gateway.createTeam(budget: .string("0.00003"))
            let (_, key) = try await gateway.createKey(team: team)
            let tokens = JSONValue.array(Array(repeating: 7, count: 2000))
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: String(buffer: WireCoding.encode(
                JSONValue.object(["model": "text-embedding-3-small", "input": [tokens]]))))
            #expect(response.status == .tooManyRequests)
        }
    }
}
