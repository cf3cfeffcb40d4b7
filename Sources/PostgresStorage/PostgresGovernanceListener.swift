import Foundation
import Governance
import Logging
import PostgresNIO

/// Hears the key and team changes every replica announces (`LISTEN tollgate_governance`), so a
/// revocation through one replica reaches the caches of all of them at once.
///
/// A lost connection is re-established after a second; changes announced meanwhile are missed,
/// which the caches' short expiry covers.
public struct PostgresGovernanceListener: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Calls `onChange` for each change until the task is cancelled.
    public func listen(_ onChange: @escaping @Sendable (GovernanceChange) -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: PostgresGovernanceStore.changeChannel) { notifications in
                        for try await notification in notifications {
                            if let change = GovernanceChange(message: notification.payload) { onChange(change) }
                        }
                    }
                }
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("listening for key changes failed; retrying", metadata: ["tollgate.error": "\(loggable(error))"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
