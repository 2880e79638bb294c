import SpiderCore

/// Where an etcd ledger lives: `etcd://HOST:PORT[,HOST:PORT...][/PREFIX]`, plus TLS files.
///
/// The same text is the IPAM config's `store` and `spiderctl --store`. Hosts may be names,
/// IPv4 addresses or bracketed IPv6 addresses (`[fd00::1]:2379`); the port defaults to 2379.
/// Every key lives under the prefix (default `/spiderpool`), so several clusters or test runs
/// can share one etcd. With a CA or a client certificate the endpoints are spoken to over
/// HTTPS, otherwise over plain HTTP.
public struct EtcdStore: Sendable, Hashable, CustomStringConvertible {
    /// One `host:port`.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        /// `host:port`, with IPv6 hosts in brackets.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// TLS files, as etcdctl's `--cacert`, `--cert` and `--key` (and Calico's
    /// `etcd_ca_cert_file`, `etcd_cert_file`, `etcd_key_file`).
    public struct TLS: Sendable, Hashable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
        /// Whether any TLS file is set (then HTTPS is used).
        public var isEnabled: Bool { caFile != nil || certFile != nil || keyFile != nil }
    }

    public static let scheme = "etcd://"
    public static let defaultPort = 2379
    public static let defaultPrefix = "/spiderpool"

    public var endpoints: [Endpoint]
    /// The key prefix, starting with `/` and without a trailing one.
    public var prefix: String
    public var tls: TLS

    public init(endpoints: [Endpoint], prefix: String = EtcdStore.defaultPrefix, tls: TLS = TLS()) {
        self.endpoints = endpoints
        self.prefix = prefix
        self.tls = tls
    }

    /// Whether a store text names etcd rather than a directory.
    public static func isEtcd(_ store: String) -> Bool { store.hasPrefix(scheme) }

    /// Parses `etcd://HOST:PORT[,HOST:PORT...][/PREFIX]`.
    public init(parsing text: String, tls: TLS = TLS()) throws(EtcdError) {
        guard text.hasPrefix(EtcdStore.scheme) else {
            throw .invalidStore("'\(text)' does not start with \(EtcdStore.scheme)")
        }
        let rest = text.dropFirst(EtcdStore.scheme.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let hosts = rest[..<slash]
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        guard !hosts.isEmpty else { throw .invalidStore("'\(text)' names no host (etcd://HOST:PORT[,HOST:PORT]/PREFIX)") }
        var endpoints: [Endpoint] = []
        for part in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            endpoints.append(try EtcdStore.endpoint(String(part), in: text))
        }
        let prefix = path.isEmpty ? EtcdStore.defaultPrefix : path
        guard prefix.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }) else {
            throw .invalidStore("key prefix '\(prefix)' in '\(text)' must be printable ASCII without spaces, '?' or '#'")
        }
        for file in [tls.caFile, tls.certFile, tls.keyFile].compactMap({ $0 }) where file.isEmpty {
            throw .invalidStore("a TLS file path is empty")
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            throw .invalidStore("a client certificate needs both the certificate and the key file")
        }
        self.init(endpoints: endpoints, prefix: prefix, tls: tls)
    }

    static func endpoint(_ text: String, in whole: String) throws(EtcdError) -> Endpoint {
        var host: Substring
        var port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidStore("unclosed '[' in '\(text)' of '\(whole)'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidStore("'\(text)' in '\(whole)': expected ':PORT' after ']'") }
                port = after.dropFirst()
            }
            guard IPv6Address(String(host)) != nil else { throw .invalidStore("'\(host)' in '\(whole)' is not an IPv6 address") }
        } else {
            let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw .invalidStore("'\(text)' in '\(whole)': write IPv6 hosts in brackets, [fd00::1]:2379") }
            host = pieces[0]
            port = pieces.count == 2 ? pieces[1] : nil
            let allowed = host.utf8.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
            }
            guard !host.isEmpty, allowed else { throw .invalidStore("'\(host)' in '\(whole)' is not a host name or address") }
        }
        var number = EtcdStore.defaultPort
        if let port {
            guard let value = Int(port), (1...65535).contains(value) else {
                throw .invalidStore("port '\(port)' in '\(whole)' is not a number from 1 to 65535")
            }
            number = value
        }
        return Endpoint(host: String(host), port: number)
    }

    /// The text form, `etcd://HOST:PORT[,...]/PREFIX`.
    public var description: String {
        EtcdStore.scheme + endpoints.map(\.description).joined(separator: ",") + prefix
    }
}
