import Foundation
import Pricing

/// Which usage rows a listing returns: `[from, to)`, newest first, optionally narrowed; `before`
/// continues a listing after the last row of its previous page.
public struct UsageListQuery: Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var teamID: UUID?
    public var keyID: UUID?
    public var task: String?
    /// Rows whose requested or served model is this one.
    public var model: String?
    public var status: StatusFilter?
    /// Rows of calls made for this end user.
    public var endUser: String?
    /// Rows of this run's calls (`X-Tollgate-Run`).
    public var run: String?
    /// At most this many rows (1…200).
    public var limit: Int
    public var before: UsageCursor?

    public enum StatusFilter: Sendable, Equatable {
        /// Answered: status below 400.
        case succeeded
        /// Refused or failed: 400 and above.
        case failed
        case exactly(Int)
    }

    public init(
        from: Date, to: Date, teamID: UUID? = nil, keyID: UUID? = nil, task: String? = nil, model: String? = nil,
        status: StatusFilter? = nil, endUser: String? = nil, run: String? = nil, limit: Int = 50, before: UsageCursor? = nil
    ) {
        self.endUser = endUser
        self.run = run
        self.from = from
        self.to = to
        self.teamID = teamID
        self.keyID = keyID
        self.task = task
        self.model = model
        self.status = status
        self.limit = limit
        self.before = before
    }
}

/// Where a page of a usage listing ended: the last row's time and identity. Rows are ordered by
/// (time, request id, attempt), newest first, so a page never repeats or skips a row written
/// while someone pages.
public struct UsageCursor: Sendable, Equatable {
    public var createdAt: Date
    public var requestID: String
    public var attempt: Int

    public init(createdAt: Date, requestID: String, attempt: Int) {
        self.createdAt = createdAt
        self.requestID = requestID
        self.attempt = attempt
    }

    /// The cursor as an opaque token: microseconds, attempt and request id, base64url.
    public var token: String {
        let micros = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
        let text = "\(micros):\(attempt):\(requestID)"
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The cursor of `token`, or nil when it is not one this type wrote.
    public init?(token: String) {
        guard token.utf8.count <= 400 else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let micros = Int64(parts[0]), let attempt = Int(parts[1]), !parts[2].isEmpty,
              abs(micros) < 100_000_000_000_000_000, (0...1_000).contains(attempt)
        else { return nil }
        self.init(createdAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), requestID: String(parts[2]), attempt: attempt)
    }
}

/// One stored usage row as a listing shows it: the event, with its team's and key's names.
/// Prompts and answers are never stored, so never shown.
public struct UsageListing: Sendable, Equatable {
    public var event: UsageEvent
    public var teamName: String?
    public var keyName: String?

    public init(event: UsageEvent, teamName: String?, keyName: String?) {
        self.event = event
        self.teamName = teamName
        self.keyName = keyName
    }

    public var cursor: UsageCursor { UsageCursor(createdAt: event.time, requestID: event.requestID, attempt: event.attempt) }
}

/// Lists stored usage rows.
public protocol UsageListStore: Sendable {
    /// Up to `query.limit` rows, newest first.
    func usage(_ query: UsageListQuery) async throws -> [UsageListing]
}
