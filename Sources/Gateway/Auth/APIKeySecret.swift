import Crypto
import Foundation

/// Team API key secrets: `tg-` and 40 random base-62 characters; stored only as SHA-256.
enum APIKeySecret {
    static let scheme = "tg-"
    static let prefixLength = 10

    static func generate() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return scheme + String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// The lowercase hex SHA-256 of a secret.
    static func hash(_ secret: String) -> String {
        Hex.lowercase(SHA256.hash(data: Array(secret.utf8)))
    }

    /// The part of a secret shown in listings.
    static func prefix(of secret: String) -> String {
        String(secret.prefix(prefixLength))
    }

    /// Compares two secrets in time that does not depend on where they differ.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
