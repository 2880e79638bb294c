import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A TCP listener on a free loopback port that is not etcd, for the failure paths: one that
/// accepts connections and never answers (a hung etcd), or a plain HTTP server that answers
/// every request with one fixed reply (another web server on etcd's address).
public final class FakeEndpoint: @unchecked Sendable {
    public enum Behaviour: Sendable {
        /// Accept and keep the connection open without reading or writing a byte.
        case silent
        /// Read the request, answer `HTTP/1.1 status reason` with `body` as `text/html`, close.
        case http(status: Int, reason: String, body: String)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: Int
    public let behaviour: Behaviour
    let listener: Int32
    let lock = NSLock()
    var accepted: [Int32] = []
    var stopped = false
    let done = DispatchSemaphore(value: 0)

    /// `127.0.0.1:PORT`.
    public var endpoint: String { "127.0.0.1:\(port)" }

    public init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket(): errno \(errno)") }
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
        guard bound, listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw Failure(description: "cannot listen on a loopback port: errno \(errno)")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in serve() }
    }

    deinit { stop() }

    /// Closes the listener and every accepted connection.
    public func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard wasRunning else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        done.wait()
        close(listener)
        for descriptor in lock.withLock({ accepted }) { close(descriptor) }
    }

    func serve() {
        defer { done.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            if lock.withLock({ stopped }) {
                if connection >= 0 { close(connection) }
                return
            }
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            switch behaviour {
            case .silent:
                lock.withLock { accepted.append(connection) }
            case .http(let status, let reason, let body):
                FakeEndpoint.readRequest(connection)
                let reply = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/html\r\nContent-Length: \(body.utf8.count)\r\n"
                    + "Connection: close\r\n\r\n\(body)"
                let bytes = Array(reply.utf8)
                var sent = 0
                while sent < bytes.count {
                    let written = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if written <= 0 { break }
                    sent += written
                }
                shutdown(connection, Int32(SHUT_WR))
                close(connection)
            }
        }
    }

    /// Reads the head and, by its Content-Length, the body of one request (so that the client
    /// has sent everything before the answer comes).
    static func readRequest(_ connection: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return }
            received += buffer[..<count]
            let text = String(decoding: received, as: UTF8.self)
            guard let headEnd = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<headEnd.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count - text[..<headEnd.upperBound].utf8.count >= length { return }
        }
    }
}
