/// A routing table ID, as `ip route … table N` and `ip rule … lookup N` write it.
///
/// The kernel's IDs are 32-bit. Three have names that `ip` prints instead of the number:
/// ``main`` (254), ``local`` (255) and ``default`` (253).
public struct RouteTable: RawRepresentable, Sendable, Hashable, Comparable, ExpressibleByIntegerLiteral,
    CustomStringConvertible, LosslessStringConvertible
{
    /// The table ID.
    public var rawValue: UInt32

    /// The table with ID `rawValue`.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The table with ID `value`.
    public init(integerLiteral value: UInt32) { self.rawValue = value }

    /// ID 0, "no table given" (`RT_TABLE_UNSPEC`).
    public static let unspecified = RouteTable(rawValue: 0)
    /// ID 253, the table the last default rule looks up (`RT_TABLE_DEFAULT`).
    public static let `default` = RouteTable(rawValue: 253)
    /// ID 254, the table `ip route` shows and changes unless told otherwise (`RT_TABLE_MAIN`).
    public static let main = RouteTable(rawValue: 254)
    /// ID 255, the kernel's table of local and broadcast addresses (`RT_TABLE_LOCAL`).
    public static let local = RouteTable(rawValue: 255)

    /// Parses `main`, `local`, `default`, `unspec` or a number (decimal, or hex with `0x`).
    public init?(_ text: String) {
        switch text {
        case "main": self = .main
        case "local": self = .local
        case "default": self = .default
        case "unspec": self = .unspecified
        default:
            guard let value = IPSyntaxCursor.unsigned(text) else { return nil }
            self.rawValue = value
        }
    }

    /// `main`, `local` or `default` for those tables, else the number.
    public var description: String {
        switch self {
        case .main: "main"
        case .local: "local"
        case .default: "default"
        default: String(rawValue)
        }
    }

    public static func < (lhs: RouteTable, rhs: RouteTable) -> Bool { lhs.rawValue < rhs.rawValue }
}
