/// Lowercase hexadecimal text of bytes, two digits each.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Writes the low `digitCount` hex digits of `value`, most significant first, into `text` from
    /// `start`: for text built in place, without a string per part.
    static func write(_ value: UInt64, digitCount: Int, into text: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        for index in 0..<digitCount {
            text[start + index] = digits[Int((value >> UInt64(4 * (digitCount - 1 - index))) & 0xF)]
        }
    }
}
