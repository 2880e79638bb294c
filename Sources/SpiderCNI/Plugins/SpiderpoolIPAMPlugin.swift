import Foundation
import SpiderCore
import SpiderEtcd

/// The `spiderpool` IPAM plugin: addresses from SpiderIPPools in the embedded ledger or in etcd.
///
/// IPAM keys (in `ipam`, or at the top when called directly): `default_ipv4_ippool`,
/// `default_ipv6_ippool` (pool names, wildcards allowed), `clean_gateway`, `store` (the ledger
/// directory, default `/var/lib/spiderpool`, or `etcd://HOST:PORT[,HOST:PORT][/PREFIX]` with
/// `etcd_ca_cert_file`, `etcd_cert_file`, `etcd_key_file` for TLS), `sticky` (`auto`/`always`/`never`),
/// `enable_ipv4`/`enable_ipv6`. Per-Pod choices come through the config's `args`
/// (`ipam.spidernet.io/ippool`, `ipam.spidernet.io/ippools`, `ipam.spidernet.io/default-ipv4-ippool`,
/// `…-ipv6-ippool`, the same JSON values as Spiderpool's annotations); fixed addresses through the
/// `ips` capability (`runtimeConfig.ips`), `args.cni.ips`, or `IP=` in CNI_ARGS.
public struct SpiderpoolIPAMPlugin: CNIPlugin {
    public init() {}

    /// The IPAM settings: the config's `ipam` object, or the config itself when the plugin is
    /// called directly. An `ipam` that is not an object is refused, never taken as "defaults".
    func ipam(_ call: CNIInvocation) throws(CNIError) -> [String: Any] {
        guard let value = call.config["ipam"] else { return call.config }
        guard let object = value as? [String: Any] else {
            throw CNIError(code: CNIError.decodingFailure, "ipam must be a JSON object", details: "for example {\"type\": \"spiderpool\", \"default_ipv4_ippool\": [\"pool\"]}")
        }
        return object
    }

    func service(_ call: CNIInvocation) throws(CNIError) -> IPAMService<AnyLedger> {
        let ipam = try ipam(call)
        func text(_ key: String) throws(CNIError) -> String? {
            guard let value = ipam[key] else { return nil }
            guard let string = value as? String else { throw CNIError(code: CNIError.decodingFailure, "\(key) must be a string") }
            return string
        }
        let store = try text("store") ?? EmbeddedLedger.defaultRoot
        guard !store.isEmpty else {
            throw CNIError(code: CNIError.invalidConfig, "store is empty", details: "leave it out for \(EmbeddedLedger.defaultRoot), or name a directory or etcd://HOST:PORT/PREFIX")
        }
        if store.contains("://") && !EtcdStore.isEtcd(store) {
            throw CNIError(code: CNIError.invalidConfig, "unsupported store", details: "'\(store)': a directory path or etcd://HOST:PORT[,HOST:PORT][/PREFIX]")
        }
        let tls = EtcdStore.TLS(caFile: try text("etcd_ca_cert_file"), certFile: try text("etcd_cert_file"), keyFile: try text("etcd_key_file"))
        do { return IPAMService(ledger: try AnyLedger.open(store, tls: tls)) } catch { throw SpiderpoolIPAMPlugin.cni(error) }
    }

    /// The node this call runs on: `SPIDERPOOL_NODE_NAME` (set from the Pod spec's
    /// `spec.nodeName` in a DaemonSet) or the host name. Records carry it, and GC on a shared
    /// ledger touches only its own node's records.
    public static var nodeName: String {
        let name = ProcessInfo.processInfo.environment["SPIDERPOOL_NODE_NAME"] ?? ""
        return name.isEmpty ? ProcessInfo.processInfo.hostName : name
    }

    static func cni(_ error: IPAMError) -> CNIError { CNIError(code: error.code, error.description) }

    func attachment(_ call: CNIInvocation) throws(CNIError) -> Attachment {
        do { return try Attachment(containerID: call.environment.containerID, interface: call.environment.interface) } catch {
            throw SpiderpoolIPAMPlugin.cni(error)
        }
    }

    func request(_ call: CNIInvocation) throws(CNIError) -> AllocationRequest {
        let ipam = try ipam(call)
        var request = AllocationRequest(attachment: try attachment(call))
        let args = call.environment.args
        request.podNamespace = args["K8S_POD_NAMESPACE"] ?? ""
        request.podName = args["K8S_POD_NAME"] ?? ""
        request.podUID = args["K8S_POD_UID"] ?? ""
        request.nodeName = SpiderpoolIPAMPlugin.nodeName
        func names(_ value: Any?, _ key: String) throws(CNIError) -> [String] {
            guard let value else { return [] }
            if let list = value as? [String] { return list }
            if let text = value as? String, let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] { return list }
            throw CNIError(code: CNIError.invalidConfig, "invalid \(key)", details: "expected a list of pool names")
        }
        request.configDefaults = PoolChoice(ipv4: try names(ipam["default_ipv4_ippool"], "default_ipv4_ippool"),
                                            ipv6: try names(ipam["default_ipv6_ippool"], "default_ipv6_ippool"))
        func flag(_ key: String, _ fallback: Bool) throws(CNIError) -> Bool {
            guard let value = ipam[key] else { return fallback }
            guard let bool = value as? Bool else { throw CNIError(code: CNIError.decodingFailure, "\(key) must be true or false") }
            return bool
        }
        request.cleanGateway = try flag("clean_gateway", false)
        if let value = ipam["sticky"], !(value is String) { throw CNIError(code: CNIError.decodingFailure, "sticky must be a string") }
        if let text = ipam["sticky"] as? String {
            guard let policy = AllocationRequest.StickyPolicy(rawValue: text) else {
                throw CNIError(code: CNIError.invalidConfig, "invalid sticky", details: "'\(text)': auto, always or never")
            }
            request.sticky = policy
        }
        var families: Set<IPFamily> = []
        if try flag("enable_ipv4", true) { families.insert(.v4) }
        if try flag("enable_ipv6", true) { families.insert(.v6) }
        request.enabledFamilies = families

        let configArgs = call.config["args"] as? [String: Any] ?? [:]
        func json(_ value: Any) -> String { value as? String ?? JSON.encode(value) }
        do {
            if let value = configArgs["ipam.spidernet.io/ippools"] {
                request.podPools = try PoolChoice.parseMultiple(json(value), interface: request.attachment.interface)
            } else if let value = configArgs["ipam.spidernet.io/ippool"] {
                request.podPools = try PoolChoice.parseSingle(json(value))
            }
        } catch {
            throw SpiderpoolIPAMPlugin.cni(error)
        }
        request.namespaceDefaults = PoolChoice(ipv4: try names(configArgs["ipam.spidernet.io/default-ipv4-ippool"], "default-ipv4-ippool"),
                                               ipv6: try names(configArgs["ipam.spidernet.io/default-ipv6-ippool"], "default-ipv6-ippool"))
        request.multusName = configArgs["k8s.v1.cni.cncf.io/network"] as? String
        request.ownerKind = try ownerKind(call)
        do { try request.validateIdentity() } catch { throw SpiderpoolIPAMPlugin.cni(error) }

        var fixed: [String] = []
        for (source, value) in [("runtimeConfig.ips", (call.config["runtimeConfig"] as? [String: Any])?["ips"]),
                                ("args.cni.ips", (configArgs["cni"] as? [String: Any])?["ips"])] {
            guard let value else { continue }
            guard let ips = value as? [String] else { throw CNIError(code: CNIError.decodingFailure, "\(source) must be a list of addresses") }
            fixed += ips
        }
        if let ip = args["IP"] { fixed += ip.split(separator: ",").map(String.init) }
        for text in fixed {
            let bare = text.split(separator: "/").first.map(String.init) ?? text
            guard let address = IPAddress(bare) else {
                throw CNIError(code: CNIError.invalidConfig, "invalid requested IP", details: "'\(text)' is not an address")
            }
            if !request.fixedAddresses.contains(where: { $0.family == address.family }) { request.fixedAddresses.append(address) }
        }
        return request
    }

    public func add(_ call: CNIInvocation) throws(CNIError) -> String {
        let service = try service(call)
        let request = try request(call)
        let allocation: AllocationResult
        do { allocation = try service.allocate(request) } catch { throw SpiderpoolIPAMPlugin.cni(error) }
        var result = CNIResult()
        result.ips = allocation.addresses.map { CNIResult.IPConfig(address: $0.address, gateway: $0.gateway, interface: nil) }
        result.routes = allocation.routes.map { CNIResult.RouteEntry(dst: $0.dst, gw: $0.gw) }
        return result.json(version: call.version)
    }

    /// The Pod's controller kind, `args["ipam.spidernet.io/owner-kind"]`, when the runtime passed it.
    func ownerKind(_ call: CNIInvocation) throws(CNIError) -> String? {
        guard let value = (call.config["args"] as? [String: Any])?["ipam.spidernet.io/owner-kind"] else { return nil }
        guard let kind = value as? String else { throw CNIError(code: CNIError.decodingFailure, "args.ipam.spidernet.io/owner-kind must be a string") }
        return kind
    }

    public func del(_ call: CNIInvocation) throws(CNIError) {
        let service = try service(call)
        let attachment = try attachment(call)
        let sticky = (try ipam(call)["sticky"] as? String).flatMap(AllocationRequest.StickyPolicy.init(rawValue:)) ?? .auto
        let kind = try? ownerKind(call)
        do { try service.release(attachment, sticky: sticky, ownerKind: kind ?? nil) } catch { throw SpiderpoolIPAMPlugin.cni(error) }
    }

    public func check(_ call: CNIInvocation) throws(CNIError) {
        let service = try service(call)
        let attachment = try attachment(call)
        let held: [AllocationRecord]
        do { held = try service.held(by: attachment) } catch { throw SpiderpoolIPAMPlugin.cni(error) }
        guard !held.isEmpty else {
            throw CNIError(code: 105, "no allocation for this attachment", details: "\(call.environment.containerID)/\(call.environment.interface) holds no address")
        }
    }

    public func gc(_ call: CNIInvocation) throws(CNIError) {
        let service = try service(call)
        // A list we cannot read must not be taken as "nothing is valid".
        guard let raw = call.config["cni.dev/valid-attachments"] ?? call.config["cni.dev/attachments"] else {
            throw CNIError(code: CNIError.decodingFailure, "GC needs cni.dev/valid-attachments")
        }
        guard let list = raw as? [Any] else {
            throw CNIError(code: CNIError.decodingFailure, "cni.dev/valid-attachments must be a list of {containerID, ifname}")
        }
        var valid: Set<Attachment> = []
        for (index, item) in list.enumerated() {
            guard let entry = item as? [String: Any], let id = entry["containerID"] as? String, let ifname = entry["ifname"] as? String else {
                throw CNIError(code: CNIError.decodingFailure, "cni.dev/valid-attachments[\(index)] must be {\"containerID\": string, \"ifname\": string}")
            }
            guard let attachment = try? Attachment(containerID: id, interface: ifname) else {
                throw CNIError(code: CNIError.invalidConfig, "cni.dev/valid-attachments[\(index)] is not a valid attachment", details: "\(id)/\(ifname)")
            }
            valid.insert(attachment)
        }
        let node = service.ledger.isShared ? SpiderpoolIPAMPlugin.nodeName : nil
        do { try service.collectGarbage(valid: valid, node: node) } catch { throw SpiderpoolIPAMPlugin.cni(error) }
    }

    public func status(_ call: CNIInvocation) throws(CNIError) {
        do {
            let service = try service(call)
            _ = try service.ledger.pools()
            // Ready means an ADD could write: a read-only store is not ready.
            try service.ledger.probeWritable()
        } catch {
            throw CNIError(code: CNIError.pluginNotAvailable, "the spiderpool store is not usable", details: "\(error)")
        }
    }
}
