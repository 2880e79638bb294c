#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The plugin's side of the agent protocol, through the C library alone (the lean CNI binary
/// links no event loop): one blocking unix-socket exchange with deadlines.
///
/// Every way the agent can fail — no socket, nobody listening, a full backlog, no
/// ``AgentFrame/Kind/accepted`` within ``acceptTimeout``, no answer within ``answerTimeout``,
/// the connection closed, a refusal — comes back as a ``Failure``, and the plugin then does
/// the work itself. Writes never raise `SIGPIPE`.
public struct AgentClient: Sendable, Hashable {
    /// The agent's socket (`agent_socket`).
    public var socketPath: String
    /// How long, in milliseconds, connecting, sending the call and the agent's acceptance may
    /// take together (`agent_accept_timeout_ms`).
    public var acceptTimeout: Int
    /// How long, in milliseconds, the answer may take once the call was accepted
    /// (`agent_answer_timeout_ms`).
    public var answerTimeout: Int

    /// `/run/spiderpool/agent.sock`.
    public static let defaultSocket = "/run/spiderpool/agent.sock"
    /// 250 ms.
    public static let defaultAcceptTimeout = 250
    /// 30 s.
    public static let defaultAnswerTimeout = 30_000

    public init(socketPath: String = AgentClient.defaultSocket, acceptTimeout: Int = AgentClient.defaultAcceptTimeout,
                answerTimeout: Int = AgentClient.defaultAnswerTimeout) {
        self.socketPath = socketPath
        self.acceptTimeout = acceptTimeout
        self.answerTimeout = answerTimeout
    }

    /// Why a call did not come back from the agent.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// No agent to talk to (no socket, nobody listening, not allowed to connect).
        case unavailable(String)
        /// The agent read the call and declined it.
        case refused(String)
        /// The agent did not accept or answer in time, or the connection broke.
        case noAnswer(String)

        /// The reason alone.
        public var reason: String {
            switch self {
            case .unavailable(let reason), .refused(let reason), .noAnswer(let reason): reason
            }
        }

        public var description: String {
            switch self {
            case .unavailable(let reason): "no agent: \(reason)"
            case .refused(let reason): "the agent refused the call: \(reason)"
            case .noAnswer(let reason): "no answer from the agent: \(reason)"
            }
        }
    }

    /// Sends `call` and waits for the agent's answer within the two bounds.
    public func call(_ call: AgentCall) -> Result<AgentAnswer, Failure> {
        let started = AgentClient.now()
        let descriptor: Int32
        switch AgentClient.connect(socketPath) {
        case .success(let value): descriptor = value
        case .failure(let failure): return .failure(failure)
        }
        defer { close(descriptor) }
        let acceptDeadline = started + Int64(acceptTimeout) * 1_000_000
        guard AgentClient.send(AgentFrame(.call, text: call.json).encoded, descriptor, deadline: acceptDeadline) else {
            // The agent may have refused before reading it all (a peer it does not serve): its
            // reason is worth reading.
            if case .success(let frame) = AgentClient.receive(descriptor, deadline: min(acceptDeadline, AgentClient.now() + 50_000_000)),
               frame.kind == .refused {
                return .failure(.refused(AgentRefusal(json: frame.payload).reason))
            }
            return .failure(.noAnswer("the call could not be sent within \(acceptTimeout) ms"))
        }
        var deadline = acceptDeadline
        var accepted = false
        while true {
            let frame: AgentFrame
            switch AgentClient.receive(descriptor, deadline: deadline) {
            case .success(let value): frame = value
            case .failure(let failure):
                let bound = accepted ? "answer within \(answerTimeout) ms" : "acceptance within \(acceptTimeout) ms"
                return .failure(.noAnswer("\(failure.reason) (waiting for its \(bound))"))
            }
            switch frame.kind {
            case .accepted where !accepted:
                accepted = true
                deadline = AgentClient.now() + Int64(answerTimeout) * 1_000_000
            case .answer:
                guard let answer = AgentAnswer(json: frame.payload) else { return .failure(.noAnswer("the answer cannot be read")) }
                return .success(answer)
            case .refused:
                return .failure(.refused(AgentRefusal(json: frame.payload).reason))
            default:
                return .failure(.noAnswer("unexpected frame \(frame.kind)"))
            }
        }
    }

    /// Tells the agent about a call the plugin ran itself; best effort, never waits: when the
    /// agent is absent or busy the report is dropped.
    public func report(_ report: AgentReport) {
        guard case .success(let descriptor) = AgentClient.connect(socketPath) else { return }
        let bytes = AgentFrame(.report, text: report.json).encoded
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        close(descriptor)
    }

    // MARK: Sockets

    /// The monotonic clock in nanoseconds.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// A non-blocking connection to `path`.
    static func connect(_ path: String) -> Result<Int32, Failure> {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else {
            return .failure(.unavailable("'\(path)' is not a usable socket path (1 to \(capacity - 1) bytes)"))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return .failure(.unavailable("socket: \(String(cString: strerror(errno)))")) }
        while true {
            let result = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result == 0 { return .success(descriptor) }
            let code = errno
            if code == EINTR { continue }
            close(descriptor)
            // EAGAIN: the agent's backlog is full; it is busy, so the plugin does the work.
            return .failure(.unavailable("\(path): \(String(cString: strerror(code)))"))
        }
    }

    /// Waits until `descriptor` is ready for `events` or the deadline passes.
    static func wait(_ descriptor: Int32, _ events: Int16, deadline: Int64) -> Bool {
        while true {
            let remaining = deadline - now()
            guard remaining > 0 else { return false }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let result = poll(&entry, 1, Int32(min((remaining + 999_999) / 1_000_000, Int64(Int32.max))))
            if result > 0 { return true }
            if result < 0 && errno != EINTR { return false }
        }
    }

    /// Writes all of `bytes` before the deadline.
    static func send(_ bytes: [UInt8], _ descriptor: Int32, deadline: Int64) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 { offset += count; continue }
            let code = errno
            if count < 0 && code == EINTR { continue }
            guard count < 0, code == EAGAIN || code == EWOULDBLOCK, wait(descriptor, Int16(POLLOUT), deadline: deadline) else { return false }
        }
        return true
    }

    /// Reads exactly `count` bytes before the deadline.
    static func read(_ count: Int, _ descriptor: Int32, deadline: Int64) -> Result<[UInt8], Failure> {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = bytes[offset...].withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if got > 0 { offset += got; continue }
            if got == 0 { return .failure(.noAnswer("the agent closed the connection")) }
            let code = errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else { return .failure(.noAnswer(String(cString: strerror(code)))) }
            guard wait(descriptor, Int16(POLLIN), deadline: deadline) else { return .failure(.noAnswer("timed out")) }
        }
        return .success(bytes)
    }

    /// Reads one frame before the deadline.
    static func receive(_ descriptor: Int32, deadline: Int64) -> Result<AgentFrame, Failure> {
        let header: [UInt8]
        switch read(AgentFrame.headerSize, descriptor, deadline: deadline) {
        case .success(let bytes): header = bytes
        case .failure(let failure): return .failure(failure)
        }
        let parsed: (kind: AgentFrame.Kind, length: Int)
        do { parsed = try AgentFrame.parseHeader(header) } catch { return .failure(.noAnswer("\(error)")) }
        switch read(parsed.length, descriptor, deadline: deadline) {
        case .success(let payload): return .success(AgentFrame(parsed.kind, payload: payload))
        case .failure(let failure): return .failure(failure)
        }
    }
}
