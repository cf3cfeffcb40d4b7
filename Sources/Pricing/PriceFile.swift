import Foundation

/// The on-disk form of one provider's prices (`pricing/<provider>.json`).
///
/// Prices are decimal strings in USD per 1M tokens, so no binary floating point ever touches them.
struct PriceFile: Decodable {
    struct Entry: Decodable {
        var model: String
        var input: String
        var cached_input: String?
        var cache_write: String?
        var output: String
        var effective_from: String
        var max_output_tokens: Int?
        var source: String?
    }

    var provider: String
    var source: String
    var models: [Entry]

    static func parse(_ data: Data, name: String) throws -> [ModelPrice] {
        let file: PriceFile
        do {
            file = try JSONDecoder().decode(PriceFile.self, from: data)
        } catch {
            throw PricingError.invalidFile(name, "not a price file: \(error)")
        }
        return try file.models.map { entry in
            func money(_ text: String, _ field: String) throws -> Money {
                guard let value = Money(text), value >= .zero else {
                    throw PricingError.invalidFile(name, "\(entry.model).\(field) '\(text)' is not a non-negative decimal string")
                }
                return value
            }
            for (field, text) in [("input", entry.input), ("cached_input", entry.cached_input), ("cache_write", entry.cache_write), ("output", entry.output)] {
                if let text, let fraction = text.split(separator: ".").dropFirst().first, fraction.count > 6 {
                    throw PricingError.invalidFile(name, "\(entry.model).\(field) '\(text)' has more than six decimals (USD per 1M tokens); costs keep 12 places, exact only for six")
                }
            }
            guard let date = Self.parseDay(entry.effective_from) else {
                throw PricingError.invalidFile(name, "\(entry.model).effective_from '\(entry.effective_from)' is not YYYY-MM-DD")
            }
            return ModelPrice(
                model: entry.model,
                provider: file.provider,
                input: try money(entry.input, "input"),
                cachedInput: try entry.cached_input.map { try money($0, "cached_input") },
                cacheWrite: try entry.cache_write.map { try money($0, "cache_write") },
                output: try money(entry.output, "output"),
                effectiveFrom: date,
                maxOutputTokens: entry.max_output_tokens,
                source: entry.source ?? file.source
            )
        }
    }

    /// Parses `YYYY-MM-DD` as UTC midnight.
    static func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              parts[0].count == 4, parts[1].count == 2, parts[2].count == 2
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }
}
