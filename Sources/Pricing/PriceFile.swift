import Foundation

/// The on-disk form of one provider's prices (`pricing/<provider>.json`): the provider and the
/// page its prices come from, then its entries (`PriceEntry`).
struct PriceFile: Decodable {
    var provider: String
    var source: String
    var models: [PriceEntry]

    static func parse(_ data: Data, name: String) throws -> [ModelPrice] {
        let file: PriceFile
        do {
            file = try JSONDecoder().decode(PriceFile.self, from: data)
        } catch {
            throw PricingError.invalidFile(name, "not a price file: \(error)")
        }
        return try file.models.map { entry in
            do {
                return try entry.price(defaultProvider: file.provider, defaultSource: file.source)
            } catch let error as PricingError {
                throw PricingError.invalidFile(name, error.description)
            }
        }
    }

    /// Parses `YYYY-MM-DD` as UTC midnight.
    static func parseDay(_ text: String) -> Date? {
        PriceEntry.parseDay(text)
    }
}
