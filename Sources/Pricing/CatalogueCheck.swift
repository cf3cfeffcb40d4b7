import Foundation

/// The rules a price catalogue keeps as a whole, beyond what each entry's own validation checks:
/// a stale or inconsistent catalogue bills real money wrong, so these run in CI on `pricing/`.
///
/// ```swift
/// let problems = CatalogueCheck.problems(in: try PriceFile.builtIn(), at: .now)
/// // [] when the catalogue is consistent; otherwise one sentence per problem, naming the model.
/// ```
///
/// - Each file says when it was last checked against the provider (`checked`, `YYYY-MM-DD`).
/// - Each entry names the page its figures were read from (`source`, starting with its
///   `https://` address), in the entry itself.
/// - Each entry validates (rates, bands in ascending order, service tiers).
/// - No model has two entries for the same day, and no model is listed by two providers.
/// - A model's entries agree on `retired_from` and `replaced_by`, and none takes effect on or
///   after the retirement: a model is never both current and retired.
/// - `replaced_by` comes with `retired_from`, and names a model that is priced and not retired
///   when callers are sent to it (the retirement day, or today if that is later).
public enum CatalogueCheck {
    public static func problems(in files: [PriceFile], at now: Date) -> [String] {
        var problems: [String] = []
        var entries: [PriceEntry] = []
        var providerOfModel: [String: String] = [:]
        for file in files {
            if file.checked.flatMap(PriceEntry.parseDay) == nil {
                problems.append("\(file.provider): the file has no 'checked' date (YYYY-MM-DD), so nobody can tell how current it is")
            }
            for entry in file.models {
                var entry = entry
                if !(entry.source ?? "").hasPrefix("https://") {
                    problems.append("\(entry.model)@\(entry.effective_from): no 'source' naming the page its figures were read from (https://…)")
                }
                entry.provider = entry.provider ?? file.provider
                entry.source = entry.source ?? file.source
                do {
                    _ = try entry.price()
                } catch {
                    problems.append("\(entry.model)@\(entry.effective_from): \(error)")
                    continue
                }
                let provider = entry.provider ?? file.provider
                if let other = providerOfModel.updateValue(provider, forKey: entry.model), other != provider {
                    problems.append("\(entry.model): listed by both \(other) and \(provider)")
                }
                entries.append(entry)
            }
        }
        let byModel = Dictionary(grouping: entries, by: \.model)
        let table = PriceTable(entries: entries)
        for (model, history) in byModel.sorted(by: { $0.key < $1.key }) {
            var days = Set<String>()
            for entry in history where !days.insert(entry.effective_from).inserted {
                problems.append("\(model): two entries effective from \(entry.effective_from)")
            }
            problems += retirementProblems(model: model, history: history, table: table, now: now)
        }
        return problems
    }

    static func retirementProblems(model: String, history: [PriceEntry], table: PriceTable, now: Date) -> [String] {
        let retirements = Set(history.map { "\($0.retired_from ?? "none") → \($0.replaced_by ?? "none")" })
        guard retirements.count == 1 else {
            return ["\(model): its entries disagree on retirement (\(retirements.sorted().joined(separator: "; "))): a model is retired or it is not"]
        }
        let last = history[0]
        guard let retiredText = last.retired_from else {
            return last.replaced_by == nil ? [] : ["\(model): replaced_by '\(last.replaced_by!)' without retired_from"]
        }
        guard let retired = PriceEntry.parseDay(retiredText) else { return [] }
        var problems: [String] = []
        for entry in history where PriceEntry.parseDay(entry.effective_from).map({ $0 >= retired }) ?? false {
            problems.append("\(model): an entry takes effect on \(entry.effective_from), on or after its retirement on \(retiredText)")
        }
        guard let replacement = last.replaced_by else {
            problems.append("\(model): retired from \(retiredText) without replaced_by, so callers are not told what to use")
            return problems
        }
        let redirectedAt = max(retired, now)
        let day = PriceEntry.dayString(redirectedAt)
        if let price = table.price(for: replacement, at: redirectedAt) {
            if price.isRetired(at: redirectedAt) {
                problems.append("\(model): replaced_by '\(replacement)', which is itself retired on \(day)")
            }
            if price.provider != last.provider {
                problems.append("\(model): replaced_by '\(replacement)' of another provider (\(price.provider))")
            }
        } else {
            problems.append("\(model): replaced_by '\(replacement)', which has no price in force on \(day)")
        }
        return problems
    }
}
