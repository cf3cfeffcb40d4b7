import Hummingbird
import NIOCore
import OpenAIWire

extension Response {
    /// A `text/event-stream` response of `events`; `cut` sends only the first half, then ends;
    /// `pause` waits between events.
    static func eventStream(_ events: [SSEEvent], cut: Bool = false, pause: Duration? = nil) -> Response {
        let sent = cut ? Array(events.prefix(max(events.count / 2, 1))) : events
        let buffers = sent.map(\.wireBytes)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for buffer in buffers {
                try await writer.write(buffer)
                if let pause { try await Task.sleep(for: pause) }
            }
            try await writer.finish(nil)
        })
    }
}
