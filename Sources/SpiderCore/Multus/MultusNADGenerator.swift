/// Spiderpool's `generateNetAttachDef`: an admitted SpiderMultusConfig → its
/// NetworkAttachmentDefinition, with the plugin chain
/// `[ifacer?] main [rdma?] chain… [coordinator?] [tuning?]` and Go's JSON field order.
public enum MultusNADGenerator {
    typealias Pairs = [(key: String, value: ManifestValue)]

    /// The NAD of an object that went through ``SpiderMultusConfig/admitted(_:crdDefaults:existingNADOwners:)``.
    /// Unset optional fields are left out, as Go's `omitempty` pointers are.
    public static func generate(_ smc: SpiderMultusConfig, crdDefaults: Bool = true) -> NetworkAttachmentDefinition {
        let spec = smc.spec
        let nadName = smc.netAttachDefName
        var annotations = smc.annotations
        let cniVersion = smc.annotations[SpiderMultusConfig.cniVersionAnnotation] ?? SpiderMultusConfig.defaultCNIVersion
        let confName = smc.annotations[SpiderMultusConfig.cniConfigNameAnnotation].flatMap { $0.isEmpty ? nil : $0 } ?? nadName
        let disableIPAM = spec.disableIPAM ?? false
        let enableCoordinator = spec.enableCoordinator ?? false

        var leading: [ManifestValue] = []   // ifacer
        var main: [ManifestValue] = []      // main plugin [+ rdma]
        var trailing: [ManifestValue] = []  // tuning
        var isCustom = false

        switch spec.cniType ?? .custom {
        case .macvlan, .ipvlan, .vlan:
            let type = spec.cniType ?? .macvlan
            let config = (type == .macvlan ? spec.macvlan : type == .ipvlan ? spec.ipvlan : spec.vlan) ?? MultusMacvlanConfig(master: [])
            let vlanID = type == .vlan ? 0 : (config.vlanID ?? 0)
            let needsIfacer = type == .vlan ? config.master.count >= 2 : (vlanID != 0 || config.master.count >= 2)
            if needsIfacer { leading.append(ifacer(interfaces: config.master, vlanID: vlanID, bond: config.bond)) }
            var master = config.master.count == 1 ? config.master[0] : (config.bond?.name ?? "")
            if vlanID != 0 { master += ".\(vlanID)" }
            var plugin: Pairs = [("type", .string(type.rawValue)), ("master", .string(master))]
            switch type {
            case .macvlan: plugin.append(("mode", .string("bridge")))
            case .vlan:
                let mode = config.vlanMode ?? "manual"
                plugin.append(("vlanMode", .string(mode)))
                if mode == "manual" { plugin.append(("vlanId", .int(config.vlanID ?? 0))) }
            default: break
            }
            if let mtu = config.mtu { plugin.append(("mtu", .int(mtu))) }
            if !disableIPAM { plugin.append(("ipam", ipam(config.ippools, matchMasterSubnet: false))) }
            main.append(.object(plugin))
        case .sriov:
            let config = spec.sriov ?? MultusSRIOVConfig()
            if let resource = config.resourceName { annotations[NetworkAttachmentDefinition.resourceNameAnnotation] = resource }
            var plugin: Pairs = [("vlan", .int(config.vlanID ?? 0))]
            if let min = config.minTxRateMbps { plugin.append(("min_tx_rate", .int(min))) }
            if let max = config.maxTxRateMbps { plugin.append(("max_tx_rate", .int(max))) }
            plugin.append(("type", .string("sriov")))
            if !disableIPAM { plugin.append(("ipam", ipam(config.ippools, matchMasterSubnet: true))) }
            main.append(.object(plugin))
            if config.rdmaIsolation == true { main.append(.object([("type", .string("rdma"))])) }
            if let mtu = config.mtu, mtu > 0 { trailing.append(.object([("type", .string("tuning")), ("mtu", .int(mtu))])) }
        case .ibSRIOV:
            let config = spec.ibsriov ?? MultusIBSRIOVConfig()
            if let resource = config.resourceName { annotations[NetworkAttachmentDefinition.resourceNameAnnotation] = resource }
            var plugin: Pairs = [("type", .string("ib-sriov")), ("pkey", .string(config.pkey ?? ""))]
            if let state = config.linkState { plugin.append(("link_state", .string(state))) }
            if let isolation = config.rdmaIsolation { plugin.append(("rdmaIsolation", .bool(isolation))) }
            if let enabled = config.enableIbKubernetes { plugin.append(("ibKubernetesEnabled", .bool(enabled))) }
            if !disableIPAM { plugin.append(("ipam", ipam(config.ippools, matchMasterSubnet: false))) }
            main.append(.object(plugin))
        case .ipoib:
            let config = spec.ipoib ?? MultusIPoIBConfig()
            var plugin: Pairs = [("type", .string("ipoib")), ("master", .string(config.master ?? ""))]
            if !disableIPAM { plugin.append(("ipam", ipam(config.ippools, matchMasterSubnet: false))) }
            main.append(.object(plugin))
        case .ovs:
            let config = spec.ovs ?? MultusOVSConfig(bridge: "")
            var plugin: Pairs = [("vlan", .int(config.vlan ?? 0)), ("type", .string("ovs")), ("bridge", .string(config.bridge))]
            if let device = config.deviceID, !device.isEmpty {
                plugin.append(("deviceID", .string(device)))
                annotations[NetworkAttachmentDefinition.resourceNameAnnotation] = "ovs-cni.network.kubevirt.io/\(config.bridge)"
            }
            if !disableIPAM { plugin.append(("ipam", ipam(config.ippools, matchMasterSubnet: false))) }
            if !config.trunk.isEmpty {
                plugin.append(("trunk", .array(config.trunk.map { trunk in
                    var entry: Pairs = []
                    if let min = trunk.minID { entry.append(("minID", .int(min))) }
                    if let max = trunk.maxID { entry.append(("maxID", .int(max))) }
                    if let id = trunk.id { entry.append(("id", .int(id))) }
                    return .object(entry)
                })))
            }
            main.append(.object(plugin))
        case .custom:
            isCustom = true
        }

        let config: String
        if isCustom {
            config = spec.customCNI ?? ""
        } else {
            var plugins = leading + main
            for raw in spec.chainCNIJsonData ?? [] {
                if let value = JSONReader.parse(raw) { plugins.append(GoJSON.sortedKeys(value)) }
            }
            if enableCoordinator, let coordinator = spec.coordinator { plugins.append(coordinatorPlugin(coordinator)) }
            plugins += trailing
            config = GoJSON.encode(.object([
                ("cniVersion", .string(cniVersion)), ("name", .string(confName)), ("plugins", .array(plugins)),
            ]))
        }
        return NetworkAttachmentDefinition(
            name: nadName, namespace: smc.namespace, annotations: annotations,
            ownerReference: .init(name: smc.name, uid: smc.uid), config: config)
    }

    /// `{"vlanID"?, "type":"ifacer", "interfaces", "bond"?}`.
    static func ifacer(interfaces: [String], vlanID: Int, bond: MultusBond?) -> ManifestValue {
        var plugin: Pairs = []
        if vlanID != 0 { plugin.append(("vlanID", .int(vlanID))) }
        plugin.append(("type", .string("ifacer")))
        plugin.append(("interfaces", .strings(interfaces)))
        if let bond {
            plugin.append(("bond", .object([
                ("name", .string(bond.name)), ("mode", .int(bond.mode)), ("options", .string(bond.options ?? "")),
            ])))
        }
        return .object(plugin)
    }

    /// The `spiderpool` IPAM block; `match_master_subnet` only where Spiderpool emits it (sriov).
    static func ipam(_ pools: MultusIPPools?, matchMasterSubnet: Bool) -> ManifestValue {
        var block: Pairs = [("type", .string("spiderpool"))]
        if let v4 = pools?.ipv4, !v4.isEmpty { block.append(("default_ipv4_ippool", .strings(v4))) }
        if let v6 = pools?.ipv6, !v6.isEmpty { block.append(("default_ipv6_ippool", .strings(v6))) }
        if matchMasterSubnet, pools?.matchMasterSubnet == true { block.append(("match_master_subnet", .bool(true))) }
        return .object(block)
    }

    /// The `coordinator` plugin in Spiderpool's struct order; `podRPFilter` only when
    /// `podCIDRType` is set, `hostRuleTable`/`podCIDRType` never.
    static func coordinatorPlugin(_ spec: MultusCoordinatorSpec) -> ManifestValue {
        var plugin: Pairs = []
        if let length = spec.txQueueLen { plugin.append(("txQueueLen", .int(length))) }
        if let address = spec.vethLinkAddress, !address.isEmpty { plugin.append(("vethLinkAddress", .string(address))) }
        if let mtu = spec.vethMTU { plugin.append(("vethMTU", .int(mtu))) }
        if let tune = spec.tunePodRoutes { plugin.append(("tunePodRoutes", .bool(tune))) }
        if let prefix = spec.podMACPrefix, !prefix.isEmpty { plugin.append(("podMACPrefix", .string(prefix))) }
        if let mode = spec.mode, !mode.isEmpty { plugin.append(("mode", .string(mode))) }
        plugin.append(("type", .string("coordinator")))
        if let nic = spec.podDefaultRouteNIC, !nic.isEmpty { plugin.append(("podDefaultRouteNic", .string(nic))) }
        if spec.podCIDRType != nil, let filter = spec.podRPFilter { plugin.append(("podRPFilter", .int(filter))) }
        if let cidrs = spec.hijackCIDR, !cidrs.isEmpty { plugin.append(("hijackCIDR", .strings(cidrs))) }
        if let routes = spec.policyRoutes, !routes.isEmpty {
            plugin.append(("policyRoutes", .array(routes.map { .object([("dst", .string($0.dst)), ("gw", .string($0.gw))]) })))
        }
        return .object(plugin)
    }
}
