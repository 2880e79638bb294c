/// The defaulting a SpiderMultusConfig goes through before Spiderpool's controller sees it:
/// the CRD's structural defaults, the mutating webhook, and the CRD defaults again (the API
/// server re-defaults after a non-empty webhook patch, and on every read).
public enum MultusDefaulter {
    /// The object after admission defaulting; `crdDefaults: false` applies the webhook alone.
    public static func admit(_ smc: SpiderMultusConfig, crdDefaults: Bool = true) -> SpiderMultusConfig {
        var result = smc
        if crdDefaults { applyCRDDefaults(&result.spec) }
        applyWebhookDefaults(&result.spec)
        if crdDefaults { applyCRDDefaults(&result.spec) }
        return result
    }

    /// The CRD OpenAPI defaults, applied to the objects that are present.
    public static func applyCRDDefaults(_ spec: inout SpiderMultusConfigSpec) {
        if spec.cniType == nil { spec.cniType = .custom }
        if spec.enableCoordinator == nil { spec.enableCoordinator = true }
        if spec.disableIPAM == nil { spec.disableIPAM = false }
        func pools(_ pools: inout MultusIPPools?) {
            if pools != nil, pools?.matchMasterSubnet == nil { pools?.matchMasterSubnet = false }
        }
        func vlanLike(_ config: inout MultusMacvlanConfig?, vlanMode: Bool) {
            guard var c = config else { return }
            if c.mtu == nil { c.mtu = 0 }
            if vlanMode, c.vlanMode == nil { c.vlanMode = "manual" }
            pools(&c.ippools)
            config = c
        }
        vlanLike(&spec.macvlan, vlanMode: false)
        vlanLike(&spec.ipvlan, vlanMode: false)
        vlanLike(&spec.vlan, vlanMode: true)
        if var c = spec.sriov {
            if c.mtu == nil { c.mtu = 0 }
            if c.rdmaIsolation == nil { c.rdmaIsolation = false }
            pools(&c.ippools)
            spec.sriov = c
        }
        if var c = spec.ibsriov {
            if c.linkState == nil { c.linkState = "enable" }
            if c.rdmaIsolation == nil { c.rdmaIsolation = true }
            if c.enableIbKubernetes == nil { c.enableIbKubernetes = false }
            pools(&c.ippools)
            spec.ibsriov = c
        }
        if var c = spec.ipoib {
            pools(&c.ippools)
            spec.ipoib = c
        }
        if var c = spec.ovs {
            pools(&c.ippools)
            spec.ovs = c
        }
        if var c = spec.coordinator {
            if c.mode == nil { c.mode = "auto" }
            if c.hostRuleTable == nil { c.hostRuleTable = 500 }
            if c.podRPFilter == nil { c.podRPFilter = 0 }
            if c.tunePodRoutes == nil { c.tunePodRoutes = true }
            if c.txQueueLen == nil { c.txQueueLen = 0 }
            spec.coordinator = c
        }
    }

    /// The mutating webhook (`/mutate-spiderpool-spidernet-io-v2beta1-spidermultusconfig`).
    public static func applyWebhookDefaults(_ spec: inout SpiderMultusConfigSpec) {
        if spec.cniType == nil { spec.cniType = .custom }
        let emptyPools = MultusIPPools(ipv4: [], ipv6: [])
        func vlanLike(_ config: inout MultusMacvlanConfig?, vlanMode: Bool) {
            guard var c = config else { return }
            if vlanMode {
                if c.vlanMode == nil { c.vlanMode = "manual" }
                if c.vlanMode == "manual", c.vlanID == nil { c.vlanID = 0 }
            } else if c.vlanID == nil {
                c.vlanID = 0
            }
            if c.mtu == nil { c.mtu = 0 }
            if c.rdmaResourceName == nil { c.rdmaResourceName = "" }
            if c.bond != nil, c.bond?.options == nil { c.bond?.options = "" }
            if c.ippools == nil { c.ippools = emptyPools }
            config = c
        }
        vlanLike(&spec.macvlan, vlanMode: false)
        vlanLike(&spec.ipvlan, vlanMode: false)
        vlanLike(&spec.vlan, vlanMode: true)
        if var c = spec.sriov {
            if c.vlanID == nil { c.vlanID = 0 }
            if c.mtu == nil { c.mtu = 0 }
            if c.minTxRateMbps == nil { c.minTxRateMbps = 0 }
            if c.maxTxRateMbps == nil { c.maxTxRateMbps = 0 }
            if c.rdmaIsolation == nil { c.rdmaIsolation = false }
            if c.resourceName == nil { c.resourceName = "" }
            if c.ippools == nil { c.ippools = MultusIPPools(ipv4: [], ipv6: [], matchMasterSubnet: false) }
            spec.sriov = c
        }
        if var c = spec.ibsriov {
            if c.pkey == nil { c.pkey = "" }
            if c.enableIbKubernetes == nil { c.enableIbKubernetes = false }
            if c.rdmaIsolation == nil { c.rdmaIsolation = true }
            if c.resourceName == nil { c.resourceName = "" }
            if c.linkState == nil { c.linkState = "enable" }
            if c.ippools == nil { c.ippools = emptyPools }
            spec.ibsriov = c
        }
        if spec.ipoib != nil, spec.ipoib?.ippools == nil { spec.ipoib?.ippools = emptyPools }
        if var c = spec.ovs {
            if c.vlan == nil { c.vlan = 0 }
            if c.ippools == nil { c.ippools = emptyPools }
            spec.ovs = c
        }
        if spec.cniType == .custom {
            if spec.customCNI == nil { spec.customCNI = "" }
            spec.coordinator = nil
            spec.enableCoordinator = false
        } else if var c = spec.coordinator {
            if c.mode == nil { c.mode = "auto" }
            if c.hijackCIDR == nil { c.hijackCIDR = [] }
            if c.policyRoutes == nil { c.policyRoutes = [] }
            if c.podMACPrefix == nil { c.podMACPrefix = "" }
            if c.podDefaultRouteNIC == nil { c.podDefaultRouteNIC = "" }
            if c.vethLinkAddress == nil { c.vethLinkAddress = "" }
            if c.tunePodRoutes == nil { c.tunePodRoutes = false }
            if c.txQueueLen == nil { c.txQueueLen = 0 }
            if c.podRPFilter == nil { c.podRPFilter = 0 }
            spec.coordinator = c
        } else {
            var c = MultusCoordinatorSpec()
            c.mode = "auto"
            c.hijackCIDR = []
            c.policyRoutes = []
            c.vethLinkAddress = ""
            c.podMACPrefix = ""
            c.podDefaultRouteNIC = ""
            c.podRPFilter = 0
            c.tunePodRoutes = true
            spec.coordinator = c
        }
        if spec.chainCNIJsonData == nil { spec.chainCNIJsonData = [] }
    }
}
