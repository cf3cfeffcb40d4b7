import Foundation
import Governance
import Hummingbird
import Metering
import OpenAIWire
import Pricing
import Providers
import Routing

/// The pipeline's one candidate check, for calls and previews alike, and how an upstream's error is
/// read.
extension ProxyController {
    /// The deployments of `model` for `call`, if the gateway serves it, its provider has not
    /// retired it, the key may use it (named as asked, or as served: `provider/model` by its
    /// model), it can take the request and its price can express the request's options; else the
    /// error that says which of these failed. The one check of a candidate, for calls and previews.
    func deployments(of model: String, for call: RoutedRequest) throws -> [Deployment] {
        let (principal, prices) = (call.principal, call.prices)
        let deployments: [Deployment]
        switch call.setup.catalog.resolve(model, prices: prices) {
        case .served(let served): deployments = served
        case .providerOff(let provider, let variable):
            throw GatewayError.modelNotFound(model, hint: " Its provider (\(provider)) is off: set \(variable) on the gateway.")
        case .unknown: throw GatewayError.modelNotFound(model)
        }
        let name = deployments[0].model
        guard principal.key.allows(model: model) || principal.key.allows(model: name) else {
            throw GatewayError.modelNotAllowed(model, key: principal.key.name)
        }
        let now = budgets.clock()
        let price = prices.price(for: name, at: now)
        if let price, let retired = price.retiredFrom, retired <= now {
            throw GatewayError.modelRetired(name, on: PriceEntry.dayString(retired), replacement: price.replacedBy)
        }
        let abilities = ModelAbilities(maxInputTokens: price?.maxInputTokens, images: price?.supportsImages, tools: price?.supportsTools)
        if let refusal = abilities.refusal(of: call.needs) {
            throw GatewayError.modelCannotTake(name, because: refusal)
        }
        try checkPriceable(call.shape, model: name, prices: prices)
        return deployments
    }

    /// Any error of an upstream call as a `ProviderError`: providers throw those, and a task
    /// cancelled mid-call is a call the gateway cut at shutdown (a client that leaves does not
    /// cancel its handler; its failed write says so instead).
    static func providerFailure(_ error: any Error, provider: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if error is CancellationError || Task.isCancelled { return .cancelled(provider, requestSent: true) }
        return .badResponse(provider, "the answer could not be read")
    }
}
