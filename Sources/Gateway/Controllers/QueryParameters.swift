import Foundation
import Hummingbird
import OpenAIWire

/// The query parameters several endpoints share, each read and checked in one place, with one
/// message for the same mistake wherever it is made.
extension Parameters {
    /// `name` as a UUID, nil when absent.
    func uuid(_ name: String) throws -> UUID? {
        guard let text = get(name) else { return nil }
        guard let id = UUID(uuidString: text) else { throw GatewayError.invalidRequest("'\(name)' is not a UUID.", param: name) }
        return id
    }

    /// `end_user`: 1 to 256 bytes without NUL, as a request's `safety_identifier` or `user`.
    func endUser() throws -> String? {
        guard let endUser = get("end_user") else { return nil }
        guard EndUser.isValid(endUser) else {
            throw GatewayError.invalidRequest("'end_user' must be 1 to 256 bytes, without NUL characters.", param: "end_user")
        }
        return endUser
    }

    /// `name` (`task`, `run`) under the rules of `X-Tollgate-Task` and `X-Tollgate-Run`.
    func routingName(_ name: String) throws -> String? {
        guard let text = get(name) else { return nil }
        guard ProxyController.isName(text) else {
            throw GatewayError.invalidRequest("'\(name)' must be 1 to 100 characters of letters, digits and - _ . : /.", param: name)
        }
        return text
    }
}
