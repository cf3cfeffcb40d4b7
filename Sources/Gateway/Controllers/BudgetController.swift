import Foundation
import Hummingbird

/// `GET /v1/budget`: the calling key's and its team's limits, spend, reservations, remaining
/// budget and reset time in the current period.
struct BudgetController {
    let budgets: BudgetService

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.get("budget", use: budget)
    }

    @Sendable func budget(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let scopes = try await budgets.status(principal)
        var body: [String: BudgetView] = [:]
        for scope in scopes { body[scope.kind.rawValue] = BudgetView(scope) }
        return try JSONBody.response(BudgetStatusView(key: body["key"], team: body["team"], timezone: principal.team.budgetTimeZone))
    }
}

struct BudgetStatusView: Encodable {
    var key: BudgetView?
    var team: BudgetView?
    var timezone: String
}
