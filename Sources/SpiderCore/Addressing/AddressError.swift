/// Why a piece of address text (an IP, a CIDR, a range, a route) was refused.
///
/// The messages are Spiderpool's, word for word where Spiderpool has one, so that a user who
/// knows Spiderpool's webhook errors recognises ours; each names the offending text.
public enum AddressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The IP version is neither 4 nor 6.
    case invalidIPVersion(Int)
    /// Not an IP address of the family (`invalid IP format in IPv4 'x'`).
    case invalidIPFormat(String, IPFamily)
    /// Not a range of the family (`invalid IP range format in IPv4 'x'`).
    case invalidIPRangeFormat(String, IPFamily)
    /// Not a CIDR of the family (`invalid CIDR format in IPv4 'x'`).
    case invalidCIDRFormat(String, IPFamily)
    /// A route whose destination or gateway is bad, or of the wrong family.
    case invalidRouteFormat(destination: String, gateway: String, family: IPFamily?)
    /// An address of the other family in a list of one family (`invalid IPv6 IP '10.0.0.1'`).
    case invalidIP(String, IPFamily)
    /// Text that is no IP address of any family.
    case invalidAddress(String)
    /// Text that is no CIDR of any family (`invalid CIDR address: x`).
    case invalidCIDRAddress(String)
    /// Text that is no range of any family.
    case invalidRange(String)
    /// A CIDR with host bits set, where the network form is required.
    case unformattedSubnet(String, canonical: String)
    /// A range whose start lies after its end.
    case reversedRange(String)
    /// A range whose two ends are of different families.
    case mixedFamilies(String)
    /// An address or range that lies outside the subnet it must belong to.
    case outsideSubnet(String)
    /// A range given for a subnet that it does not lie inside.
    case rangeOutsideSubnet(String, subnet: String)
    /// An address or range of the other family than the one required.
    case wrongFamily(String, expected: IPFamily)
    /// Two entries of one list share addresses (`range a is already covered by b`, ...).
    case overlappingRanges(String, existing: String, relation: OverlapRelation)

    /// How a new range meets one already listed.
    public enum OverlapRelation: Sendable, Hashable {
        /// The new range lies inside the existing one.
        case coveredBy
        /// The new range contains the existing one.
        case covers
        /// They share some addresses but neither contains the other.
        case overlaps
    }

    /// The Spiderpool error sentinel this error corresponds to, if any.
    public var sentinel: String? {
        switch self {
        case .invalidIPVersion: "ErrInvalidIPVersion"
        case .invalidIPFormat: "ErrInvalidIPFormat"
        case .invalidIPRangeFormat: "ErrInvalidIPRangeFormat"
        case .invalidCIDRFormat: "ErrInvalidCIDRFormat"
        case .invalidRouteFormat: "ErrInvalidRouteFormat"
        case .invalidIP: "ErrInvalidIP"
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .invalidIPVersion(let v): "invalid IP version '\(v)'"
        case .invalidIPFormat(let s, let f): "invalid IP format in \(f) '\(s)'"
        case .invalidIPRangeFormat(let s, let f): "invalid IP range format in \(f) '\(s)'"
        case .invalidCIDRFormat(let s, let f): "invalid CIDR format in \(f) '\(s)'"
        case .invalidRouteFormat(let d, let g, let f):
            if let f { "invalid route format in \(f) 'dst: \(d), gw: \(g)'" } else { "invalid route format 'dst: \(d), gw: \(g)'" }
        case .invalidIP(let s, let f): "invalid \(f) IP '\(s)'"
        case .invalidAddress(let s): "invalid IP address: \(s)"
        case .invalidCIDRAddress(let s): "invalid CIDR address: \(s)"
        case .invalidRange(let s): "invalid range: \(s)"
        case .unformattedSubnet(let s, let c): "unformatted subnet \(s), please change it to \(c)"
        case .reversedRange(let s): "invalid range: \(s): the start is after the end"
        case .mixedFamilies(let s): "invalid range: \(s): the two ends are of different IP families"
        case .outsideSubnet(let s): "not match base subnet: \(s)"
        case .rangeOutsideSubnet(let s, let subnet): "'\(s)' is not inside subnet \(subnet)"
        case .wrongFamily(let s, let f): "'\(s)' is not an \(f) address, range or CIDR"
        case .overlappingRanges(let new, let old, let relation):
            switch relation {
            case .coveredBy: "range \(new) is already covered by \(old)"
            case .covers: "range \(new) covers \(old)"
            case .overlaps: "range \(new) overlaps with \(old)"
            }
        }
    }
}
