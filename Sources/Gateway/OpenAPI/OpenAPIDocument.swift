import Hummingbird
import HTTPTypes
import NIOCore

/// `GET /openapi.json`: the OpenAPI 3.1 document of the whole API.
///
/// The document is `openapi/openapi.json` in the repository, compiled in by the EmbedFiles build
/// plugin. Every endpoint and field the gateway serves is described there, in the same change
/// that adds it; CI checks the running server against it with a schema-driven fuzzer
/// (schemathesis), and a test checks that it parses.
enum OpenAPIDocument {
    static let json: String = BuiltInOpenAPI.files.first { $0.name == "openapi.json" }?.contents ?? "{}"

    static let bytes = ByteBuffer(string: json)

    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }
}
