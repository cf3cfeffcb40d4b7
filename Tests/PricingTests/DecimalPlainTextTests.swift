import ExactDecimal
import Foundation
import Testing

@Suite struct DecimalPlainTextTests {
    @Test(arguments: [
        ("0.000409275", "0.000409275"), ("-1.5", "-1.5"), ("0", "0"), ("12", "12"), ("100", "100"), ("0.1", "0.1"),
        ("-0.000001", "-0.000001"), ("123.456", "123.456"), ("18446744073709551614", "18446744073709551614"),
        ("0.0000000000000000000000000000000000000001", "0.0000000000000000000000000000000000000001"),
    ])
    func writesTheDigitsAsDescriptionDoes(text: String, expected: String) throws {
        let value = try #require(Decimal(string: text))
        #expect(value.plainText == expected)
        #expect(value.plainText == value.description)
    }

    @Test func agreesWithDescriptionAcrossSignificandsAndScales() {
        var significands: [UInt64] = [0, 1, 7, 9, 10, 11, 99, 101, 12_345, 409_275, UInt64.max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 {
            power *= 10
            significands += [power - 1, power, power + 1]
        }
        significands += (0..<64).map { UInt64(1) << $0 }
        for significand in significands {
            for exponent in 0...40 {
                for sign in [FloatingPointSign.plus, .minus] {
                    let value = Decimal(sign: sign, exponent: -exponent, significand: Decimal(significand))
                    #expect(value.plainText == value.description, "\(value.description)")
                }
            }
        }
    }
}
