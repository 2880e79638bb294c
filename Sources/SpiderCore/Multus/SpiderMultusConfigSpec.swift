/// The `spec` of a SpiderMultusConfig, as written (before any defaulting): absent fields are
/// `nil`, so that defaulting can tell them from zero values.
public struct SpiderMultusConfigSpec: Sendable, Hashable {
    /// `cniType` (default `custom`).
    public var cniType: MultusCNIType?
    /// `enableCoordinator` (default true; forced to false for custom).
    public var enableCoordinator: Bool?
    /// `disableIPAM` (default false): no `ipam` block.
    public var disableIPAM: Bool?
    /// `coordinator`.
    public var coordinator: MultusCoordinatorSpec?
    /// `chainCNIJsonData`: extra plugins, each one JSON CNI plugin object.
    public var chainCNIJsonData: [String]?
    /// `customCNI`: the whole configuration for `custom` (raw JSON).
    public var customCNI: String?
    public var macvlan: MultusMacvlanConfig?
    public var ipvlan: MultusMacvlanConfig?
    public var vlan: MultusMacvlanConfig?
    public var sriov: MultusSRIOVConfig?
    public var ibsriov: MultusIBSRIOVConfig?
    public var ipoib: MultusIPoIBConfig?
    public var ovs: MultusOVSConfig?

    public init() {}

    /// The types whose configuration object is present (customCNI counts for custom).
    public var presentTypes: [MultusCNIType] {
        var result: [MultusCNIType] = []
        if macvlan != nil { result.append(.macvlan) }
        if ipvlan != nil { result.append(.ipvlan) }
        if vlan != nil { result.append(.vlan) }
        if sriov != nil { result.append(.sriov) }
        if ibsriov != nil { result.append(.ibSRIOV) }
        if ipoib != nil { result.append(.ipoib) }
        if ovs != nil { result.append(.ovs) }
        return result
    }

    /// Decodes `spec`; an unknown `cniType` is reported as the API server does.
    init(value: ManifestValue, fields: ManifestFields) throws(MultusError) {
        var cniTypeText: String?
        do throws(ManifestError) {
            enableCoordinator = try fields.bool(value["enableCoordinator"], "spec.enableCoordinator")
            disableIPAM = try fields.bool(value["disableIPAM"], "spec.disableIPAM")
            if let object = try fields.object(value["coordinator"], "spec.coordinator") {
                coordinator = try MultusCoordinatorSpec(value: object, path: "spec.coordinator", fields: fields)
            }
            chainCNIJsonData = try fields.optionalStrings(value["chainCNIJsonData"], "spec.chainCNIJsonData")
            customCNI = try fields.string(value["customCNI"], "spec.customCNI")
            if let object = try fields.object(value["macvlan"], "spec.macvlan") {
                macvlan = try MultusMacvlanConfig(value: object, path: "spec.macvlan", fields: fields, allowsVlanMode: false)
            }
            if let object = try fields.object(value["ipvlan"], "spec.ipvlan") {
                ipvlan = try MultusMacvlanConfig(value: object, path: "spec.ipvlan", fields: fields, allowsVlanMode: false)
            }
            if let object = try fields.object(value["vlan"], "spec.vlan") {
                vlan = try MultusMacvlanConfig(value: object, path: "spec.vlan", fields: fields, allowsVlanMode: true)
            }
            if let object = try fields.object(value["sriov"], "spec.sriov") {
                sriov = try MultusSRIOVConfig(value: object, path: "spec.sriov", fields: fields)
            }
            if let object = try fields.object(value["ibsriov"], "spec.ibsriov") {
                ibsriov = try MultusIBSRIOVConfig(value: object, path: "spec.ibsriov", fields: fields)
            }
            if let object = try fields.object(value["ipoib"], "spec.ipoib") {
                ipoib = try MultusIPoIBConfig(value: object, path: "spec.ipoib", fields: fields)
            }
            if let object = try fields.object(value["ovs"], "spec.ovs") {
                ovs = try MultusOVSConfig(value: object, path: "spec.ovs", fields: fields)
            }
            cniTypeText = try fields.string(value["cniType"], "spec.cniType")
        } catch {
            throw .manifest(error)
        }
        if let text = cniTypeText {
            guard let type = MultusCNIType(rawValue: text) else {
                throw .rejected(name: fields.name, MultusFieldError(
                    path: "spec.cniType", type: .notSupported, value: ManifestValue.quoted(text),
                    detail: "supported values: \(MultusCNIType.supportedValues)"))
            }
            cniType = type
        }
    }
}
