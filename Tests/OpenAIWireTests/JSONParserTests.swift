import Foundation
import NIOCore
import Testing
@testable import OpenAIWire

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let text = #"{"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "i": -42, "big": 12345678901234567, "f": 0.7, "e": 1.5e-3, "t": true, "n": null, "a": [1, [], {}]}"#
        let value = try JSONParser.parse(text)
        #expect(value["s"] == .string("a\"b\\c/d\né😀"))
        #expect(value["i"] == .integer(-42))
        #expect(value["big"] == .integer(12_345_678_901_234_567))
        #expect(value["f"] == .number(0.7))
        #expect(value["e"] == .number(0.0015))
        #expect(value["t"] == .bool(true))
        #expect(value["n"] == .null)
        #expect(value["a"] == [1, [], [:]])
    }

    @Test func integersFillInt64AndLargerOnesAreNumbers() throws {
        let value = try JSONParser.parse(#"{"max": 9223372036854775807, "min": -9223372036854775808, "over": 9223372036854775808, "under": -9223372036854775809, "zero": -0}"#)
        #expect(value["max"] == .integer(.max))
        #expect(value["min"] == .integer(.min))
        #expect(value["over"] == .number(9_223_372_036_854_775_808))
        #expect(value["under"] == .number(Double("-9223372036854775809")!))  // rounds to -2^63 as a Double
        #expect(value["zero"] == .integer(0))
    }

    @Test func nestedObjectsKeepTheirOwnMembersAndDuplicatesAreNoted() throws {
        let nested = try JSONParser.parseNotingDuplicates(Array(#"{"a": {"b": {"c": 1}, "d": [{"e": 2}, {}]}, "f": {"a": 3}}"#.utf8))
        #expect(nested.value == ["a": ["b": ["c": 1], "d": [["e": 2], [:]]], "f": ["a": 3]])
        #expect(!nested.duplicateKeys)
        let twice = try JSONParser.parseNotingDuplicates(Array(#"{"a": {"x": 1, "x": 2}, "b": 3}"#.utf8))
        #expect(twice.value == ["a": ["x": 2], "b": 3])
        #expect(twice.duplicateKeys)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":}", "01", "1.", "-", "1e", "tru", "nul", "\"abc", "\"a\u{01}b\"", "\"\\x\"",
        "\"\\ud800\"", "{} extra", "{'a': 1}", "[1 2]", "1e400",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: WireError.self) { try JSONParser.parse(text) }
    }

    @Test func refusesNestingDeeperThanTheLimit() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: WireError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
    }

    @Test func writingAndParsingRoundTrip() throws {
        let value: JSONValue = [
            "text": "quote \" backslash \\ newline \n tab \t control \u{02} unicode é 😀",
            "numbers": [0, -1, 9_007_199_254_740_993, 0.1, 2.5e-10, 100.5],
            "nested": ["empty": [:], "list": []], "flag": false, "nothing": nil,
        ]
        #expect(try JSONParser.parse(value.jsonBytes) == value)
    }

    @Test func decimalsAreWrittenDigitForDigit() {
        let value: JSONValue = ["cost": .decimal(Decimal(string: "0.000000000001")!), "big": .decimal(Decimal(string: "12345678.123456789012")!)]
        #expect(value.jsonText.contains("\"cost\":0.000000000001"))
        #expect(value.jsonText.contains("\"big\":12345678.123456789012"))
    }

    @Test func agreesWithFoundation() throws {
        let text = #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi ☃"}],"temperature":0.2,"n":1,"stop":["\n"]}"#
        let ours = try JSONParser.parse(text)
        let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == theirs)
    }
}
