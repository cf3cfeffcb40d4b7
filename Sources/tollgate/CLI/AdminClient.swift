import ArgumentParser
import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import NIOHTTP1
import OpenAIWire

/// Options of the commands that call the admin API.
struct AdminOptions: ParsableArguments {
    @Option(help: "The gateway's URL (TOLLGATE_URL, default http://127.0.0.1:8080).")
    var url: String?

    @Option(name: .customLong("data-dir"), help: "Where to find the generated admin key when TOLLGATE_ADMIN_KEY is unset (default ./.tollgate).")
    var dataDirectory: String?

    @Flag(help: "Print the server's JSON (the default when standard output is not a terminal).")
    var json = false

    var baseURL: String {
        let environment = ProcessInfo.processInfo.environment
        let url = url ?? environment["TOLLGATE_URL"] ?? "http://127.0.0.1:8080"
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    func adminKey() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let key = environment["TOLLGATE_ADMIN_KEY"], !key.isEmpty { return key }
        let directory = dataDirectory ?? environment["TOLLGATE_DATA_DIR"] ?? "./.tollgate"
        guard let key = AdminKeyFile.load(dataDirectory: directory), !key.isEmpty else {
            throw ValidationError("no admin key: set TOLLGATE_ADMIN_KEY or run from the directory whose .tollgate/admin-key serve wrote")
        }
        return key
    }

    /// Sends one admin request and prints the answer: as `table` renders it on a terminal, else
    /// the JSON as the server wrote it; a non-2xx answer exits with status 1.
    func call(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil, table: ((JSONValue) -> String?)? = nil) async throws {
        let bytes = try await fetch(method, path, body: body)
        if let table, !json, Table.standardOutputIsTerminal, let answer = try? JSONParser.parse(bytes), let text = table(answer) {
            print(text)
        } else {
            // Printed as the server wrote it: re-encoding would pass amounts through binary floating point.
            print(String(buffer: bytes))
        }
    }

    /// The body of one admin request's 2xx answer; any other answer is printed and exits with status 1.
    func fetch(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "authorization", value: "Bearer \(try adminKey())")
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
            try await client.shutdown()
            guard (200..<300).contains(response.status.code) else {
                print(String(buffer: bytes))
                throw ExitCode(1)
            }
            return bytes
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// A decimal command-line amount, sent as a JSON number without passing through binary floating point.
func decimalAmount(_ text: String, _ option: String) throws -> NSDecimalNumber {
    guard let value = Decimal(string: text), !value.isNaN, value >= 0 else {
        throw ValidationError("\(option) must be a non-negative decimal amount, e.g. 100 or 12.50")
    }
    return NSDecimalNumber(decimal: value)
}
