import Foundation

/// Whether an address is this machine's or a private network's: loopback, link-local, private and
/// shared (RFC 1918, RFC 6598, unique local), unspecified, multicast or reserved. Alert webhooks
/// to such addresses are refused unless an operator allows them, so a team admin cannot make the
/// gateway post to services only it can reach.
public enum PrivateAddress {
    /// `host` as it appears in a URL: a literal address (IPv6 in brackets or not), or a name.
    /// Names are private when they are `localhost` or end in `.localhost`, `.local` or
    /// `.internal`; other names are checked once resolved (`isPrivate(ipAddress:)`).
    public static func isPrivate(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name.removeLast() }
        if let literal = isPrivate(ipAddress: name) { return literal }
        return name == "localhost" || [".localhost", ".local", ".internal"].contains { name.hasSuffix($0) }
    }

    /// Whether a literal IPv4 or IPv6 address is private; nil when `text` is not one.
    public static func isPrivate(ipAddress text: String) -> Bool? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return isPrivate(v4: withUnsafeBytes(of: v4) { Array($0) })
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return isPrivate(v6: withUnsafeBytes(of: v6) { Array($0) })
        }
        return nil
    }

    /// Four bytes in network order.
    static func isPrivate(v4 b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true                     // this network, private, loopback
        case (100, 64...127): return true                                // shared address space (CGNAT)
        case (169, 254): return true                                     // link-local (cloud metadata)
        case (172, 16...31): return true                                 // private
        case (192, 168): return true                                     // private
        case (192, 0) where b[2] == 0: return true                       // IETF protocol assignments
        case (198, 18...19): return true                                 // benchmarking
        case (224...255, _): return true                                 // multicast, reserved, broadcast
        default: return false
        }
    }

    /// Sixteen bytes in network order.
    static func isPrivate(v6 b: [UInt8]) -> Bool {
        if b[0..<15].allSatisfy({ $0 == 0 }) { return b[15] <= 1 }       // :: and ::1
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
            return isPrivate(v4: Array(b[12..<16]))                      // ::ffff:a.b.c.d
        }
        if b[0] & 0xfe == 0xfc { return true }                           // fc00::/7 unique local
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return true }           // fe80::/10 link-local
        if b[0] == 0xff { return true }                                  // multicast
        return false
    }
}
