import CNetlinkShim
import SpiderCore

/// Turns rtnetlink dump messages into SpiderCore values.
enum StateDecoder {
    static func ipAddress(_ value: IPAddressValue) -> IPAddress {
        value.family == .inet ? .v4(IPv4Address(UInt32(truncatingIfNeeded: value.value))) : .v6(IPv6Address(value.value))
    }

    static func familyCode(_ byte: UInt8) -> IPFamilyCode? { IPFamilyCode(rawValue: byte) }

    // MARK: Links

    /// A link from `RTM_NEWLINK` (`ifinfomsg` + attributes). Peer and master indices are
    /// resolved to names when they are in the same namespace (`IFLA_LINK_NETNSID` absent).
    static func link(_ message: NetlinkMessage) -> (link: Link, lowerIndex: Int?, lowerInOtherNamespace: Bool, masterIndex: Int?)? {
        guard let header = message.header(16) else { return nil }
        let index = Int(header.i32(4))
        let flags = header.u32(8)
        let attributes = message.attributes(after: 16)
        guard let name = attributes.string(IFLA_IFNAME) else { return nil }
        let info = attributes.nested(IFLA_LINKINFO)
        let kindText = info?.string(IFLA_INFO_KIND)
        let kind: LinkKind
        if flags & LinkFlags.loopback.rawValue != 0 { kind = .loopback } else { kind = kindText.map { LinkKind(name: $0) } ?? .other("device") }
        let mac = attributes.value(IFLA_ADDRESS).flatMap { $0.count == 6 ? MACAddress(bytes: $0) : nil }
        var link = Link(name: name, index: index, kind: kind, mac: mac, mtu: Int(attributes.u32(IFLA_MTU) ?? 0),
                        flags: LinkFlags(rawValue: flags))
        link.txqueuelen = attributes.u32(IFLA_TXQLEN).map(Int.init)
        link.linkNetnsID = attributes.u32(IFLA_LINK_NETNSID).map { Int(Int32(bitPattern: $0)) }
        link.alias = attributes.string(IFLA_IFALIAS).flatMap { $0.isEmpty ? nil : $0 }
        let netnsID = attributes.u32(IFLA_LINK_NETNSID)
        // A peer in another namespace may have the same index as this link; in this one it cannot.
        let lower = attributes.u32(IFLA_LINK).map { Int(Int32(bitPattern: $0)) }.flatMap { $0 > 0 && ($0 != index || netnsID != nil) ? $0 : nil }
        let master = attributes.u32(IFLA_MASTER).map(Int.init).flatMap { $0 > 0 ? $0 : nil }
        return (link, lower, link.linkNetnsID != nil, master)
    }

    // MARK: Addresses

    static func address(_ message: NetlinkMessage, names: [Int: String]) -> InterfaceAddress? {
        guard let header = message.header(8), let family = familyCode(header.u8(0)) else { return nil }
        let prefix = Int(header.u8(1))
        let index = Int(header.u32(4))
        let attributes = message.attributes(after: 8)
        guard let raw = attributes.address(IFA_LOCAL, family: family) ?? attributes.address(IFA_ADDRESS, family: family),
              let device = names[index], let network = IPNetwork(address: ipAddress(raw), prefixLength: prefix) else { return nil }
        return InterfaceAddress(address: network, device: device)
    }

    // MARK: Routes

    /// A route from `RTM_NEWROUTE`; `nil` for the local table, cached clones and routes that
    /// are not unicast-like (broadcast, local, multicast, anycast).
    static func route(_ message: NetlinkMessage, names: [Int: String]) -> Route? {
        guard let header = message.header(12), let family = familyCode(header.u8(0)) else { return nil }
        let prefix = Int(header.u8(1))
        let attributes = message.attributes(after: 12)
        let table = attributes.u32(RTA_TABLE) ?? UInt32(header.u8(4))
        let typeCode = header.u8(7)
        let flags = header.u32(8)
        guard table != UInt32(RT_TABLE_LOCAL.rawValue), flags & UInt32(RTM_F_CLONED) == 0,
              ![2, 3, 4, 5].contains(typeCode) else { return nil }  // local, broadcast, anycast, multicast
        let destinationAddress = attributes.address(RTA_DST, family: family).map(ipAddress)
            ?? IPAddress(family: family == .inet ? .v4 : .v6, value: 0)
        guard let destination = IPNetwork(address: destinationAddress, prefixLength: prefix) else { return nil }
        var route = Route(destination: destination, type: RouteType(rawValue: typeCode) ?? .unicast,
                          gateway: attributes.address(RTA_GATEWAY, family: family).map(ipAddress),
                          device: attributes.u32(RTA_OIF).flatMap { names[Int($0)] },
                          table: RouteTable(rawValue: table), protocol: RouteProtocol(rawValue: header.u8(5)),
                          scope: RouteScope(rawValue: header.u8(6)),
                          preferredSource: attributes.address(RTA_PREFSRC, family: family).map(ipAddress),
                          metric: attributes.u32(RTA_PRIORITY), onlink: flags & UInt32(RTNH_F_ONLINK) != 0)
        if family == .inet && route.metric == 0 { route.metric = nil }
        if family == .inet6 {
            route.preference = preferenceName(attributes.u8(RTA_PREF) ?? 0)
        }
        if let paths = attributes.value(RTA_MULTIPATH) { route.nexthops = nexthops(paths, family: family, names: names) }
        return route
    }

    static func preferenceName(_ code: UInt8) -> String {
        switch code {
        case 1: "high"
        case 3: "low"
        default: "medium"
        }
    }

    static func nexthops(_ bytes: [UInt8], family: IPFamilyCode, names: [Int: String]) -> [Nexthop] {
        var result: [Nexthop] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            let slice = bytes[offset...]
            let length = Int(slice.u16(0))
            guard length >= 8, offset + length <= bytes.count else { break }
            let flags = slice.u8(2)
            let hops = slice.u8(3)
            let index = Int(slice.i32(4))
            let attributes = NetlinkAttributes(bytes: Array(bytes[(offset + 8)..<(offset + length)]))
            result.append(Nexthop(gateway: attributes.address(RTA_GATEWAY, family: family).map(ipAddress), device: names[index],
                                  weight: Int(hops) + 1, onlink: flags & UInt8(RTNH_F_ONLINK) != 0))
            offset += align4(length)
        }
        return result
    }

    // MARK: Rules

    /// A rule from `RTM_NEWRULE`; `nil` for the kernel's default rules.
    static func rule(_ message: NetlinkMessage) -> RoutingRule? {
        guard let header = message.header(12), let family = familyCode(header.u8(0)) else { return nil }
        let attributes = message.attributes(after: 12)
        let priority = attributes.u32(FRA_PRIORITY) ?? 0
        let table = attributes.u32(FRA_TABLE) ?? UInt32(header.u8(4))
        let source = attributes.address(FRA_SRC, family: family).flatMap { IPNetwork(address: ipAddress($0), prefixLength: Int(header.u8(2))) }
        let destination = attributes.address(FRA_DST, family: family).flatMap { IPNetwork(address: ipAddress($0), prefixLength: Int(header.u8(1))) }
        let rule = RoutingRule(family: family == .inet ? .v4 : .v6, priority: priority, source: source, destination: destination,
                               inputInterface: attributes.string(FRA_IIFNAME), outputInterface: attributes.string(FRA_OIFNAME),
                               fwmark: attributes.u32(FRA_FWMARK), fwmask: attributes.u32(FRA_FWMASK),
                               table: RouteTable(rawValue: table), invert: header.u32(8) & UInt32(FIB_RULE_INVERT) != 0)
        let isDefault = rule.source == nil && rule.destination == nil && rule.fwmark == nil && rule.inputInterface == nil
            && ((priority == 0 && rule.table == .local) || (priority == 32766 && rule.table == .main) || (priority == 32767 && rule.table == .default))
        return isDefault ? nil : rule
    }

    // MARK: Neighbours

    static let states: [(UInt16, String)] = [
        (0x80, "PERMANENT"), (0x40, "NOARP"), (0x02, "REACHABLE"), (0x04, "STALE"), (0x08, "DELAY"),
        (0x10, "PROBE"), (0x20, "FAILED"), (0x01, "INCOMPLETE"),
    ]

    static func neighbour(_ message: NetlinkMessage, names: [Int: String]) -> Neighbour? {
        guard let header = message.header(12), let family = familyCode(header.u8(0)) else { return nil }
        let index = Int(header.i32(4))
        let state = header.u16(8)
        let attributes = message.attributes(after: 12)
        guard let destination = attributes.address(NDA_DST, family: family), let device = names[index] else { return nil }
        let text = states.filter { state & $0.0 != 0 }.map(\.1).joined(separator: " ")
        let mac = attributes.value(NDA_LLADDR).flatMap { $0.count == 6 ? MACAddress(bytes: $0) : nil }
        return Neighbour(address: ipAddress(destination), device: device, lladdr: mac, state: text.isEmpty ? "NONE" : text,
                         router: header.u8(10) & UInt8(NTF_ROUTER) != 0)
    }
}
