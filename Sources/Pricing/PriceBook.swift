import Synchronization

/// The price table in force, swapped whole when prices change (a price posted through the admin
/// API, on this replica or another): readers take a snapshot and price with it.
public final class PriceBook: Sendable {
    private let current: Mutex<PriceTable>

    public init(_ table: PriceTable) {
        self.current = Mutex(table)
    }

    /// The table in force now.
    public var table: PriceTable { current.withLock { $0 } }

    public func replace(with table: PriceTable) {
        current.withLock { $0 = table }
    }
}
