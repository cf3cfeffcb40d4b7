import NIOCore
import Testing
@testable import OpenAIWire

@Suite struct SSEParserTests {
    static let stream = "event: message_start\ndata: {\"a\":1}\n\n: a comment\ndata: line one\r\ndata: line two\n\ndata: [DONE]\n\n"

    static func parse(_ chunks: [String]) throws -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events += try parser.feed(ByteBuffer(string: chunk)) }
        if let last = parser.finish() { events.append(last) }
        return events
    }

    static let expected = [
        SSEEvent(event: "message_start", data: "{\"a\":1}"),
        SSEEvent(data: "line one\nline two"),
        SSEEvent.done,
    ]

    @Test func parsesWholeStreams() throws {
        #expect(try Self.parse([Self.stream]) == Self.expected)
    }

    @Test(arguments: [1, 2, 3, 7, 13])
    func chunkBoundariesDoNotMatter(size: Int) throws {
        let characters = Array(Self.stream)
        let chunks = stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
        #expect(try Self.parse(chunks) == Self.expected)
    }

    @Test func anEventWithoutItsBlankLineIsStillDelivered() throws {
        #expect(try Self.parse(["data: {\"x\":1}"]) == [SSEEvent(data: "{\"x\":1}")])
    }

    @Test func wireBytesRoundTrip() throws {
        let event = SSEEvent(event: "e", data: "a\nb")
        #expect(String(buffer: event.wireBytes) == "event: e\ndata: a\ndata: b\n\n")
        #expect(try Self.parse([String(buffer: event.wireBytes)]) == [event])
    }

    @Test func anEndlessLineIsRefused() throws {
        var parser = SSEParser(maxLineBytes: 16)
        #expect(throws: WireError.self) { try parser.feed(ByteBuffer(string: String(repeating: "x", count: 64))) }
    }
}
