/// The command line of a kube-controller-manager Pod's first container, and the cluster CIDRs
/// Spiderpool reads from it (`utils.ExtractK8sCIDRFromKCMPod`).
public struct ControllerManagerArguments: Sendable, Hashable {
    /// The Pod's name, for messages.
    public var podName: String
    /// `spec.containers[0].command`.
    public var command: [String]
    /// `spec.containers[0].args`.
    public var args: [String]

    public init(podName: String = "kube-controller-manager", command: [String], args: [String]) {
        self.podName = podName
        self.command = command
        self.args = args
    }

    /// Reads a Pod document (`kind: Pod`, as in `/etc/kubernetes/manifests/kube-controller-manager.yaml`).
    /// - Throws: ``DetectionError/controllerManagerWithoutContainers(pod:)`` when the Pod has no
    ///   containers; ``DetectionError/invalidField(source:field:detail:)`` for mistyped fields.
    public init(pod document: ManifestValue, source: String) throws(DetectionError) {
        let name = document["metadata"]?["name"]?.stringValue ?? "kube-controller-manager"
        guard document["kind"]?.stringValue == "Pod" else {
            throw .unexpectedDocument(source: source, expected: "a Pod", found: document["kind"]?.stringValue ?? "a document without kind")
        }
        guard let containers = document["spec"]?["containers"]?.arrayValue, let first = containers.first else {
            throw .controllerManagerWithoutContainers(pod: name)
        }
        func strings(_ key: String) throws(DetectionError) -> [String] {
            guard let value = first[key], !value.isNull else { return [] }
            guard let items = value.arrayValue else {
                throw .invalidField(source: source, field: "spec.containers[0].\(key)", detail: "expected a list of strings, found \(value.kindName)")
            }
            var result: [String] = []
            for (index, item) in items.enumerated() {
                switch item {
                case .string(let text): result.append(text)
                case .int(let number): result.append(String(number))
                default:
                    throw .invalidField(source: source, field: "spec.containers[0].\(key)[\(index)]", detail: "expected a string, found \(item.kindName)")
                }
            }
            return result
        }
        self.init(podName: name, command: try strings("command"), args: try strings("args"))
    }

    /// The CIDRs of `--cluster-cidr` and `--service-cluster-ip-range`.
    ///
    /// As Spiderpool: `command` is scanned first and `args` only for a flag still missing; the
    /// first match wins even when its value is invalid; each element is matched against
    /// `--flag=(.*)` (unanchored, to the end of the line); the value is split on `,`, not
    /// trimmed, and pieces that are not CIDRs are dropped.
    ///
    /// - Parameter separateValues: also accept `--flag VALUE` as two elements. Spiderpool does
    ///   not (the golden facts expect nothing from that form), so this is off by default.
    public func clusterCIDRs(separateValues: Bool = false) -> ClusterCIDRs {
        var pod: String?
        var service: String?
        for list in [command, args] {
            for (index, element) in list.enumerated() {
                if pod == nil { pod = Self.value(of: "--cluster-cidr", in: list, at: index, separateValues: separateValues) }
                if service == nil { service = Self.value(of: "--service-cluster-ip-range", in: list, at: index, separateValues: separateValues) }
                _ = element
                if pod != nil, service != nil { break }
            }
            if pod != nil, service != nil { break }
        }
        return ClusterCIDRs(
            podCIDR: pod.map { ClusterCIDRs.cidrs(inCommaList: $0, trim: false) } ?? [],
            serviceCIDR: service.map { ClusterCIDRs.cidrs(inCommaList: $0, trim: false) } ?? []
        )
    }

    /// The value of `flag` in `list[index]` (`--flag=(.*)`, to the end of the line), or in the
    /// next element when `separateValues` and the element is exactly `flag`.
    static func value(of flag: String, in list: [String], at index: Int, separateValues: Bool) -> String? {
        let element = list[index]
        if let range = element.firstRange(of: flag + "=") {
            let rest = element[range.upperBound...]
            return String(rest.prefix { $0 != "\n" })
        }
        if separateValues, element == flag, index + 1 < list.count { return list[index + 1] }
        return nil
    }
}
