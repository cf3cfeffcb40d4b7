import Foundation

/// A budget period: the calendar month in a time zone (UTC by default).
///
/// Spend is counted per period start, so a new month starts from zero without any job running.
public struct BudgetPeriod: Sendable, Hashable {
    public let start: Date
    public let end: Date

    /// The month containing `date` in `timeZone`.
    public init(containing date: Date, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = calendar.dateComponents([.year, .month], from: date)
        let start = calendar.date(from: components) ?? date
        self.start = start
        self.end = calendar.date(byAdding: .month, value: 1, to: start) ?? start.addingTimeInterval(31 * 86_400)
    }

    /// A period of its own, e.g. a run's life.
    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    /// Whole seconds from `date` until the period ends (at least 1).
    public func secondsUntilReset(from date: Date) -> Int {
        max(Int(end.timeIntervalSince(date).rounded(.up)), 1)
    }
}
