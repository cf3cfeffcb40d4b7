import Foundation
import OpenAIWire

/// What a list or report looks like on a terminal: aligned columns, numbers right-aligned. Piped
/// (or with `--json`) the commands print the server's JSON instead, for scripts.
struct Table: Sendable {
    /// A column: its heading and the value of each row it shows.
    struct Column: Sendable {
        var heading: String
        var value: @Sendable (JSONValue) -> String
        var numeric = false
    }

    var columns: [Column]

    /// A column showing `field` of each row (`-` when absent or null).
    static func field(_ field: String, _ heading: String? = nil, numeric: Bool = false) -> Column {
        Column(heading: heading ?? field, value: { Table.text($0[field]) }, numeric: numeric)
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "-"
        case .string(let text)?: text
        case let other?: other.jsonText
        }
    }

    /// The rows as aligned text lines, a heading line and a rule first.
    func render(_ rows: [JSONValue], footer: JSONValue? = nil) -> String {
        var cells = rows.map { row in columns.map { $0.value(row) } }
        if let footer { cells.append(columns.map { $0.value(footer) }) }
        var widths = columns.map { $0.heading.count }
        for line in cells {
            for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ values: [String]) -> String {
            zip(zip(values, widths), columns).map { pair, column in
                let (value, width) = pair
                let padding = String(repeating: " ", count: width - value.count)
                return column.numeric ? padding + value : value + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var lines = [line(columns.map(\.heading)), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += cells.prefix(rows.count).map(line)
        if footer != nil, let last = cells.last {
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            lines.append(line(last))
        }
        return lines.joined(separator: "\n")
    }

    /// Whether standard output is a terminal (tables) rather than a pipe or file (JSON).
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }


    // MARK: The commands' tables

    static let teams = Table(columns: [
        field("name"), field("id"), field("monthly_budget_usd", "monthly budget", numeric: true),
        Column(heading: "spent", value: { text($0["budget"]?["spent_usd"]) }, numeric: true),
        Column(heading: "projected", value: { text($0["budget"]?["projected_spend_usd"]) }, numeric: true),
        field("budget_timezone", "time zone"),
    ])

    static let keys = Table(columns: [
        field("name"), field("prefix"), field("team_id", "team"), field("monthly_budget_usd", "monthly budget", numeric: true),
        field("rpm_limit", "rpm", numeric: true), field("tpm_limit", "tpm", numeric: true), field("expires_at", "expires"),
        Column(heading: "revoked", value: { $0["revoked_at"].map { $0 == .null ? "" : "yes" } ?? "" }),
    ])

    /// A spend report's table: its group-by columns, then the sums.
    static func report(groupBy: [String]) -> Table {
        var columns: [Column] = []
        for dimension in groupBy {
            switch dimension {
            case "team": columns.append(field("team"))
            case "key": columns.append(field("key"))
            default: columns.append(field(dimension))
            }
        }
        columns += [
            field("requests", numeric: true), field("input_tokens", "input", numeric: true),
            field("cached_input_tokens", "cached", numeric: true), field("output_tokens", "output", numeric: true),
            field("cost_usd", "cost (USD)", numeric: true), field("unpriced_requests", "unpriced", numeric: true),
        ]
        return Table(columns: columns)
    }
}
