/// How far a route's destination is (`rtm_scope`), as `ip route … scope S` writes it.
///
/// `ip` prints ``universe`` as `global`; both spellings parse. Any other value is kept and
/// printed as its number.
public struct RouteScope: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// The kernel's scope number.
    public var rawValue: UInt8

    /// The scope with number `rawValue`.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 0, anywhere (`RT_SCOPE_UNIVERSE`, printed `global`): routes through a gateway.
    public static let universe = RouteScope(rawValue: 0)
    /// 200, inside the site (`RT_SCOPE_SITE`).
    public static let site = RouteScope(rawValue: 200)
    /// 253, on the attached link (`RT_SCOPE_LINK`): routes with no gateway.
    public static let link = RouteScope(rawValue: 253)
    /// 254, this host (`RT_SCOPE_HOST`): local addresses.
    public static let host = RouteScope(rawValue: 254)
    /// 255, no destination (`RT_SCOPE_NOWHERE`).
    public static let nowhere = RouteScope(rawValue: 255)

    /// Parses `global` (or `universe`), `site`, `link`, `host`, `nowhere` or a number 0…255.
    public init?(_ text: String) {
        switch text {
        case "global", "universe": self = .universe
        case "site": self = .site
        case "link": self = .link
        case "host": self = .host
        case "nowhere": self = .nowhere
        default:
            guard let value = IPSyntaxCursor.unsigned(text), let byte = UInt8(exactly: value) else { return nil }
            self.rawValue = byte
        }
    }

    /// The name `ip` prints (`global`, `site`, `link`, `host`, `nowhere`), else the number.
    public var description: String {
        switch self {
        case .universe: "global"
        case .site: "site"
        case .link: "link"
        case .host: "host"
        case .nowhere: "nowhere"
        default: String(rawValue)
        }
    }

    public static func < (lhs: RouteScope, rhs: RouteScope) -> Bool { lhs.rawValue < rhs.rawValue }
}
