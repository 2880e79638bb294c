/// The `spec.cniType` of a SpiderMultusConfig: which CNI plugin the generated
/// NetworkAttachmentDefinition wires in.
public enum MultusCNIType: String, Sendable, Hashable, CaseIterable {
    case macvlan
    case ipvlan
    case vlan
    case sriov
    case ovs
    case ibSRIOV = "ib-sriov"
    case ipoib
    case custom

    /// The path the webhook names for this type's configuration object (`spec.macvlanConfig`, …;
    /// these are Spiderpool's Go field names, not the JSON keys).
    public var configPath: String {
        switch self {
        case .macvlan: "spec.macvlanConfig"
        case .ipvlan: "spec.ipvlanConfig"
        case .vlan: "spec.vlan"
        case .sriov: "spec.sriovConfig"
        case .ovs: "spec.ovsConfig"
        case .ibSRIOV: "spec.ibsriovConfig"
        case .ipoib: "spec.ipoibConfig"
        case .custom: "spec.customCniTypeConfig"
        }
    }

    /// The JSON key of this type's configuration object in `spec`.
    public var specKey: String {
        switch self {
        case .macvlan: "macvlan"
        case .ipvlan: "ipvlan"
        case .vlan: "vlan"
        case .sriov: "sriov"
        case .ovs: "ovs"
        case .ibSRIOV: "ibsriov"
        case .ipoib: "ipoib"
        case .custom: "customCNI"
        }
    }

    /// `"macvlan", "ipvlan", …` as the API server lists supported values.
    static var supportedValues: String {
        allCases.map { ManifestValue.quoted($0.rawValue) }.joined(separator: ", ")
    }
}
