/// An exact count of addresses, large enough for any set: up to 2^32 + 2^128.
///
/// A /64 holds 2^64 addresses and `::/0` holds 2^128, which fits neither `Int` nor `UInt128`,
/// so counts are kept as a 256-bit unsigned integer with exact decimal text.
public struct AddressCount: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible, ExpressibleByIntegerLiteral {
    /// The high and low 128 bits.
    public private(set) var high: UInt128
    public private(set) var low: UInt128

    public static let zero = AddressCount(high: 0, low: 0)

    public init(high: UInt128, low: UInt128) {
        self.high = high
        self.low = low
    }

    public init(_ value: UInt128) { self.init(high: 0, low: value) }

    public init(integerLiteral value: UInt64) { self.init(UInt128(value)) }

    /// Parses a non-negative decimal integer; `nil` for anything else or a value of 2^256 or more.
    public init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        var result = AddressCount.zero
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            guard let times10 = result.multipliedReportingOverflow(by: 10),
                  let next = times10.addingReportingOverflow(AddressCount(UInt128(byte - UInt8(ascii: "0"))))
            else { return nil }
            result = next
        }
        self = result
    }

    /// The number of addresses in an inclusive interval of numeric values: `upper - lower + 1`.
    public init(lower: UInt128, upper: UInt128) {
        let difference = upper - lower
        let (plusOne, overflow) = difference.addingReportingOverflow(1)
        self.init(high: overflow ? 1 : 0, low: plusOne)
    }

    /// The value as `UInt128`, or `nil` if it is 2^128 or more.
    public var uint128: UInt128? { high == 0 ? low : nil }

    /// The value clamped to `Int64.max`, as Spiderpool's `totalIPCount` reports it.
    public var clampedToInt64: Int64 {
        guard high == 0, low <= UInt128(Int64.max) else { return Int64.max }
        return Int64(low)
    }

    /// The value as `Int`, or `nil` if it does not fit.
    public var int: Int? {
        guard high == 0, low <= UInt128(Int.max) else { return nil }
        return Int(low)
    }

    func addingReportingOverflow(_ other: AddressCount) -> AddressCount? {
        let (low, carry) = self.low.addingReportingOverflow(other.low)
        let (high1, o1) = self.high.addingReportingOverflow(other.high)
        let (high2, o2) = high1.addingReportingOverflow(carry ? 1 : 0)
        return o1 || o2 ? nil : AddressCount(high: high2, low: low)
    }

    func multipliedReportingOverflow(by factor: UInt64) -> AddressCount? {
        let f = UInt128(factor)
        let lowProduct = low.multipliedFullWidth(by: f)
        let (highProduct, o1) = high.multipliedReportingOverflow(by: f)
        let (high, o2) = highProduct.addingReportingOverflow(lowProduct.high)
        return o1 || o2 ? nil : AddressCount(high: high, low: lowProduct.low)
    }

    /// The sum; traps only above 2^256, which no set of addresses reaches.
    public static func + (lhs: AddressCount, rhs: AddressCount) -> AddressCount {
        guard let sum = lhs.addingReportingOverflow(rhs) else { preconditionFailure("AddressCount overflow") }
        return sum
    }

    public static func += (lhs: inout AddressCount, rhs: AddressCount) { lhs = lhs + rhs }

    /// The difference; `lhs` must not be smaller than `rhs`.
    public static func - (lhs: AddressCount, rhs: AddressCount) -> AddressCount {
        precondition(lhs >= rhs, "AddressCount underflow")
        let (low, borrow) = lhs.low.subtractingReportingOverflow(rhs.low)
        return AddressCount(high: lhs.high - rhs.high - (borrow ? 1 : 0), low: low)
    }

    public static func < (lhs: AddressCount, rhs: AddressCount) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// Exact decimal text.
    public var description: String {
        if high == 0 { return String(low) }
        // Divide the 256-bit value by 10^19 repeatedly, 64 bits at a time.
        var limbs: [UInt64] = [
            UInt64(truncatingIfNeeded: high >> 64), UInt64(truncatingIfNeeded: high),
            UInt64(truncatingIfNeeded: low >> 64), UInt64(truncatingIfNeeded: low),
        ]
        let divisor: UInt64 = 10_000_000_000_000_000_000
        var chunks: [UInt64] = []
        while limbs.contains(where: { $0 != 0 }) {
            var remainder: UInt128 = 0
            for index in limbs.indices {
                let current = remainder << 64 | UInt128(limbs[index])
                limbs[index] = UInt64(current / UInt128(divisor))
                remainder = current % UInt128(divisor)
            }
            chunks.append(UInt64(remainder))
        }
        var text = String(chunks.last ?? 0)
        for chunk in chunks.dropLast().reversed() {
            let digits = String(chunk)
            text += String(repeating: "0", count: 19 - digits.count) + digits
        }
        return text
    }
}
