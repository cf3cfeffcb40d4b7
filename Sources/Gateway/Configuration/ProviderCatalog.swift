import Foundation
import Pricing
import Providers
import Routing
import Yams

/// Which model is served where: built-in providers switched on by their key variables, plus the
/// providers of `tollgate.yaml`.
///
/// A requested name resolves, in order, to:
/// 1. a model a `tollgate.yaml` provider lists (under that name);
/// 2. `provider/model`: that model at that provider (a built-in one or one of `tollgate.yaml`),
///    whatever the model, priced or not: a model released yesterday is served today;
/// 3. a model of the price catalogue, at the provider the catalogue names;
/// 4. a model-family prefix: `claude-` → Anthropic, `gemini-` → Gemini, `gpt-`, `o` + digit,
///    `text-embedding-`, `chatgpt-` → OpenAI, `qwen` → Qwen.
public struct ProviderCatalog: Sendable {
    /// An upstream the gateway can send to: a built-in provider whose key is set, or one of
    /// `tollgate.yaml`.
    public struct Endpoint: Sendable, Hashable {
        public var name: String
        public var kind: ProviderKind
        public var baseURL: String
        public var apiKey: String?
        /// Public model name → the name the provider's API knows, where they differ.
        public var upstreamNames: [String: String] = [:]
        /// A negotiated discount or markup (`price_multiplier`), applied exactly to every cost.
        public var priceMultiplier: Decimal?
        /// Whether it serves OpenAI's Responses API (`responses_api`; OpenAI's own does).
        public var responsesAPI = false

        func deployment(_ model: String) -> Deployment {
            var deployment = Deployment(model: model, provider: name, kind: kind, baseURL: baseURL, apiKey: apiKey, upstreamModel: upstreamNames[model])
            deployment.responsesAPI = responsesAPI
            return deployment
        }
    }

    /// Models `tollgate.yaml` lists, by public name: one deployment per provider that lists it.
    public private(set) var deployments: [String: [Deployment]] = [:]
    /// Providers by name.
    public private(set) var endpoints: [String: Endpoint] = [:]
    /// Built-in providers that are off, with the variable that would switch them on.
    public private(set) var disabledProviders: [String: String] = [:]

    /// A provider that needs no config file: its key variable, its base URL variable and default.
    struct BuiltIn {
        var name: String
        var kind: ProviderKind
        var keyVariable: String
        var baseURLVariable: String
        var defaultBaseURL: String
        var upstreamNames: [String: String] = [:]
        var responsesAPI = false
    }

    static let builtIns = [
        BuiltIn(name: "openai", kind: .openAICompatible, keyVariable: "OPENAI_API_KEY",
                baseURLVariable: "OPENAI_BASE_URL", defaultBaseURL: "https://api.openai.com/v1", responsesAPI: true),
        BuiltIn(name: "qwen", kind: .openAICompatible, keyVariable: "DASHSCOPE_API_KEY",
                baseURLVariable: "DASHSCOPE_BASE_URL", defaultBaseURL: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"),
        BuiltIn(name: "anthropic", kind: .anthropic, keyVariable: "ANTHROPIC_API_KEY",
                baseURLVariable: "ANTHROPIC_BASE_URL", defaultBaseURL: "https://api.anthropic.com",
                upstreamNames: [
                    "claude-opus-4-1": "claude-opus-4-1", "claude-opus-4": "claude-opus-4-0", "claude-sonnet-4": "claude-sonnet-4-0",
                    "claude-3-7-sonnet": "claude-3-7-sonnet-latest", "claude-3-5-haiku": "claude-3-5-haiku-latest",
                ]),
        BuiltIn(name: "gemini", kind: .gemini, keyVariable: "GEMINI_API_KEY",
                baseURLVariable: "GEMINI_BASE_URL", defaultBaseURL: "https://generativelanguage.googleapis.com"),
    ]

    /// The built-in provider a model family belongs to, from its name.
    static func family(of model: String) -> String? {
        let name = model.lowercased()
        if name.hasPrefix("claude-") { return "anthropic" }
        if name.hasPrefix("gemini-") { return "gemini" }
        if name.hasPrefix("qwen") { return "qwen" }
        if name.hasPrefix("gpt-") || name.hasPrefix("text-embedding-") || name.hasPrefix("chatgpt-") { return "openai" }
        if name.count >= 2, name.first == "o", name.dropFirst().first?.isNumber == true { return "openai" }
        return nil
    }

    public init(deployments: [Deployment]) {
        for deployment in deployments { self.deployments[deployment.model, default: []].append(deployment) }
    }

    /// The built-in providers whose key variable is set, then the config file's providers, which
    /// win on a name clash.
    public init(environment: [String: String], configFile: String?) throws {
        self = try Self.load(environment: environment, configFile: configFile).catalog
    }

    /// The providers and the routing table of `environment` and `configFile` (see `init`).
    static func load(environment: [String: String], configFile: String?) throws -> (catalog: ProviderCatalog, table: RoutingTable) {
        var catalog = ProviderCatalog(deployments: [])
        var table = RoutingTable()
        try catalog.addBuiltIns(environment: environment)
        if let configFile {
            let text: String
            do {
                text = try String(contentsOfFile: configFile, encoding: .utf8)
            } catch {
                throw ConfigurationError("cannot read the configuration file \(configFile): \((error as NSError).localizedDescription)")
            }
            let file = try Self.decode(yaml: text)
            let (endpoints, deployments) = try Self.providers(of: file, environment: environment)
            for endpoint in endpoints {
                catalog.endpoints[endpoint.name] = endpoint
                catalog.disabledProviders[endpoint.name] = nil
            }
            for deployment in deployments { catalog.deployments[deployment.model, default: []].append(deployment) }
            table = try Self.routingTable(of: file)
        }
        return (catalog, table)
    }

    private mutating func addBuiltIns(environment: [String: String]) throws {
        for builtIn in Self.builtIns {
            guard let key = environment[builtIn.keyVariable], !key.isEmpty else {
                disabledProviders[builtIn.name] = builtIn.keyVariable
                continue
            }
            let baseURL = environment[builtIn.baseURLVariable].flatMap { $0.isEmpty ? nil : $0 } ?? builtIn.defaultBaseURL
            endpoints[builtIn.name] = Endpoint(
                name: builtIn.name, kind: builtIn.kind, baseURL: baseURL, apiKey: key, upstreamNames: builtIn.upstreamNames,
                responsesAPI: builtIn.responsesAPI)
        }
    }

    /// Where a requested model name goes.
    public enum Resolution: Sendable, Equatable {
        /// The model's deployments: one, or several sharing its traffic by weight.
        case served([Deployment])
        /// The model belongs to a built-in provider that is off: set this variable.
        case providerOff(provider: String, variable: String)
        case unknown
    }

    /// Resolves `name` (see the type's documentation); `prices` is the catalogue in force.
    public func resolve(_ name: String, prices: PriceTable) -> Resolution {
        if let listed = deployments[name], !listed.isEmpty { return .served(listed) }
        if let slash = name.firstIndex(of: "/") {
            let provider = String(name[..<slash])
            let model = String(name[name.index(after: slash)...])
            if !model.isEmpty {
                if let endpoint = endpoints[provider] { return .served([endpoint.deployment(model)]) }
                if let variable = disabledProviders[provider] { return .providerOff(provider: provider, variable: variable) }
            }
        }
        for provider in [prices.price(for: name)?.provider, Self.family(of: name)].compactMap({ $0 }) {
            if let endpoint = endpoints[provider] { return .served([endpoint.deployment(name)]) }
            if let variable = disabledProviders[provider] { return .providerOff(provider: provider, variable: variable) }
        }
        return .unknown
    }

    /// The first deployment of `name`, if any.
    public func deployment(for name: String, prices: PriceTable) -> Deployment? {
        if case .served(let deployments) = resolve(name, prices: prices) { return deployments.first }
        return nil
    }

    /// The price multiplier of a provider (1 when it has none).
    public func priceMultiplier(provider: String) -> Decimal? {
        endpoints[provider]?.priceMultiplier
    }

    /// The models to list: those `tollgate.yaml` names, and every model of the catalogue whose
    /// provider is on and that is not retired at `date`.
    public func models(prices: PriceTable, at date: Date) -> [String] {
        var names = Set(deployments.keys)
        for price in prices.currentPrices(at: date) where endpoints[price.provider] != nil {
            names.insert(price.model)
        }
        return names.filter { !(prices.price(for: $0, at: date)?.isRetired(at: date) ?? false) }.sorted()
    }

    /// Parses the `providers:` list of `tollgate.yaml`:
    ///
    /// ```yaml
    /// providers:
    ///   - name: deepseek
    ///     kind: openai-compatible          # the default
    ///     base_url: https://api.deepseek.com/v1
    ///     api_key_env: DEEPSEEK_API_KEY    # optional: some local servers need no key
    ///     responses_api: false             # true: it serves /responses (vLLM does); the default translates
    ///     models:
    ///       - deepseek-chat                # served under the same name
    ///       - name: deepseek-r1            # or renamed
    ///         upstream: deepseek-reasoner
    /// ```
    static func decode(yaml: String) throws -> ConfigFile {
        do {
            return try YAMLDecoder().decode(ConfigFile.self, from: yaml)
        } catch {
            throw ConfigurationError("tollgate.yaml: \(error)")
        }
    }

    static func providers(of file: ConfigFile, environment: [String: String]) throws -> (endpoints: [Endpoint], deployments: [Deployment]) {
        var deployments: [Deployment] = []
        var endpoints: [Endpoint] = []
        for provider in file.providers ?? [] {
            let kindName = provider.kind ?? ProviderKind.openAICompatible.rawValue
            guard let kind = ProviderKind(rawValue: kindName) else {
                throw ConfigurationError("tollgate.yaml: provider \(provider.name): unknown kind '\(kindName)' (known: \(ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard URL(string: provider.base_url)?.scheme?.hasPrefix("http") == true else {
                throw ConfigurationError("tollgate.yaml: provider \(provider.name): base_url '\(provider.base_url)' is not an http(s) URL")
            }
            var apiKey: String?
            if let variable = provider.api_key_env {
                guard let value = environment[variable], !value.isEmpty else {
                    throw ConfigurationError("tollgate.yaml: provider \(provider.name): the variable \(variable) is not set")
                }
                apiKey = value
            }
            var multiplier: Decimal?
            if let text = provider.price_multiplier {
                guard let value = Money(text)?.amount, value > 0, value <= 100, text.split(separator: ".").dropFirst().first.map({ $0.count <= 6 }) ?? true else {
                    throw ConfigurationError("tollgate.yaml: provider \(provider.name): price_multiplier '\(text)' must be a decimal string above 0 and at most 100 with at most six decimals, e.g. \"0.85\"")
                }
                multiplier = value
            }
            let weight = provider.weight ?? 1
            guard (1...1000).contains(weight) else {
                throw ConfigurationError("tollgate.yaml: provider \(provider.name): weight \(weight) must be 1 to 1000")
            }
            guard !endpoints.contains(where: { $0.name == provider.name }) else {
                throw ConfigurationError("tollgate.yaml: provider \(provider.name) is listed twice")
            }
            if provider.responses_api == true, kind != .openAICompatible {
                throw ConfigurationError("tollgate.yaml: provider \(provider.name): responses_api applies to openai-compatible providers only (Anthropic and Gemini are translated)")
            }
            let endpoint = Endpoint(name: provider.name, kind: kind, baseURL: provider.base_url, apiKey: apiKey, priceMultiplier: multiplier,
                                    responsesAPI: provider.responses_api ?? false)
            endpoints.append(endpoint)
            for model in provider.models ?? [] {
                var deployment = endpoint.deployment(model.name)
                if let upstream = model.upstream { deployment.upstreamModel = upstream }
                deployment.weight = weight
                deployments.append(deployment)
            }
        }
        return (endpoints, deployments)
    }

    /// The routing part of `tollgate.yaml` (`aliases`, `routes`, `fallbacks`, `router`), validated.
    static func routingTable(of file: ConfigFile) throws -> RoutingTable {
        let defaults = RouterLimits()
        let limits = RouterLimits(
            maxAttempts: file.router?.max_attempts ?? defaults.maxAttempts,
            deadlineSeconds: file.router?.deadline_seconds ?? defaults.deadlineSeconds,
            cooldownAfterFailures: file.router?.cooldown_after_failures ?? defaults.cooldownAfterFailures,
            cooldownSeconds: file.router?.cooldown_seconds ?? defaults.cooldownSeconds)
        do {
            return try RoutingTable(aliases: file.aliases ?? [:], routes: file.routes ?? [:], fallbacks: file.fallbacks ?? [:], limits: limits)
                .validated()
        } catch {
            throw ConfigurationError("tollgate.yaml: \(error)")
        }
    }
}

struct ConfigFile: Decodable {
    struct Provider: Decodable {
        var name: String
        var kind: String?
        var base_url: String
        var api_key_env: String?
        /// Optional: without it the provider serves any model asked as `name/model`.
        var models: [Model]?
        /// A decimal string (`"0.85"`): the provider's costs are the catalogue's times this.
        var price_multiplier: String?
        /// Its share of traffic for each model it lists that other providers list too.
        var weight: Int?
        /// Whether it serves OpenAI's Responses API (`/responses`): requests there are passed
        /// through; otherwise they are translated to chat completions.
        var responses_api: Bool?
    }

    struct RouterSettings: Decodable {
        var max_attempts: Int?
        var deadline_seconds: Double?
        var cooldown_after_failures: Int?
        var cooldown_seconds: Double?
    }

    /// A model entry: a bare name, or `{name, upstream}`.
    struct Model: Decodable {
        var name: String
        var upstream: String?

        init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.name = name
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.name = try container.decode(String.self, forKey: .name)
            self.upstream = try container.decodeIfPresent(String.self, forKey: .upstream)
        }

        enum CodingKeys: String, CodingKey { case name, upstream }
    }

    var providers: [Provider]?
    var aliases: [String: String]?
    var routes: [String: [String]]?
    var fallbacks: [String: [String]]?
    var router: RouterSettings?
}

/// A configuration that cannot be used, with what to fix.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
