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
        var digits = String(NSDecimalNumber(decimal: significand).uint64Value)
        let scale = -exponent
        if scale > 0 {
            if digits.utf8.count <= scale { digits = String(repeating: "0", count: scale - digits.utf8.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return sign == .minus ? "-" + digits : digits
    }

    private static let largestFastSignificand = Decimal(UInt64.max)
}
