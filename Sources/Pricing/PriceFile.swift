import Foundation

/// The on-disk form of one provider's prices (`pricing/<provider>.json`): the provider and the
/// page its prices come from, then its entries (`PriceEntry`).
struct PriceFile: Decodable {
    var provider: String
    var source: String
    var models: [PriceEntry]

    static func parse(_ data: Data, name: String) throws -> [ModelPrice] {
        try entries(data, name: name).map { try $0.price() }
    }

    /// The file's entries, each validated and given the file's provider and source.
    static func entries(_ data: Data, name: String) throws -> [PriceEntry] {
        let file: PriceFile
        do {
            file = try JSONDecoder().decode(PriceFile.self, from: data)
        } catch {
            throw PricingError.invalidFile(name, "not a price file: \(error)")
        }
        return try file.models.map { entry in
            var entry = entry
            entry.provider = entry.provider ?? file.provider
            entry.source = entry.source ?? file.source
            do {
                _ = try entry.price()
            } catch let error as PricingError {
                throw PricingError.invalidFile(name, error)
            }
            return entry
        }
    }

    /// Parses `YYYY-MM-DD` as UTC midnight.
    static func parseDay(_ text: String) -> Date? {
        PriceEntry.parseDay(text)
    }
}
