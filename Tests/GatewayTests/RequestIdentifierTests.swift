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
        // Then 16 digits of the random bits and 4 of the counter, most significant first.
        let parts = RequestIdentifier.make(at: date, random: 0x0123_4567_89AB_CDEF, count: 0xBEEF)
        #expect(parts == "req_" + String(1_795_000_000_123, radix: 16).leftPadded(to: 12) + "0123456789abcdef" + "beef")
        // Made twice in the same millisecond, the random bits differ.
        #expect(RequestIdentifier.make(at: date).dropLast(4) != id.dropLast(4))
    }

    @Test func theRandomBitsAreABijectiveMixOfTheSequence() {
        // SplitMix64's first output for seed 0 (its state advanced by the golden gamma once).
        #expect(RequestIdentifier.mix(0x9E37_79B9_7F4A_7C15) == 0xE220_A839_7B1D_CDAF)
        // Ids made in one millisecond by one process: their 64 bits never repeat.
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let random = Set((0..<100_000).map { _ in RequestIdentifier.make(at: date).dropFirst(16).prefix(16) })
        #expect(random.count == 100_000)
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

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
