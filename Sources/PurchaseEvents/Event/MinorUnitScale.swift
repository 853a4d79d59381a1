/// The powers of ten an amount with 0 to 3 places is printed and encoded with. Two places is nearly every
/// amount, and a division by the constant 100 compiles to a multiplication, so that case has its own branch.
struct MinorUnitScale {
    /// Minor units per unit.
    let divisor: UInt64
    /// Ten-thousandths per minor unit.
    let toTenThousandths: Int16

    @inline(__always)
    init(_ exponent: Int) {
        switch exponent {
        case 2: (divisor, toTenThousandths) = (100, 100)
        case 0: (divisor, toTenThousandths) = (1, 10_000)
        case 3: (divisor, toTenThousandths) = (1_000, 10)
        default: (divisor, toTenThousandths) = (10, 1_000)
        }
    }

    /// `magnitude` split into whole units and the minor units beyond them.
    @inline(__always)
    func split(_ magnitude: UInt64) -> (units: UInt64, fraction: UInt64) {
        divisor == 100 ? (magnitude / 100, magnitude % 100) : (magnitude / divisor, magnitude % divisor)
    }
}
