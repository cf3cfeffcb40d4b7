import Foundation
import HTTPTypes
import OpenAIWire
import Testing
import TollgateTestSupport

/// Validates a JSON value against the schemas of OpenAI's published OpenAPI document (the subset
/// `Fixtures/openai-openapi-schemas.json` keeps: `type`, `properties`, `required`, `items`, `enum`,
/// `const`, `anyOf`, `oneOf`, `allOf`, `nullable`, `$ref`). Each problem names its JSON path.
struct OpenAISchemas {
    let schemas: [String: JSONValue]
    let commit: String

    static let shared: OpenAISchemas = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/openai-openapi-schemas.json")
        let document = (try? JSONParser.parse(String(contentsOf: url, encoding: .utf8))) ?? .null
        return OpenAISchemas(schemas: document["schemas"]?.objectValue ?? [:], commit: document["commit"]?.stringValue ?? "?")
    }()

    /// The problems of `value` against the schema named `name`; empty when it conforms.
    func problems(_ value: JSONValue, against name: String) -> [String] {
        guard let schema = schemas[name] else { return ["no schema named \(name)"] }
        return problems(value, schema, path: "$")
    }

    private func problems(_ value: JSONValue, _ schema: JSONValue, path: String) -> [String] {
        if schema["nullable"] == .bool(true), value == .null { return [] }
        if let reference = schema["$ref"]?.stringValue {
            let name = String(reference.split(separator: "/").last ?? "")
            guard let target = schemas[name] else { return ["\(path): unknown schema \(name)"] }
            return problems(value, target, path: path)
        }
        var found: [String] = []
        if let options = (schema["anyOf"] ?? schema["oneOf"])?.arrayValue {
            let results = options.map { problems(value, $0, path: path) }
            if !results.contains(where: \.isEmpty) {
                found.append("\(path): matches none of its \(options.count) alternatives (\(results.map { $0.first ?? "" }.joined(separator: "; ")))")
            }
        }
        for part in schema["allOf"]?.arrayValue ?? [] { found += problems(value, part, path: path) }
        if let type = schema["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !allowed.contains(where: { Self.matches(value, type: $0) }) {
                return found + ["\(path): \(Self.describe(value)) is not \(allowed.joined(separator: " or "))"]
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            found.append("\(path): \(Self.describe(value)) is not one of \(options.compactMap(\.stringValue))")
        }
        if let constant = schema["const"], constant != value {
            found.append("\(path): \(Self.describe(value)) is not \(constant)")
        }
        if case .object(let object) = value {
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                found.append("\(path): required '\(name)' is missing")
            }
            for (name, property) in schema["properties"]?.objectValue ?? [:] {
                if let child = object[name] { found += problems(child, property, path: "\(path).\(name)") }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() { found += problems(item, itemSchema, path: "\(path)[\(index)]") }
        }
        return found
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .integer): true
        case ("number", .integer), ("number", .number), ("number", .decimal): true
        default: false
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .string(let text): "\"\(text.prefix(40))\""
        default: "\(value)".prefix(60).description
        }
    }
}

/// OpenAI's contract to the letter: answers, stream chunks and errors of the OpenAI-compatible
/// endpoints validate against OpenAI's published schemas whichever provider served them, with
/// `null` where a required field has no value.
@Suite struct OpenAIContractTests {
    static let user: JSONValue = [["role": "user", "content": "hello there"]]
    static let tools: JSONValue = [["type": "function", "function": ["name": "get_weather", "parameters": [
        "type": "object", "properties": ["location": ["type": "string"]], "required": ["location"],
    ]]]]

    /// A model of each provider family, each served by the mock speaking that provider's protocol.
    static let families = ["gpt-4o", "claude-sonnet-4-6", "gemini-3.8-flash", "qwen-plus"]

    static func expectConforms(_ value: JSONValue, to schema: String, _ what: String) {
        let problems = OpenAISchemas.shared.problems(value, against: schema)
        #expect(problems.isEmpty, "\(what) does not conform to \(schema) (openai-openapi \(OpenAISchemas.shared.commit.prefix(7))): \(problems)")
    }

    @Test(arguments: families)
    func chatAnswersConform(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let plain = try await gateway.chat(key: key, ["model": .string(model), "messages": Self.user])
            #expect(plain.status == .ok)
            Self.expectConforms(try plain.json(), to: "CreateChatCompletionResponse", "\(model), plain")
            let withTools = try await gateway.chat(key: key, ["model": .string(model), "messages": Self.user, "tools": Self.tools])
            #expect(withTools.status == .ok)
            Self.expectConforms(try withTools.json(), to: "CreateChatCompletionResponse", "\(model), tools")
        }
    }

    /// A compatible server that leaves out what OpenAI's schema requires is answered with it
    /// filled in; OpenAI's own answers go on as their bytes came, with the cost in `usage`.
    @Test func sparseAnswersAreFilledInAndWholeOnesPassedOnAsTheyCame() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let sparse = try await gateway.chat(key: key, ["model": "mock-sparse", "messages": Self.user])
            #expect(sparse.status == .ok)
            let filled = try sparse.json()
            Self.expectConforms(filled, to: "CreateChatCompletionResponse", "sparse")
            #expect(filled["choices"]?[0]?["logprobs"] == .null && filled["choices"]?[0]?["message"]?["refusal"] == .null)
            #expect(filled["usage"]?["cost"] != nil)

            let whole = try await gateway.chat(key: key, ["model": "mock-priced/priced-ok", "messages": Self.user])
            #expect(whole.status == .ok)
            // The mock's bytes, members in its order, with `"cost":…` the last member of `usage`.
            let sent = String(buffer: try #require(gateway.mock.lastChatAnswer))
            let cost = try #require(try whole.json()["usage"]?["cost"])
            #expect(cost != .null)
            let bytes = Array(sent.utf8)
            let usageStart = try #require(sent.range(of: #""usage":{"#)).upperBound.utf16Offset(in: sent)
            var depth = 1
            var usageEnd = usageStart
            while depth > 0 {
                if bytes[usageEnd] == UInt8(ascii: "{") { depth += 1 }
                if bytes[usageEnd] == UInt8(ascii: "}") { depth -= 1 }
                usageEnd += 1
            }
            // The cost as written, digit for digit (a Double would print 2.7e-05).
            let text = String(buffer: whole.body)
            let costMember = String(text[try #require(text.range(of: #""cost":[0-9.]+"#, options: .regularExpression))])
            #expect(JSONValue.number(Double(costMember.dropFirst(7)) ?? 0) == cost)
            let expected = String(decoding: bytes[..<(usageEnd - 1)], as: UTF8.self) + "," + costMember
                + String(decoding: bytes[(usageEnd - 1)...], as: UTF8.self)
            #expect(text == expected)
            Self.expectConforms(try whole.json(), to: "CreateChatCompletionResponse", "whole")
        }
    }

    @Test(arguments: families)
    func streamChunksConform(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.chat(key: key, [
                "model": .string(model), "stream": true, "stream_options": ["include_usage": true], "messages": Self.user, "tools": Self.tools,
            ])
            #expect(response.status == .ok)
            let chunks = String(buffer: response.body).split(separator: "\n").filter { $0.hasPrefix("data: ") && !$0.hasSuffix("[DONE]") }
            #expect(chunks.count > 1)
            for (index, line) in chunks.enumerated() {
                let chunk = try JSONParser.parse(String(line.dropFirst(6)))
                Self.expectConforms(chunk, to: "CreateChatCompletionStreamResponse", "\(model), chunk \(index)")
            }
        }
    }

    @Test(arguments: ["text-embedding-3-small", "gemini-embedding-001"])
    func embeddingsConform(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            let response = try await gateway.send(.post, "/v1/embeddings", bearer: key, body: #"{"model": "\#(model)", "input": ["one", "two"]}"#)
            #expect(response.status == .ok)
            Self.expectConforms(try response.json(), to: "CreateEmbeddingResponse", model)
        }
    }

    @Test func modelsAndErrorsConform() async throws {
        try await GatewayHarness.run { gateway in
            let (_, key) = try await gateway.makeCaller()
            Self.expectConforms(try await gateway.send(.get, "/v1/models", bearer: key).json(), to: "ListModelsResponse", "models")
            let errors = [
                try await gateway.chat(key: key, ["model": "nope", "messages": Self.user]),  // 404
                try await gateway.send(.post, "/v1/chat/completions", bearer: key, body: "{"),  // 400
                try await gateway.send(.get, "/v1/models", bearer: "tg-wrong"),  // 401
                try await gateway.chat(key: key, ["model": "mock-error-429", "messages": Self.user]),  // upstream's
                try await gateway.chat(key: key, ["model": "claude-mock-error-529", "messages": Self.user]),  // Anthropic's
            ]
            for error in errors {
                #expect(error.status.code >= 400)
                Self.expectConforms(try error.json(), to: "ErrorResponse", "error \(error.status.code)")
            }
        }
    }

    /// The validator itself: it refuses what the schema refuses.
    @Test func theValidatorRefusesAMissingRequiredField() throws {
        let message: JSONValue = ["role": "assistant", "content": "hi"]
        #expect(OpenAISchemas.shared.problems(message, against: "ChatCompletionResponseMessage") == ["$: required 'refusal' is missing"])
        let tier: JSONValue = "standard"
        #expect(!OpenAISchemas.shared.problems(tier, against: "ServiceTier").isEmpty)
        #expect(OpenAISchemas.shared.problems(["role": "assistant", "content": .null, "refusal": .null], against: "ChatCompletionResponseMessage").isEmpty)
    }
}
