/// A price table or entry that cannot be used: where, and what is wrong.
public struct PricingError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The entry's field at fault (`input`, `tiers.above_input_tokens`, …), for an API's `param`.
    public let field: String?

    public init(_ description: String, field: String? = nil) {
        self.description = description
        self.field = field
    }

    static func invalidFile(_ file: String, _ reason: PricingError) -> PricingError {
        PricingError("pricing file \(file): \(reason)", field: reason.field)
    }

    static func invalidFile(_ file: String, _ reason: String) -> PricingError {
        PricingError("pricing file \(file): \(reason)")
    }

    static func noFiles(_ directory: String) -> PricingError {
        PricingError("no pricing files (*.json) in \(directory)")
    }
}
