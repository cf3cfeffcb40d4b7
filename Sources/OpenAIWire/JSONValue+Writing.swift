import ExactDecimal
import Foundation
import NIOCore

extension JSONValue {
    /// The value as compact JSON bytes, written directly (no `JSONEncoder`).
    public var jsonBytes: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(256)
        write(to: &buffer)
        return buffer
    }

    /// The value as compact JSON text.
    public var jsonText: String { String(buffer: jsonBytes) }

    public func write(to buffer: inout ByteBuffer) {
        switch self {
        case .null: buffer.writeStaticString("null")
        case .bool(let value): buffer.writeStaticString(value ? "true" : "false")
        case .integer(let value): buffer.writeString(String(value))
        case .number(let value):
            if value.isFinite {
                if value == value.rounded(.towardZero), abs(value) < 1e15 {
                    buffer.writeString(String(Int64(value)))
                } else {
                    buffer.writeString(value.description)
                }
            } else {
                buffer.writeStaticString("null")
            }
        case .decimal(let value): buffer.writeString(value.plainText)
        case .string(let value): Self.write(string: value, to: &buffer)
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                element.write(to: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let members):
            buffer.writeInteger(UInt8(ascii: "{"))
            var first = true
            for (key, value) in members {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                Self.write(string: key, to: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                value.write(to: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        }
    }

    static func write(string: String, to buffer: inout ByteBuffer) {
        var string = string
        string.withUTF8 { utf8 in
            buffer.writeInteger(UInt8(ascii: "\""))
            var plainStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
                buffer.writeBytes(UnsafeBufferPointer(rebasing: utf8[plainStart..<index]))
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    let hex = String(byte, radix: 16)
                    buffer.writeString("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                }
                plainStart = index + 1
            }
            buffer.writeBytes(UnsafeBufferPointer(rebasing: utf8[plainStart...]))
            buffer.writeInteger(UInt8(ascii: "\""))
        }
    }
}
