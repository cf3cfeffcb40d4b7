import ExactDecimal
import Foundation

/// An exact amount of US dollars.
///
/// Backed by `Decimal`, never by binary floating point: amounts parse from and print to decimal
/// strings, and JSON encodes the decimal digits as a number.
public struct Money: Sendable, Hashable, Comparable {
    public var amount: Decimal

    public init(_ amount: Decimal) {
        self.amount = amount
    }

    /// Parses a plain decimal string such as `"2.50"` or `"0.000125"`; nil for anything else.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard Self.isPlainDecimal(trimmed),
              let value = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX")),
              !value.isNaN
        else { return nil }
        self.amount = value
    }

    /// `-?digits[.digits]`: no exponent, no separators, no sign but a leading minus.
    static func isPlainDecimal(_ text: String) -> Bool {
        var digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard let first = digits.first, first.isASCII, first.isNumber else { return false }
        if let point = digits.firstIndex(of: ".") {
            let fraction = digits[digits.index(after: point)...]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            digits = digits[..<point]
        }
        return digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    public static let zero = Money(0)

    /// Digits after the point that a request's cost keeps.
    public static let costScale = 12

    /// The amount rounded half-up to `scale` decimal places.
    public func rounded(scale: Int = Money.costScale) -> Money {
        var source = amount
        var result = Decimal()
        NSDecimalRound(&result, &source, scale, .plain)
        return Money(result)
    }

    /// The plain decimal text, e.g. `0.000125`, never in exponent form.
    public var decimalString: String {
        amount.plainText
    }

    public static func + (lhs: Money, rhs: Money) -> Money { Money(lhs.amount + rhs.amount) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(lhs.amount - rhs.amount) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.amount += rhs.amount }
    public static func -= (lhs: inout Money, rhs: Money) { lhs.amount -= rhs.amount }
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.amount < rhs.amount }
}

extension Money: CustomStringConvertible {
    public var description: String { decimalString }
}

extension Money: Codable {
    /// Accepts a JSON number or a decimal string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let money = Money(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a decimal amount")
            }
            self = money
        } else {
            self.amount = try container.decode(Decimal.self)
        }
    }

    /// Writes the exact decimal as a JSON number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(amount)
    }
}
