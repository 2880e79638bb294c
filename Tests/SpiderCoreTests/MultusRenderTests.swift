import Foundation
import Testing
@testable import SpiderCore
import SpiderYAML

/// SpiderMultusConfig → NetworkAttachmentDefinition against `multus/multus_nad_cases.json`.
@Suite struct MultusRenderTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let value: ManifestValue
        var testDescription: String { name }
    }

    static func cases(_ key: String) throws -> [Case] {
        let data = try GoldenFixtures.data("multus/multus_nad_cases.json")
        let documents = try ManifestValue.documents(yaml: String(decoding: data, as: UTF8.self))
        guard let root = documents.first, let items = root[key]?.arrayValue else {
            throw GoldenFixtures.Missing(description: "multus_nad_cases.json has no \(key) list")
        }
        return items.map { Case(name: $0["name"]?.stringValue ?? "?", value: $0) }
    }

    static func annotations(_ value: ManifestValue?) -> [String: String] {
        var result: [String: String] = [:]
        for (key, item) in value?.objectValue ?? [] { result[key] = item.stringValue }
        return result
    }

    @Test func goldenFileHasCases() throws {
        #expect(try Self.cases("generated").count == 19)
        #expect(try Self.cases("rejected").count == 18)
    }

    @Test(arguments: try cases("generated"))
    func generated(_ golden: Case) throws {
        let input = try #require(golden.value["input"])
        let expected = try #require(golden.value["expectedNAD"])
        let crdDefaults = !(golden.value["pipeline"]?.stringValue ?? "").contains("no apiserver")
        let smc = try SpiderMultusConfig(document: input)
        let nad = try smc.render(crdDefaults: crdDefaults)
        #expect(expected["apiVersion"]?.stringValue == NetworkAttachmentDefinition.apiVersion)
        #expect(expected["kind"]?.stringValue == NetworkAttachmentDefinition.kind)
        #expect(nad.name == expected["name"]?.stringValue)
        #expect(nad.namespace == expected["namespace"]?.stringValue)
        #expect(nad.annotations == Self.annotations(expected["annotations"]))
        let owner = try #require(expected["ownerReference"])
        #expect(nad.ownerReference.name == owner["name"]?.stringValue)
        #expect(nad.ownerReference.apiVersion == owner["apiVersion"]?.stringValue)
        #expect(nad.ownerReference.kind == owner["kind"]?.stringValue)
        #expect(nad.ownerReference.controller == owner["controller"]?.boolValue)
        #expect(nad.ownerReference.blockOwnerDeletion == owner["blockOwnerDeletion"]?.boolValue)
        let config = try #require(expected["spec.config"]?.stringValue)
        // Byte-exact (Go's json.Marshal output), which implies the semantic comparison.
        #expect(nad.config == config)
        if let parsed = golden.value["configParsed"], !parsed.isNull {
            #expect(nad.configValue == parsed)
        }
    }

    @Test(arguments: try cases("rejected"))
    func rejected(_ golden: Case) throws {
        let input = try #require(golden.value["input"])
        let expected = try #require(golden.value["expectedRejection"])
        let smc = try SpiderMultusConfig(document: input)
        var operation = MultusOperation.create
        if golden.value["operation"]?.stringValue == "UPDATE", let old = golden.value["oldObjectForUpdate"] {
            operation = .update(old: try SpiderMultusConfig(document: old))
        }
        let error = #expect(throws: MultusError.self) { try smc.render(operation) }
        let field = try #require(error?.fieldError)
        #expect(field.path == expected["field"]?.stringValue)
        #expect(field.type.rawValue == expected["type"]?.stringValue)
        #expect(field.detail == expected["detail"]?.stringValue)
        if let prefix = golden.value["admissionMessagePrefix"]?.stringValue {
            #expect(error?.description.hasPrefix(prefix) == true)
        }
    }

    /// The docs' quick start renders byte-exact to the docs' `spec.config`.
    @Test func quickStartMacvlanIsByteExact() throws {
        let yaml = """
            apiVersion: spiderpool.spidernet.io/v2beta1
            kind: SpiderMultusConfig
            metadata:
              name: macvlan-ens192
              namespace: kube-system
            spec:
              cniType: macvlan
              macvlan:
                master:
                - ens192
                vlanID: 0
                ippools:
                  ipv4:
                  - 10-6-v4
            """
        let smcs = try SpiderMultusConfig.parse(yaml)
        #expect(smcs.count == 1)
        let nad = try #require(smcs.first).render()
        #expect(nad.config == #"{"cniVersion":"0.3.1","name":"macvlan-ens192","plugins":[{"type":"macvlan","master":"ens192","mode":"bridge","mtu":0,"ipam":{"type":"spiderpool","default_ipv4_ippool":["10-6-v4"]}},{"txQueueLen":0,"tunePodRoutes":true,"mode":"auto","type":"coordinator"}]}"#)
        #expect(nad.document["spec"]?["config"]?.stringValue == nad.config)
        #expect(nad.document.yaml.contains("kind: NetworkAttachmentDefinition"))
    }

    // MARK: Our own cases

    @Test func sriovWithRDMAAndTuning() throws {
        let smc = try #require(SpiderMultusConfig.parse("""
            {"metadata":{"name":"s","namespace":"n"},"spec":{"cniType":"sriov","sriov":{"resourceName":"r/x","vlanID":100,
             "mtu":8000,"minTxRateMbps":100,"maxTxRateMbps":1000,"rdmaIsolation":true}}}
            """).first)
        let nad = try smc.render()
        #expect(nad.config == #"{"cniVersion":"0.3.1","name":"s","plugins":[{"vlan":100,"min_tx_rate":100,"max_tx_rate":1000,"type":"sriov","ipam":{"type":"spiderpool"}},{"type":"rdma"},{"txQueueLen":0,"tunePodRoutes":true,"mode":"auto","type":"coordinator"},{"type":"tuning","mtu":8000}]}"#)
        #expect(nad.annotations[NetworkAttachmentDefinition.resourceNameAnnotation] == "r/x")
    }

    @Test func ipoibAndCustomAndCoordinatorFields() throws {
        let ipoib = try #require(SpiderMultusConfig.parse("""
            metadata: {name: ib}
            spec: {cniType: ipoib, disableIPAM: true, enableCoordinator: false, ipoib: {master: ib0}}
            """).first).render()
        #expect(ipoib.namespace == "default")
        #expect(ipoib.config == #"{"cniVersion":"0.3.1","name":"ib","plugins":[{"type":"ipoib","master":"ib0"}]}"#)

        let custom = try #require(SpiderMultusConfig.parse("""
            metadata: {name: c}
            spec: {cniType: custom, customCNI: '{"cniVersion":"0.3.1","type":"bridge"}', macvlan: null}
            """).first).render()
        #expect(custom.config == #"{"cniVersion":"0.3.1","type":"bridge"}"#)

        let coordinator = try #require(SpiderMultusConfig.parse("""
            metadata: {name: m}
            spec:
              cniType: ipvlan
              ipvlan: {master: [eth0]}
              chainCNIJsonData: ['{"type":"x","b":"<a&b>","a":1.5}']
              coordinator: {podCIDRType: cluster, podRPFilter: 1, hijackCIDR: [10.0.0.1], podDefaultRouteNIC: net1,
                            podMACPrefix: "0a:1b", vethLinkAddress: 169.254.1.1, vethMTU: 1400}
            """).first).render()
        #expect(coordinator.config == #"{"cniVersion":"0.3.1","name":"m","plugins":[{"type":"ipvlan","master":"eth0","mtu":0,"ipam":{"type":"spiderpool"}},{"a":1.5,"b":"\u003ca\u0026b\u003e","type":"x"},{"txQueueLen":0,"vethLinkAddress":"169.254.1.1","vethMTU":1400,"tunePodRoutes":true,"podMACPrefix":"0a:1b","mode":"auto","type":"coordinator","podDefaultRouteNic":"net1","podRPFilter":1,"hijackCIDR":["10.0.0.1"]}]}"#)
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        let label: String
        let text: String
        var testDescription: String { label }
    }

    static let malformed: [Malformed] = [
        Malformed(label: "bad YAML", text: "metadata: {name: x\nspec: [unclosed"),
        Malformed(label: "not a mapping", text: "- a\n- b"),
        Malformed(label: "wrong kind", text: "kind: SpiderIPPool\nmetadata: {name: x}"),
        Malformed(label: "no name", text: "metadata: {namespace: x}\nspec: {cniType: macvlan}"),
        Malformed(label: "spec is a list", text: "metadata: {name: x}\nspec: [1]"),
        Malformed(label: "master is a string", text: "metadata: {name: x}\nspec: {cniType: macvlan, macvlan: {master: eth0}}"),
        Malformed(label: "vlanID is text", text: "metadata: {name: x}\nspec: {cniType: macvlan, macvlan: {master: [eth0], vlanID: ten}}"),
        Malformed(label: "enableCoordinator is text", text: "metadata: {name: x}\nspec: {enableCoordinator: maybe}"),
        Malformed(label: "bond without mode", text: "metadata: {name: x}\nspec: {cniType: macvlan, macvlan: {master: [a, b], bond: {name: bond0}}}"),
        Malformed(label: "policyRoutes not a list", text: "metadata: {name: x}\nspec: {cniType: macvlan, macvlan: {master: [a]}, coordinator: {policyRoutes: 3}}"),
        Malformed(label: "unknown cniType", text: "metadata: {name: x}\nspec: {cniType: flannel}"),
        Malformed(label: "missing type config", text: "metadata: {name: x}\nspec: {cniType: ovs}"),
        Malformed(label: "chain plugin without type", text: "metadata: {name: x}\nspec: {cniType: macvlan, macvlan: {master: [a]}, chainCNIJsonData: ['{\"name\":\"n\"}']}"),
        Malformed(label: "chain plugin not JSON", text: "metadata: {name: x}\nspec: {cniType: macvlan, macvlan: {master: [a]}, chainCNIJsonData: ['nope']}"),
        Malformed(label: "bad cr-name", text: "metadata: {name: x, annotations: {multus.spidernet.io/cr-name: Bad_Name}}\nspec: {cniType: macvlan, macvlan: {master: [a]}}"),
        Malformed(label: "ovs trunk maxID < minID", text: "metadata: {name: x}\nspec: {cniType: ovs, ovs: {bridge: br0, trunk: [{minID: 20, maxID: 10}]}}"),
        Malformed(label: "rpfilter 3", text: "metadata: {name: x}\nspec: {cniType: macvlan, macvlan: {master: [a]}, coordinator: {podRPFilter: 3}}"),
    ]

    @Test(arguments: malformed)
    func malformedInputIsAnError(_ item: Malformed) {
        let error = #expect(throws: MultusError.self) {
            for smc in try SpiderMultusConfig.parse(item.text) { _ = try smc.render() }
        }
        #expect(error.map { !$0.description.isEmpty && !$0.description.contains("\n") } == true)
    }

    @Test func unknownCNITypeIsReportedAsTheAPIServerDoes() {
        let error = #expect(throws: MultusError.self) { try SpiderMultusConfig.parse("metadata: {name: x}\nspec: {cniType: flannel}") }
        #expect(error?.fieldError?.path == "spec.cniType")
        #expect(error?.fieldError?.type == .notSupported)
    }

    @Test func existingNADOwnedByAnotherSMCIsRejected() throws {
        let smc = SpiderMultusConfig(name: "a", namespace: "ns", annotations: [SpiderMultusConfig.crNameAnnotation: "shared"],
                                     spec: { var s = SpiderMultusConfigSpec(); s.cniType = .macvlan; s.macvlan = MultusMacvlanConfig(master: ["eth0"]); return s }())
        #expect(throws: MultusError.self) { try smc.render(existingNADOwners: ["ns/shared": "ns/b"]) }
        #expect(try smc.render(existingNADOwners: ["ns/shared": nil]).name == "shared")
        #expect(try smc.render(existingNADOwners: ["ns/shared": "ns/a"]).name == "shared")
    }
}
