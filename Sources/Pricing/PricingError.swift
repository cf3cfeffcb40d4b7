/// A price table that cannot be loaded: which file, and what is wrong in it.
public struct PricingError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    static func invalidFile(_ file: String, _ reason: String) -> PricingError {
        PricingError("pricing file \(file): \(reason)")
    }

    static func noFiles(_ directory: String) -> PricingError {
        PricingError("no pricing files (*.json) in \(directory)")
    }
}
