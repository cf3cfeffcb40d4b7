import Foundation
import Governance
import Pricing
import Testing

/// The burn-rate projection, without I/O.
@Suite struct BudgetForecastUnitTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let end = now.addingTimeInterval(10 * 86_400)

    @Test func theHigherOfTheDaysAndTheWeeksRateIsProjected() {
        // A quiet day (1) against a busy week (14, i.e. 2 a day): the week's pace holds.
        let forecast = BudgetForecast.project(spent: Money("5")!, limit: Money("25")!, periodEnd: Self.end, now: Self.now,
                                              lastDay: Money("1")!, lastWeek: Money("14")!)
        #expect(forecast.projectedSpend == Money("25")!)
        // 20 left at 2 a day: exactly at the period's end, which is not before it.
        #expect(forecast.exhaustionAt == nil)
        let surge = BudgetForecast.project(spent: Money("5")!, limit: Money("25")!, periodEnd: Self.end, now: Self.now,
                                           lastDay: Money("4")!, lastWeek: Money("14")!)
        #expect(surge.projectedSpend == Money("45")!)
        #expect(surge.exhaustionAt == Self.now.addingTimeInterval(5 * 86_400))
    }

    @Test func noBurnNoLimitAndAReachedLimit() {
        let idle = BudgetForecast.project(spent: Money("5")!, limit: Money("25")!, periodEnd: Self.end, now: Self.now, lastDay: .zero, lastWeek: .zero)
        #expect(idle == BudgetForecast(projectedSpend: Money("5")!, exhaustionAt: nil))
        let unlimited = BudgetForecast.project(spent: .zero, limit: nil, periodEnd: Self.end, now: Self.now, lastDay: Money("1")!, lastWeek: .zero)
        #expect(unlimited.exhaustionAt == nil && unlimited.projectedSpend == Money("10")!)
        let reached = BudgetForecast.project(spent: Money("25")!, limit: Money("25")!, periodEnd: Self.end, now: Self.now, lastDay: .zero, lastWeek: .zero)
        #expect(reached.exhaustionAt == Self.now)
    }
}
