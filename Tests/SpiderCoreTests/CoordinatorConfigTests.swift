import Foundation
import Testing
@testable import SpiderCore
import SpiderCNI

// MARK: - Helpers

/// A CNI configuration (or SpiderCoordinator defaults) built by setting a few keys.
private func netConf(_ build: (inout CoordinatorNetConf) -> Void) -> CoordinatorNetConf {
    var conf = CoordinatorNetConf()
    build(&conf)
    return conf
}

/// The resolved configuration, or the refusal.
private func resolve(_ conf: CoordinatorNetConf, defaults: CoordinatorNetConf = CoordinatorNetConf(), annotation: String? = nil)
    -> Result<CoordinatorConfig, CoordinatorError>
{
    do {
        return .success(try CoordinatorConfig(netConf: conf, defaults: defaults, defaultRouteAnnotation: annotation))
    } catch {
        return .failure(error)
    }
}

/// The refusal of a configuration, or `nil` when it resolves.
private func refusal(_ conf: CoordinatorNetConf, defaults: CoordinatorNetConf = CoordinatorNetConf(), annotation: String? = nil)
    -> CoordinatorError?
{
    if case .failure(let error) = resolve(conf, defaults: defaults, annotation: annotation) { return error }
    return nil
}

/// Every key the coordinator resolves from the CNI configuration and a SpiderCoordinator, with
/// one value for each source and the way to read the resolved value back.
enum CoordinatorConfigKey: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case mode, overlayPodCIDR, serviceCIDR, hijackCIDR, policyRoutes, podMACPrefix, tunePodRoutes, podDefaultRouteNic,
         podDefaultCniNic, hostRuleTable, podRPFilter, txQueueLen, vethLinkAddress, vethMTU

    var testDescription: String { rawValue }

    /// Writes the CNI configuration's value (`fromCNI`) or the SpiderCoordinator's. Both differ
    /// from the built-in default.
    func write(fromCNI: Bool, into conf: inout CoordinatorNetConf) {
        switch self {
        case .mode: conf.mode = fromCNI ? "overlay" : "underlay"
        case .overlayPodCIDR: conf.overlayPodCIDR = [fromCNI ? "10.233.64.0/18" : "10.244.0.0/16"]
        case .serviceCIDR: conf.serviceCIDR = [fromCNI ? "10.233.0.0/18" : "10.96.0.0/12"]
        case .hijackCIDR: conf.hijackCIDR = [fromCNI ? "169.254.0.0/16" : "169.254.20.10/32"]
        case .policyRoutes:
            conf.policyRoutes = [fromCNI ? .init(dst: "10.10.0.0/16", gw: "10.6.0.1") : .init(dst: "172.16.0.0/12", gw: "10.6.0.254")]
        case .podMACPrefix: conf.podMACPrefix = fromCNI ? "0a:1b" : "0c:2d"
        // The built-in default is true, so the SpiderCoordinator says false.
        case .tunePodRoutes: conf.tunePodRoutes = fromCNI
        case .podDefaultRouteNic: conf.podDefaultRouteNic = fromCNI ? "net1" : "net2"
        case .podDefaultCniNic: conf.podDefaultCniNic = fromCNI ? "eth1" : "ens3"
        case .hostRuleTable: conf.hostRuleTable = fromCNI ? 600 : 700
        case .podRPFilter: conf.podRPFilter = fromCNI ? 1 : 2
        case .txQueueLen: conf.txQueueLen = fromCNI ? 1000 : 2000
        case .vethLinkAddress: conf.vethLinkAddress = fromCNI ? "169.254.100.1" : "169.254.200.1"
        case .vethMTU: conf.vethMTU = fromCNI ? 9000 : 1450
        }
    }

    /// The resolved value of the key, as text.
    func read(_ config: CoordinatorConfig) -> String {
        switch self {
        case .mode: config.mode.rawValue
        case .overlayPodCIDR: config.overlayPodCIDR.map(\.description).joined(separator: ",")
        case .serviceCIDR: config.serviceCIDR.map(\.description).joined(separator: ",")
        case .hijackCIDR: config.hijackCIDR.map(\.description).joined(separator: ",")
        case .policyRoutes: config.policyRoutes.map { "\($0.dst) via \($0.gw)" }.joined(separator: ",")
        case .podMACPrefix: config.podMACPrefix.map { String($0, radix: 16) } ?? "none"
        case .tunePodRoutes: String(config.tunePodRoutes)
        case .podDefaultRouteNic: config.podDefaultRouteNic ?? "none"
        case .podDefaultCniNic: config.podDefaultCniNic
        case .hostRuleTable: String(config.hostRuleTable.rawValue)
        case .podRPFilter: String(config.podRPFilter)
        case .txQueueLen: String(config.txQueueLen)
        case .vethLinkAddress: config.vethLinkAddress?.description ?? "none"
        case .vethMTU: String(config.vethMTU)
        }
    }

    /// What ``read(_:)`` gives for the CNI configuration's value, the SpiderCoordinator's, or
    /// neither (the built-in default).
    func expected(fromCNI: Bool?) -> String {
        switch (self, fromCNI) {
        case (.mode, true): "overlay"
        case (.mode, false): "underlay"
        case (.mode, nil): "auto"
        case (.overlayPodCIDR, true): "10.233.64.0/18"
        case (.overlayPodCIDR, false): "10.244.0.0/16"
        case (.serviceCIDR, true): "10.233.0.0/18"
        case (.serviceCIDR, false): "10.96.0.0/12"
        case (.hijackCIDR, true): "169.254.0.0/16"
        case (.hijackCIDR, false): "169.254.20.10/32"
        case (.overlayPodCIDR, nil), (.serviceCIDR, nil), (.hijackCIDR, nil), (.policyRoutes, nil): ""
        case (.policyRoutes, true): "10.10.0.0/16 via 10.6.0.1"
        case (.policyRoutes, false): "172.16.0.0/12 via 10.6.0.254"
        case (.podMACPrefix, true): "a1b"
        case (.podMACPrefix, false): "c2d"
        case (.podMACPrefix, nil): "none"
        case (.tunePodRoutes, true): "true"
        case (.tunePodRoutes, false): "false"
        case (.tunePodRoutes, nil): "true"
        case (.podDefaultRouteNic, true): "net1"
        case (.podDefaultRouteNic, false): "net2"
        case (.podDefaultRouteNic, nil): "none"
        case (.podDefaultCniNic, true): "eth1"
        case (.podDefaultCniNic, false): "ens3"
        case (.podDefaultCniNic, nil): "eth0"
        case (.hostRuleTable, true): "600"
        case (.hostRuleTable, false): "700"
        case (.hostRuleTable, nil): "500"
        case (.podRPFilter, true): "1"
        case (.podRPFilter, false): "2"
        case (.podRPFilter, nil): "0"
        case (.txQueueLen, true): "1000"
        case (.txQueueLen, false): "2000"
        case (.txQueueLen, nil): "0"
        case (.vethLinkAddress, true): "169.254.100.1"
        case (.vethLinkAddress, false): "169.254.200.1"
        case (.vethLinkAddress, nil): "none"
        case (.vethMTU, true): "9000"
        case (.vethMTU, false): "1450"
        case (.vethMTU, nil): "1500"
        }
    }

    /// Writes the "not set" form of a text or list key (`""`, `[]`); `false` for the others.
    func writeEmpty(into conf: inout CoordinatorNetConf) -> Bool {
        switch self {
        case .mode: conf.mode = ""
        case .overlayPodCIDR: conf.overlayPodCIDR = []
        case .serviceCIDR: conf.serviceCIDR = []
        case .hijackCIDR: conf.hijackCIDR = []
        case .policyRoutes: conf.policyRoutes = []
        case .podMACPrefix: conf.podMACPrefix = ""
        case .podDefaultRouteNic: conf.podDefaultRouteNic = ""
        case .podDefaultCniNic: conf.podDefaultCniNic = ""
        case .vethLinkAddress: conf.vethLinkAddress = ""
        case .tunePodRoutes, .hostRuleTable, .podRPFilter, .txQueueLen, .vethMTU: return false
        }
        return true
    }

    static var textAndListKeys: [CoordinatorConfigKey] {
        allCases.filter { key in
            var scratch = CoordinatorNetConf()
            return key.writeEmpty(into: &scratch)
        }
    }
}

// MARK: - Resolution

@Suite("CoordinatorConfig: resolution")
struct CoordinatorConfigResolutionTests {
    @Test("an empty configuration resolves to Spiderpool's defaults")
    func defaults() throws {
        let config = try CoordinatorConfig(netConf: CoordinatorNetConf())
        #expect(config.mode == .auto)
        #expect(config.tunePodRoutes == true)
        #expect(config.hostRuleTable == RouteTable(rawValue: 500))
        #expect(config.podRPFilter == 0)
        #expect(config.txQueueLen == 0)
        #expect(config.vethMTU == 1500)
        #expect(config.podDefaultCniNic == "eth0")
        #expect(config.podDefaultRouteNic == nil)
        #expect(config.podMACPrefix == nil)
        #expect(config.vethLinkAddress == nil)
        #expect(config.overlayPodCIDR.isEmpty && config.serviceCIDR.isEmpty && config.hijackCIDR.isEmpty)
        #expect(config.policyRoutes.isEmpty)
        #expect(config == CoordinatorConfig())
        for key in CoordinatorConfigKey.allCases { #expect(key.read(config) == key.expected(fromCNI: nil), "\(key)") }
    }

    @Test("the CNI configuration's value wins over the SpiderCoordinator's", arguments: CoordinatorConfigKey.allCases)
    func cniBeatsDefaults(_ key: CoordinatorConfigKey) throws {
        let conf = netConf { key.write(fromCNI: true, into: &$0) }
        let defaults = netConf { key.write(fromCNI: false, into: &$0) }
        let config = try resolve(conf, defaults: defaults).get()
        #expect(key.read(config) == key.expected(fromCNI: true))
    }

    @Test("the SpiderCoordinator fills a key the CNI configuration leaves out", arguments: CoordinatorConfigKey.allCases)
    func defaultsFillGaps(_ key: CoordinatorConfigKey) throws {
        let defaults = netConf { key.write(fromCNI: false, into: &$0) }
        let config = try resolve(CoordinatorNetConf(), defaults: defaults).get()
        #expect(key.read(config) == key.expected(fromCNI: false))
    }

    @Test("the CNI configuration alone is taken as is", arguments: CoordinatorConfigKey.allCases)
    func cniAlone(_ key: CoordinatorConfigKey) throws {
        let config = try resolve(netConf { key.write(fromCNI: true, into: &$0) }).get()
        #expect(key.read(config) == key.expected(fromCNI: true))
        for other in CoordinatorConfigKey.allCases where other != key {
            #expect(other.read(config) == other.expected(fromCNI: nil), "setting \(key) changed \(other)")
        }
    }

    @Test("an empty string or list in the CNI configuration falls through to the SpiderCoordinator",
          arguments: CoordinatorConfigKey.textAndListKeys)
    func emptyFallsThrough(_ key: CoordinatorConfigKey) throws {
        var conf = CoordinatorNetConf()
        #expect(key.writeEmpty(into: &conf))
        let defaults = netConf { key.write(fromCNI: false, into: &$0) }
        #expect(key.read(try resolve(conf, defaults: defaults).get()) == key.expected(fromCNI: false))
        // … and to the built-in default when the SpiderCoordinator is empty too.
        var emptyDefaults = CoordinatorNetConf()
        _ = key.writeEmpty(into: &emptyDefaults)
        #expect(key.read(try resolve(conf, defaults: emptyDefaults).get()) == key.expected(fromCNI: nil))
    }

    @Test("tunePodRoutes false in the CNI configuration beats true in the SpiderCoordinator")
    func tunePodRoutesFalse() throws {
        let config = try resolve(netConf { $0.tunePodRoutes = false }, defaults: netConf { $0.tunePodRoutes = true }).get()
        #expect(config.tunePodRoutes == false)
    }

    struct RouteNIC: Sendable, CustomTestStringConvertible {
        let cni: String?
        let annotation: String?
        let defaults: String?
        let expected: String?
        var testDescription: String {
            "CNI \(cni.map { "'\($0)'" } ?? "-"), annotation \(annotation.map { "'\($0)'" } ?? "-"), "
                + "SpiderCoordinator \(defaults.map { "'\($0)'" } ?? "-") → \(expected ?? "none")"
        }
    }

    static let routeNICs: [RouteNIC] = [
        RouteNIC(cni: "net1", annotation: "net2", defaults: "net3", expected: "net1"),
        RouteNIC(cni: "net1", annotation: nil, defaults: nil, expected: "net1"),
        RouteNIC(cni: nil, annotation: "net2", defaults: "net3", expected: "net2"),
        RouteNIC(cni: "", annotation: "net2", defaults: "net3", expected: "net2"),
        RouteNIC(cni: nil, annotation: nil, defaults: "net3", expected: "net3"),
        RouteNIC(cni: nil, annotation: "", defaults: "net3", expected: "net3"),
        RouteNIC(cni: "", annotation: "", defaults: "net3", expected: "net3"),
        RouteNIC(cni: nil, annotation: "net2", defaults: nil, expected: "net2"),
        RouteNIC(cni: nil, annotation: nil, defaults: nil, expected: nil),
        RouteNIC(cni: "", annotation: "", defaults: "", expected: nil),
    ]

    @Test("podDefaultRouteNic: CNI configuration, then the Pod annotation, then the SpiderCoordinator", arguments: routeNICs)
    func routeNICPrecedence(_ c: RouteNIC) throws {
        let config = try resolve(netConf { $0.podDefaultRouteNic = c.cni }, defaults: netConf { $0.podDefaultRouteNic = c.defaults },
                                 annotation: c.annotation).get()
        #expect(config.podDefaultRouteNic == c.expected)
    }

    @Test("modes as the plugin (disable) and the CRD (disabled) spell them",
          arguments: [("auto", CoordinatorMode.auto), ("underlay", .underlay), ("overlay", .overlay), ("disable", .disabled),
                      ("disabled", .disabled)])
    func modes(_ text: String, _ mode: CoordinatorMode) throws {
        #expect(try CoordinatorMode(parsing: text) == mode)
        #expect(try resolve(netConf { $0.mode = text }).get().mode == mode)
        #expect(try resolve(CoordinatorNetConf(), defaults: netConf { $0.mode = text }).get().mode == mode)
    }

    @Test("vethMTU 0 or less in the SpiderCoordinator falls back to 1500", arguments: [0, -1, -1500])
    func vethMTUDefaultsFallBack(_ mtu: Int) throws {
        #expect(try resolve(CoordinatorNetConf(), defaults: netConf { $0.vethMTU = mtu }).get().vethMTU == 1500)
    }

    @Test("hostRuleTable 0 or less in the SpiderCoordinator falls back to 500", arguments: [0, -1])
    func hostRuleTableDefaultsFallBack(_ table: Int) throws {
        #expect(try resolve(CoordinatorNetConf(), defaults: netConf { $0.hostRuleTable = table }).get().hostRuleTable.rawValue == 500)
    }

    @Test("values at the edges of their ranges are taken",
          arguments: [
              ("vethMTU 68", netConf { $0.vethMTU = 68 }), ("vethMTU 65535", netConf { $0.vethMTU = 65535 }),
              ("hostRuleTable 1", netConf { $0.hostRuleTable = 1 }), ("hostRuleTable 252", netConf { $0.hostRuleTable = 252 }),
              ("hostRuleTable 256", netConf { $0.hostRuleTable = 256 }),
              ("hostRuleTable 4294967295", netConf { $0.hostRuleTable = 4_294_967_295 }),
              ("podRPFilter -1", netConf { $0.podRPFilter = -1 }), ("podRPFilter 2", netConf { $0.podRPFilter = 2 }),
              ("txQueueLen 0", netConf { $0.txQueueLen = 0 }),
              ("podDefaultCniNic of 15 bytes", netConf { $0.podDefaultCniNic = "abcdefghijklmno" }),
              ("podDefaultRouteNic with a dot", netConf { $0.podDefaultRouteNic = "net1.100" }),
              ("vethLinkAddress with spaces", netConf { $0.vethLinkAddress = " 169.254.100.1 " }),
          ])
    func edgesTaken(_ name: String, _ conf: CoordinatorNetConf) throws {
        #expect(refusal(conf) == nil, "\(name)")
    }
}

// MARK: - Refusals

@Suite("CoordinatorConfig: refusals")
struct CoordinatorConfigRefusalTests {
    /// A bad configuration, the error it must get, and text the message must contain.
    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        let conf: CoordinatorNetConf
        let defaults: CoordinatorNetConf
        let annotation: String?
        let error: CoordinatorError
        let message: String

        init(_ name: String, _ conf: CoordinatorNetConf, defaults: CoordinatorNetConf = CoordinatorNetConf(), annotation: String? = nil,
             _ error: CoordinatorError, _ message: String)
        {
            self.name = name
            self.conf = conf
            self.defaults = defaults
            self.annotation = annotation
            self.error = error
            self.message = message
        }

        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        // mode
        Bad("mode x", netConf { $0.mode = "x" }, .unknownMode("x"), "unknown tuneMode: x"),
        Bad("mode Overlay", netConf { $0.mode = "Overlay" }, .unknownMode("Overlay"), "unknown tuneMode: Overlay"),
        Bad("mode x from the SpiderCoordinator", CoordinatorNetConf(), defaults: netConf { $0.mode = "x" }, .unknownMode("x"),
            "unknown tuneMode: x"),
        // CIDRs
        Bad("overlayPodCIDR /33", netConf { $0.overlayPodCIDR = ["10.233.64.0/33"] },
            .invalidCIDR(field: "overlayPodCIDR", value: "10.233.64.0/33"), "invalid CIDR address: 10.233.64.0/33"),
        Bad("overlayPodCIDR /129", netConf { $0.overlayPodCIDR = ["fd85::/129"] },
            .invalidCIDR(field: "overlayPodCIDR", value: "fd85::/129"), "invalid CIDR address: fd85::/129"),
        Bad("serviceCIDR with a bad length", netConf { $0.serviceCIDR = ["10.233.0.0/18", "10.96.0.0/x"] },
            .invalidCIDR(field: "serviceCIDR", value: "10.96.0.0/x"), "invalid CIDR address: 10.96.0.0/x"),
        Bad("serviceCIDR empty entry", netConf { $0.serviceCIDR = [""] }, .invalidCIDR(field: "serviceCIDR", value: ""),
            "invalid CIDR address"),
        Bad("hijackCIDR word", netConf { $0.hijackCIDR = ["nodelocaldns"] }, .invalidCIDR(field: "hijackCIDR", value: "nodelocaldns"),
            "invalid CIDR address: nodelocaldns"),
        Bad("hijackCIDR two slashes", netConf { $0.hijackCIDR = ["169.254.0.0/16/1"] },
            .invalidCIDR(field: "hijackCIDR", value: "169.254.0.0/16/1"), "invalid CIDR address"),
        Bad("hijackCIDR bad address", netConf { $0.hijackCIDR = ["169.254.20.300"] },
            .invalidCIDR(field: "hijackCIDR", value: "169.254.20.300"), "invalid CIDR address: 169.254.20.300"),
        Bad("serviceCIDR from the SpiderCoordinator", CoordinatorNetConf(), defaults: netConf { $0.serviceCIDR = ["10.96.0.0/40"] },
            .invalidCIDR(field: "serviceCIDR", value: "10.96.0.0/40"), "invalid CIDR address"),
        // policy routes
        Bad("policy route bad dst", netConf { $0.policyRoutes = [.init(dst: "10.10.0.0/33", gw: "10.6.0.1")] },
            .invalidPolicyRouteDestination("10.10.0.0/33"), "invalid route dst \"10.10.0.0/33\""),
        Bad("policy route word dst", netConf { $0.policyRoutes = [.init(dst: "office", gw: "10.6.0.1")] },
            .invalidPolicyRouteDestination("office"), "invalid route dst \"office\""),
        Bad("policy route CIDR gw", netConf { $0.policyRoutes = [.init(dst: "10.10.0.0/16", gw: "10.6.0.1/16")] },
            .invalidPolicyRouteGateway("10.6.0.1/16"), "invalid route gw \"10.6.0.1/16\""),
        Bad("policy route empty gw", netConf { $0.policyRoutes = [.init(dst: "10.10.0.0/16", gw: "")] },
            .invalidPolicyRouteGateway(""), "invalid route gw"),
        Bad("policy route v4 dst, v6 gw", netConf { $0.policyRoutes = [.init(dst: "10.10.0.0/16", gw: "fd00:10:6::1")] },
            .policyRouteFamilyMismatch(destination: "10.10.0.0/16", gateway: "fd00:10:6::1"), "must use the same IP family"),
        Bad("policy route v6 dst, v4 gw", netConf { $0.policyRoutes = [.init(dst: "fd00:10::/64", gw: "10.6.0.1")] },
            .policyRouteFamilyMismatch(destination: "fd00:10::/64", gateway: "10.6.0.1"), "must use the same IP family"),
        Bad("policy route v6 host dst, v4 gw", netConf { $0.policyRoutes = [.init(dst: "fd00:10::1", gw: "10.6.0.1")] },
            .policyRouteFamilyMismatch(destination: "fd00:10::1", gateway: "10.6.0.1"),
            "route dst \"fd00:10::1\" and gw \"10.6.0.1\" must use the same IP family"),
        // MAC prefix
        Bad("MAC prefix 01:10 (odd first byte)", netConf { $0.podMACPrefix = "01:10" }, .invalidMACPrefix("01:10"),
            "mac_prefix format should be match regex"),
        Bad("MAC prefix ff:00 (odd first byte)", netConf { $0.podMACPrefix = "ff:00" }, .invalidMACPrefix("ff:00"),
            "mac_prefix format should be match regex"),
        Bad("MAC prefix 0a-1b", netConf { $0.podMACPrefix = "0a-1b" }, .invalidMACPrefix("0a-1b"), "mac_prefix format should be match regex"),
        Bad("MAC prefix 0a,1b", netConf { $0.podMACPrefix = "0a,1b" }, .invalidMACPrefix("0a,1b"), "mac_prefix format should be match regex"),
        Bad("MAC prefix 0a:1", netConf { $0.podMACPrefix = "0a:1" }, .invalidMACPrefix("0a:1"), "mac_prefix format should be match regex"),
        Bad("MAC prefix zz:11", netConf { $0.podMACPrefix = "zz:11" }, .invalidMACPrefix("zz:11"), "mac_prefix format should be match regex"),
        Bad("MAC prefix 0a:1b:2c", netConf { $0.podMACPrefix = "0a:1b:2c" }, .invalidMACPrefix("0a:1b:2c"), "like '0a:1b'"),
        Bad("MAC prefix 0a1b", netConf { $0.podMACPrefix = "0a1b" }, .invalidMACPrefix("0a1b"), "got '0a1b'"),
        Bad("MAC prefix from the SpiderCoordinator", CoordinatorNetConf(), defaults: netConf { $0.podMACPrefix = "01:10" },
            .invalidMACPrefix("01:10"), "mac_prefix format should be match regex"),
        // rp_filter
        Bad("podRPFilter -2", netConf { $0.podRPFilter = -2 }, .invalidRPFilter(-2), "invalid rp_filter value -2, available options: [-1,0,1,2]"),
        Bad("podRPFilter 3", netConf { $0.podRPFilter = 3 }, .invalidRPFilter(3), "invalid rp_filter value 3"),
        Bad("podRPFilter 3 from the SpiderCoordinator", CoordinatorNetConf(), defaults: netConf { $0.podRPFilter = 3 },
            .invalidRPFilter(3), "invalid rp_filter value 3"),
        // vethMTU
        Bad("vethMTU 0", netConf { $0.vethMTU = 0 }, .invalidVethMTU(0), "vethMTU must be greater than 0"),
        Bad("vethMTU -1", netConf { $0.vethMTU = -1 }, .invalidVethMTU(-1), "vethMTU must be greater than 0"),
        Bad("vethMTU 70000", netConf { $0.vethMTU = 70000 }, .invalidVethMTU(70000), "70000"),
        Bad("vethMTU 67 (below the veth minimum)", netConf { $0.vethMTU = 67 }, .invalidVethMTU(67), "at least 68"),
        Bad("vethMTU 0 beside a good SpiderCoordinator value", netConf { $0.vethMTU = 0 }, defaults: netConf { $0.vethMTU = 1450 },
            .invalidVethMTU(0), "vethMTU must be greater than 0"),
        // txQueueLen
        Bad("txQueueLen -1", netConf { $0.txQueueLen = -1 }, .invalidTxQueueLength(-1), "txQueueLen must not be negative"),
        Bad("txQueueLen -1 from the SpiderCoordinator", CoordinatorNetConf(), defaults: netConf { $0.txQueueLen = -1 },
            .invalidTxQueueLength(-1), "-1"),
        // hostRuleTable
        Bad("hostRuleTable 0", netConf { $0.hostRuleTable = 0 }, .invalidHostRuleTable(0), "hostRuleTable 0"),
        Bad("hostRuleTable -1", netConf { $0.hostRuleTable = -1 }, .invalidHostRuleTable(-1), "hostRuleTable -1"),
        Bad("hostRuleTable 253 (default)", netConf { $0.hostRuleTable = 253 }, .invalidHostRuleTable(253), "hostRuleTable 253"),
        Bad("hostRuleTable 254 (main)", netConf { $0.hostRuleTable = 254 }, .invalidHostRuleTable(254), "hostRuleTable 254"),
        Bad("hostRuleTable 255 (local)", netConf { $0.hostRuleTable = 255 }, .invalidHostRuleTable(255), "hostRuleTable 255"),
        Bad("hostRuleTable 2^32", netConf { $0.hostRuleTable = 4_294_967_296 }, .invalidHostRuleTable(4_294_967_296), "4294967296"),
        Bad("hostRuleTable 254 from the SpiderCoordinator", CoordinatorNetConf(), defaults: netConf { $0.hostRuleTable = 254 },
            .invalidHostRuleTable(254), "hostRuleTable 254"),
        // vethLinkAddress
        Bad("vethLinkAddress IPv6", netConf { $0.vethLinkAddress = "fe80::1" }, .invalidVethLinkAddress("fe80::1"), "must be an IPv4 address"),
        Bad("vethLinkAddress CIDR", netConf { $0.vethLinkAddress = "169.254.100.1/32" }, .invalidVethLinkAddress("169.254.100.1/32"),
            "vethLinkAddress '169.254.100.1/32'"),
        Bad("vethLinkAddress word", netConf { $0.vethLinkAddress = "link-local" }, .invalidVethLinkAddress("link-local"),
            "must be an IPv4 address"),
        Bad("vethLinkAddress mapped IPv6", netConf { $0.vethLinkAddress = "::ffff:169.254.100.1" },
            .invalidVethLinkAddress("::ffff:169.254.100.1"), "must be an IPv4 address"),
        // interface names
        Bad("podDefaultCniNic of 16 bytes", netConf { $0.podDefaultCniNic = "abcdefghijklmnop" },
            .invalidInterfaceName(field: "podDefaultCniNic", value: "abcdefghijklmnop"), "not a valid interface name"),
        Bad("podDefaultCniNic with /", netConf { $0.podDefaultCniNic = "../eth0" },
            .invalidInterfaceName(field: "podDefaultCniNic", value: "../eth0"), "podDefaultCniNic '../eth0'"),
        Bad("podDefaultRouteNic of 16 bytes", netConf { $0.podDefaultRouteNic = "net1234567890123" },
            .invalidInterfaceName(field: "podDefaultRouteNic", value: "net1234567890123"), "not a valid interface name"),
        Bad("podDefaultRouteNic with /", netConf { $0.podDefaultRouteNic = "net/1" },
            .invalidInterfaceName(field: "podDefaultRouteNic", value: "net/1"), "podDefaultRouteNic 'net/1'"),
        Bad("podDefaultRouteNic with :", netConf { $0.podDefaultRouteNic = "net1:0" },
            .invalidInterfaceName(field: "podDefaultRouteNic", value: "net1:0"), "not a valid interface name"),
        Bad("podDefaultRouteNic with a space", netConf { $0.podDefaultRouteNic = "net 1" },
            .invalidInterfaceName(field: "podDefaultRouteNic", value: "net 1"), "not a valid interface name"),
        Bad("podDefaultRouteNic ..", netConf { $0.podDefaultRouteNic = ".." },
            .invalidInterfaceName(field: "podDefaultRouteNic", value: ".."), "not a valid interface name"),
        Bad("annotation with /", CoordinatorNetConf(), annotation: "net/1",
            .invalidInterfaceName(field: "podDefaultRouteNic", value: "net/1"), "not a valid interface name"),
        Bad("SpiderCoordinator podDefaultRouteNic of 16 bytes", CoordinatorNetConf(),
            defaults: netConf { $0.podDefaultRouteNic = "abcdefghijklmnop" },
            .invalidInterfaceName(field: "podDefaultRouteNic", value: "abcdefghijklmnop"), "not a valid interface name"),
    ]

    @Test("a bad value is refused with code 7 and a message that names it", arguments: bad)
    func refused(_ c: Bad) throws {
        let error = try #require(refusal(c.conf, defaults: c.defaults, annotation: c.annotation), "\(c.name) must be refused")
        #expect(error == c.error)
        #expect(CNIError.code(for: error) == 7)
        #expect(error.description.contains(c.message), "\(error.description)")
    }

    @Test("rp_filter values outside -1…2 are refused with the value in the message", arguments: [-2, -3, 3, 4, 255, Int.min, Int.max])
    func rpFilterRange(_ value: Int) throws {
        let error = try #require(refusal(netConf { $0.podRPFilter = value }))
        #expect(error == .invalidRPFilter(value))
        #expect(CNIError.code(for: error) == 7)
        #expect(error.description == "invalid rp_filter value \(value), available options: [-1,0,1,2]")
    }

    @Test("rp_filter -1, 0, 1 and 2 are taken", arguments: [-1, 0, 1, 2])
    func rpFilterTaken(_ value: Int) throws {
        #expect(try resolve(netConf { $0.podRPFilter = value }).get().podRPFilter == value)
    }

    struct Order: Sendable, CustomTestStringConvertible {
        let name: String
        let conf: CoordinatorNetConf
        let error: CoordinatorError
        var testDescription: String { name }
    }

    // Spiderpool's ParseConfig: MAC prefix, then ValidateRoutes (serviceCIDR, overlayPodCIDR,
    // hijackCIDR), policy routes, rp_filter, vethMTU.
    static let orders: [Order] = [
        Order(name: "MAC prefix before CIDRs", conf: netConf {
            $0.podMACPrefix = "01:10"
            $0.overlayPodCIDR = ["x"]
        }, error: .invalidMACPrefix("01:10")),
        Order(name: "serviceCIDR before overlayPodCIDR", conf: netConf {
            $0.overlayPodCIDR = ["x"]
            $0.serviceCIDR = ["y"]
        }, error: .invalidCIDR(field: "serviceCIDR", value: "y")),
        Order(name: "overlayPodCIDR before hijackCIDR", conf: netConf {
            $0.hijackCIDR = ["x"]
            $0.overlayPodCIDR = ["y"]
        }, error: .invalidCIDR(field: "overlayPodCIDR", value: "y")),
        Order(name: "CIDRs before policy routes", conf: netConf {
            $0.policyRoutes = [.init(dst: "x", gw: "10.6.0.1")]
            $0.hijackCIDR = ["y"]
        }, error: .invalidCIDR(field: "hijackCIDR", value: "y")),
        Order(name: "policy routes before rp_filter", conf: netConf {
            $0.podRPFilter = 3
            $0.policyRoutes = [.init(dst: "x", gw: "10.6.0.1")]
        }, error: .invalidPolicyRouteDestination("x")),
        Order(name: "rp_filter before vethMTU", conf: netConf {
            $0.vethMTU = 0
            $0.podRPFilter = 3
        }, error: .invalidRPFilter(3)),
        Order(name: "vethMTU before mode", conf: netConf {
            $0.mode = "x"
            $0.vethMTU = 0
        }, error: .invalidVethMTU(0)),
    ]

    @Test("the first bad value in Spiderpool's order is the one reported", arguments: orders)
    func firstErrorWins(_ c: Order) throws {
        #expect(refusal(c.conf) == c.error)
    }
}

// MARK: - Values

@Suite("CoordinatorConfig: values")
struct CoordinatorConfigValueTests {
    @Test("a bare IP in hijackCIDR is a host prefix; CIDRs are brought to network form",
          arguments: [("169.254.20.10", "169.254.20.10/32"), ("fd00::10", "fd00::10/128"), (" 169.254.20.10 ", "169.254.20.10/32"),
                      ("169.254.0.0/16", "169.254.0.0/16"), ("169.254.20.10/16", "169.254.0.0/16"), ("fd00::10/64", "fd00::/64"),
                      (" 10.96.0.0/12", "10.96.0.0/12")])
    func hijackCIDR(_ text: String, _ expected: String) throws {
        let config = try resolve(netConf { $0.hijackCIDR = [text] }).get()
        #expect(config.hijackCIDR.map(\.description) == [expected])
    }

    @Test("policy routes: spaces trimmed, a bare destination is a host prefix",
          arguments: [("10.10.0.0/16", "10.6.0.1", "10.10.0.0/16 via 10.6.0.1"), (" 172.16.0.1 ", " 10.6.0.1 ", "172.16.0.1/32 via 10.6.0.1"),
                      ("fd00:10::/64", "fd00:10:6::1", "fd00:10::/64 via fd00:10:6::1"), ("fd00::1", "fd00::2", "fd00::1/128 via fd00::2")])
    func policyRoutes(_ dst: String, _ gw: String, _ expected: String) throws {
        let config = try resolve(netConf { $0.policyRoutes = [.init(dst: dst, gw: gw)] }).get()
        #expect(config.policyRoutes.map { "\($0.dst.network) via \($0.gw)" } == [expected])
        let direct = try PolicyRoute(dst: dst, gw: gw)
        #expect(direct == config.policyRoutes.first)
    }

    @Test("MAC prefixes: two hex bytes, the first even",
          arguments: [("0a:1b", UInt16(0x0a1b)), ("0A:1B", 0x0a1b), ("00:00", 0x0000), ("fe:ff", 0xfeff), ("1a:00", 0x1a00), ("02:00", 0x0200)])
    func macPrefix(_ text: String, _ value: UInt16) throws {
        #expect(try resolve(netConf { $0.podMACPrefix = text }).get().podMACPrefix == value)
        #expect(try CoordinatorConfig.parseMACPrefix(text) == value)
    }

    @Test("interface names: 1 to 15 bytes, no '/', ':' or white space, not '.' or '..'",
          arguments: [("eth0", true), ("abcdefghijklmno", true), ("abcdefghijklmnop", false), ("", false), ("net/1", false),
                      ("net:1", false), ("net 1", false), ("net\t1", false), (".", false), ("..", false), ("net1.100", true),
                      ("veth9c4f5a3e21a", true)])
    func interfaceNames(_ name: String, _ valid: Bool) {
        #expect(CoordinatorConfig.isValidInterfaceName(name) == valid)
    }
}

// MARK: - JSON

@Suite("CoordinatorNetConf: JSON")
struct CoordinatorNetConfJSONTests {
    @Test("a NAD's coordinator config decodes; unknown keys are ignored")
    func decodes() throws {
        let json = """
            {"cniVersion": "0.3.1", "name": "macvlan-ens192", "type": "coordinator", "mode": "overlay",
             "podDefaultRouteNic": "net1", "vethMTU": 1450, "hijackCIDR": ["169.254.0.0/16"], "tunePodRoutes": false,
             "policyRoutes": [{"dst": "10.10.0.0/16", "gw": "10.6.0.1"}], "hostRuleTable": 600, "podRPFilter": -1,
             "txQueueLen": 1000, "podMACPrefix": "0a:1b", "vethLinkAddress": "169.254.100.1",
             "overlayPodCIDR": ["10.233.64.0/18"], "serviceCIDR": ["10.233.0.0/18"], "podDefaultCniNic": "eth0",
             "prevResult": {"cniVersion": "0.3.1", "interfaces": [{"name": "net1"}], "ips": []},
             "logOptions": {"logLevel": "debug"}, "detectGateway": false, "hostRPFilter": 0, "multusNicPrefix": "net"}
            """
        let conf = try CoordinatorNetConf(json: Array(json.utf8))
        #expect(conf.name == "macvlan-ens192")
        #expect(conf.type == "coordinator")
        #expect(conf.vethMTU == 1450)
        let config = try CoordinatorConfig(netConf: conf)
        #expect(config.mode == .overlay)
        #expect(config.podDefaultRouteNic == "net1")
        #expect(config.vethMTU == 1450)
        #expect(config.tunePodRoutes == false)
        #expect(config.hostRuleTable.rawValue == 600)
        #expect(config.podRPFilter == -1)
        #expect(config.txQueueLen == 1000)
        #expect(config.podMACPrefix == 0x0a1b)
        #expect(config.vethLinkAddress?.description == "169.254.100.1")
        #expect(config.policyRoutes.map { "\($0.dst) via \($0.gw)" } == ["10.10.0.0/16 via 10.6.0.1"])
    }

    @Test("null is the same as absent")
    func nulls() throws {
        let conf = try CoordinatorNetConf(json: Array(#"{"mode": null, "vethMTU": null, "hijackCIDR": null}"#.utf8))
        #expect(conf == CoordinatorNetConf())
    }

    struct WrongType: Sendable, CustomTestStringConvertible {
        let json: String
        let field: String
        var testDescription: String { json }
    }

    static let wrongTypes: [WrongType] = [
        WrongType(json: #"{"vethMTU": "x"}"#, field: "vethMTU"),
        WrongType(json: #"{"vethMTU": "1500"}"#, field: "vethMTU"),
        WrongType(json: #"{"mode": 1}"#, field: "mode"),
        WrongType(json: #"{"tunePodRoutes": "true"}"#, field: "tunePodRoutes"),
        WrongType(json: #"{"hostRuleTable": "500"}"#, field: "hostRuleTable"),
        WrongType(json: #"{"podRPFilter": true}"#, field: "podRPFilter"),
        WrongType(json: #"{"txQueueLen": [1]}"#, field: "txQueueLen"),
        WrongType(json: #"{"overlayPodCIDR": "10.233.64.0/18"}"#, field: "overlayPodCIDR"),
        WrongType(json: #"{"serviceCIDR": [1]}"#, field: "serviceCIDR"),
        WrongType(json: #"{"hijackCIDR": {"cidr": "169.254.0.0/16"}}"#, field: "hijackCIDR"),
        WrongType(json: #"{"podMACPrefix": 10}"#, field: "podMACPrefix"),
        WrongType(json: #"{"vethLinkAddress": false}"#, field: "vethLinkAddress"),
        WrongType(json: #"{"podDefaultRouteNic": ["net1"]}"#, field: "podDefaultRouteNic"),
        WrongType(json: #"{"policyRoutes": {"dst": "10.10.0.0/16", "gw": "10.6.0.1"}}"#, field: "policyRoutes"),
        WrongType(json: #"{"policyRoutes": [{"dst": 10, "gw": "10.6.0.1"}]}"#, field: "dst"),
        WrongType(json: #"{"policyRoutes": [{"dst": "10.10.0.0/16"}]}"#, field: "gw"),
    ]

    @Test("a field of the wrong JSON type is code 6, naming the field", arguments: wrongTypes)
    func wrongType(_ c: WrongType) throws {
        do {
            _ = try CoordinatorNetConf(json: Array(c.json.utf8))
            Issue.record("\(c.json) must not decode")
        } catch {
            #expect(CNIError.code(for: error) == 6)
            guard case .undecodableConfig = error else {
                Issue.record("expected undecodableConfig, got \(error)")
                return
            }
            #expect(error.description.hasPrefix("failed to parse config: "), "\(error.description)")
            #expect(error.description.contains(c.field), "\(error.description)")
        }
    }

    @Test("text that is not JSON, or not an object, is code 6",
          arguments: ["", "{", "not json", "[1, 2]", #""coordinator""#, #"{"hostRuleTable": 1.5}"#])
    func notJSON(_ text: String) throws {
        do {
            _ = try CoordinatorNetConf(json: Array(text.utf8))
            Issue.record("\(text) must not decode")
        } catch {
            #expect(CNIError.code(for: error) == 6)
            #expect(error.description.hasPrefix("failed to parse config: "))
        }
    }
}
