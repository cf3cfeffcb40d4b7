import Foundation
import OpenAIWire

/// OpenAI embeddings to Gemini's `batchEmbedContents` and back.
///
/// Each input string becomes one request of the batch; `dimensions` becomes
/// `outputDimensionality`. Gemini takes text, so token arrays are refused (400 on `input`).
/// The answer is OpenAI's list of embeddings, as floats or, with `encoding_format: "base64"`
/// (what the official SDKs ask for by default), as little-endian float32 in base64. Gemini's
/// Developer API does not always report usage: `usage` is set only from `usageMetadata`, and
/// the gateway bills the input's bound, marked estimated, when it is missing.
enum GeminiEmbeddings {
    static func request(_ request: EmbeddingsRequest, on deployment: Deployment) throws(ProviderError) -> JSONValue {
        let texts = try texts(request.body["input"] ?? .null, provider: deployment.provider)
        var dimensions: JSONValue?
        if let value = request.body["dimensions"], value != .null {
            guard let count = value.intValue, count > 0 else {
                throw .untranslatable(deployment.provider, "'dimensions' must be a positive integer", param: "dimensions")
            }
            dimensions = .integer(Int64(count))
        }
        let requests: [JSONValue] = texts.map { text in
            var item: [String: JSONValue] = [
                "model": .string("models/" + deployment.upstreamModel),
                "content": ["parts": [["text": .string(text)]]],
            ]
            if let dimensions { item["outputDimensionality"] = dimensions }
            return .object(item)
        }
        return ["requests": .array(requests)]
    }

    /// The OpenAI-shaped answer, named by the deployment's model.
    static func answer(_ answer: JSONValue, on deployment: Deployment, base64: Bool) throws(ProviderError) -> [String: JSONValue] {
        guard let embeddings = answer["embeddings"]?.arrayValue else {
            throw .badResponse(deployment.provider, "the answer has no embeddings")
        }
        var data: [JSONValue] = []
        data.reserveCapacity(embeddings.count)
        for (index, embedding) in embeddings.enumerated() {
            guard let values = embedding["values"]?.arrayValue else { throw .badResponse(deployment.provider, "an embedding has no values") }
            var floats: [Double] = []
            floats.reserveCapacity(values.count)
            for value in values {
                switch value {
                case .number(let number): floats.append(number)
                case .integer(let number): floats.append(Double(number))
                default: throw .badResponse(deployment.provider, "an embedding value is not a number")
                }
            }
            let vector: JSONValue = base64 ? .string(Self.base64(floats)) : .array(floats.map(JSONValue.number))
            data.append(["object": "embedding", "index": .integer(Int64(index)), "embedding": vector])
        }
        var body: [String: JSONValue] = ["object": "list", "data": .array(data), "model": .string(deployment.model)]
        if let prompt = answer["usageMetadata"]?["promptTokenCount"]?.intValue {
            body["usage"] = ["prompt_tokens": .integer(Int64(prompt)), "total_tokens": .integer(Int64(prompt))]
        }
        return body
    }

    static func wantsBase64(_ request: EmbeddingsRequest) -> Bool {
        request.body["encoding_format"]?.stringValue == "base64"
    }

    private static func texts(_ input: JSONValue, provider: String) throws(ProviderError) -> [String] {
        switch input {
        case .string(let text): return [text]
        case .array(let items):
            var texts: [String] = []
            for item in items {
                guard let text = item.stringValue else {
                    throw .untranslatable(provider, "Gemini embeds text only: send 'input' as a string or an array of strings, not tokens", param: "input")
                }
                texts.append(text)
            }
            return texts
        default:
            throw .untranslatable(provider, "Gemini embeds text only: send 'input' as a string or an array of strings", param: "input")
        }
    }

    /// Little-endian float32s in base64, the layout OpenAI's base64 embeddings use.
    static func base64(_ values: [Double]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = Float(value).bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
