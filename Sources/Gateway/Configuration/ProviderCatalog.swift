import Foundation
import Pricing
import Providers
import Yams

/// Which model is served where: built-in providers switched on by their key variables, plus the
/// providers of `tollgate.yaml`.
public struct ProviderCatalog: Sendable {
    public private(set) var deployments: [String: Deployment] = [:]
    /// Why a known model family is off (its key variable is unset), for helpful 404s.
    public private(set) var disabledProviders: [String: String] = [:]

    /// A provider that needs no config file: its key variable, its base URL variable and default.
    struct BuiltIn {
        var name: String
        var kind: ProviderKind
        var keyVariable: String
        var baseURLVariable: String
        var defaultBaseURL: String
        /// Public model name → the name the provider's API knows, where they differ.
        var upstreamNames: [String: String] = [:]
    }

    static let builtIns = [
        BuiltIn(name: "openai", kind: .openAICompatible, keyVariable: "OPENAI_API_KEY",
                baseURLVariable: "OPENAI_BASE_URL", defaultBaseURL: "https://api.openai.com/v1"),
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

    public init(deployments: [Deployment]) {
        for deployment in deployments { self.deployments[deployment.model] = deployment }
    }

    /// Built-ins for every priced model of a provider whose key variable is set, then the config
    /// file's providers, which win on a name clash.
    public init(prices: PriceTable, environment: [String: String], configFile: String?) throws {
        for builtIn in Self.builtIns {
            let models = prices.currentPrices().filter { $0.provider == builtIn.name }.map(\.model)
            guard let key = environment[builtIn.keyVariable], !key.isEmpty else {
                for model in models { disabledProviders[model] = builtIn.keyVariable }
                continue
            }
            let baseURL = environment[builtIn.baseURLVariable].flatMap { $0.isEmpty ? nil : $0 } ?? builtIn.defaultBaseURL
            for model in models {
                deployments[model] = Deployment(
                    model: model, provider: builtIn.name, kind: builtIn.kind, baseURL: baseURL, apiKey: key,
                    upstreamModel: builtIn.upstreamNames[model])
            }
        }
        if let configFile {
            let text: String
            do {
                text = try String(contentsOfFile: configFile, encoding: .utf8)
            } catch {
                throw ConfigurationError("cannot read the configuration file \(configFile): \((error as NSError).localizedDescription)")
            }
            for deployment in try Self.parse(yaml: text, environment: environment) {
                deployments[deployment.model] = deployment
                disabledProviders[deployment.model] = nil
            }
        }
    }

    public func deployment(for model: String) -> Deployment? {
        deployments[model]
    }

    public var models: [String] { deployments.keys.sorted() }

    /// Parses the `providers:` list of `tollgate.yaml`:
    ///
    /// ```yaml
    /// providers:
    ///   - name: deepseek
    ///     kind: openai-compatible          # the default
    ///     base_url: https://api.deepseek.com/v1
    ///     api_key_env: DEEPSEEK_API_KEY    # optional: some local servers need no key
    ///     models:
    ///       - deepseek-chat                # served under the same name
    ///       - name: deepseek-r1            # or renamed
    ///         upstream: deepseek-reasoner
    /// ```
    static func parse(yaml: String, environment: [String: String]) throws -> [Deployment] {
        let file: ConfigFile
        do {
            file = try YAMLDecoder().decode(ConfigFile.self, from: yaml)
        } catch {
            throw ConfigurationError("tollgate.yaml: \(error)")
        }
        var deployments: [Deployment] = []
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
            for model in provider.models {
                deployments.append(Deployment(
                    model: model.name, provider: provider.name, kind: kind, baseURL: provider.base_url,
                    apiKey: apiKey, upstreamModel: model.upstream))
            }
        }
        return deployments
    }
}

struct ConfigFile: Decodable {
    struct Provider: Decodable {
        var name: String
        var kind: String?
        var base_url: String
        var api_key_env: String?
        var models: [Model]
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
}

/// A configuration that cannot be used, with what to fix.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
