import Foundation

/// Where a price entry came from.
public enum PriceOrigin: String, Sendable, Codable {
    /// The catalogue compiled into the binary.
    case builtIn = "built-in"
    /// A file of `--pricing-dir`.
    case file
    /// `POST /admin/prices`.
    case admin
}

/// One stored price entry and its history.
public struct PriceRecord: Sendable, Hashable {
    public var id: Int64
    /// The entry as given, `provider` set.
    public var entry: PriceEntry
    public var origin: PriceOrigin
    public var createdAt: Date
    /// When a correction replaced it, and by which record; nil while in force.
    public var replacedAt: Date?
    public var replacedBy: Int64?

    public init(id: Int64, entry: PriceEntry, origin: PriceOrigin, createdAt: Date, replacedAt: Date? = nil, replacedBy: Int64? = nil) {
        self.id = id
        self.entry = entry
        self.origin = origin
        self.createdAt = createdAt
        self.replacedAt = replacedAt
        self.replacedBy = replacedBy
    }
}

/// Prices shared by every replica. Entries are never edited: one with the same model and
/// `effective_from` as an entry in force replaces it, and the replaced one stays in the history.
public protocol PriceStore: Sendable {
    /// Adds `entries` (whose `provider` is set) as `origin` (built-in or file), unless an entry for
    /// the same model and day is in force and was set through the admin API, or is the same.
    /// Returns how many were added.
    @discardableResult
    func seed(_ entries: [PriceEntry], origin: PriceOrigin) async throws -> Int

    /// Adds one entry; an entry in force for the same model and day is replaced. Returns the new
    /// record and the one it replaced, and announces the change to every replica.
    func add(_ entry: PriceEntry, origin: PriceOrigin) async throws -> (added: PriceRecord, replaced: PriceRecord?)

    /// Every entry in force.
    func entriesInForce() async throws -> [PriceEntry]

    /// Every record of `model`, replaced ones included, oldest first; every model's when nil.
    func history(model: String?) async throws -> [PriceRecord]
}
