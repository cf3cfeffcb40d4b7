import Foundation
import Testing

@testable import Gateway

@Suite struct RequestIdentifierTests {
    @Test func idsAreTheTimeInMillisecondsThenRandomBitsAndACounter() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let id = RequestIdentifier.make(at: date)
        #expect(id.count == 36)
        #expect(id.hasPrefix("req_"))
        let digits = id.dropFirst(4)
        #expect(digits.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(UInt64(digits.prefix(12), radix: 16) == 1_795_000_000_123)
        // The last four digits count up from one id to the next.
        let next = RequestIdentifier.make(at: date)
        let counts = [id, next].compactMap { UInt16($0.suffix(4), radix: 16) }
        #expect(counts.count == 2 && counts[1] == counts[0] &+ 1)
        #expect(id.dropLast(4) != next.dropLast(4))  // and the random bits differ
    }

    @Test func laterIdsSortLaterAndIdsNeverRepeat() {
        var previous = ""
        var seen = Set<String>()
        for step in 0..<2_000 {
            // Two ids in every millisecond: order holds across milliseconds, not within one.
            let date = Date(timeIntervalSince1970: (1_795_000_000_000 + Double(step / 2) + 0.5) / 1000)
            let id = RequestIdentifier.make(at: date)
            if step % 2 == 0 { #expect(id > previous) }
            previous = max(previous, id)
            seen.insert(id)
        }
        #expect(seen.count == 2_000)
    }
}
