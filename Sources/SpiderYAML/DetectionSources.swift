import Foundation
import SpiderCore

/// Readers that take paths: each reads a file (or directory) and hands the text to the pure
/// parser of its type. Tests point them at fixtures.
public enum DetectionSources {
    /// A file's text.
    public static func text(path: String) throws(DetectionError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw .unreadable(path: path, detail: !exists ? "no such file" : isDirectory.boolValue ? "is a directory" : "permission denied")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The kubeadm-config: a ConfigMap manifest (`kubectl -n kube-system get cm kubeadm-config -o yaml`),
    /// or a kubeadm configuration file with a `kind: ClusterConfiguration` document (used as
    /// the ClusterConfiguration text).
    public static func kubeadmConfig(path: String) throws(DetectionError) -> KubeadmConfig {
        let text = try text(path: path)
        let documents = try KubernetesDocuments.documents(text, source: path)
        if KubernetesDocuments.objects(documents).contains(where: { $0["kind"]?.stringValue == "ConfigMap" }) {
            return KubeadmConfig(data: try ConfigMap.parse(yaml: text, source: path).data)
        }
        if documents.contains(where: { $0["kind"]?.stringValue == "ClusterConfiguration" }) {
            return KubeadmConfig(data: [KubeadmConfig.clusterConfigurationKey: text])
        }
        throw .unexpectedDocument(source: path, expected: "the kubeadm-config ConfigMap or a kubeadm ClusterConfiguration",
                                  found: documents.first?["kind"]?.stringValue ?? "no document")
    }

    /// The kube-controller-manager Pod: a static Pod manifest, a Pod document, or a List of
    /// Pods (the first is used, as Spiderpool does); `nil` for an empty List.
    public static func controllerManager(path: String) throws(DetectionError) -> ControllerManagerArguments? {
        let objects = KubernetesDocuments.objects(try KubernetesDocuments.documents(try text(path: path), source: path))
        guard let first = objects.first else { return nil }
        return try ControllerManagerArguments(pod: first, source: path)
    }

    /// Calico IPPool documents (`kubectl get ippools.crd.projectcalico.org -o yaml`).
    public static func calicoIPPools(path: String) throws(DetectionError) -> [CalicoIPPool] {
        try CalicoIPPool.pools(yaml: try text(path: path), source: path)
    }

    /// The `cilium-config` ConfigMap.
    public static func ciliumConfig(path: String) throws(DetectionError) -> CiliumConfig {
        CiliumConfig(data: try ConfigMap.parse(yaml: try text(path: path), source: path).data)
    }

    /// CiliumPodIPPool documents.
    public static func ciliumPodIPPools(path: String) throws(DetectionError) -> [CiliumPodIPPool] {
        try CiliumPodIPPool.pools(yaml: try text(path: path), source: path)
    }

    /// ServiceCIDR documents.
    public static func serviceCIDRs(path: String) throws(DetectionError) -> [KubernetesServiceCIDR] {
        try KubernetesServiceCIDR.objects(yaml: try text(path: path), source: path)
    }

    /// The default CNI network of a CNI configuration directory; `nil` when the directory is
    /// missing or has no candidate file.
    /// - Throws: libcni's loading error when the chosen file is unreadable or invalid.
    public static func defaultCNI(directory: String) throws(DetectionError) -> DefaultCNI? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory),
              let name = DefaultCNI.candidate(fileNames: names, directory: directory) else { return nil }
        let path = DefaultCNI.join(directory, name)
        guard let data = FileManager.default.contents(atPath: path) else {
            let detail = "error reading \(path): cannot read the file"
            throw name.hasSuffix(".conflist") ? .invalidCNIConfigList(path: path, detail: detail) : .invalidCNIConfig(path: path, detail: detail)
        }
        return try DefaultCNI(path: path, contents: String(decoding: data, as: UTF8.self))
    }
}
