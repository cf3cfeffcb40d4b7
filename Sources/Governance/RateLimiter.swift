import Foundation
import Synchronization

/// Per-key request and token rates, as token buckets refilled continuously: a key with
/// `rpm_limit` 60 may burst 60 requests, then one a second.
///
/// Limits are per replica: N replicas together allow up to N times a key's rate.
public final class RateLimiter: Sendable {
    struct Bucket {
        var level: Double
        var updated: Date
    }

    struct BucketID: Hashable {
        var keyID: UUID
        var limit: RateDecision.Limit
    }

    private let buckets = Mutex<[BucketID: Bucket]>([:])

    public init() {}

    /// Takes one request and `tokens` from the key's buckets, or says how many seconds until the
    /// request would fit (the `retry-after`); nothing is taken when it does not fit.
    public func acquire(keyID: UUID, rpm: Int?, tpm: Int?, tokens: Int, now: Date) -> RateDecision {
        guard rpm != nil || tpm != nil else { return .allowed }
        return buckets.withLock { buckets in
            var wait = 0.0
            var which: RateDecision.Limit?
            let tokenCost = Double(min(tokens, tpm ?? tokens))
            let checks: [(RateDecision.Limit, Int?, Double)] = [(.requests, rpm, 1), (.tokens, tpm, tokenCost)]
            var updated: [(BucketID, Bucket, cost: Double)] = []
            for (kind, limit, cost) in checks {
                guard let limit else { continue }
                let name = BucketID(keyID: keyID, limit: kind)
                let capacity = Double(limit)
                let rate = capacity / 60
                var bucket = buckets[name] ?? Bucket(level: capacity, updated: now)
                bucket.level = min(capacity, bucket.level + max(now.timeIntervalSince(bucket.updated), 0) * rate)
                bucket.updated = now
                if bucket.level < cost {
                    let seconds = (cost - bucket.level) / rate
                    if seconds > wait { wait = seconds; which = kind }
                }
                updated.append((name, bucket, cost))
            }
            if let which {
                for (name, bucket, _) in updated { buckets[name] = bucket }
                // Held below a year: a bucket driven far below zero must not make a huge Double
                // that traps on its way to Int.
                return .limited(which, retryAfter: max(Int(min(wait - 1e-6, 31_536_000).rounded(.up)), 1))
            }
            for (name, var bucket, cost) in updated {
                bucket.level -= cost
                buckets[name] = bucket
            }
            return .allowed
        }
    }

    /// Corrects the tokens taken at admission once the real count is known: a positive `tokens`
    /// gives back what the estimate took too much, a negative one takes what it took too little
    /// (the bucket may go below zero, delaying the next requests).
    public func adjust(keyID: UUID, tpm: Int?, tokens: Int) {
        guard let tpm, tokens != 0 else { return }
        buckets.withLock { buckets in
            let name = BucketID(keyID: keyID, limit: .tokens)
            guard var bucket = buckets[name] else { return }
            bucket.level = max(min(Double(tpm), bucket.level + Double(tokens)), -Double(tpm) * 1_000)
            buckets[name] = bucket
        }
    }
}

/// The rate limiter's answer.
public enum RateDecision: Sendable, Equatable {
    public enum Limit: String, Sendable { case requests, tokens }
    case allowed
    case limited(Limit, retryAfter: Int)
}
