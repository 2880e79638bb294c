/// Spiderpool's SpiderCoordinator admission webhook: defaulting (`mutateCoordinator`) and
/// validation, with the apiserver's messages.
public enum CoordinatorWebhook {
    /// The finalizer the defaulter adds.
    public static let finalizer = "spiderpool.spidernet.io"
    /// The kind as the apiserver names it in messages.
    public static let qualifiedKind = "SpiderCoordinator.spiderpool.spidernet.io"
    /// The spec fields in the Go struct's order (defaulted specs are written in this order).
    public static let fieldOrder = ["mode", "podCIDRType", "hijackCIDR", "policyRoutes", "podMACPrefix", "tunePodRoutes",
                                    "podDefaultRouteNIC", "hostRuleTable", "podRPFilter", "txQueueLen", "vethLinkAddress", "vethMTU"]

    /// What defaulting did.
    public struct Mutation: Sendable, Hashable {
        /// The defaulted spec.
        public var spec: ManifestValue
        /// Finalizers added (none when `podCIDRType` is missing: the defaulter stops there).
        public var finalizersAdded: [String]
    }

    /// Defaults a spec: `mode` auto, `tunePodRoutes` true, `hostRuleTable` 500, `podRPFilter`
    /// 0, `txQueueLen` 0, `vethLinkAddress` "", `vethMTU` 1500 when unset; then, unless
    /// `deleting`, and only when `podCIDRType` is set: bare IPs of `hijackCIDR` and
    /// `policyRoutes[].dst` get /32 or /128, and the finalizer is added.
    public static func mutate(spec input: ManifestValue, deleting: Bool = false) -> Mutation {
        var spec = input.objectValue == nil ? ManifestValue.object([]) : input
        let defaults: [(String, ManifestValue)] = [
            ("mode", .string("auto")), ("tunePodRoutes", .bool(true)), ("hostRuleTable", .int(500)), ("podRPFilter", .int(0)),
            ("txQueueLen", .int(0)), ("vethLinkAddress", .string("")), ("vethMTU", .int(1500)),
        ]
        for (key, value) in defaults where spec[key] == nil || spec[key] == .null { spec[key] = value }
        var finalizers: [String] = []
        let podCIDRType = spec["podCIDRType"]?.stringValue ?? ""
        if !deleting, !podCIDRType.isEmpty {
            if let items = spec["hijackCIDR"]?.arrayValue {
                spec["hijackCIDR"] = .array(items.map { item in item.stringValue.map { .string(prefixForm($0)) } ?? item })
            }
            if let routes = spec["policyRoutes"]?.arrayValue {
                spec["policyRoutes"] = .array(routes.map { route in
                    var route = route
                    if let dst = route["dst"]?.stringValue { route["dst"] = .string(prefixForm(dst)) }
                    return route
                })
            }
            finalizers = [finalizer]
        }
        return Mutation(spec: ordered(spec), finalizersAdded: finalizers)
    }

    /// Validates a (defaulted) spec; the first broken rule throws, with the apiserver's message.
    public static func validate(spec: ManifestValue, name: String = "default") throws(ManifestError) {
        let fields = ManifestFields(kind: qualifiedKind, name: name)
        let podCIDRType = try fields.string(spec["podCIDRType"], "spec.podCIDRType") ?? ""
        guard PodCIDRType(rawValue: podCIDRType) != nil else {
            throw fields.invalid("spec.podCIDRType", "Unsupported value: \(ManifestValue.quoted(podCIDRType)): supported values: \"auto\", \"cluster\", \"calico\", \"cilium\", \"none\"")
        }
        for (index, cidr) in try fields.strings(spec["hijackCIDR"], "spec.hijackCIDR").enumerated() {
            if let problem = ipOrCIDRProblem(cidr) {
                throw fields.invalid("spec.extraCIDR[\(index)]", "Invalid value: \(ManifestValue.quoted(cidr)): \(problem)")
            }
        }
        if let routes = spec["policyRoutes"], !routes.isNull {
            guard let items = routes.arrayValue else { throw fields.wrong("spec.policyRoutes", "a list", routes) }
            for (index, route) in items.enumerated() {
                let path = "spec.policyRoutes[\(index)]"
                let dst = try fields.string(route["dst"], "\(path).dst") ?? ""
                let gw = try fields.string(route["gw"], "\(path).gw") ?? ""
                if let problem = ipOrCIDRProblem(dst) {
                    throw fields.invalid("\(path).dst", "Invalid value: \(ManifestValue.quoted(dst)): \(problem)")
                }
                guard let gateway = IPAddress(gw) else {
                    throw fields.invalid("\(path).gw", "Invalid value: \(ManifestValue.quoted(gw)): gw is an invalid IP address")
                }
                let dstFamily = IPNetwork(dst)?.family ?? IPAddress(dst)?.family
                if dstFamily != gateway.family {
                    throw fields.invalid("\(path).gw", "Invalid value: \(ManifestValue.quoted(gw)): dst and gw must use the same IP family")
                }
            }
        }
        if let prefix = try fields.string(spec["podMACPrefix"], "spec.podMACPrefix"), !prefix.isEmpty {
            let parts = prefix.split(separator: ":", omittingEmptySubsequences: false)
            let bytes = parts.map { $0.count == 2 ? UInt8($0, radix: 16) : nil }
            guard parts.count == 2, let first = bytes[0], bytes[1] != nil else {
                throw fields.invalid("spec.podMACPrefix", "Invalid value: \(ManifestValue.quoted(prefix)): not a valid MAC prefix")
            }
            guard first & 1 == 0 else {
                throw fields.invalid("spec.podMACPrefix", "Invalid value: \(ManifestValue.quoted(prefix)): not a unicast MAC: the lowest bit of the first byte must be 0")
            }
        }
        if let length = try fields.int(spec["txQueueLen"], "spec.txQueueLen"), length < 0 {
            throw fields.invalid("spec.txQueueLen", "Invalid value: \(length): txQueueLen can't be less than 0")
        }
        guard let rpFilter = try fields.int(spec["podRPFilter"], "spec.podRPFilter") else {
            throw .missingField(kind: qualifiedKind, name: name, field: "spec.podRPFilter")
        }
        if rpFilter > 2 {
            throw fields.invalid("spec.podRPFilter", "Unsupported value: \(rpFilter): supported values: \"0\", \"1\", \"2\"")
        }
        if let address = try fields.string(spec["vethLinkAddress"], "spec.vethLinkAddress"), !address.isEmpty, IPAddress(address) == nil {
            throw fields.invalid("spec.vethLinkAddress", "Invalid value: \(ManifestValue.quoted(address)): vethLinkAddress is an invalid IP address")
        }
        if let mtu = try fields.int(spec["vethMTU"], "spec.vethMTU"), mtu <= 0 {
            throw fields.invalid("spec.vethMTU", "Invalid value: \(mtu): vethMTU must be greater than 0")
        }
        if let mode = try fields.string(spec["mode"], "spec.mode"), !["auto", "underlay", "overlay", "disabled"].contains(mode) {
            throw fields.invalid("spec.mode", "Unsupported value: \(ManifestValue.quoted(mode)): supported values: \"auto\", \"underlay\", \"overlay\", \"disabled\"")
        }
    }

    /// Defaulting then validation, as the apiserver applies them.
    public static func admit(spec: ManifestValue, name: String = "default") -> (mutation: Mutation, error: ManifestError?) {
        let mutation = mutate(spec: spec)
        do { try validate(spec: mutation.spec, name: name) } catch { return (mutation, error) }
        return (mutation, nil)
    }

    /// A bare IP as a host prefix; anything else unchanged.
    static func prefixForm(_ text: String) -> String {
        guard !text.contains("/"), let address = IPAddress(text) else { return text }
        return "\(text)/\(address.family.bitWidth)"
    }

    /// Why `text` is neither an IP nor a CIDR, in Go `net/netip` words; `nil` when it is one.
    static func ipOrCIDRProblem(_ text: String) -> String? {
        guard let slash = text.firstIndex(of: "/") else {
            return IPAddress(text) == nil ? "ParseAddr(\(ManifestValue.quoted(text))): unable to parse IP" : nil
        }
        let addressText = String(text[..<slash])
        let bits = String(text[text.index(after: slash)...])
        let prefix = "netip.ParsePrefix(\(ManifestValue.quoted(text))): "
        guard let address = IPAddress(addressText) else { return prefix + "ParseAddr(\(ManifestValue.quoted(addressText))): unable to parse IP" }
        guard !bits.isEmpty, bits.allSatisfy({ $0.isASCII && $0.isNumber }), bits == "0" || !bits.hasPrefix("0"), let length = Int(bits) else {
            return prefix + "bad bits after slash: \(ManifestValue.quoted(bits))"
        }
        guard length <= address.family.bitWidth else { return prefix + "prefix length out of range" }
        return nil
    }

    /// The spec with known fields in the Go struct's order, then any others.
    static func ordered(_ spec: ManifestValue) -> ManifestValue {
        guard let pairs = spec.objectValue else { return spec }
        var result: [(key: String, value: ManifestValue)] = []
        for key in fieldOrder { if let value = spec[key] { result.append((key, value)) } }
        for pair in pairs where !fieldOrder.contains(pair.key) { result.append(pair) }
        return .object(result)
    }
}
