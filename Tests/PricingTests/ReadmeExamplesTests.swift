import Foundation
import Testing
@testable import Pricing

/// The README's examples name models a reader can call: each is priced by the catalogue and has no
/// retirement scheduled, so the next retirement entered in `pricing/` fails this test until the
/// examples move on.
@Suite struct ReadmeExamplesTests {
    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md")

    /// Model names of the built-in providers' families (`gpt-6-sol`, `claude-sonnet-5-5`,
    /// `gemini-3.8-flash`, `qwen-plus`, `o3`, `text-embedding-3-small`), not after a `provider/`.
    static let modelName = #"(?<![\w/.<-])(gpt-[0-9][\w.-]*|o[0-9][\w-]*|claude-[\w-]+|gemini-[\w.-]+|qwen[\w.-]*|text-embedding-[\w-]+)"#

    static func matches(of pattern: String, in text: String) throws -> [String] {
        let expression = try NSRegularExpression(pattern: pattern)
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: match.numberOfRanges > 1 ? 1 : 0), in: text).map { String(text[$0]) }
        }
    }

    /// The examples: fenced code blocks, and inline code that reads as a request or a setting
    /// (`{"gpt-6-sol": …}`, `model="…"`); prose that lists retired models for the record is not one.
    static func exampleModels(in text: String) throws -> Set<String> {
        let fence = #"```[^\n]*\n([\s\S]*?)```"#
        var examples = try matches(of: fence, in: text)
        let prose = try NSRegularExpression(pattern: fence).stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "")
        examples += try matches(of: #"`([^`\n]+)`"#, in: prose).filter { $0.contains("{") || $0.contains(": \"") || $0.contains("=") }
        var names = Set<String>()
        for example in examples {
            for var name in try matches(of: modelName, in: example) {
                while name.hasSuffix(".") || name.hasSuffix("-") { name.removeLast() }
                names.insert(name)
            }
        }
        return names
    }

    @Test func everyModelInTheExamplesIsServedAndNotRetiring() throws {
        let names = try Self.exampleModels(in: String(contentsOf: Self.readme, encoding: .utf8))
        #expect(names.count >= 5, "the README's examples were not found: \(names)")
        let entries = try PriceTable.builtInEntries()
        let table = PriceTable(entries: entries)
        for name in names.sorted() {
            #expect(table.models.contains(name), "README example \(name) has no price in the catalogue")
            let retiring = entries.first { $0.model == name && $0.retired_from != nil }
            #expect(retiring == nil, "README example \(name) retires on \(retiring?.retired_from ?? ""): use its replacement \(retiring?.replaced_by ?? "")")
        }
    }

    @Test func theScanFindsModelsInCodeAndSettingsButNotInProse() throws {
        let text = """
            Retired: `claude-sonnet-4`, kept for history.

            ```sh
            curl … -d '{"model": "gpt-6-sol"}'   # or anthropic/claude-opus-4
            ```
            A setting `downgrade: {"gpt-4o": "gpt-6-luna"}`.
            """
        #expect(try Self.exampleModels(in: text) == ["gpt-6-sol", "gpt-4o", "gpt-6-luna"])
    }
}
