import Hummingbird
import HTTPTypes
import Metering
import OpenAIWire

/// `GET /ready`: 200 when every dependency of a billed call is working, else 503 with what is
/// degraded. `GET /health` (liveness) stays 200 either way: a degraded gateway still serves known
/// keys and spools usage, and restarting it would not help.
///
/// ```json
/// {"status": "degraded", "checks": {"database": {"status": "unreachable", "error": "…"},
///  "usage_spool": {"status": "ok", "bytes": 5120, "max_bytes": 1073741824, "pending_events": 12}}}
/// ```
struct Readiness {
    let database: DatabaseHealth
    let recorder: UsageRecorder

    func response() -> Response {
        var checks: [String: JSONValue] = [:]
        var ready = true

        var databaseCheck: [String: JSONValue] = ["status": database.isReachable ? "ok" : "unreachable"]
        if !database.isReachable {
            ready = false
            databaseCheck["error"] = database.lastError.map(JSONValue.string) ?? .null
        }
        checks["database"] = .object(databaseCheck)

        let spoolStatus: String
        if recorder.acceptsCalls {
            spoolStatus = "ok"
        } else {
            ready = false
            spoolStatus = recorder.spooledBytes >= recorder.spoolMaxBytes ? "full" : "unwritable"
        }
        checks["usage_spool"] = [
            "status": .string(spoolStatus), "bytes": .integer(Int64(recorder.spooledBytes)),
            "max_bytes": .integer(Int64(recorder.spoolMaxBytes)), "pending_events": .integer(Int64(recorder.pendingCount)),
        ]

        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        let body: JSONValue = ["status": ready ? "ready" : "degraded", "checks": .object(checks)]
        return Response(status: ready ? .ok : .serviceUnavailable, headers: headers, body: .init(byteBuffer: WireCoding.encode(body)))
    }
}
