import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// Decoding admin request bodies and encoding admin answers, with errors that name the field.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an RFC 3339 time or a YYYY-MM-DD date"))
            }
            return date
        }
        do {
            return try decoder.decode(type, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw describe(error)
        } catch let error as GatewayError {
            throw error
        } catch {
            throw GatewayError.invalidRequest("The request body is not valid JSON.")
        }
    }

    static func describe(_ error: DecodingError) -> GatewayError {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (path(context).isEmpty ? "" : path(context) + ".") + key.stringValue
            return .invalidRequest("Missing required parameter: '\(field)'.", param: field)
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            if context.codingPath.isEmpty {
                return .invalidRequest("The request body must be a JSON object.")
            }
            return .invalidRequest("Invalid type for '\(path(context))': expected \(typeName(type)).", param: path(context))
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return .invalidRequest("The request body is not valid JSON.")
            }
            return .invalidRequest("Invalid value for '\(path(context))': \(context.debugDescription)", param: path(context))
        @unknown default:
            return .invalidRequest("The request body is not valid.")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Decimal.Type: "a number"
        case is [String].Type, is [Any].Type: "an array"
        default: "\(type)".lowercased().contains("dictionary") ? "an object" : "a value of type \(type)"
        }
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// Times on the API: RFC 3339 in, RFC 3339 UTC out; a bare `YYYY-MM-DD` means midnight in
/// `timeZone` (UTC unless a query names another).
enum Timestamp {
    static func parse(_ text: String, timeZone: TimeZone = .gmt) -> Date? {
        if text.count == 10 {
            return try? Date.ISO8601FormatStyle(timeZone: timeZone).year().month().day().parse(text)
        }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
