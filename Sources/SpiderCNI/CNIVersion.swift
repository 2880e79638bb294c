/// The CNI specification versions this implementation speaks.
public enum CNIVersion {
    /// Every version accepted in `cniVersion` and offered by `VERSION`.
    public static let supported: [String] = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]
}
