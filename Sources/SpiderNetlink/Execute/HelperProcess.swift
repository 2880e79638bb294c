import CNetlinkShim
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (`nsenter … iptables …`) with `posix_spawn`, without Foundation's
/// `Process`: no run loop, no wakeup socket (which needs a working loopback in the calling
/// thread's namespace), no monitoring thread.
///
/// Every wait is bounded: the output is read with `poll(2)` until the deadline, the child is
/// reaped with `waitpid(2)`; past the deadline the child (and its process group) is killed with
/// `SIGKILL` and reaped. Every descriptor is closed on every path, `EINTR` is retried, and the
/// child gets no descriptor of ours but stdout/stderr (one pipe) and `/dev/null` as stdin.
enum HelperProcess {
    /// How a helper ended.
    struct Outcome: Sendable, Hashable {
        /// The exit status, or 128 + the signal that ended it.
        var status: Int32
        /// stdout and stderr together (at most ``outputLimit`` bytes kept).
        var output: String
    }

    /// The default deadline of one helper run, in seconds.
    static let defaultTimeout: Double = 10
    /// Output beyond this many bytes is read and dropped.
    static let outputLimit = 1 << 20
    /// The environment helpers get: a fixed `PATH`, nothing else.
    static let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]

    /// Runs `path` with `arguments` (not including `argv[0]`, which is `path`).
    /// - Throws: ``NetlinkError/command(_:status:output:)`` when the program cannot be started,
    ///   ``NetlinkError/timedOut(_:seconds:output:)`` when it does not end within `timeout`
    ///   seconds (it is then killed and reaped).
    static func run(_ path: String, _ arguments: [String], timeout: Double = defaultTimeout) throws(NetlinkError) -> Outcome {
        let commandText = ([path] + arguments).joined(separator: " ")
        // SIGCHLD ignored (it may be inherited across exec) would let the kernel reap the child
        // itself, and every helper would look failed (waitpid: ECHILD).
        signal(SIGCHLD, SIG_DFL)
        var pipeEnds: [Int32] = [-1, -1]
        guard spider_pipe_cloexec(&pipeEnds) == 0 else { throw .system(operation: "pipe for \(commandText)", errno: errno) }
        let readEnd = pipeEnds[0]
        var writeEnd: Int32 = pipeEnds[1]
        defer {
            close(readEnd)
            if writeEnd >= 0 { close(writeEnd) }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        // Nothing else of ours reaches the child (the netlink socket, the node lock).
        spider_spawn_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var pid: pid_t = 0
        let spawnResult = withCStrings([path] + arguments) { argv in
            withCStrings(environment) { envp in
                posix_spawn(&pid, path, &actions, &attributes, argv, envp)
            }
        }
        guard spawnResult == 0 else { throw .command(commandText, status: -1, output: "cannot start \(path): \(NetlinkError.text(spawnResult))") }
        close(writeEnd)
        writeEnd = -1

        let deadline = monotonicNow() + timeout
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var open = true
        while open {
            let remaining = deadline - monotonicNow()
            if remaining <= 0 { break }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining * 1000 + 1, 60_000)))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break
            }
            if count == 0 {
                open = false
                break
            }
            if output.count < outputLimit { output += chunk.prefix(min(count, outputLimit - output.count)) }
        }

        var status: Int32 = 0
        var reaped = false
        while !reaped {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { reaped = true; break }
            if result < 0 && errno != EINTR {
                // ECHILD: someone else reaped it; nothing is left to wait for.
                return Outcome(status: -1, output: String(decoding: output, as: UTF8.self))
            }
            if monotonicNow() >= deadline { break }
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            nanosleep(&pause, nil)
        }
        if !reaped {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            // Reaped within a short grace; a child stuck in the kernel (D state) is left to
            // init rather than waited on without end.
            let grace = monotonicNow() + 1
            while waitpid(pid, &status, WNOHANG) == 0 && monotonicNow() < grace {
                var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
                nanosleep(&pause, nil)
            }
            throw .timedOut(commandText, seconds: Int(timeout.rounded(.up)), output: String(decoding: output, as: UTF8.self))
        }
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return Outcome(status: code, output: String(decoding: output, as: UTF8.self))
    }

    /// Seconds on the monotonic clock.
    static func monotonicNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// A NULL-terminated `char *[]` of `strings` for the duration of `body`.
    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
