/// The powers of ten an amount with 0 to 3 places is printed and encoded with, looked up rather than
/// computed per amount.
struct MinorUnitScale {
    private static let divisors: [UInt64] = [1, 10, 100, 1_000]
    private static let tenThousandths: [Int16] = [10_000, 1_000, 100, 10]

    /// Minor units per unit.
    let divisor: UInt64
    /// Ten-thousandths per minor unit.
    let toTenThousandths: Int16

    init(_ exponent: Int) {
        divisor = Self.divisors[exponent]
        toTenThousandths = Self.tenThousandths[exponent]
    }
}
