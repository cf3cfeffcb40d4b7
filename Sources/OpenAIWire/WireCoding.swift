import Foundation
import NIOCore

/// The JSON coders used for every wire body, configured once.
public enum WireCoding {
    public static func decoder() -> JSONDecoder {
        JSONDecoder()
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        try decoder().decode(type, from: Data(buffer.readableBytesView))
    }

    public static func encode(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try encoder().encode(value))
    }

    // JSON values take the direct parser and writer: the proxy's hot path.

    public static func decode(_ type: JSONValue.Type, from buffer: ByteBuffer) throws -> JSONValue {
        try JSONParser.parse(buffer)
    }

    public static func encode(_ value: JSONValue) -> ByteBuffer {
        value.jsonBytes
    }

    public static func encode(_ object: [String: JSONValue]) -> ByteBuffer {
        JSONValue.object(object).jsonBytes
    }
}
