import Foundation
import Testing
@testable import SpiderCore
import SpiderYAML

/// Cluster CIDR detection, SpiderCoordinator status and webhook: every case of
/// `Tests/Fixtures/golden/detect/`, plus malformed inputs.
@Suite("Detection")
struct DetectionTests {
    // MARK: Golden helpers

    static func golden(_ name: String) throws -> ManifestValue {
        let text = String(decoding: try GoldenFixtures.data("detect/\(name)"), as: UTF8.self)
        guard let value = try ManifestValue.documents(yaml: text).first else { throw GoldenFixtures.Missing(description: "\(name) is empty") }
        return value
    }

    static func cases(_ file: String, _ key: String) throws -> [ManifestValue] {
        try golden(file)[key]?.arrayValue ?? []
    }

    static func strings(_ value: ManifestValue?) -> [String] {
        value?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func stringMap(_ value: ManifestValue?) -> [String: String] {
        var map: [String: String] = [:]
        for (key, item) in value?.objectValue ?? [] { map[key] = item.stringValue ?? "" }
        return map
    }

    static func timestamp(_ minutes: ManifestValue?) -> String? {
        guard let minutes = minutes?.intValue else { return nil }
        return "2024-01-01T00:" + (minutes < 10 ? "0" : "") + "\(minutes):00Z"
    }

    /// A fresh directory holding `files`.
    static func directory(_ files: [String: String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spider-detect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
        return url.path
    }

    // MARK: cidr_parsers.json

    @Test("golden kubeadm-config extraction")
    func kubeadmGolden() throws {
        let cases = try Self.cases("cidr_parsers.json", "kubeadmConfigMapExtract")
        #expect(cases.count == 10)
        for item in cases {
            let name = item["name"]?.stringValue ?? "?"
            let config = KubeadmConfig(data: Self.stringMap(item["input"]?["configMapData"]))
            let expected = item["expected"]
            do {
                let cidrs = try config.clusterCIDRs()
                #expect(expected?["error"] == nil, "\(name)")
                #expect(cidrs.podCIDR == Self.strings(expected?["podCIDR"]), "\(name)")
                #expect(cidrs.serviceCIDR == Self.strings(expected?["serviceCIDR"]), "\(name)")
            } catch {
                #expect(error.description == expected?["error"]?.stringValue, "\(name)")
            }
        }
    }

    @Test("golden kube-controller-manager extraction")
    func controllerManagerGolden() throws {
        let cases = try Self.cases("cidr_parsers.json", "kubeControllerManagerPodExtract")
        #expect(cases.count == 8)
        for item in cases {
            let name = item["name"]?.stringValue ?? "?"
            let pod = ControllerManagerArguments(command: Self.strings(item["input"]?["containers[0].command"]),
                                                 args: Self.strings(item["input"]?["containers[0].args"]))
            let cidrs = pod.clusterCIDRs()
            #expect(cidrs.podCIDR == Self.strings(item["expected"]?["podCIDR"]), "\(name)")
            #expect(cidrs.serviceCIDR == Self.strings(item["expected"]?["serviceCIDR"]), "\(name)")
        }
    }

    @Test("golden default CNI name and auto type")
    func defaultCNIGolden() throws {
        let cases = try Self.cases("cidr_parsers.json", "defaultCniNameAndAutoType")
        #expect(cases.count == 10)
        for item in cases {
            let name = item["name"]?.stringValue ?? "?"
            let directory: String
            if item["input"]?["dirMissing"]?.boolValue == true {
                directory = FileManager.default.temporaryDirectory.appendingPathComponent("spider-missing-\(UUID().uuidString)").path
            } else {
                directory = try Self.directory(Self.stringMap(item["input"]?["files"]))
            }
            let expected = item["expected"]
            do {
                let cni = try DetectionSources.defaultCNI(directory: directory)
                #expect(expected?["error"] == nil, "\(name)")
                #expect((cni?.networkName ?? "") == expected?["defaultCniName"]?.stringValue, "\(name)")
                #expect((cni?.podCIDRType ?? .none).rawValue == expected?["autoResolvedPodCIDRType"]?.stringValue, "\(name)")
            } catch {
                let text = expected?["error"]?.stringValue?.replacingOccurrences(of: "<cniDir>", with: directory)
                #expect(error.description == text, "\(name)")
            }
        }
    }

    // MARK: coordinator_status_cases.json

    static func detector(for input: ManifestValue) throws -> (ClusterCIDRDetector, directory: String) {
        let type = try PodCIDRType(parsing: input["spec.podCIDRType"]?.stringValue ?? "")
        var detector = ClusterCIDRDetector(podCIDRType: type)
        let directory = try Self.directory(Self.stringMap(input["cniConfDirFiles"]))
        do { detector.defaultCNI = .success(try DetectionSources.defaultCNI(directory: directory)) } catch { detector.defaultCNI = .failure(error) }
        if let data = input["kubeadmConfigData"] { detector.kubeadmConfig = KubeadmConfig(data: Self.stringMap(data)) }
        if input["kcmPodCommand"] != nil || input["kcmPodArgs"] != nil {
            detector.controllerManager = .success(ControllerManagerArguments(command: Self.strings(input["kcmPodCommand"]), args: Self.strings(input["kcmPodArgs"])))
        }
        if input["calicoCRDMissing"]?.boolValue == true {
            detector.calicoIPPools = .failure(.calicoIPPoolsUnavailable("the server could not find the requested resource (get ippools.crd.projectcalico.org)"))
        } else {
            detector.calicoIPPools = .success((input["calicoIPPools"]?.arrayValue ?? []).map {
                CalicoIPPool(name: $0["name"]?.stringValue ?? "", cidr: $0["cidr"]?.stringValue ?? "",
                             disabled: $0["disabled"]?.boolValue ?? false, creationTimestamp: Self.timestamp($0["created"]))
            })
        }
        if let data = input["ciliumConfigData"] { detector.ciliumConfig = CiliumConfig(data: Self.stringMap(data)) }
        if input["ciliumPodIPPoolCRDPresent"]?.boolValue == true {
            detector.ciliumPodIPPools = (input["ciliumPodIPPools"]?.arrayValue ?? []).map {
                CiliumPodIPPool(name: $0["name"]?.stringValue ?? "", ipv4CIDRs: Self.strings($0["ipv4"]), ipv6CIDRs: Self.strings($0["ipv6"]),
                                creationTimestamp: Self.timestamp($0["created"]))
            }
        }
        if input["serviceCIDRAPIAvailable"]?.boolValue == true { detector.serviceCIDRs = [] }
        if let previous = input["previousStatus"] {
            detector.previousStatus = CoordinatorStatus(phase: previous["phase"]?.stringValue ?? "", reason: previous["reason"]?.stringValue ?? "",
                                                        overlayPodCIDR: Self.strings(previous["overlayPodCIDR"]), serviceCIDR: Self.strings(previous["serviceCIDR"]))
        }
        return (detector, directory)
    }

    @Test("golden SpiderCoordinator status cases")
    func statusGolden() throws {
        let cases = try Self.cases("coordinator_status_cases.json", "cases")
        #expect(cases.count == 22)
        for item in cases {
            let name = item["name"]?.stringValue ?? "?"
            guard let input = item["input"], let expected = item["expectedStatus"] else {
                Issue.record("\(name): no input/expectedStatus")
                continue
            }
            let (detector, directory) = try Self.detector(for: input)
            let result = detector.detect()
            #expect(result.status.phase == expected["phase"]?.stringValue, "\(name)")
            let reason = expected["reason"]?.stringValue ?? ""
            if !reason.hasPrefix("<verbatim") {
                #expect(result.status.reason == reason.replacingOccurrences(of: "<cniDir>", with: directory), "\(name)")
            } else {
                #expect(!result.status.reason.isEmpty, "\(name)")
            }
            #expect(result.status.overlayPodCIDR == Self.strings(expected["overlayPodCIDR"]), "\(name)")
            #expect(result.status.serviceCIDR == Self.strings(expected["serviceCIDR"]), "\(name)")
            #expect((result.error == nil) == result.status.isSynced, "\(name)")
        }
    }

    // MARK: coordinator_webhook_cases.json

    @Test("golden SpiderCoordinator webhook cases")
    func webhookGolden() throws {
        let cases = try Self.cases("coordinator_webhook_cases.json", "cases")
        #expect(cases.count == 13)
        for item in cases {
            let name = item["name"]?.stringValue ?? "?"
            let (mutation, error) = CoordinatorWebhook.admit(spec: item["inputSpec"] ?? .object([]))
            #expect(mutation.spec == item["specAfterWebhookDefaulting"], "\(name): \(mutation.spec.json())")
            #expect(mutation.finalizersAdded == Self.strings(item["finalizersAdded"]), "\(name)")
            if let message = item["admissionError"]?.stringValue {
                #expect(error?.description == message, "\(name)")
            } else {
                #expect(item["admitted"]?.boolValue == true, "\(name)")
                #expect(error == nil, "\(name): \(String(describing: error))")
            }
        }
    }

    // MARK: Malformed input and our own cases

    @Test("bad YAML, wrong kinds and missing keys are typed errors", arguments: [
        ("calico", "kind: IPPool\nspec: [unclosed", "not a valid YAML/JSON document"),
        ("calico", "kind: ConfigMap\nmetadata: {name: x}\n", "expected Calico IPPool documents, found ConfigMap"),
        ("calico", "kind: IPPool\nmetadata: {name: p}\nspec: {}\n", "spec.cidr: Required value"),
        ("calico", "kind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/33}\n", "\"10.0.0.0/33\" is not a CIDR"),
        ("calico", "kind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/8, disabled: maybe}\n", "spec.disabled: expected true or false"),
        ("cilium", "kind: ConfigMap\ndata: [1, 2]\n", "data: expected a mapping of strings"),
        ("ciliumpool", "kind: CiliumPodIPPool\nmetadata: {name: a}\nspec: {ipv4: {cidrs: [fd00::/64]}}\n", "is not an IPv4 CIDR"),
        ("kcm", "kind: Pod\nmetadata: {name: kcm}\nspec: {containers: []}\n", "kube-controller-manager pod kcm has no containers"),
        ("kcm", "kind: Pod\nspec: {containers: [{command: kube-controller-manager}]}\n", "spec.containers[0].command: expected a list of strings"),
        ("kcm", "kind: Deployment\n", "expected a Pod, found Deployment"),
    ])
    func malformedDocuments(reader: String, text: String, message: String) throws {
        let directory = try Self.directory(["input.yaml": text])
        let path = directory + "/input.yaml"
        do {
            switch reader {
            case "calico": _ = try DetectionSources.calicoIPPools(path: path)
            case "cilium": _ = try DetectionSources.ciliumConfig(path: path)
            case "ciliumpool": _ = try DetectionSources.ciliumPodIPPools(path: path)
            default: _ = try DetectionSources.controllerManager(path: path)
            }
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("a missing file names the path")
    func missingFile() {
        #expect(throws: DetectionError.unreadable(path: "/nonexistent/kubeadm.yaml", detail: "no such file")) {
            try DetectionSources.kubeadmConfig(path: "/nonexistent/kubeadm.yaml")
        }
    }

    @Test("readers: ConfigMap, kubeadm file, static Pod manifest, List of pods")
    func readers() throws {
        let directory = try Self.directory([
            "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kubeadm-config, namespace: kube-system}\ndata:\n  ClusterConfiguration: |\n    networking:\n      podSubnet: 10.244.0.0/16,fd00:10:244::/56\n      serviceSubnet: 10.96.0.0/12\n",
            "kubeadm.yaml": "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.1.0.0/16\n  serviceSubnet: 10.2.0.0/16\n",
            "kcm.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-controller-manager-master}\nspec:\n  containers:\n  - command:\n    - kube-controller-manager\n    - --cluster-cidr=10.244.0.0/16\n    - --service-cluster-ip-range=10.96.0.0/12\n",
            "list.yaml": "{\"kind\":\"PodList\",\"items\":[]}",
        ])
        let cm = try DetectionSources.kubeadmConfig(path: directory + "/cm.yaml").clusterCIDRs()
        #expect(cm == ClusterCIDRs(podCIDR: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCIDR: ["10.96.0.0/12"]))
        let file = try DetectionSources.kubeadmConfig(path: directory + "/kubeadm.yaml").clusterCIDRs()
        #expect(file == ClusterCIDRs(podCIDR: ["10.1.0.0/16"], serviceCIDR: ["10.2.0.0/16"]))
        let kcm = try DetectionSources.controllerManager(path: directory + "/kcm.yaml")
        #expect(kcm?.podName == "kube-controller-manager-master")
        #expect(kcm?.clusterCIDRs() == ClusterCIDRs(podCIDR: ["10.244.0.0/16"], serviceCIDR: ["10.96.0.0/12"]))
        #expect(try DetectionSources.controllerManager(path: directory + "/list.yaml") == nil)
    }

    @Test("--flag VALUE is read only when asked for")
    func separateValues() {
        let pod = ControllerManagerArguments(command: ["kube-controller-manager", "--cluster-cidr", "10.244.0.0/16", "--service-cluster-ip-range", "10.96.0.0/12"], args: [])
        #expect(pod.clusterCIDRs() == ClusterCIDRs())
        #expect(pod.clusterCIDRs(separateValues: true) == ClusterCIDRs(podCIDR: ["10.244.0.0/16"], serviceCIDR: ["10.96.0.0/12"]))
    }

    @Test("disabled and deleting Calico pools are left out, and said so")
    func calicoDisabled() throws {
        let text = """
            apiVersion: crd.projectcalico.org/v1
            kind: IPPoolList
            items:
            - kind: IPPool
              metadata: {name: late, creationTimestamp: "2024-01-02T00:00:00Z"}
              spec: {cidr: 10.245.0.0/16}
            - kind: IPPool
              metadata: {name: old, creationTimestamp: "2024-01-01T00:00:00Z"}
              spec: {cidr: 10.244.0.0/16, disabled: true}
            - kind: IPPool
              metadata: {name: first, creationTimestamp: "2023-01-01T00:00:00Z"}
              spec: {cidr: 10.243.0.0/16}
            - kind: IPPool
              metadata: {name: gone, creationTimestamp: "2023-01-01T00:00:00Z", deletionTimestamp: "2024-01-03T00:00:00Z"}
              spec: {cidr: 10.242.0.0/16}
            """
        let pools = try CalicoIPPool.pools(yaml: text, source: "pools.yaml")
        let detector = ClusterCIDRDetector(podCIDRType: .calico,
                                           kubeadmConfig: KubeadmConfig(data: ["ClusterConfiguration": "podSubnet: 10.244.0.0/16\nserviceSubnet: 10.96.0.0/12"]),
                                           calicoIPPools: .success(pools))
        let result = detector.detect()
        #expect(result.status == CoordinatorStatus(phase: "Synced", overlayPodCIDR: ["10.243.0.0/16", "10.245.0.0/16"], serviceCIDR: ["10.96.0.0/12"]))
        #expect(result.notes.contains { $0.contains("\"old\"") && $0.contains("disabled") && $0.contains("#5738") })
        #expect(result.notes.contains { $0.contains("\"gone\"") && $0.contains("being deleted") })
    }

    @Test("Cilium cluster-pool: families, trimming, missing keys", arguments: [
        (["ipam": "cluster-pool", "cluster-pool-ipv4-cidr": "10.0.0.0/8", "cluster-pool-ipv6-cidr": " fd00::/104 "], "Synced", ["10.0.0.0/8", "fd00::/104"], ""),
        (["ipam": "cluster-pool", "cluster-pool-ipv4-cidr": "fd00::/104"], "NotReady", [], "cilium-config cluster-pool-ipv4-cidr: fd00::/104 is not an IPv4 CIDR"),
        (["ipam": "cluster-pool"], "Synced", [], ""),
        (["ipam": "kubernetes"], "Synced", ["10.244.0.0/16"], ""),
        ([:], "NotReady", [], "unsupported CIlium IPAM mode: "),
    ])
    func ciliumModes(data: [String: String], phase: String, overlay: [String], reason: String) {
        let detector = ClusterCIDRDetector(podCIDRType: .cilium,
                                           kubeadmConfig: KubeadmConfig(data: ["ClusterConfiguration": "podSubnet: 10.244.0.0/16\nserviceSubnet: 10.96.0.0/12"]),
                                           ciliumConfig: CiliumConfig(data: data), ciliumPodIPPools: [])
        let status = detector.detect().status
        #expect(status.phase == phase)
        #expect(status.overlayPodCIDR == overlay)
        #expect(status.reason == reason)
    }

    @Test("bad cilium configmap name env")
    func ciliumName() {
        let detector = ClusterCIDRDetector(podCIDRType: .cilium, kubeadmConfig: KubeadmConfig(data: ["ClusterConfiguration": "podSubnet: 10.244.0.0/16\nserviceSubnet: 10.96.0.0/12"]),
                                           ciliumConfigMapNamespaceName: "cilium-config", ciliumPodIPPools: [])
        #expect(detector.detect().status.reason == "invalid ENV SPIDERPOOL_CILIUM_CONFIGMAP_NAMESPACE_NAME: cilium-config, unable parse cilium-config configMap")
    }

    @Test("a kube-controller-manager Pod without containers is NotReady, not a crash")
    func kcmWithoutContainers() throws {
        let pod = try? ControllerManagerArguments(pod: try #require(ManifestValue.documents(yaml: "kind: Pod\nmetadata: {name: kcm}\nspec: {}").first), source: "x")
        #expect(pod == nil)
        let detector = ClusterCIDRDetector(podCIDRType: .cluster, controllerManager: .failure(.controllerManagerWithoutContainers(pod: "kcm")))
        let result = detector.detect()
        #expect(result.status.phase == "NotReady")
        #expect(result.status.reason.contains("has no containers"))
        #expect(result.error?.advice != nil)
    }

    @Test("ServiceCIDR objects replace the kubeadm service CIDR, oldest first")
    func serviceCIDRObjects() throws {
        let text = """
            kind: ServiceCIDR
            metadata: {name: b, creationTimestamp: "2024-02-01T00:00:00Z"}
            spec: {cidrs: [10.97.0.0/16]}
            ---
            kind: ServiceCIDR
            metadata: {name: kubernetes, creationTimestamp: "2024-01-01T00:00:00Z"}
            spec: {cidrs: [10.96.0.0/12, "fd00:10:96::/112"]}
            """
        let objects = try KubernetesServiceCIDR.objects(yaml: text, source: "svc.yaml")
        let detector = ClusterCIDRDetector(podCIDRType: .none, kubeadmConfig: KubeadmConfig(data: ["ClusterConfiguration": "podSubnet: 10.244.0.0/16\nserviceSubnet: 10.1.0.0/16"]),
                                           serviceCIDRs: objects)
        #expect(detector.detect().status.serviceCIDR == ["10.96.0.0/12", "fd00:10:96::/112", "10.97.0.0/16"])
    }

    @Test("CNI files: Go JSON errors and libcni checks", arguments: [
        ("10-a.conflist", "", "error parsing configuration list: unexpected end of JSON input"),
        ("10-a.conflist", "[1]", "error parsing configuration list: json: cannot unmarshal array"),
        ("10-a.conflist", "{\"cniVersion\":\"0.3.1\",\"plugins\":[{\"type\":\"x\"}]}", "error parsing configuration list: no name"),
        ("10-a.conflist", "{\"name\":\"x\"}", "error parsing configuration list: no 'plugins' key"),
        ("10-a.conflist", "{\"name\":\"x\",\"plugins\":[]}", "error parsing configuration list: no plugins in list"),
        ("10-a.conf", "{\"name\":\"x\"}", "error parsing configuration: missing 'type'"),
        ("10-a.conf", "{\"name\":\"x\",\"type\":\"y\"} x", "invalid character 'x' after top-level value"),
        ("10-a.conf", "{\"name\" 1}", "invalid character '1' after object key"),
        ("10-a.conf", "{\"name\":tru}", "invalid character '}' in literal true (expecting 'e')"),
    ])
    func cniFileErrors(name: String, text: String, message: String) throws {
        let directory = try Self.directory([name: text])
        do {
            _ = try DetectionSources.defaultCNI(directory: directory)
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description.hasPrefix("error loading CNI"))
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("webhook: policy route families, bad MAC, bad prefix bits, unknown mode")
    func webhookRejections() {
        func error(_ spec: ManifestValue) -> String? { CoordinatorWebhook.admit(spec: spec).error?.description }
        let base: [(key: String, value: ManifestValue)] = [("podCIDRType", .string("none"))]
        #expect(error(.object(base + [("policyRoutes", .array([.object([("dst", .string("10.0.0.0/8")), ("gw", .string("fd00::1"))])]))]))?
            .hasSuffix("dst and gw must use the same IP family") == true)
        #expect(error(.object(base + [("hijackCIDR", .array([.string("10.0.0.0/08")]))]))?.hasSuffix("bad bits after slash: \"08\"") == true)
        #expect(error(.object(base + [("podMACPrefix", .string("zz:00"))]))?.hasSuffix("not a valid MAC prefix") == true)
        #expect(error(.object(base + [("mode", .string("bridge"))]))?.contains("spec.mode: Unsupported value: \"bridge\"") == true)
        #expect(error(.object(base + [("vethMTU", .string("1500"))]))?.contains("spec.vethMTU: expected an integer") == true)
        #expect(error(.string("not a mapping"))?.contains("spec.podCIDRType: Unsupported value") == true)
    }

    @Test("a detected SpiderCoordinator manifest reads back with SpiderCoordinator.parse")
    func readBack() throws {
        let status = CoordinatorStatus(phase: "Synced", overlayPodCIDR: ["10.244.0.0/16"], serviceCIDR: ["10.96.0.0/12"])
        let spec = CoordinatorWebhook.mutate(spec: .object([("podCIDRType", .string("cluster"))])).spec
        let document = ManifestValue.object([
            ("apiVersion", .string("spiderpool.spidernet.io/v2beta1")), ("kind", .string("SpiderCoordinator")),
            ("metadata", .object([("name", .string("default"))])), ("spec", spec), ("status", status.manifestValue),
        ])
        let coordinator = try SpiderCoordinator.parse(document.yaml)
        #expect(coordinator.phase == "Synced")
        #expect(coordinator.settings.overlayPodCIDR == ["10.244.0.0/16"])
        #expect(coordinator.settings.serviceCIDR == ["10.96.0.0/12"])
        #expect(coordinator.settings.hostRuleTable == 500)
    }
}
