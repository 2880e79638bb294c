import ArgumentParser
import Foundation
import SpiderCore
import SpiderYAML

/// `spiderctl detect`: the cluster's Pod and Service CIDRs from kubeadm, kube-controller-manager,
/// Calico or Cilium, as the SpiderCoordinator the coordinator plugin reads.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect the cluster's Pod and Service CIDRs and print (or store) the SpiderCoordinator.",
        discussion: """
            Works as Spiderpool's controller does: the kubeadm-config ConfigMap gives podSubnet and \
            serviceSubnet; when either is missing both come from the kube-controller-manager Pod. \
            The overlay Pod CIDRs then come from podCIDRType: cluster (the Pod CIDR), calico \
            (enabled IPPools), cilium (cilium-config's IPAM mode), none, or auto (from the default \
            CNI file in --cni-conf-dir). Exit 1 with the reason when the status is NotReady.

            Example:
              spiderctl detect --kubeadm-config kubeadm-config.yaml --pod-cidr-type auto --write
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case yaml, json }

    @Option(name: .customLong("kubeadm-config"), help: ArgumentHelp("The kubeadm-config ConfigMap (or a kubeadm ClusterConfiguration file).", valueName: "FILE"))
    var kubeadmConfig: String?

    @Option(name: .customLong("controller-manager"), help: ArgumentHelp("The kube-controller-manager Pod (static Pod manifest, Pod or Pod List).", valueName: "FILE"))
    var controllerManager: String?

    @Option(name: .customLong("calico-ippools"), help: ArgumentHelp("Calico IPPool documents (for podCIDRType calico).", valueName: "FILE"))
    var calicoIPPools: String?

    @Option(name: .customLong("cilium-config"), help: ArgumentHelp("Cilium's cilium-config ConfigMap (for podCIDRType cilium).", valueName: "FILE"))
    var ciliumConfig: String?

    @Option(name: .customLong("cilium-podippools"), help: ArgumentHelp("CiliumPodIPPool documents (for Cilium's multi-pool IPAM).", valueName: "FILE"))
    var ciliumPodIPPools: String?

    @Option(name: .customLong("service-cidrs"), help: ArgumentHelp("ServiceCIDR documents: when given, they replace kubeadm/kube-controller-manager service CIDRs.", valueName: "FILE"))
    var serviceCIDRs: String?

    @Option(name: .customLong("cni-conf-dir"), help: ArgumentHelp("The CNI configuration directory (for podCIDRType auto).", valueName: "DIR"))
    var cniConfDir: String = "/etc/cni/net.d"

    @Option(name: .customLong("pod-cidr-type"), help: ArgumentHelp("auto, cluster, calico, cilium or none.", valueName: "T"))
    var podCIDRType: String = "auto"

    @Flag(name: .customLong("accept-separate-flag-values"), help: "Also read `--cluster-cidr VALUE` (two arguments); Spiderpool only reads `--cluster-cidr=VALUE`.")
    var separateValues = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "yaml or json.")
    var output: Format = .yaml

    @Flag(help: "Store the SpiderCoordinator (as JSON) where the coordinator plugin reads it (PATH, default \(DetectCommand.defaultPath)).")
    var write = false

    @Argument(help: ArgumentHelp("With --write: where to store it.", valueName: "PATH"))
    var path: String?

    static var defaultPath: String { "/var/lib/spiderpool/spidercoordinator.yaml" }

    func validate() throws {
        if path != nil, !write { throw ValidationError("PATH is only taken with --write") }
        do { _ = try PodCIDRType(parsing: podCIDRType) } catch { throw ValidationError("--pod-cidr-type: \(error.description)") }
    }

    func run() throws {
        let detection = try detect()
        let document = DetectCommand.document(podCIDRType: podCIDRType, status: detection.status)
        Console.print(output == .yaml ? document.yaml.trimmingCharacters(in: .newlines) : document.json(pretty: true))
        for note in detection.notes { FileHandle.standardError.write(Data(("note: " + note + "\n").utf8)) }
        if write { try store(document) }
        if let error = detection.error {
            throw CommandFailure("SpiderCoordinator default is NotReady: \(error.description)" + (error.advice.map { " (\($0))" } ?? ""))
        } else if !detection.status.isSynced {
            throw CommandFailure("SpiderCoordinator default is NotReady: \(detection.status.reason)")
        }
    }

    /// Reads every given input and runs the detector.
    func detect() throws -> ClusterCIDRDetection {
        func read<T>(_ body: () throws(DetectionError) -> T) throws -> T {
            do { return try body() } catch { throw CommandFailure(error.description) }
        }
        let type = try read { () throws(DetectionError) in try PodCIDRType(parsing: podCIDRType) }
        var detector = ClusterCIDRDetector(podCIDRType: type, controllerManagerSeparateValues: separateValues)
        if type == .auto {
            do { detector.defaultCNI = .success(try DetectionSources.defaultCNI(directory: cniConfDir)) } catch { detector.defaultCNI = .failure(error) }
        }
        if let kubeadmConfig { detector.kubeadmConfig = try read { () throws(DetectionError) in try DetectionSources.kubeadmConfig(path: kubeadmConfig) } }
        if let controllerManager {
            do { detector.controllerManager = .success(try DetectionSources.controllerManager(path: controllerManager)) } catch {
                if case .controllerManagerWithoutContainers = error { detector.controllerManager = .failure(error) } else { throw CommandFailure(error.description) }
            }
        }
        if let calicoIPPools {
            detector.calicoIPPools = .success(try read { () throws(DetectionError) in try DetectionSources.calicoIPPools(path: calicoIPPools) })
        } else {
            detector.calicoIPPools = .failure(.calicoIPPoolsUnavailable(
                "no Calico IPPools given: pass --calico-ippools FILE (kubectl get ippools.crd.projectcalico.org -o yaml)"))
        }
        if let ciliumConfig {
            let config = try read { () throws(DetectionError) in try DetectionSources.ciliumConfig(path: ciliumConfig) }
            detector.ciliumConfig = config
            // Without a CiliumPodIPPool file, cluster-pool and kubernetes modes do not need
            // the pools; multi-pool reports them unavailable.
            if config.data["ipam"] != "multi-pool" { detector.ciliumPodIPPools = [] }
        } else {
            detector.ciliumPodIPPools = []
        }
        if let ciliumPodIPPools {
            detector.ciliumPodIPPools = try read { () throws(DetectionError) in try DetectionSources.ciliumPodIPPools(path: ciliumPodIPPools) }
        }
        if let serviceCIDRs {
            detector.serviceCIDRs = try read { () throws(DetectionError) in try DetectionSources.serviceCIDRs(path: serviceCIDRs) }
        }
        return detector.detect()
    }

    /// The SpiderCoordinator manifest: the webhook-defaulted spec and the detected status.
    static func document(podCIDRType: String, status: CoordinatorStatus) -> ManifestValue {
        var spec = CoordinatorWebhook.mutate(spec: .object([("podCIDRType", .string(podCIDRType))])).spec
        // An empty vethLinkAddress means "unset".
        if spec["vethLinkAddress"]?.stringValue == "" { spec["vethLinkAddress"] = nil }
        return .object([
            ("apiVersion", .string("spiderpool.spidernet.io/v2beta1")),
            ("kind", .string("SpiderCoordinator")),
            ("metadata", .object([("name", .string("default"))])),
            ("spec", spec),
            ("status", status.manifestValue),
        ])
    }

    /// Writes the manifest atomically, as JSON (which is YAML too, and which the lean CNI
    /// binary reads without handing the call to spiderctl), and checks that the coordinator
    /// plugin can read it.
    func store(_ document: ManifestValue) throws {
        let target = path ?? DetectCommand.defaultPath
        let url = URL(fileURLWithPath: target)
        let text = document.json(pretty: true) + "\n"
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw CommandFailure("cannot write \(target): \(error.localizedDescription)")
        }
        do { _ = try SpiderCoordinator.parse(documents: try ManifestValue.documents(json: text)) } catch {
            throw CommandFailure("wrote \(target) but it does not read back as a SpiderCoordinator: \(error.description)")
        }
    }
}
