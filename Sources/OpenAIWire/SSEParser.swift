import NIOCore

/// One server-sent event: its `event:` name (if any) and the joined `data:` lines.
public struct SSEEvent: Sendable, Equatable {
    public var event: String?
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }

    /// The event as it goes on the wire, ending in a blank line.
    public var wireBytes: ByteBuffer {
        var text = ""
        if let event { text += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line)\n"
        }
        text += "\n"
        return ByteBuffer(string: text)
    }

    public static let done = SSEEvent(data: "[DONE]")
}

/// Splits a byte stream into server-sent events as bytes arrive, whatever the chunk boundaries.
///
/// ```swift
/// var parser = SSEParser()
/// for try await chunk in body { for event in parser.feed(chunk) { … } }
/// ```
public struct SSEParser: Sendable {
    private var pending = ByteBuffer()
    private var event: String?
    private var dataLines: [String] = []
    private var dataBytes = 0
    /// Bytes held while waiting for the end of a line; a stream past this is malformed.
    public let maxLineBytes: Int
    /// Data bytes one event may carry over all its lines; a stream past this is malformed.
    public let maxEventBytes: Int

    public init(maxLineBytes: Int = 16 * 1024 * 1024, maxEventBytes: Int = 16 * 1024 * 1024) {
        self.maxLineBytes = maxLineBytes
        self.maxEventBytes = maxEventBytes
    }

    /// Feeds bytes and returns the events completed by them.
    public mutating func feed(_ buffer: ByteBuffer) throws(WireError) -> [SSEEvent] {
        var buffer = buffer
        pending.writeBuffer(&buffer)
        var events: [SSEEvent] = []
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            var line = pending.readString(length: length) ?? ""
            pending.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            if let event = consume(line: line) { events.append(event) }
            if dataBytes > maxEventBytes {
                throw WireError("A server-sent event exceeds \(maxEventBytes) bytes.")
            }
        }
        if pending.readableBytes > maxLineBytes {
            throw WireError("A server-sent event line exceeds \(maxLineBytes) bytes.")
        }
        pending.discardReadBytes()
        return events
    }

    /// Ends the stream, returning an event left without its closing blank line.
    public mutating func finish() -> SSEEvent? {
        if pending.readableBytes > 0, let line = pending.readString(length: pending.readableBytes) {
            _ = consume(line: line)
        }
        return consume(line: "")
    }

    private mutating func consume(line: String) -> SSEEvent? {
        if line.isEmpty {
            defer { event = nil; dataLines = []; dataBytes = 0 }
            guard !dataLines.isEmpty else { return nil }
            return SSEEvent(event: event, data: dataLines.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = ""
        }
        switch field {
        case "data":
            dataLines.append(String(value))
            dataBytes += value.utf8.count + 1
        case "event": event = String(value)
        default: break
        }
        return nil
    }
}
