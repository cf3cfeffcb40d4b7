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

    /// The default catalogue compiled into the binary (from the repository's `pricing/`).
    public static func builtIn() throws -> [ModelPrice] {
        try builtInEntries().map { try $0.price() }
    }

    /// The default catalogue's entries, validated, each with its provider and source.
    public static func builtInEntries() throws -> [PriceEntry] {
        var entries: [PriceEntry] = []
        for file in BuiltInPriceFiles.files {
            entries += try PriceFile.entries(Data(file.contents.utf8), name: "built-in " + file.name)
        }
        return entries
    }

    /// The prices of every `*.json` file in `directory`, validated.
    public static func files(in directory: String) throws -> [ModelPrice] {
        try fileEntries(in: directory).map { try $0.price() }
    }

    /// The entries of every `*.json` file in `directory`, validated, each with its provider and
    /// source; two entries for the same model and day are refused.
    public static func fileEntries(in directory: String) throws -> [PriceEntry] {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PricingError("cannot read the pricing directory \(directory)")
        }
        let jsonFiles = names.filter { $0.hasSuffix(".json") }.sorted()
        guard !jsonFiles.isEmpty else { throw PricingError.noFiles(directory) }
        var entries: [PriceEntry] = []
        for file in jsonFiles {
            let data = try Data(contentsOf: url.appendingPathComponent(file))
            entries += try PriceFile.entries(data, name: file)
        }
        var seen = Set<String>()
        for entry in entries where !seen.insert("\(entry.model)@\(entry.effective_from)").inserted {
            throw PricingError("model \(entry.model) has two prices effective from \(entry.effective_from)")
        }
        return entries
    }

    /// The table of stored entries; an entry that no longer validates is left out and reported.
    public init(entries: [PriceEntry], invalid: (PriceEntry, PricingError) -> Void = { _, _ in }) {
        var prices: [ModelPrice] = []
        for entry in entries {
            do {
                prices.append(try entry.price())
            } catch let error as PricingError {
                invalid(entry, error)
            } catch {
                invalid(entry, PricingError("\(error)"))
            }
        }
        self.init(prices)
    }

    /// The built-in catalogue, then the files of `directory` (if any), which add prices or
    /// replace those with the same model and effective date.
    public static func load(directory: String?) throws -> PriceTable {
        try PriceTable(builtIn: builtInEntries(), files: directory.map(fileEntries(in:)) ?? [])
    }

    /// `builtIn` with `files` on top: a file's entry replaces the built-in one with the same model
    /// and effective date.
    public init(builtIn: [PriceEntry], files: [PriceEntry]) throws {
        var byKey: [String: ModelPrice] = [:]
        for entry in builtIn + files { byKey["\(entry.model)@\(entry.effective_from)"] = try entry.price() }
        self.init(Array(byKey.values))
    }
}
