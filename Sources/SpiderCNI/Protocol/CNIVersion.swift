import SpiderCore

/// The CNI specification versions this implementation speaks, and version negotiation.
public enum CNIVersion {
    /// Every version accepted in `cniVersion` and offered by `VERSION`.
    public static let supported: [String] = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]

    /// The version to answer in: the config's `cniVersion`, or with `cniVersions` (1.1.0) the
    /// highest version both sides support.
    public static func negotiate(cniVersion: String?, cniVersions: [String]?) throws(CNIError) -> String {
        if let list = cniVersions, !list.isEmpty {
            guard let best = list.filter(supported.contains).max(by: { compare($0, $1) < 0 }) else {
                throw CNIError(code: CNIError.incompatibleVersion, "incompatible CNI versions", details: "config lists \(list), plugin supports \(supported)")
            }
            return best
        }
        guard let version = cniVersion else {
            throw CNIError(code: CNIError.decodingFailure, "missing cniVersion in the network configuration")
        }
        guard supported.contains(version) else {
            throw CNIError(code: CNIError.incompatibleVersion, "incompatible CNI versions", details: "config is \(version), plugin supports \(supported)")
        }
        return version
    }

    /// Numeric comparison of `a.b.c` versions.
    public static func compare(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        for index in 0..<max(x.count, y.count) {
            let l = index < x.count ? x[index] : 0, r = index < y.count ? y[index] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }

    /// `{"cniVersion": ..., "supportedVersions": [...]}`.
    public static func versionJSON(_ configVersion: String) -> String {
        // Plain concatenation: VERSION is all start-up, and generic helpers (map, joined) cost
        // more here than the answer itself.
        var text = "{\"cniVersion\":" + ManifestValue.quoted(configVersion) + ",\"supportedVersions\":["
        for index in supported.indices {
            if index > 0 { text += "," }
            text += "\"" + supported[index] + "\""
        }
        return text + "]}"
    }
}
