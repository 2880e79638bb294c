import Foundation
import SpiderCore

/// A CNI result, read from any supported version and printed in any other.
public struct CNIResult: Sendable, Hashable {
    public struct Interface: Sendable, Hashable {
        public var name: String
        public var mac: String?
        public var mtu: Int?
        public var sandbox: String?
        public var socketPath: String?
        public var pciID: String?
    }

    public struct IPConfig: Sendable, Hashable {
        /// `address/prefix`, host bits kept.
        public var address: IPNetwork
        public var gateway: IPAddress?
        /// Index into `interfaces`.
        public var interface: Int?
    }

    public struct RouteEntry: Sendable, Hashable {
        public var dst: IPNetwork
        public var gw: IPAddress?
        public var mtu: Int?
        public var advmss: Int?
        public var priority: Int?
        public var table: Int?
        public var scope: Int?
    }

    public var interfaces: [Interface] = []
    public var ips: [IPConfig] = []
    public var routes: [RouteEntry] = []
    /// `dns`, kept as given.
    public var dns: [String: [String]] = [:]
    public var dnsDomain: String?

    public init() {}

    /// Reads a result (`prevResult`) of any version.
    public init(json object: [String: Any]) throws(CNIError) {
        func bad(_ what: String) -> CNIError { CNIError(code: CNIError.decodingFailure, "failed to parse prevResult", details: what) }
        for item in object["interfaces"] as? [[String: Any]] ?? [] {
            guard let name = item["name"] as? String else { throw bad("an interface has no name") }
            interfaces.append(Interface(name: name, mac: item["mac"] as? String, mtu: item["mtu"] as? Int, sandbox: item["sandbox"] as? String,
                                        socketPath: item["socketPath"] as? String, pciID: item["pciID"] as? String))
        }
        for item in object["ips"] as? [[String: Any]] ?? [] {
            guard let text = item["address"] as? String, let address = IPNetwork(text) else { throw bad("ip address \(item["address"] ?? "missing")") }
            var gateway: IPAddress?
            if let text = item["gateway"] as? String, !text.isEmpty {
                guard let parsed = IPAddress(text) else { throw bad("gateway \(text)") }
                gateway = parsed
            }
            ips.append(IPConfig(address: address, gateway: gateway, interface: item["interface"] as? Int))
        }
        for item in object["routes"] as? [[String: Any]] ?? [] {
            guard let text = item["dst"] as? String, let dst = IPNetwork(text) else { throw bad("route dst \(item["dst"] ?? "missing")") }
            var gw: IPAddress?
            if let text = item["gw"] as? String, !text.isEmpty {
                guard let parsed = IPAddress(text) else { throw bad("route gw \(text)") }
                gw = parsed
            }
            routes.append(RouteEntry(dst: dst, gw: gw, mtu: item["mtu"] as? Int, advmss: item["advmss"] as? Int,
                                     priority: item["priority"] as? Int, table: item["table"] as? Int, scope: item["scope"] as? Int))
        }
        if let dns = object["dns"] as? [String: Any] {
            for key in ["nameservers", "search", "options"] { if let list = dns[key] as? [String] { self.dns[key] = list } }
            dnsDomain = dns["domain"] as? String
        }
    }

    /// The result as JSON for `version`: 0.3.x/0.4.0 put `"version"` in each IP; route
    /// `mtu`/`advmss`/`priority`/`table`/`scope` exist only from 1.1.0.
    public func json(version: String) -> String {
        let legacy = CNIVersion.compare(version, "1.0.0") < 0
        let modern = CNIVersion.compare(version, "1.1.0") >= 0
        var object: [String: Any] = ["cniVersion": version]
        if !interfaces.isEmpty {
            object["interfaces"] = interfaces.map { item -> [String: Any] in
                var entry: [String: Any] = ["name": item.name]
                if let mac = item.mac { entry["mac"] = mac }
                if let mtu = item.mtu, modern { entry["mtu"] = mtu }
                if let sandbox = item.sandbox { entry["sandbox"] = sandbox }
                if modern, let socketPath = item.socketPath { entry["socketPath"] = socketPath }
                if modern, let pciID = item.pciID { entry["pciID"] = pciID }
                return entry
            }
        }
        if !ips.isEmpty {
            object["ips"] = ips.map { item -> [String: Any] in
                var entry: [String: Any] = ["address": item.address.description]
                if legacy { entry["version"] = item.address.family == .v4 ? "4" : "6" }
                if let gateway = item.gateway { entry["gateway"] = gateway.description }
                if let index = item.interface { entry["interface"] = index }
                return entry
            }
        }
        if !routes.isEmpty {
            object["routes"] = routes.map { item -> [String: Any] in
                var entry: [String: Any] = ["dst": item.dst.description]
                if let gw = item.gw { entry["gw"] = gw.description }
                if modern {
                    if let v = item.mtu { entry["mtu"] = v }
                    if let v = item.advmss { entry["advmss"] = v }
                    if let v = item.priority { entry["priority"] = v }
                    if let v = item.table { entry["table"] = v }
                    if let v = item.scope { entry["scope"] = v }
                }
                return entry
            }
        }
        var dnsObject: [String: Any] = [:]
        for (key, list) in dns where !list.isEmpty { dnsObject[key] = list }
        if let domain = dnsDomain { dnsObject["domain"] = domain }
        object["dns"] = dnsObject
        return JSON.encode(object)
    }
}
