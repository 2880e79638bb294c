import SpiderCore

/// The `spiderpool` IPAM plugin: addresses from SpiderIPPools in the embedded ledger or in etcd.
///
/// IPAM keys (in `ipam`, or at the top when called directly): `default_ipv4_ippool`,
/// `default_ipv6_ippool` (pool names, wildcards allowed), `clean_gateway`, `store` (the ledger
/// directory, default `/var/lib/spiderpool`, or `etcd://HOST:PORT[,HOST:PORT][/PREFIX]` with
/// `etcd_ca_cert_file`, `etcd_cert_file`, `etcd_key_file` for TLS), `sticky` (`auto`/`always`/`never`),
/// `enable_ipv4`/`enable_ipv6`, and the node agent's `agent_socket`, `agent_accept_timeout_ms`,
/// `agent_answer_timeout_ms` (see ``AgentRoute``). Per-Pod choices come through the config's `args`
/// (`ipam.spidernet.io/ippool`, `ipam.spidernet.io/ippools`, `ipam.spidernet.io/default-ipv4-ippool`,
/// `…-ipv6-ippool`, the same JSON values as Spiderpool's annotations); fixed addresses through the
/// `ips` capability (`runtimeConfig.ips`), `args.cni.ips`, or `IP=` in CNI_ARGS.
///
/// Which stores it serves is the caller's choice (`openLedger`): the lean CNI binary opens the
/// embedded ledger and hands an etcd store on to `spiderctl`, which opens both.
public struct SpiderpoolIPAMPlugin: CNIPlugin {
    /// Opens the ledger a store setting names.
    public typealias LedgerOpener = @Sendable (StoreSetting) throws(CNIError) -> AnyLedger

    let openLedger: LedgerOpener

    /// A plugin that opens its ledger with `openLedger` (by default: the embedded ledger, an etcd
    /// store handed off).
    /// - Parameter openLedger: opens the store a configuration names.
    public init(openLedger: @escaping LedgerOpener = StoreSetting.openEmbedded) {
        self.openLedger = openLedger
    }

    /// The IPAM settings: the config's `ipam` object, or the config itself when the plugin is
    /// called directly. An `ipam` that is not an object is refused, never taken as "defaults".
    static func ipam(_ config: ManifestValue) throws(CNIError) -> ManifestValue {
        guard let value = config["ipam"] else { return config }
        guard value.objectValue != nil else {
            throw CNIError(code: CNIError.decodingFailure, "ipam must be a JSON object", details: "for example {\"type\": \"spiderpool\", \"default_ipv4_ippool\": [\"pool\"]}")
        }
        return value
    }

    /// A string setting: absent is `nil`, anything but a string is refused.
    static func text(_ object: ManifestValue, _ key: String) throws(CNIError) -> String? {
        guard let value = object[key] else { return nil }
        guard let string = value.stringValue else { throw CNIError(code: CNIError.decodingFailure, "\(key) must be a string") }
        return string
    }

    /// The store the configuration names.
    /// - Parameter config: the network configuration.
    /// - Throws: ``CNIError`` 6 for a setting of the wrong type, 7 for an empty or unknown store.
    public static func storeSetting(_ config: ManifestValue) throws(CNIError) -> StoreSetting {
        let ipam = try ipam(config)
        let store = try text(ipam, "store") ?? StoreSetting().store
        guard !store.isEmpty else {
            throw CNIError(code: CNIError.invalidConfig, "store is empty", details: "leave it out for \(StoreSetting().store), or name a directory or etcd://HOST:PORT/PREFIX")
        }
        guard !store.utf8.contains(0) else {
            throw CNIError(code: CNIError.invalidConfig, "store must not contain NUL characters", details: "a path or etcd://HOST:PORT/PREFIX")
        }
        if store.contains("://") && !store.hasPrefix(StoreSetting.etcdScheme) {
            throw CNIError(code: CNIError.invalidConfig, "unsupported store", details: "'\(store)': a directory path or etcd://HOST:PORT[,HOST:PORT][/PREFIX]")
        }
        return StoreSetting(store: store, caFile: try text(ipam, "etcd_ca_cert_file"), certFile: try text(ipam, "etcd_cert_file"),
                            keyFile: try text(ipam, "etcd_key_file"))
    }

    func service(_ call: CNIInvocation) throws(CNIError) -> IPAMService<AnyLedger> {
        IPAMService(ledger: try openLedger(try SpiderpoolIPAMPlugin.storeSetting(call.config)))
    }

    /// The node this call runs on: `SPIDERPOOL_NODE_NAME` (set from the Pod spec's
    /// `spec.nodeName` in a DaemonSet) or the host name. Records carry it, and GC on a shared
    /// ledger touches only its own node's records.
    public static var nodeName: String {
        let name = CNIProcess.variable("SPIDERPOOL_NODE_NAME") ?? ""
        return name.isEmpty ? CNIProcess.hostName : name
    }

    func attachment(_ call: CNIInvocation) throws(CNIError) -> Attachment {
        do { return try Attachment(containerID: call.environment.containerID, interface: call.environment.interface) } catch {
            throw CNIError(error)
        }
    }

    /// Pool names: a list of strings, or a string holding a JSON list of strings.
    static func names(_ value: ManifestValue?, _ key: String) throws(CNIError) -> [String] {
        guard let value else { return [] }
        let list: ManifestValue? = switch value {
        case .array: value
        case .string(let text): ManifestValue.parse(json: text)
        default: nil
        }
        guard let items = list?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
            throw CNIError(code: CNIError.invalidConfig, "invalid \(key)", details: "expected a list of pool names")
        }
        return items.compactMap(\.stringValue)
    }

    /// A boolean setting: absent is `fallback`, anything but `true`/`false` is refused.
    static func flag(_ object: ManifestValue, _ key: String, _ fallback: Bool) throws(CNIError) -> Bool {
        guard let value = object[key] else { return fallback }
        guard let bool = value.boolValue else { throw CNIError(code: CNIError.decodingFailure, "\(key) must be true or false") }
        return bool
    }

    /// The config's `args` object; anything else counts as none. Multus puts a network's
    /// `cni-args` under `args.cni`: a key missing at the top of `args` is read there too.
    static func configArgs(_ config: ManifestValue) -> ManifestValue {
        guard let args = config["args"], case .object(var pairs) = args else { return .object([]) }
        if case .object(let nested)? = args["cni"] {
            for (key, value) in nested where key != "ips" && !pairs.contains(where: { $0.key == key }) {
                pairs.append((key, value))
            }
        }
        return .object(pairs)
    }

    /// The allocation an ADD asks for, decoded from the configuration and `CNI_ARGS`.
    func request(_ call: CNIInvocation) throws(CNIError) -> AllocationRequest {
        let ipam = try SpiderpoolIPAMPlugin.ipam(call.config)
        var request = AllocationRequest(attachment: try attachment(call))
        let args = call.environment.args
        request.podNamespace = args["K8S_POD_NAMESPACE"] ?? ""
        request.podName = args["K8S_POD_NAME"] ?? ""
        request.podUID = args["K8S_POD_UID"] ?? ""
        request.nodeName = call.environment.nodeName ?? SpiderpoolIPAMPlugin.nodeName
        // The agent's keys are read by the plugin process before the call reaches here; a
        // wrong type is refused the same way with or without an agent.
        _ = try AgentRoute.client(ipam: ipam)
        request.configDefaults = PoolChoice(ipv4: try SpiderpoolIPAMPlugin.names(ipam["default_ipv4_ippool"], "default_ipv4_ippool"),
                                            ipv6: try SpiderpoolIPAMPlugin.names(ipam["default_ipv6_ippool"], "default_ipv6_ippool"))
        request.cleanGateway = try SpiderpoolIPAMPlugin.flag(ipam, "clean_gateway", false)
        if let text = try SpiderpoolIPAMPlugin.text(ipam, "sticky") {
            guard let policy = AllocationRequest.StickyPolicy(rawValue: text) else {
                throw CNIError(code: CNIError.invalidConfig, "invalid sticky", details: "'\(text)': auto, always or never")
            }
            request.sticky = policy
        }
        var families: Set<IPFamily> = []
        if try SpiderpoolIPAMPlugin.flag(ipam, "enable_ipv4", true) { families.insert(.v4) }
        if try SpiderpoolIPAMPlugin.flag(ipam, "enable_ipv6", true) { families.insert(.v6) }
        request.enabledFamilies = families

        let configArgs = SpiderpoolIPAMPlugin.configArgs(call.config)
        do {
            if let value = configArgs["ipam.spidernet.io/ippools"] {
                request.podPools = try PoolChoice.parseMultiple(value, interface: request.attachment.interface)
            } else if let value = configArgs["ipam.spidernet.io/ippool"] {
                request.podPools = try PoolChoice.parseSingle(value)
            }
        } catch {
            throw CNIError(error)
        }
        request.namespaceDefaults = PoolChoice(ipv4: try SpiderpoolIPAMPlugin.names(configArgs["ipam.spidernet.io/default-ipv4-ippool"], "default-ipv4-ippool"),
                                               ipv6: try SpiderpoolIPAMPlugin.names(configArgs["ipam.spidernet.io/default-ipv6-ippool"], "default-ipv6-ippool"))
        request.multusName = configArgs["k8s.v1.cni.cncf.io/network"]?.stringValue
        request.ownerKind = try SpiderpoolIPAMPlugin.ownerKind(call.config)
        do { try request.validateIdentity() } catch { throw CNIError(error) }

        var fixed: [String] = []
        for (source, value) in [("runtimeConfig.ips", call.config["runtimeConfig"]?["ips"]), ("args.cni.ips", configArgs["cni"]?["ips"])] {
            guard let value else { continue }
            guard let ips = value.arrayValue, ips.allSatisfy({ $0.stringValue != nil }) else {
                throw CNIError(code: CNIError.decodingFailure, "\(source) must be a list of addresses")
            }
            fixed += ips.compactMap(\.stringValue)
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
        do { allocation = try service.allocate(request) } catch { throw CNIError(error) }
        var result = CNIResult()
        result.ips = allocation.addresses.map { CNIResult.IPConfig(address: $0.address, gateway: $0.gateway, interface: nil) }
        result.routes = allocation.routes.map { CNIResult.RouteEntry(dst: $0.dst, gw: $0.gw) }
        return result.json(version: call.version)
    }

    /// The Pod's controller kind, `args["ipam.spidernet.io/owner-kind"]`, when the runtime passed it.
    static func ownerKind(_ config: ManifestValue) throws(CNIError) -> String? {
        guard let value = configArgs(config)["ipam.spidernet.io/owner-kind"] else { return nil }
        guard let kind = value.stringValue else { throw CNIError(code: CNIError.decodingFailure, "args.ipam.spidernet.io/owner-kind must be a string") }
        return kind
    }

    public func del(_ call: CNIInvocation) throws(CNIError) {
        let service = try service(call)
        let attachment = try attachment(call)
        // DEL reads leniently: a setting it cannot read never keeps a Pod from being torn down.
        let ipam = try SpiderpoolIPAMPlugin.ipam(call.config)
        let sticky = ipam["sticky"]?.stringValue.flatMap(AllocationRequest.StickyPolicy.init(rawValue:)) ?? .auto
        let kind = try? SpiderpoolIPAMPlugin.ownerKind(call.config)
        do { try service.release(attachment, sticky: sticky, ownerKind: kind ?? nil) } catch { throw CNIError(error) }
    }

    public func check(_ call: CNIInvocation) throws(CNIError) {
        let service = try service(call)
        let attachment = try attachment(call)
        let held: [AllocationRecord]
        do { held = try service.held(by: attachment) } catch { throw CNIError(error) }
        guard !held.isEmpty else {
            throw CNIError(code: 105, "no allocation for this attachment", details: "\(call.environment.containerID)/\(call.environment.interface) holds no address")
        }
    }

    /// The attachments a GC call lists as valid (`cni.dev/valid-attachments`, or the older
    /// `cni.dev/attachments`); a list that cannot be read is refused, never taken as "none".
    static func validAttachments(_ config: ManifestValue) throws(CNIError) -> Set<Attachment> {
        guard let raw = config["cni.dev/valid-attachments"] ?? config["cni.dev/attachments"] else {
            throw CNIError(code: CNIError.decodingFailure, "GC needs cni.dev/valid-attachments")
        }
        guard let list = raw.arrayValue else {
            throw CNIError(code: CNIError.decodingFailure, "cni.dev/valid-attachments must be a list of {containerID, ifname}")
        }
        var valid: Set<Attachment> = []
        for (index, entry) in list.enumerated() {
            guard entry.objectValue != nil, let id = entry["containerID"]?.stringValue, let ifname = entry["ifname"]?.stringValue else {
                throw CNIError(code: CNIError.decodingFailure, "cni.dev/valid-attachments[\(index)] must be {\"containerID\": string, \"ifname\": string}")
            }
            guard let attachment = try? Attachment(containerID: id, interface: ifname) else {
                throw CNIError(code: CNIError.invalidConfig, "cni.dev/valid-attachments[\(index)] is not a valid attachment", details: "\(id)/\(ifname)")
            }
            valid.insert(attachment)
        }
        return valid
    }

    public func gc(_ call: CNIInvocation) throws(CNIError) {
        let service = try service(call)
        let valid = try SpiderpoolIPAMPlugin.validAttachments(call.config)
        let node = service.ledger.isShared ? call.environment.nodeName ?? SpiderpoolIPAMPlugin.nodeName : nil
        do { try service.collectGarbage(valid: valid, node: node) } catch { throw CNIError(error) }
    }

    public func status(_ call: CNIInvocation) throws(CNIError) {
        func unusable(_ cause: String) -> CNIError {
            CNIError(code: CNIError.pluginNotAvailable, "the spiderpool store is not usable", details: cause)
        }
        let ledger: AnyLedger
        do throws(CNIError) { ledger = try openLedger(try SpiderpoolIPAMPlugin.storeSetting(call.config)) } catch {
            if error.handOffReason != nil { throw error }
            throw unusable("\(error)")
        }
        do throws(IPAMError) {
            _ = try ledger.pools()
            // Ready means an ADD could write: a read-only store is not ready.
            try ledger.probeWritable()
        } catch {
            throw unusable("\(error)")
        }
    }
}
