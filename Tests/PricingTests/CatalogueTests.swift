import Foundation
import Testing
@testable import Pricing

/// The catalogue's own rules (`CatalogueCheck`), on `pricing/` as compiled in and on broken
/// catalogues that each break one rule.
@Suite struct CatalogueTests {
    /// The day the catalogue was last checked: the rules are judged as of then, so the test does
    /// not change its answer as the calendar moves (a future retirement is judged at its own date).
    static func checkedDay(_ files: [PriceFile]) throws -> Date {
        try #require(files.compactMap { $0.checked.flatMap(PriceEntry.parseDay) }.max())
    }

    @Test func theBuiltInCatalogueKeepsEveryRule() throws {
        let files = try PriceFile.builtIn()
        #expect(Set(files.map(\.provider)) == ["anthropic", "gemini", "openai", "qwen"])
        let problems = CatalogueCheck.problems(in: files, at: try Self.checkedDay(files))
        #expect(problems == [])
    }

    @Test func everyProviderFileSaysWhenItWasChecked() throws {
        for file in try PriceFile.builtIn() {
            #expect(file.checked.flatMap(PriceEntry.parseDay) != nil, "\(file.provider) has no checked date")
            #expect(!(file.checked_against ?? "").isEmpty, "\(file.provider) does not say what was read")
        }
    }

    @Test func everyRetiredModelPointsToAPricedCurrentReplacement() throws {
        let files = try PriceFile.builtIn()
        let entries = try files.flatMap { try $0.validatedEntries(name: $0.provider) }
        let table = PriceTable(entries: entries)
        let day = try Self.checkedDay(files)
        for entry in entries {
            guard let retired = entry.retired_from.flatMap(PriceEntry.parseDay) else { continue }
            let replacement = try #require(entry.replaced_by, "\(entry.model) retires without a replacement")
            let at = max(retired, day)
            let price = try #require(table.price(for: replacement, at: at), "\(entry.model) → \(replacement) is unpriced")
            #expect(!price.isRetired(at: at), "\(entry.model) → \(replacement), which is retired")
        }
    }

    /// One broken catalogue per rule, each with the sentence that names what is wrong.
    static let broken: [(String, String)] = [
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01"}"#, "no 'source'"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "a secondary page"}"#, "no 'source'"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "retired_from": "2026-06-01", "replaced_by": "nowhere"}"#,
         "replaced_by 'nowhere', which has no price in force"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "retired_from": "2026-06-01", "replaced_by": "gone"}"#,
         "replaced_by 'gone', which is itself retired"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "retired_from": "2026-06-01"}"#,
         "without replaced_by"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "replaced_by": "ok"}"#,
         "without retired_from"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "retired_from": "2026-06-01", "replaced_by": "ok"}, {"model": "a", "input": "1", "output": "2", "effective_from": "2026-07-01", "source": "https://s"}"#,
         "disagree on retirement"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "retired_from": "2026-06-01", "replaced_by": "ok"}, {"model": "a", "input": "1", "output": "2", "effective_from": "2026-07-01", "source": "https://s", "retired_from": "2026-06-01", "replaced_by": "ok"}"#,
         "on or after its retirement"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "tiers": [{"above_input_tokens": 128000, "input": "3", "output": "6"}, {"above_input_tokens": 32000, "input": "2", "output": "4"}]}"#,
         "lists the band above 32000 after the one above 128000"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "service_tiers": {"flex": {"input": "1", "output": "1", "tiers": [{"above_input_tokens": 5, "input": "1", "output": "1"}, {"above_input_tokens": 5, "input": "2", "output": "2"}]}}}"#,
         "has two bands above 5"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s", "service_tiers": {"default": {"input": "1", "output": "1"}}}"#,
         "names the standard rates"),
        (#"{"model": "a", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s"}, {"model": "a", "input": "3", "output": "4", "effective_from": "2026-01-01", "source": "https://s"}"#,
         "two entries effective from 2026-01-01"),
    ]

    @Test(arguments: broken)
    func aBrokenCatalogueIsNamed(models: String, problem: String) throws {
        let good = #"{"model": "ok", "input": "1", "output": "2", "effective_from": "2025-01-01", "source": "https://s"}, "#
            + #"{"model": "gone", "input": "1", "output": "2", "effective_from": "2025-01-01", "source": "https://s", "retired_from": "2026-03-01", "replaced_by": "ok"}"#
        let file = try PriceFile.decode(Data(#"{"provider": "p", "source": "https://s", "checked": "2026-12-07", "models": [\#(good), \#(models)]}"#.utf8), name: "test")
        let problems = CatalogueCheck.problems(in: [file], at: PriceEntry.parseDay("2026-12-07")!)
        #expect(problems.contains { $0.contains(problem) }, "\(problems)")
        // The rest of the catalogue is fine: only the broken entry is named.
        #expect(problems.allSatisfy { $0.hasPrefix("a") })
    }

    @Test func aFileWithoutACheckedDateIsNamed() throws {
        let file = try PriceFile.decode(Data(#"{"provider": "p", "source": "https://s", "models": []}"#.utf8), name: "test")
        #expect(CatalogueCheck.problems(in: [file], at: Date()) == ["p: the file has no 'checked' date (YYYY-MM-DD), so nobody can tell how current it is"])
    }

    @Test func aModelListedByTwoProvidersIsNamed() throws {
        let one = try PriceFile.decode(Data(#"{"provider": "p", "source": "https://s", "checked": "2026-12-07", "models": [{"model": "m", "input": "1", "output": "2", "effective_from": "2026-01-01", "source": "https://s"}]}"#.utf8), name: "one")
        let two = try PriceFile.decode(Data(#"{"provider": "q", "source": "https://s", "checked": "2026-12-07", "models": [{"model": "m", "input": "1", "output": "2", "effective_from": "2026-02-01", "source": "https://s"}]}"#.utf8), name: "two")
        #expect(CatalogueCheck.problems(in: [one, two], at: Date()) == ["m: listed by both p and q"])
    }
}
