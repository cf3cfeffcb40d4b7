/// The order to try a model's deployments in: a weighted draw without replacement, so the first
/// choice falls on each deployment in proportion to its weight and the rest follow as fallbacks.
public enum WeightedOrder {
    /// Indices into `weights` (each at least 1), the first drawn with probability weight / total,
    /// each next one likewise among those left.
    public static func order(weights: [Int], using generator: inout some RandomNumberGenerator) -> [Int] {
        if weights.count < 2 { return Array(weights.indices) }  // most models: nothing to draw
        var left = Array(weights.indices)
        var order: [Int] = []
        order.reserveCapacity(weights.count)
        while left.count > 1 {
            let total = left.reduce(0) { $0 + max(weights[$1], 1) }
            var draw = Int.random(in: 0..<total, using: &generator)
            var pick = 0
            for (position, index) in left.enumerated() {
                draw -= max(weights[index], 1)
                if draw < 0 {
                    pick = position
                    break
                }
            }
            order.append(left.remove(at: pick))
        }
        order.append(contentsOf: left)
        return order
    }
}
