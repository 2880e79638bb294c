/// The validating webhook of SpiderMultusConfig (`/validate-spiderpool-spidernet-io-v2beta1-
/// spidermultusconfig`), run on the defaulted object. The first failing rule wins.
public enum MultusValidator {
    /// The first rule the (already defaulted) object breaks, or `nil` when it is admitted.
    public static func validate(_ smc: SpiderMultusConfig, operation: MultusOperation = .create,
                                existingNADOwners: [String: String?] = [:]) -> MultusFieldError? {
        if let error = annotations(smc, operation: operation, existingNADOwners: existingNADOwners) { return error }
        if let error = cniConfig(smc) { return error }
        if smc.spec.cniType != .custom, let coordinator = smc.spec.coordinator, let error = self.coordinator(coordinator) { return error }
        for raw in smc.spec.chainCNIJsonData ?? [] {
            if let problem = chainPluginProblem(raw) {
                return MultusFieldError(path: "spec.chainCNIJsonData", type: .forbidden,
                                        detail: "invalid \(raw): error parsing configuration: \(problem)")
            }
        }
        return nil
    }

    // MARK: Annotations

    static func annotations(_ smc: SpiderMultusConfig, operation: MultusOperation,
                            existingNADOwners: [String: String?]) -> MultusFieldError? {
        let path = "metadata.annotations"
        let crName = smc.annotations[SpiderMultusConfig.crNameAnnotation]
        if case .update(let old) = operation {
            let oldName = old.annotations[SpiderMultusConfig.crNameAnnotation]
            if let oldName, let crName, oldName != crName {
                return MultusFieldError(path: path, type: .invalid, value: ManifestValue.quoted(crName),
                                        detail: "it's unsupported to change customized Multus net-attach-def resource name from '\(oldName)' to '\(crName)'")
            }
            if oldName == nil, let crName {
                return MultusFieldError(path: path, type: .invalid, value: ManifestValue.quoted(crName),
                                        detail: "it's unsupported to changed Multus net-attach-def '\(smc.name)' to customized name '\(crName)'")
            }
        }
        if let crName, !ResourceName.isDNSSubdomain(crName) {
            return MultusFieldError(path: path, type: .invalid, value: ManifestValue.quoted(crName),
                                    detail: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
        }
        let target = "\(smc.namespace)/\(smc.netAttachDefName)"
        if let owner = existingNADOwners[target], let owner, owner != "\(smc.namespace)/\(smc.name)" {
            return MultusFieldError(path: path, type: .invalid, value: ManifestValue.quoted(smc.netAttachDefName),
                                    detail: "the net-attach-def \(target) already exists and is managed by SpiderMultusConfig \(owner).")
        }
        if let version = smc.annotations[SpiderMultusConfig.cniVersionAnnotation],
           !SpiderMultusConfig.supportedCNIVersions.contains(version) {
            return MultusFieldError(path: path, type: .invalid, value: ManifestValue.quoted(version),
                                    detail: "unsupported CNI version \(version)")
        }
        return nil
    }

    // MARK: Per type

    static func cniConfig(_ smc: SpiderMultusConfig) -> MultusFieldError? {
        let spec = smc.spec
        let type = spec.cniType ?? .custom
        let path = type.configPath
        let goType: String
        func required(_ what: String? = nil) -> MultusFieldError {
            MultusFieldError(path: path, type: .required, detail: "no \(path)\(what.map { "[\($0)]" } ?? "") specified")
        }
        func invalid(_ detail: String) -> MultusFieldError {
            MultusFieldError(path: path, type: .invalid, value: "\(goType){…}", detail: detail)
        }
        var resourceName: String?
        var pools: MultusIPPools?

        switch type {
        case .macvlan, .ipvlan, .vlan:
            goType = ["macvlan": "v2beta1.SpiderMacvlanCniConfig", "ipvlan": "v2beta1.SpiderIPvlanCniConfig"][type.rawValue] ?? "v2beta1.SpiderVlanCniConfig"
            let config = type == .macvlan ? spec.macvlan : type == .ipvlan ? spec.ipvlan : spec.vlan
            guard let config else { return required() }
            if let problem = vlanInterfaces(config) { return invalid(problem) }
            if type == .vlan {
                if config.vlanMode == "auto", config.vlanID != nil { return invalid("vlanId must not be specified when vlanMode is auto") }
                if config.vlanMode != "auto", config.vlanID == nil { return invalid("vlanId must be specified when vlanMode is manual") }
            }
            if config.ippools?.matchMasterSubnet == true { return invalid("MatchMasterSubnet feature is not supported for \(type.rawValue)") }
            resourceName = config.rdmaResourceName
            pools = config.ippools
        case .sriov:
            goType = "v2beta1.SpiderSRIOVCniConfig"
            guard let config = spec.sriov else { return required() }
            if (config.resourceName ?? "").isEmpty { return required("resourceName") }
            if let problem = vlanRange(config.vlanID) { return invalid(problem) }
            if (config.mtu ?? 0) < 0 { return invalid("MTU must be greater than or equal to 0") }
            if (config.minTxRateMbps ?? 0) < 0 || (config.maxTxRateMbps ?? 0) < 0 {
                return invalid("minTxRateMbps and maxTxRateMbps must be greater than or equal to 0")
            }
            if let min = config.minTxRateMbps, let max = config.maxTxRateMbps, max > 0, min > max {
                return invalid("minTxRateMbps must be less than maxTxRateMbps")
            }
            resourceName = config.resourceName
            pools = config.ippools
        case .ibSRIOV:
            goType = "v2beta1.SpiderIBSRIOVCniConfig"
            guard let config = spec.ibsriov else { return required() }
            if (config.resourceName ?? "").isEmpty { return required("resourceName") }
            resourceName = config.resourceName
            pools = config.ippools
        case .ipoib:
            goType = "v2beta1.SpiderIPoIBCniConfig"
            guard let config = spec.ipoib else { return required() }
            if (config.master ?? "").isEmpty { return required("master") }
            resourceName = config.master
            pools = config.ippools
        case .ovs:
            goType = "v2beta1.SpiderOvsCniConfig"
            guard let config = spec.ovs else { return required() }
            if config.bridge.isEmpty { return required("bridge") }
            if let problem = vlanRange(config.vlan) { return invalid(problem) }
            for trunk in config.trunk {
                if let min = trunk.minID, !(0...4094).contains(min) { return invalid("minID \(min) must be in range [0,4094]") }
                if let max = trunk.maxID, !(0...4094).contains(max) { return invalid("maxID \(max) must be in range [0,4094]") }
                if let min = trunk.minID, let max = trunk.maxID, max < min { return invalid("maxID \(max) must be greater than or equal to minID \(min)") }
                if let id = trunk.id, !(0...4096).contains(id) { return invalid("id \(id) must be in range [0,4096]") }
            }
        case .custom:
            goType = "string"
            if let text = spec.customCNI, !text.isEmpty, JSONReader.parse(text) == nil {
                return MultusFieldError(path: path, type: .forbidden, detail: "customCniConfig isn't a valid JSON encoding")
            }
        }

        let others = spec.presentTypes.filter { $0 != type }
        if !others.isEmpty {
            return MultusFieldError(path: "spec.cniType", type: .forbidden,
                                    detail: "the cniType \(type.rawValue) only supports \(path), please remove other CNI configs")
        }

        let rdmaInject = smc.annotations[SpiderMultusConfig.rdmaResourceInjectAnnotation] != nil
        let networkInject = smc.annotations[SpiderMultusConfig.networkResourceInjectAnnotation] != nil
        guard rdmaInject || networkInject else { return nil }
        if type == .ovs || type == .custom {
            return MultusFieldError(path: "spec.cniType", type: .forbidden,
                                    detail: "the cniType \(type.rawValue) does not support RDMA resource or network resource injected")
        }
        let object = "\(smc.namespace)/\(smc.name)"
        let hasResource = !(resourceName ?? "").isEmpty
        if rdmaInject, !hasResource { return invalid("rdmaResourceName can not empty for spidermultusconfig \(object)") }
        if hasResource, !(pools?.hasPools ?? false) { return invalid("no any ippools configured for spidermultusconfig \(object)") }
        return nil
    }

    static func vlanRange(_ vlanID: Int?) -> String? {
        guard let vlanID, !(0...4094).contains(vlanID) else { return nil }
        return "invalid vlanId \(vlanID), please make sure vlanId in range [0,4094]"
    }

    /// vlanID, mtu, masters and bond of macvlan/ipvlan/vlan.
    static func vlanInterfaces(_ config: MultusMacvlanConfig) -> String? {
        if let problem = vlanRange(config.vlanID) { return problem }
        if (config.mtu ?? 0) < 0 { return "MTU must be greater than or equal to 0" }
        if config.master.isEmpty { return "master can't be empty" }
        if config.master.count >= 2 {
            guard let bond = config.bond else { return "the bond property is nil with multiple Interfaces" }
            if bond.name.isEmpty { return "bond name can't be empty" }
        }
        return nil
    }

    // MARK: Coordinator

    /// The SpiderCoordinator rules, `podCIDRType` optional; paths without a `coordinator.` prefix.
    static func coordinator(_ spec: MultusCoordinatorSpec) -> MultusFieldError? {
        let podCIDRTypes = ["auto", "cluster", "calico", "cilium", "none"]
        if let type = spec.podCIDRType, !podCIDRTypes.contains(type) {
            return MultusFieldError(path: "spec.podCIDRType", type: .notSupported, value: ManifestValue.quoted(type),
                                    detail: "supported values: " + podCIDRTypes.map(ManifestValue.quoted).joined(separator: ", "))
        }
        for (index, cidr) in (spec.hijackCIDR ?? []).enumerated() where IPNetwork(hostOrCIDR: cidr) == nil {
            return MultusFieldError(path: "spec.extraCIDR[\(index)]", type: .invalid, value: ManifestValue.quoted(cidr),
                                    detail: cidr.contains("/") ? "netip.ParsePrefix(\(ManifestValue.quoted(cidr))): invalid prefix" : "ParseAddr(\(ManifestValue.quoted(cidr))): invalid IP address")
        }
        for (index, route) in (spec.policyRoutes ?? []).enumerated() {
            let path = "spec.policyRoutes[\(index)]"
            guard let dst = IPNetwork(hostOrCIDR: route.dst) else {
                return MultusFieldError(path: path + ".dst", type: .invalid, value: ManifestValue.quoted(route.dst), detail: "dst is an invalid IP or CIDR")
            }
            guard let gw = IPAddress(route.gw) else {
                return MultusFieldError(path: path + ".gw", type: .invalid, value: ManifestValue.quoted(route.gw), detail: "gw is an invalid IP address")
            }
            if dst.family != gw.family {
                return MultusFieldError(path: path, type: .invalid, value: "v2beta1.PolicyRoute{Dst:\(ManifestValue.quoted(route.dst)), Gw:\(ManifestValue.quoted(route.gw))}",
                                        detail: "dst and gw must use the same IP family")
            }
        }
        if let prefix = spec.podMACPrefix, !prefix.isEmpty {
            let value = ManifestValue.quoted(prefix)
            guard let parsed = macPrefixBits(prefix) else {
                return MultusFieldError(path: "spec.podMACPrefix", type: .invalid, value: value, detail: "not a valid MAC prefix")
            }
            if parsed >> 8 & 0x01 != 0 {
                return MultusFieldError(path: "spec.podMACPrefix", type: .invalid, value: value,
                                        detail: "not a unicast MAC: the lowest bit of the first byte must be 0")
            }
        }
        if let length = spec.txQueueLen, length < 0 {
            return MultusFieldError(path: "spec.txQueueLen", type: .invalid, value: String(length), detail: "txQueueLen can't be less than 0")
        }
        if let filter = spec.podRPFilter, filter >= 0, !(0...2).contains(filter) {
            return MultusFieldError(path: "spec.podRPFilter", type: .notSupported, value: String(filter),
                                    detail: "supported values: \"0\", \"1\", \"2\"")
        }
        if let address = spec.vethLinkAddress, !address.isEmpty, IPAddress(address) == nil {
            return MultusFieldError(path: "spec.vethLinkAddress", type: .invalid, value: ManifestValue.quoted(address),
                                    detail: "vethLinkAddress is an invalid IP address")
        }
        if let mtu = spec.vethMTU, mtu <= 0 {
            return MultusFieldError(path: "spec.vethMTU", type: .invalid, value: String(mtu), detail: "vethMTU must be greater than 0")
        }
        return nil
    }

    /// `xx:xx` (hex) as 16 bits, without the unicast check.
    static func macPrefixBits(_ text: String) -> UInt16? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { return nil }
        var value: UInt16 = 0
        for byte in bytes[0..<2] + bytes[3..<5] {
            guard let digit = IPv6Address.hexValue(byte) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    // MARK: Chain plugins

    /// Why a `chainCNIJsonData` element is not a CNI plugin object (libcni's `ConfFromBytes`).
    static func chainPluginProblem(_ raw: String) -> String? {
        guard let value = JSONReader.parse(raw) else { return "invalid character in JSON input" }
        switch value {
        case .object:
            for key in ["cniVersion", "name", "type"] {
                if let field = value[key], !field.isNull, field.stringValue == nil {
                    return "json: cannot unmarshal \(goKind(field)) into Go struct field NetConf.\(key) of type string"
                }
            }
            guard let type = value["type"]?.stringValue, !type.isEmpty else { return "missing 'type'" }
            return nil
        case .null: return "missing 'type'"
        default: return "json: cannot unmarshal \(goKind(value)) into Go value of type types.NetConf"
        }
    }

    static func goKind(_ value: ManifestValue) -> String {
        switch value {
        case .array: "array"
        case .object: "object"
        case .string: "string"
        case .bool: "bool"
        case .int, .double: "number"
        case .null: "null"
        }
    }
}
