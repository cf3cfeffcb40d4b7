import AsyncHTTPClient
import NIOCore
import Testing
@testable import Providers

/// The upstream request's body tells whether AsyncHTTPClient got as far as writing it (the head
/// went out first): building the body must not say so, reading it must.
@Suite struct SentMarkingBytesTests {
    @Test func buildingTheBodyDoesNotMarkItAndReadingItDoes() async throws {
        var buffer = ByteBuffer(string: "xx{\"model\":\"gpt-4o\"}")
        buffer.moveReaderIndex(forwardBy: 2)  // the bytes are the readable ones, wherever they start
        let sent = RequestSentFlag()
        let bytes = SentMarkingBytes(buffer: buffer, sent: sent)
        let body = HTTPClientRequest.Body.bytes(bytes, length: .known(Int64(bytes.count)))
        #expect(bytes.count == 18)
        #expect(!sent.value)

        var read = ByteBuffer()
        for try await part in body {
            read.writeImmutableBuffer(part)
        }
        #expect(sent.value)
        #expect(String(buffer: read) == "{\"model\":\"gpt-4o\"}")
    }

    @Test func readingByteByByteMarksItToo() {
        let sent = RequestSentFlag()
        let bytes = SentMarkingBytes(buffer: ByteBuffer(string: "{}"), sent: sent)
        #expect(!sent.value)
        var read: [UInt8] = []
        for byte in bytes { read.append(byte) }
        #expect(read == Array("{}".utf8))
        #expect(sent.value)
    }
}
