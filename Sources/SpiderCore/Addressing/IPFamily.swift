/// An IP address family: IPv4 or IPv6.
///
/// The raw value is the IP version number as Spiderpool writes it (`ipVersion: 4`).
public enum IPFamily: Int, Sendable, Hashable, Comparable, CaseIterable, Codable, CustomStringConvertible {
    case v4 = 4
    case v6 = 6

    /// Validates an IP version number (Spiderpool's `IsIPVersion`).
    /// - Throws: ``AddressError/invalidIPVersion(_:)`` unless `version` is 4 or 6.
    public init(version: Int) throws(AddressError) {
        guard let family = IPFamily(rawValue: version) else { throw .invalidIPVersion(version) }
        self = family
    }

    /// The number of bits in an address of this family: 32 or 128.
    public var bitWidth: Int { self == .v4 ? 32 : 128 }

    /// `IPv4` or `IPv6`, as used in messages.
    public var description: String { self == .v4 ? "IPv4" : "IPv6" }

    public static func < (lhs: IPFamily, rhs: IPFamily) -> Bool { lhs.rawValue < rhs.rawValue }
}
