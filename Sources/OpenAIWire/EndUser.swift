/// Who an app served a call for: OpenAI's `safety_identifier`, else its deprecated `user`. Usage
/// rows keep it as `end_user`, so spend can be reported per end user.
public enum EndUser {
    /// The longest id a usage row keeps.
    public static let maxBytes = 256

    /// The fields that name the end user, the preferred first.
    static let fields = ["safety_identifier", "user"]

    /// Checks the fields a body has: strings of at most `maxBytes` bytes, without NUL (which
    /// PostgreSQL's text cannot hold).
    static func validate(_ body: [String: JSONValue]) throws(WireError) {
        for key in fields {
            guard let value = body[key], !value.isNull else { continue }
            guard let id = value.stringValue else {
                throw WireError("Invalid type for '\(key)': expected a string, but got \(value.typeName).", param: key)
            }
            guard isValid(id) || id.isEmpty else {
                throw WireError("Invalid '\(key)': at most \(maxBytes) bytes and no NUL characters.", param: key)
            }
        }
    }

    /// The body's end user; nil when it names none (or only an empty one).
    static func read(_ body: [String: JSONValue]) -> String? {
        for key in fields {
            if let id = body[key]?.stringValue, !id.isEmpty { return id }
        }
        return nil
    }

    /// 1 to `maxBytes` bytes, no NUL.
    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maxBytes && !id.utf8.contains(0)
    }
}
