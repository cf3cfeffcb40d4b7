import ArgumentParser
import Foundation
import Pricing

struct PricingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pricing", abstract: "The price catalogue: check it offline, or list, show and add prices on a running gateway.",
        subcommands: [Check.self, List.self, Show.self, Add.self, ImportLiteLLM.self], defaultSubcommand: Check.self)

    /// Validates the built-in catalogue (and a directory of price files) and prints the prices in force.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate and print the built-in catalogue, plus --pricing-dir files (offline).")
        @Option(name: .customLong("pricing-dir"), help: "Directory of price files that add to or override the built-in catalogue.")
        var directory: String?

        func run() async throws {
            let table = try PriceTable.load(directory: directory)
            for file in try PriceFile.builtIn() {
                print("\(file.provider): checked \(file.checked ?? "never") against \(file.source)")
            }
            print("provider   model                           input     cached    c.write   c.wr.1h   output    (USD per 1M tokens)")
            for price in table.currentPrices() {
                let rates = price.rates
                let columns = [rates.input, rates.cachedInput, rates.cacheWrite, rates.cacheWrite1h, rates.output]
                    .map { $0.decimalString.padding(toLength: 10, withPad: " ", startingAt: 0) }
                var notes: [String] = []
                if !price.tiers.isEmpty { notes.append("tiers above \(price.tiers.map { String($0.aboveInputTokens) }.joined(separator: ", "))") }
                if !price.serviceTiers.isEmpty { notes.append("service tiers \(price.serviceTiers.keys.sorted().joined(separator: ", "))") }
                if let retired = price.retiredFrom { notes.append("retired \(PriceEntry.dayString(retired))") }
                print(price.provider.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + price.model.padding(toLength: 32, withPad: " ", startingAt: 0) + columns.joined() + notes.joined(separator: "; "))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The prices in force on a running gateway (GET /admin/prices).")
        @OptionGroup var admin: AdminOptions

        func run() async throws {
            try await admin.call(.GET, "/admin/prices")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One model's price history (GET /admin/prices?model=MODEL).")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The model.") var model: String

        func run() async throws {
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "model", value: model)]
            try await admin.call(.GET, "/admin/prices" + (components.percentEncodedQuery.map { "?" + $0 } ?? ""))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a price, or correct the one in force for the same model and day (POST /admin/prices).",
            discussion: "Either --file with one entry as JSON (every field of a price entry, see the README), or the flags.")
        @OptionGroup var admin: AdminOptions
        @Option(help: "A JSON file with one price entry.") var file: String?
        @Option(help: "The model.") var model: String?
        @Option(help: "Its provider (openai, anthropic, gemini, qwen, or a provider of tollgate.yaml).") var provider: String?
        @Option(help: "USD per 1M input tokens, e.g. 2.50.") var input: String?
        @Option(help: "USD per 1M output tokens.") var output: String?
        @Option(name: .customLong("cached-input"), help: "USD per 1M prompt tokens read from the cache.") var cachedInput: String?
        @Option(name: .customLong("cache-write"), help: "USD per 1M prompt tokens written to the cache (5-minute).") var cacheWrite: String?
        @Option(name: .customLong("cache-write-1h"), help: "USD per 1M prompt tokens written to the 1-hour cache.") var cacheWrite1h: String?
        @Option(name: .customLong("effective-from"), help: "YYYY-MM-DD (UTC) the price applies from; default today.") var effectiveFrom: String?
        @Option(name: .customLong("max-output-tokens"), help: "The model's output cap.") var maxOutputTokens: Int?
        @Option(help: "The page the price was read from.") var source: String?

        func run() async throws {
            var body: [String: Any]
            if let file {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw ValidationError("\(file) must hold one JSON object (a price entry)")
                }
                body = object
            } else {
                guard let model, let provider, let input, let output else {
                    throw ValidationError("give --file, or --model, --provider, --input and --output")
                }
                body = ["model": model, "provider": provider, "input": input, "output": output,
                        "effective_from": effectiveFrom ?? PriceEntry.dayString(Date())]
                let optional: [(String, Any?)] = [
                    ("cached_input", cachedInput), ("cache_write", cacheWrite), ("cache_write_1h", cacheWrite1h),
                    ("max_output_tokens", maxOutputTokens), ("source", source),
                ]
                for case (let key, let value?) in optional { body[key] = value }
            }
            try await admin.call(.POST, "/admin/prices", body: body)
        }
    }
}

/// `tollgate pricing import-litellm FILE`: compares LiteLLM's price map with the catalogue and
/// prints what would be added or changed; `--write DIR` writes the entries as price files for a
/// person to check against the providers' pages and commit. Nothing is applied.
struct ImportLiteLLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-litellm",
        abstract: "Review LiteLLM's model_prices_and_context_window.json against the catalogue (nothing is applied).")
    @Argument(help: "LiteLLM's model_prices_and_context_window.json.") var file: String
    @Option(name: .customLong("pricing-dir"), help: "Price files on top of the built-in catalogue, to compare with.") var directory: String?
    @Option(name: .customLong("effective-from"), help: "YYYY-MM-DD the imported prices would apply from; default today.")
    var effectiveFrom: String?
    @Option(help: "Write the added and changed entries as <provider>.json files into this directory.") var write: String?

    func run() async throws {
        let day = effectiveFrom ?? PriceEntry.dayString(Date())
        guard PriceEntry.parseDay(day) != nil else { throw ValidationError("--effective-from must be YYYY-MM-DD") }
        let result = try LiteLLMImport.read(try Data(contentsOf: URL(fileURLWithPath: file)), effectiveFrom: day)
        let changes = LiteLLMImport.compare(result, with: try PriceTable.load(directory: directory))
        var proposed: [PriceEntry] = []
        var unchanged = 0
        for change in changes {
            switch change {
            case .added(let item):
                proposed.append(item.entry)
                print("+ \(item.entry.provider ?? "?")/\(item.entry.model): input \(item.entry.input), output \(item.entry.output)\(Self.notes(item))")
            case .changed(let item, let was):
                proposed.append(item.entry)
                print("~ \(item.entry.provider ?? "?")/\(item.entry.model):\(Self.notes(item))")
                if let price = try? item.entry.price() {
                    for difference in PriceDifference.between(was, and: price) { print("    \(difference)") }
                }
            case .unchanged:
                unchanged += 1
            }
        }
        print("\(proposed.count) to review (+ new, ~ changed), \(unchanged) unchanged, \(result.skipped) skipped (other providers or modes)")
        if let write {
            try FileManager.default.createDirectory(atPath: write, withIntermediateDirectories: true)
            let files = try LiteLLMImport.files(proposed, source: "LiteLLM model_prices_and_context_window.json, imported \(day); check each against the provider's page")
            for (provider, text) in files.sorted(by: { $0.key < $1.key }) {
                let path = write + "/" + provider + ".json"
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                print("wrote \(path)")
            }
        }
    }

    static func notes(_ item: LiteLLMImport.Imported) -> String {
        var notes: [String] = []
        if let tiers = item.entry.tiers { notes.append("bands above \(tiers.map { String($0.above_input_tokens) }.joined(separator: ", "))") }
        if let tiers = item.entry.service_tiers { notes.append("service tiers \(tiers.keys.sorted().joined(separator: ", "))") }
        if let retired = item.entry.retired_from { notes.append("retires \(retired)") }
        if !item.rounded.isEmpty { notes.append("rounded to 6 decimals: \(item.rounded.joined(separator: ", "))") }
        return notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
    }
}
