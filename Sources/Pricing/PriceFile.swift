import Foundation

/// The on-disk form of one provider's prices (`pricing/<provider>.json`): the provider, the page
/// its prices come from, the day they were last checked against it, then its entries (`PriceEntry`).
public struct PriceFile: Decodable, Sendable {
    public var provider: String
    public var source: String
    /// `YYYY-MM-DD`: the day every entry was last compared with the provider's pages. Required in
    /// the built-in catalogue (see `CatalogueCheck`); optional in an operator's own files.
    public var checked: String?
    /// What was read that day, in words.
    public var checked_against: String?
    /// The entries as written: an entry without `provider` or `source` takes the file's.
    public var models: [PriceEntry]

    /// The file's description without its entries, as `GET /admin/prices` shows it.
    public var info: Info { Info(provider: provider, source: source, checked: checked, checked_against: checked_against) }

    public struct Info: Codable, Sendable, Hashable {
        public var provider: String
        public var source: String
        public var checked: String?
        public var checked_against: String?
    }

    /// Decodes a price file; `name` names it in errors.
    public static func decode(_ data: Data, name: String) throws -> PriceFile {
        do {
            return try JSONDecoder().decode(PriceFile.self, from: data)
        } catch {
            throw PricingError.invalidFile(name, "not a price file: \(error)")
        }
    }

    static func parse(_ data: Data, name: String) throws -> [ModelPrice] {
        try entries(data, name: name).map { try $0.price() }
    }

    /// The file's entries, each validated and given the file's provider and source.
    static func entries(_ data: Data, name: String) throws -> [PriceEntry] {
        try decode(data, name: name).validatedEntries(name: name)
    }

    /// The entries, each validated and given the file's provider and source.
    func validatedEntries(name: String) throws -> [PriceEntry] {
        try models.map { entry in
            var entry = entry
            entry.provider = entry.provider ?? provider
            entry.source = entry.source ?? source
            do {
                _ = try entry.price()
            } catch let error as PricingError {
                throw PricingError.invalidFile(name, error)
            }
            return entry
        }
    }

    /// The files of the default catalogue compiled into the binary, as written.
    public static func builtIn() throws -> [PriceFile] {
        try BuiltInPriceFiles.files.map { try decode(Data($0.contents.utf8), name: "built-in " + $0.name) }
    }

    /// Parses `YYYY-MM-DD` as UTC midnight.
    static func parseDay(_ text: String) -> Date? {
        PriceEntry.parseDay(text)
    }
}
