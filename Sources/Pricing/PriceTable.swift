import Foundation

/// Every model's prices over time, loaded from the JSON files in `pricing/`.
///
/// ```swift
/// let table = try PriceTable.load(directory: "pricing")
/// let cost = table.price(for: "gpt-4o", at: .now)?.cost(for: usage)
/// ```
public struct PriceTable: Sendable {
    /// Prices per model, newest effective date first.
    private let pricesByModel: [String: [ModelPrice]]

    public init(_ prices: [ModelPrice]) {
        self.pricesByModel = Dictionary(grouping: prices, by: \.model)
            .mapValues { $0.sorted { $0.effectiveFrom > $1.effectiveFrom } }
    }

    /// The price in force for `model` at `date`, or nil when the model has none then.
    public func price(for model: String, at date: Date = Date()) -> ModelPrice? {
        pricesByModel[model]?.first { $0.effectiveFrom <= date }
    }

    /// Every priced model's current price, sorted by provider and name.
    public func currentPrices(at date: Date = Date()) -> [ModelPrice] {
        pricesByModel.keys.compactMap { price(for: $0, at: date) }
            .sorted { ($0.provider, $0.model) < ($1.provider, $1.model) }
    }

    public var models: Set<String> { Set(pricesByModel.keys) }

    /// Loads and validates every `*.json` file in `directory`.
    public static func load(directory: String) throws -> PriceTable {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let jsonFiles = files.filter { $0.hasSuffix(".json") }.sorted()
        guard !jsonFiles.isEmpty else { throw PricingError.noFiles(directory) }
        var prices: [ModelPrice] = []
        for file in jsonFiles {
            let data = try Data(contentsOf: url.appendingPathComponent(file))
            prices += try PriceFile.parse(data, name: file)
        }
        var seen = Set<String>()
        for price in prices {
            let key = "\(price.model)@\(price.effectiveFrom.timeIntervalSince1970)"
            guard seen.insert(key).inserted else {
                throw PricingError("model \(price.model) has two prices effective from the same date")
            }
        }
        return PriceTable(prices)
    }
}
