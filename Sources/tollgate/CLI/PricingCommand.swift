import ArgumentParser
import Pricing

struct PricingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pricing", abstract: "Validate and print the price table.")
    @Option(name: .customLong("pricing-dir"), help: "Directory of price files that add to or override the built-in catalogue.")
    var directory: String?

    func run() async throws {
        let table = try PriceTable.load(directory: directory)
        print("provider   model                      input   cached  c.write  output  (USD per 1M tokens)")
        for price in table.currentPrices() {
            let columns = [price.input, price.cachedInput, price.cacheWrite, price.output].map { $0.decimalString.padding(toLength: 8, withPad: " ", startingAt: 0) }
            print(price.provider.padding(toLength: 11, withPad: " ", startingAt: 0)
                + price.model.padding(toLength: 27, withPad: " ", startingAt: 0) + columns.joined())
        }
    }
}
