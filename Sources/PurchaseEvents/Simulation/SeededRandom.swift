#if canImport(Glibc)
    import Glibc
#endif

/// xoshiro256** seeded through SplitMix64: fast, and the same seed gives the same stream on every platform
/// (Swift's `SystemRandomNumberGenerator` cannot be seeded).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// A uniform double in [0, 1), for choosing among weighted options (never for money itself).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal deviate (Box–Muller).
    public mutating func normal() -> Double {
        let u = max(unit(), 0x1.0p-53)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * unit())
    }
}

/// Picks among options with fixed weights by binary search over cumulative weights.
struct WeightedChoice<Element: Sendable>: Sendable {
    let elements: [Element]
    let cumulative: [Double]

    init(_ pairs: [(Element, Double)]) {
        elements = pairs.map(\.0)
        var total = 0.0
        cumulative = pairs.map {
            total += $0.1
            return total
        }
    }

    func pick(_ rng: inout SeededRandom) -> Element { elements[pickIndex(&rng)] }

    /// The index of the element `pick` would return, drawing the same numbers.
    func pickIndex(_ rng: inout SeededRandom) -> Int {
        let target = rng.unit() * cumulative.last!
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
