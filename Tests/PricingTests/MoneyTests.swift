import Foundation
import Testing
@testable import Pricing

@Suite struct MoneyTests {
    @Test(arguments: [
        ("2.50", "2.5"), ("0.000125", "0.000125"), ("10", "10"), ("0", "0"), ("123456789.123456789012", "123456789.123456789012"),
    ])
    func parsesDecimalStringsExactly(text: String, printed: String) throws {
        let money = try #require(Money(text))
        #expect(money.decimalString == printed)
    }

    @Test(arguments: ["", "abc", "1e5", "1,5", "$3", " ", "1-2", "1.2.3", "1.", ".5", "--1", "NaN"])
    func rejectsWhatIsNotAPlainDecimal(text: String) {
        #expect(Money(text) == nil)
    }

    @Test func roundsHalfUpToTwelvePlaces() throws {
        #expect(try #require(Money("0.0000000000005")).rounded().decimalString == "0.000000000001")
        #expect(try #require(Money("0.0000000000004")).rounded().decimalString == "0")
        #expect(try #require(Money("1.1234567890125")).rounded().decimalString == "1.123456789013")
    }

    @Test func encodesTheExactDecimalAsAJSONNumber() throws {
        let data = try JSONEncoder().encode(["cost": try #require(Money("0.000123456789012"))])
        #expect(String(decoding: data, as: UTF8.self) == #"{"cost":0.000123456789012}"#)
    }

    @Test func decodesNumbersAndStringsWithoutBinaryFloatingPoint() throws {
        let decoded = try JSONDecoder().decode([String: Money].self, from: Data(#"{"a": 0.1, "b": "0.2", "c": 12345678.123456789012}"#.utf8))
        #expect(decoded["a"]?.decimalString == "0.1")
        #expect(decoded["b"]?.decimalString == "0.2")
        #expect(decoded["c"]?.decimalString == "12345678.123456789012")
        #expect(try #require(decoded["a"]) + #require(decoded["b"]) == Money("0.3"))
    }

    @Test func theFastStringIsDecimalsOwnForEveryAmount() throws {
        for text in ["1.500", "0.000409275", "0", "-1.5", "0.10", "-0.000001", "1.0", "0.000000000001", "18446744073709551615",
                     "0.18446744073709551616", "500", "123456789.123456789012", "0.000", "-0"] {
            let value = try #require(Decimal(string: text))
            #expect(Money(value).decimalString == value.description, "\(text)")
            #expect(Money(value - value).decimalString == "0")
        }
        // Random significands and exponents, the way costs come out of price × tokens.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let significand = UInt64.random(in: 0...(UInt64(1) << UInt64.random(in: 1...63, using: &generator)), using: &generator)
            let value = Decimal(sign: Bool.random(using: &generator) ? .minus : .plus, exponent: Int.random(in: -30...3, using: &generator),
                                significand: Decimal(significand)) * (try #require(Decimal(string: "1.5")))
            #expect(Money(value).decimalString == value.description)
        }
    }
}
