import CNetlinkShim
import SpiderCore
#if canImport(Glibc)
import Glibc
#endif

/// Builds the rtnetlink requests that change a namespace.
enum RequestEncoder {
    static let create = NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK

    static func ifinfo(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
        [0, 0] + Bytes.of(UInt16(0)) + Bytes.of(index) + Bytes.of(flags) + Bytes.of(change)
    }

    // MARK: Links

    static func addVeth(_ pair: VethPair, peerNamespaceFD: Int32) -> NetlinkRequest {
        var request = NetlinkRequest(type: RTM_NEWLINK, flags: create, header: ifinfo())
        request.put(IFLA_IFNAME, string: pair.name)
        request.put(IFLA_MTU, u32: UInt32(pair.mtu))
        request.put(IFLA_ADDRESS, pair.mac.bytes)
        request.nest(IFLA_LINKINFO) { info in
            info.put(IFLA_INFO_KIND, string: "veth")
            info.nest(IFLA_INFO_DATA) { data in
                data.nest(VETH_INFO_PEER) { peer in
                    peer.append(raw: ifinfo())
                    peer.put(IFLA_IFNAME, string: pair.peerName)
                    peer.put(IFLA_MTU, u32: UInt32(pair.mtu))
                    peer.put(IFLA_ADDRESS, pair.peerMAC.bytes)
                    peer.put(IFLA_NET_NS_FD, u32: UInt32(bitPattern: peerNamespaceFD))
                }
            }
        }
        return request
    }

    static func deleteLink(index: Int32) -> NetlinkRequest {
        NetlinkRequest(type: RTM_DELLINK, flags: NLM_F_ACK, header: ifinfo(index: index))
    }

    static func setLink(index: Int32, up: Bool? = nil, mac: MACAddress? = nil, mtu: Int? = nil, txqueuelen: Int? = nil) -> NetlinkRequest {
        let upFlag = LinkFlags.up.rawValue
        var request = NetlinkRequest(type: RTM_NEWLINK, flags: NLM_F_ACK,
                                     header: ifinfo(index: index, flags: up == true ? upFlag : 0, change: up == nil ? 0 : upFlag))
        if let mac { request.put(IFLA_ADDRESS, mac.bytes) }
        if let mtu { request.put(IFLA_MTU, u32: UInt32(mtu)) }
        if let txqueuelen { request.put(IFLA_TXQLEN, u32: UInt32(txqueuelen)) }
        return request
    }

    /// Sets (or, with an empty text, removes) a link's alias (`IFLA_IFALIAS`).
    static func setLinkAlias(index: Int32, alias: String) -> NetlinkRequest {
        var request = NetlinkRequest(type: RTM_NEWLINK, flags: NLM_F_ACK, header: ifinfo(index: index))
        request.put(IFLA_IFALIAS, Array(alias.utf8))  // without a NUL, as `ip link set … alias` sends it
        return request
    }

    static func getLink(index: Int32) -> NetlinkRequest {
        NetlinkRequest(type: RTM_GETLINK, flags: NLM_F_ACK, header: ifinfo(index: index))
    }

    // MARK: Addresses

    static func address(_ address: InterfaceAddress, index: Int32, delete: Bool) -> NetlinkRequest {
        let family = address.family
        let header = [Bytes.family(family), UInt8(address.address.prefixLength), 0, 0] + Bytes.of(UInt32(bitPattern: index))
        var request = NetlinkRequest(type: delete ? RTM_DELADDR : RTM_NEWADDR, flags: delete ? NLM_F_ACK : create, header: header)
        let bytes = Bytes.address(address.address.address)
        if family == .v4 { request.put(IFA_LOCAL, bytes) }
        request.put(IFA_ADDRESS, bytes)
        return request
    }

    // MARK: Routes

    /// `RTM_NEWROUTE` (`replace` for `NLM_F_REPLACE`, `append` for `NLM_F_APPEND`) or `RTM_DELROUTE`.
    static func route(_ route: Route, resolve: (String) -> Int32?, delete: Bool = false, replace: Bool = false, append: Bool = false) throws(NetlinkError) -> NetlinkRequest {
        let family = route.family
        let table = route.table.rawValue
        let scope: UInt8 = delete ? 255 : route.scope.rawValue
        let header: [UInt8] = [Bytes.family(family), UInt8(route.destination.prefixLength), 0, 0,
                               table < 256 ? UInt8(table) : 0, delete ? 0 : route.protocol.rawValue, scope, route.type.rawValue]
            + Bytes.of(route.onlink ? UInt32(RTNH_F_ONLINK) : 0)
        let flags: Int32 = delete ? NLM_F_ACK : replace ? (NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK) : append ? (NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK) : create
        var request = NetlinkRequest(type: delete ? RTM_DELROUTE : RTM_NEWROUTE, flags: flags, header: header)
        request.put(RTA_TABLE, u32: table)
        if route.destination.prefixLength > 0 { request.put(RTA_DST, Bytes.address(route.destination.first)) }
        if let gateway = route.gateway {
            if gateway.family == family {
                request.put(RTA_GATEWAY, Bytes.address(gateway))
            } else {
                request.put(RTA_VIA, Bytes.of(UInt16(Bytes.family(gateway.family))) + Bytes.address(gateway))
            }
        }
        if let device = route.device {
            guard let index = resolve(device) else { throw .kernel(operation: "route via \(device)", errno: ENODEV) }
            request.put(RTA_OIF, u32: UInt32(bitPattern: index))
        }
        if let metric = route.metric { request.put(RTA_PRIORITY, u32: metric) }
        if let source = route.preferredSource, !delete { request.put(RTA_PREFSRC, Bytes.address(source)) }
        if !route.nexthops.isEmpty && !delete {
            var paths: [UInt8] = []
            for path in route.nexthops {
                var attributes: [UInt8] = []
                if let gateway = path.gateway {
                    let value = Bytes.address(gateway)
                    attributes += Bytes.of(UInt16(4 + value.count)) + Bytes.of(UInt16(RTA_GATEWAY.rawValue)) + value
                }
                guard let device = path.device, let index = resolve(device) else {
                    throw .kernel(operation: "nexthop via \(path.device ?? "?")", errno: ENODEV)
                }
                let length = 8 + attributes.count
                paths += Bytes.of(UInt16(length)) + [path.onlink ? UInt8(RTNH_F_ONLINK) : 0, UInt8(max(0, min(255, path.weight - 1)))]
                    + Bytes.of(index) + attributes
            }
            request.put(RTA_MULTIPATH, paths)
        }
        return request
    }

    // MARK: Rules

    static func rule(_ rule: RoutingRule, delete: Bool) -> NetlinkRequest {
        let table = rule.table.rawValue
        let header: [UInt8] = [Bytes.family(rule.family), UInt8(rule.destination?.prefixLength ?? 0), UInt8(rule.source?.prefixLength ?? 0), 0,
                               table < 256 ? UInt8(table) : 0, 0, 0, UInt8(FR_ACT_TO_TBL)]
            + Bytes.of(rule.invert ? UInt32(FIB_RULE_INVERT) : 0)
        var request = NetlinkRequest(type: delete ? RTM_DELRULE : RTM_NEWRULE, flags: delete ? NLM_F_ACK : create, header: header)
        if let priority = rule.priority { request.put(FRA_PRIORITY, u32: priority) }
        if let source = rule.source { request.put(FRA_SRC, Bytes.address(source.first)) }
        if let destination = rule.destination { request.put(FRA_DST, Bytes.address(destination.first)) }
        if let name = rule.inputInterface { request.put(FRA_IIFNAME, string: name) }
        if let name = rule.outputInterface { request.put(FRA_OIFNAME, string: name) }
        if let mark = rule.fwmark {
            request.put(FRA_FWMARK, u32: mark)
            request.put(FRA_FWMASK, u32: rule.fwmask ?? UInt32.max)
        }
        request.put(FRA_TABLE, u32: table)
        return request
    }

    // MARK: Neighbours

    static func neighbour(_ neighbour: Neighbour, index: Int32, delete: Bool) -> NetlinkRequest {
        let state: UInt16 = delete ? 0 : 0x80  // NUD_PERMANENT
        let header: [UInt8] = [Bytes.family(neighbour.family), 0] + Bytes.of(UInt16(0)) + Bytes.of(index) + Bytes.of(state)
            + [neighbour.router ? UInt8(NTF_ROUTER) : 0, 0]
        var request = NetlinkRequest(type: delete ? RTM_DELNEIGH : RTM_NEWNEIGH, flags: delete ? NLM_F_ACK : create, header: header)
        request.put(NDA_DST, Bytes.address(neighbour.address))
        if let mac = neighbour.lladdr, !delete { request.put(NDA_LLADDR, mac.bytes) }
        return request
    }

    // MARK: Dumps

    static func dump(_ type: some BinaryInteger, header: [UInt8]) -> NetlinkRequest {
        NetlinkRequest(type: type, flags: NLM_F_DUMP, header: header)
    }

    static func routeGet(_ address: IPAddress) -> NetlinkRequest {
        let header: [UInt8] = [Bytes.family(address.family), UInt8(address.family.bitWidth), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        var request = NetlinkRequest(type: RTM_GETROUTE, flags: NLM_F_ACK, header: header)
        request.put(RTA_DST, Bytes.address(address))
        return request
    }
}
