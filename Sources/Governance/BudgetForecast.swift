import Foundation
import Pricing

/// Where a budget is heading: the period's spend if the recent burn rate holds, and when the hard
/// limit would be reached.
///
/// The burn rate is the higher of the last 24 hours' and the last 7 days' average: a day's surge
/// shows at once, and a quiet day does not hide a week's pace.
public struct BudgetForecast: Sendable, Hashable {
    /// Spend so far plus the burn rate over what is left of the period.
    public var projectedSpend: Money
    /// When spend reaches the hard limit at that rate; nil when it does not before the period ends
    /// (or there is no limit). The present when the limit is already reached.
    public var exhaustionAt: Date?

    public static let day: TimeInterval = 86_400
    public static let week: TimeInterval = 7 * 86_400

    public init(projectedSpend: Money, exhaustionAt: Date?) {
        self.projectedSpend = projectedSpend
        self.exhaustionAt = exhaustionAt
    }

    /// - Parameters:
    ///   - spent: the period's spend so far.
    ///   - lastDay, lastWeek: what was spent in the 24 hours and 7 days before `now`.
    public static func project(spent: Money, limit: Money?, periodEnd: Date, now: Date, lastDay: Money, lastWeek: Money) -> BudgetForecast {
        // The faster window, compared exactly: (burn, seconds) with the higher burn per second.
        let (burn, window) = lastDay.amount * Decimal(week) >= lastWeek.amount * Decimal(day)
            ? (lastDay.amount, Decimal(day)) : (lastWeek.amount, Decimal(week))
        let left = Decimal(max(periodEnd.timeIntervalSince(now).rounded(.down), 0))
        let projected = Money(spent.amount + burn * left / window).rounded()
        guard let limit else { return BudgetForecast(projectedSpend: projected, exhaustionAt: nil) }
        if spent >= limit { return BudgetForecast(projectedSpend: projected, exhaustionAt: now) }
        guard burn > 0 else { return BudgetForecast(projectedSpend: projected, exhaustionAt: nil) }
        let seconds = ((limit.amount - spent.amount) * window / burn as NSDecimalNumber).doubleValue
        let at = now.addingTimeInterval(seconds.rounded(.up))
        return BudgetForecast(projectedSpend: projected, exhaustionAt: at < periodEnd ? at : nil)
    }
}
