import NIOCore

/// Edits to JSON bytes that leave every other byte as it came: an upstream's answer passed on with
/// one member added costs a scan, not a rewrite of the whole answer.
///
/// The scan reads the bytes as the parser does but builds nothing. It declines (nil) whatever it
/// cannot edit with certainty, and the caller then writes the parsed value instead: input that is
/// not an object, a parent that is missing, named twice or not an object, a member name spelled
/// with escapes (its meaning cannot be compared byte for byte), and malformed JSON.
public enum JSONSplice {
    /// `object` with `"name":value` added as the last member of the object held by its top-level
    /// member `parent`; nil when that cannot be done with certainty (see the type), or when the
    /// parent already has a member `name`. `name` is plain ASCII and `value` is JSON text.
    public static func adding(_ name: String, value: String, toMember parent: String, of object: ByteBuffer) -> ByteBuffer? {
        let edit: (closing: Int, empty: Bool)? = object.withUnsafeReadableBytes { raw in
            var scan = Scan(bytes: raw.bindMemory(to: UInt8.self))
            guard let parentValue = scan.onlyMember(parent, ofObjectAt: scan.skipWhitespace(from: 0), toEnd: true),
                  scan.bytes[parentValue.start] == UInt8(ascii: "{"),
                  scan.onlyMember(name, ofObjectAt: parentValue.start, toEnd: false) == nil, !scan.declined
            else { return nil }
            let closing = parentValue.end - 1
            let empty = scan.skipWhitespace(from: parentValue.start + 1) == closing
            return (closing, empty)
        }
        guard let edit else { return nil }
        var spliced = ByteBuffer()
        spliced.reserveCapacity(object.readableBytes + name.utf8.count + value.utf8.count + 4)
        var head = object.getSlice(at: object.readerIndex, length: edit.closing)!
        var tail = object.getSlice(at: object.readerIndex + edit.closing, length: object.readableBytes - edit.closing)!
        spliced.writeBuffer(&head)
        spliced.writeStaticString(edit.empty ? "\"" : ",\"")
        spliced.writeString(name)
        spliced.writeStaticString("\":")
        spliced.writeString(value)
        spliced.writeBuffer(&tail)
        return spliced
    }

    /// A read-only walk over JSON bytes.
    private struct Scan {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Set when the bytes could not be read with certainty: every answer is then void.
        var declined = false

        /// Where the single member `name` of the object at `start` has its value (`end` just past
        /// it); nil when the object has no such member or declines. With `toEnd`, the object must
        /// also be the whole input (white space around it allowed).
        mutating func onlyMember(_ name: String, ofObjectAt start: Int, toEnd: Bool) -> (start: Int, end: Int)? {
            guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else { return decline() }
            var found: (start: Int, end: Int)?
            var index = skipWhitespace(from: start + 1)
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let keyEnd = endOfString(at: index) else { return decline() }
                    let key = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<(keyEnd - 1)])
                    guard !key.contains(UInt8(ascii: "\\")) else { return decline() }
                    index = skipWhitespace(from: keyEnd)
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return decline() }
                    let valueStart = skipWhitespace(from: index + 1)
                    guard let valueEnd = endOfValue(at: valueStart) else { return decline() }
                    if key.elementsEqual(name.utf8) {
                        guard found == nil else { return decline() }
                        found = (valueStart, valueEnd)
                    }
                    index = skipWhitespace(from: valueEnd)
                    guard index < bytes.count else { return decline() }
                    if bytes[index] == UInt8(ascii: ",") {
                        index = skipWhitespace(from: index + 1)
                        continue
                    }
                    guard bytes[index] == UInt8(ascii: "}") else { return decline() }
                    index += 1
                    break
                }
            }
            if toEnd, skipWhitespace(from: index) != bytes.count { return decline() }
            return found
        }

        private mutating func decline() -> (start: Int, end: Int)? {
            declined = true
            return nil
        }

        func skipWhitespace(from start: Int) -> Int {
            var index = start
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
            return index
        }

        /// Just past the string whose opening quote is at `start`.
        func endOfString(at start: Int) -> Int? {
            var index = start + 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""): return index + 1
                case UInt8(ascii: "\\"): index += 2
                default: index += 1
                }
            }
            return nil
        }

        /// Just past the value starting at `start`: a string, an object or array (strings inside
        /// skipped whole, so their brackets do not count), or a number or literal.
        func endOfValue(at start: Int) -> Int? {
            guard start < bytes.count else { return nil }
            switch bytes[start] {
            case UInt8(ascii: "\""):
                return endOfString(at: start)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                var index = start
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard let end = endOfString(at: index) else { return nil }
                        index = end
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { return index + 1 }
                    default:
                        break
                    }
                    index += 1
                }
                return nil
            default:
                var index = start
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09:
                        return index > start ? index : nil
                    default:
                        index += 1
                    }
                }
                return index > start ? index : nil
            }
        }
    }
}
