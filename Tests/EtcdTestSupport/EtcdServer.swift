import Foundation
import SpiderEtcd
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A real etcd (Debian's `etcd-server`) for one test: free loopback ports, a temporary data
/// directory, stopped and removed by ``stop()``. It can be killed and started again on the
/// same data, as an operator restart would.
public final class EtcdServer: @unchecked Sendable {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public let binary: String
    /// With TLS: the CA, server and client certificate files (made with openssl for this server).
    public let certificates: Certificates?
    public let clientPort: Int
    public let peerPort: Int
    public let dataDirectory: String
    let lock = NSLock()
    var process: Process?
    let log: String

    /// Files of a test CA, a server certificate for 127.0.0.1 and a client certificate.
    public struct Certificates: Sendable {
        public let ca: String
        public let serverCert: String
        public let serverKey: String
        public let clientCert: String
        public let clientKey: String
        /// The client side, as a store's TLS settings.
        public var clientTLS: EtcdStore.TLS { EtcdStore.TLS(caFile: ca, certFile: clientCert, keyFile: clientKey) }
    }

    /// `etcd://127.0.0.1:PORT/PREFIX`.
    public func store(prefix: String = "/test") -> String { "etcd://127.0.0.1:\(clientPort)\(prefix)" }
    public var endpoint: String { "127.0.0.1:\(clientPort)" }

    /// Starts etcd and waits until it answers. Fails with a clear message when etcd is not
    /// installed (`scripts/test.sh` installs it).
    public init(name: String = "test", tls: Bool = false) throws {
        let candidates = [ProcessInfo.processInfo.environment["ETCD"], "/usr/bin/etcd", "/usr/local/bin/etcd"].compactMap { $0 }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Missing(description: "etcd is not installed (looked at \(candidates)); install Debian's etcd-server "
                + "(`apt-get install etcd-server`, which scripts/test.sh does) or set ETCD to its path")
        }
        binary = found
        clientPort = try EtcdServer.freePort()
        peerPort = try EtcdServer.freePort(avoiding: clientPort)
        // tmpfs when there is one: etcd fsyncs every write, and the tests are about logic.
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        dataDirectory = base + "/spider-etcd-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        log = dataDirectory + ".log"
        certificates = tls ? try EtcdServer.makeCertificates(in: dataDirectory + "-certs") : nil
        try start()
    }

    /// A CA, a server certificate for 127.0.0.1 and a client certificate, with openssl.
    static func makeCertificates(in directory: String) throws -> Certificates {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let d = directory
        let script = """
            set -e
            cd '\(d)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=spider-test-ca
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1
            printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile server.ext
            openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=spiderpool
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 -extfile client.ext
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Missing(description: "cannot make test certificates with openssl (apt-get install openssl): \(output)")
        }
        return Certificates(ca: d + "/ca.crt", serverCert: d + "/server.crt", serverKey: d + "/server.key",
                            clientCert: d + "/client.crt", clientKey: d + "/client.key")
    }

    deinit { stop() }

    /// Starts etcd (again) on the same ports and data, and waits until it serves.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        let client = "\(certificates == nil ? "http" : "https")://127.0.0.1:\(clientPort)", peer = "http://127.0.0.1:\(peerPort)"
        process.arguments = ["--name", "test", "--data-dir", dataDirectory,
                             "--listen-client-urls", client, "--advertise-client-urls", client,
                             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                             "--initial-cluster", "test=\(peer)", "--log-level", "warn"]
        if let certificates {
            process.arguments? += ["--cert-file", certificates.serverCert, "--key-file", certificates.serverKey,
                                   "--client-cert-auth", "--trusted-ca-file", certificates.ca]
        }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        handle?.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { self.process = process }
        try waitUntilServing()
    }

    /// `kill -9`, as a crash would; the data stays.
    public func kill() {
        guard let process = lock.withLock({ self.process }) else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        lock.withLock { self.process = nil }
    }

    /// Stops etcd (SIGKILL: its data goes too) and removes its data.
    public func stop() {
        kill()
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try? FileManager.default.removeItem(atPath: dataDirectory + "-certs")
        try? FileManager.default.removeItem(atPath: log)
    }

    func waitUntilServing() throws {
        let client = try EtcdClient(store: EtcdStore(parsing: store(), tls: certificates?.clientTLS ?? EtcdStore.TLS()),
                                    connectTimeout: .milliseconds(200), requestTimeout: .seconds(2))
        let deadline = Date().addingTimeInterval(30)
        var last = ""
        while Date() < deadline {
            do {
                _ = try client.get("/health-probe")
                return
            } catch {
                last = error.description
            }
            if let process = lock.withLock({ self.process }), !process.isRunning {
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw Missing(description: "etcd exited at start (status \(process.terminationStatus)): \(output.suffix(2000))")
            }
            usleep(50_000)
        }
        throw Missing(description: "etcd did not serve within 30 s on \(endpoint): \(last)")
    }

    /// A TCP port nobody listens on now.
    static func freePort(avoiding other: Int = 0) throws -> Int {
        for _ in 0..<20 {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { break }
            defer { close(descriptor) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
                }
            }
            let port = Int(UInt16(bigEndian: address.sin_port))
            if bound && port != other && port != 0 { return port }
        }
        throw Missing(description: "no free loopback port")
    }
}
