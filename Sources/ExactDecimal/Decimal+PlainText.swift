import Foundation

extension Decimal {
    /// The decimal's digits as `description` writes them (`0.000409275`, `-1.5`, `0`), made fast for
    /// the amounts a gateway prices (an exponent from -40 to 0, a significand under 2^64): without
    /// `description`'s digit-by-digit division of the 128-bit mantissa, which costs about 2 µs and
    /// runs once or more on every request (the answer's cost, the usage row). Other values take
    /// `description`.
    public var plainText: String {
        let exponent = self.exponent
        guard !isNaN, (-40...0).contains(exponent) else { return description }
        if isZero { return "0" }
        let significand = self.significand
        guard significand < Self.largestFastSignificand else { return description }
        var value = NSDecimalNumber(decimal: significand).uint64Value
        // Written from the last digit back into a string of the right length, allocated once.
        let scale = Int(-exponent)
        var digitCount = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digitCount += 1
        }
        let negative = sign == .minus
        let length = (negative ? 1 : 0) + max(1, digitCount - scale) + (scale > 0 ? scale + 1 : 0)
        return String(unsafeUninitializedCapacity: length) { text in
            var index = length
            func put(_ byte: UInt8) {
                index -= 1
                text[index] = byte
            }
            if scale > 0 {
                for _ in 0..<scale {
                    put(UInt8(ascii: "0") + UInt8(value % 10))
                    value /= 10
                }
                put(UInt8(ascii: "."))
            }
            repeat {
                put(UInt8(ascii: "0") + UInt8(value % 10))
                value /= 10
            } while value > 0
            if negative { put(UInt8(ascii: "-")) }
            return length
        }
    }

    private static let largestFastSignificand = Decimal(UInt64.max)
}
