import NIOCore
import Testing
@testable import OpenAIWire

@Suite struct JSONSpliceTests {
    private func splice(_ text: String) -> String? {
        JSONSplice.adding("cost", value: "0.00012", toMember: "usage", of: ByteBuffer(string: text)).map { String(buffer: $0) }
    }

    @Test(arguments: [
        (#"{"id":"x","usage":{"prompt_tokens":3,"total_tokens":5}}"#, #"{"id":"x","usage":{"prompt_tokens":3,"total_tokens":5,"cost":0.00012}}"#),
        (#" { "usage" : { } , "n" : [1, {"usage": {}}] } "#, #" { "usage" : { "cost":0.00012} , "n" : [1, {"usage": {}}] } "#),
        // Brackets, quotes and the parent's name inside strings and nested values do not count.
        (#"{"content":"}\"usage\":{","usage":{"d":{"cost":1},"s":"]}"},"z":null}"#,
         #"{"content":"}\"usage\":{","usage":{"d":{"cost":1},"s":"]}","cost":0.00012},"z":null}"#),
        ("{\n\t\"usage\": {\"a\": [1, 2.5e3, true, false, null]}\n}\n", "{\n\t\"usage\": {\"a\": [1, 2.5e3, true, false, null],\"cost\":0.00012}\n}\n"),
    ])
    func addsTheMemberAsTheParentsLast(input: String, expected: String) throws {
        let spliced = try #require(splice(input))
        #expect(spliced == expected)
        #expect(try JSONParser.parse(spliced) == JSONParser.parse(expected))
    }

    @Test(arguments: [
        #"{"id":"x"}"#,                                   // no parent
        #"{"usage":null}"#, #"{"usage":[1]}"#,            // the parent is not an object
        #"{"usage":{},"usage":{}}"#,                      // named twice
        #"{"usage":{"cost":0.1}}"#,                       // the member exists
        #"{"us\u0061ge":{}}"#, #"{"usage":{"c\u006fst":1}}"#, // names spelled with escapes
        #"[{"usage":{}}]"#, #""usage""#, "",              // not an object
        #"{"usage":{}} trailing"#, #"{"usage":{}"#, #"{"usage" {}}"#, #"{"usage":{}"x":1}"#, #"{"usage":{"a":"#,
    ])
    func declinesWhatItCannotEditWithCertainty(input: String) {
        #expect(splice(input) == nil)
    }

    @Test func neverTrapsOnAnyPrefixOfAnAnswer() {
        let answer = #"{"id":"c","choices":[{"message":{"content":"a \"q\" {[}]"}}],"usage":{"prompt_tokens":1,"details":{"x":[1,2]}}}"#
        let bytes = Array(answer.utf8)
        for length in 0...bytes.count {
            let prefix = ByteBuffer(bytes: bytes[..<length])
            let spliced = JSONSplice.adding("cost", value: "1", toMember: "usage", of: prefix)
            #expect((spliced != nil) == (length == bytes.count))
        }
    }

    @Test func readsFromTheBuffersReaderIndex() throws {
        var buffer = ByteBuffer(string: "xx{\"usage\":{}}")
        buffer.moveReaderIndex(forwardBy: 2)
        let spliced = try #require(JSONSplice.adding("cost", value: "null", toMember: "usage", of: buffer))
        #expect(String(buffer: spliced) == #"{"usage":{"cost":null}}"#)
    }
}
