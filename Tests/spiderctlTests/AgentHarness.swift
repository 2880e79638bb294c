import Foundation
import Glibc

/// A real `spiderctl agent` process for a test: its own socket and metrics port, its log in a
/// file; killed when the harness goes away.
final class AgentProcess {
    let socket: String
    let log: String
    let store: String
    let process = Process()
    private(set) var metricsPort = 0

    /// Starts the agent and waits (at most 20 s) until its socket exists and its metrics answer.
    init(store: String, socket: String, log: String, extra: [String] = []) throws {
        self.store = store
        self.socket = socket
        self.log = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = try CLIRunner.binary()
        process.arguments = ["agent", "--store", store, "--socket", socket, "--metrics-address", "127.0.0.1:0"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning { throw CNIHarnessFailure("the agent exited with \(process.terminationStatus): \(logText)") }
            if metricsPort == 0, let range = logText.range(of: "metrics on http://127.0.0.1:") {
                metricsPort = Int(logText[range.upperBound...].prefix { $0.isNumber }) ?? 0
            }
            if metricsPort != 0, access(socket, F_OK) == 0, (try? AgentProcess.get(port: metricsPort, "/healthz"))?.status == 200 { return }
            usleep(20_000)
        }
        process.terminate()
        throw CNIHarnessFailure("the agent did not start within 20 s: \(logText)")
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    var logText: String { String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self) }

    /// `kill -9`.
    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then the exit status.
    func terminate() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits until `/readyz` answers 200 (the etcd view is followed).
    func waitReady(seconds: Double = 20) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? AgentProcess.get(port: metricsPort, "/readyz"))?.status == 200 { return }
            usleep(20_000)
        }
        throw CNIHarnessFailure("the agent was not ready within \(seconds) s: \(logText)")
    }

    /// The samples of `/metrics`: "name{labels}" -> value.
    func metrics() throws -> [String: Double] {
        let answer = try AgentProcess.get(port: metricsPort, "/metrics")
        guard answer.status == 200 else { throw CNIHarnessFailure("/metrics answered \(answer.status): \(answer.body)") }
        var samples: [String: Double] = [:]
        for line in answer.body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// One HTTP/1.0 GET on loopback.
    static func get(port: Int, _ path: String) throws -> (status: Int, body: String) {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw CNIHarnessFailure("socket: \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw CNIHarnessFailure("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw CNIHarnessFailure("send: \(errno)")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first, statusLine.split(separator: " ").count >= 2,
              let status = Int(statusLine.split(separator: " ")[1]) else { throw CNIHarnessFailure("not HTTP: \(text)") }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    /// Sends raw bytes to a unix socket and reads until the other side closes (at most 10 s).
    static func exchange(socket path: String, _ bytes: [UInt8]) throws -> [UInt8] {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw CNIHarnessFailure("socket: \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw CNIHarnessFailure("connect to \(path): \(String(cString: strerror(errno)))") }
        if !bytes.isEmpty {
            _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw CNIHarnessFailure("no answer within 10 s: \(String(cString: strerror(errno)))") }
            guard count > 0 else { break }
            answer += buffer[0..<count]
        }
        return answer
    }
}
