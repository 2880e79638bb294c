/// An inclusive interval of addresses of one family: `10.6.212.100-10.6.212.200`.
///
/// A range is never empty and never reversed: ``lower`` ≤ ``upper``, both of one family.
public struct IPRange: Sendable, Hashable, Sequence, CustomStringConvertible {
    /// The first address.
    public let lower: IPAddress
    /// The last address (inclusive).
    public let upper: IPAddress

    /// The range `lower...upper`; `nil` if the families differ or `lower` is after `upper`.
    public init?(lower: IPAddress, upper: IPAddress) {
        guard lower.family == upper.family, lower <= upper else { return nil }
        self.lower = lower
        self.upper = upper
    }

    /// The range of the single address.
    public init(_ address: IPAddress) {
        lower = address
        upper = address
    }

    init(uncheckedLower lower: IPAddress, upper: IPAddress) {
        self.lower = lower
        self.upper = upper
    }

    init(family: IPFamily, lower: UInt128, upper: UInt128) {
        self.lower = IPAddress(family: family, value: lower)
        self.upper = IPAddress(family: family, value: upper)
    }

    /// Validates a range the way Spiderpool's `IsIPRange(version, s)` does: one address or
    /// `start-end` of the family, start ≤ end, no CIDR.
    ///
    /// - Throws: ``AddressError/invalidIPRangeFormat(_:_:)`` naming the text.
    public init(validating text: String, family: IPFamily) throws(AddressError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2,
              let lower = IPAddress(String(parts[0]), family: family),
              let upper = parts.count == 2 ? IPAddress(String(parts[1]), family: family) : lower,
              lower <= upper
        else { throw .invalidIPRangeFormat(text, family) }
        self.lower = lower
        self.upper = upper
    }

    /// Parses any range expression: an address, `start-end`, or a CIDR (all its addresses).
    ///
    /// With `family`, an expression of the other family is refused. The error names the text
    /// and what is wrong with it: not an address, reversed, mixed families, wrong family.
    public init(parsing text: String, family: IPFamily? = nil) throws(AddressError) {
        let range: IPRange
        if text.contains("/") {
            guard let network = IPNetwork(text) else { throw .invalidCIDRAddress(text) }
            range = network.range
        } else {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw .invalidRange(text) }
            guard let lower = IPAddress(String(parts[0])) else {
                throw parts[0].isEmpty ? .invalidRange(text) : .invalidAddress(String(parts[0]))
            }
            var upper = lower
            if parts.count == 2 {
                guard let parsed = IPAddress(String(parts[1])) else {
                    throw parts[1].isEmpty ? .invalidRange(text) : .invalidAddress(String(parts[1]))
                }
                upper = parsed
            }
            guard lower.family == upper.family else { throw .mixedFamilies(text) }
            guard lower <= upper else { throw .reversedRange(text) }
            range = IPRange(uncheckedLower: lower, upper: upper)
        }
        if let family, range.family != family { throw .wrongFamily(text, expected: family) }
        self = range
    }

    /// The family of the range.
    public var family: IPFamily { lower.family }

    /// The exact number of addresses in the range.
    public var count: AddressCount { AddressCount(lower: lower.value, upper: upper.value) }

    /// Whether `address` lies in the range.
    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && lower <= address && address <= upper
    }

    /// Whether every address of `other` lies in the range.
    public func contains(_ other: IPRange) -> Bool {
        other.family == family && lower <= other.lower && other.upper <= upper
    }

    /// Whether the two ranges share at least one address.
    public func overlaps(_ other: IPRange) -> Bool {
        other.family == family && lower <= other.upper && other.lower <= upper
    }

    /// `a` for a single address, `a-b` otherwise, in canonical text.
    public var description: String { lower == upper ? lower.description : "\(lower)-\(upper)" }

    /// Iterates the addresses in ascending order without ever overflowing.
    public struct Iterator: IteratorProtocol {
        var pending: IPAddress?
        let upper: IPAddress

        public mutating func next() -> IPAddress? {
            guard let current = pending else { return nil }
            pending = current == upper ? nil : current.successor
            return current
        }
    }

    public func makeIterator() -> Iterator { Iterator(pending: lower, upper: upper) }

    public var underestimatedCount: Int { count.int ?? Int.max }
}
