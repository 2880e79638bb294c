import SpiderCore
#if canImport(Glibc)
import Glibc
#endif

/// A failure talking to the kernel, with the operation and the system's reason.
public enum NetlinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kernel refused a request (`errno`), e.g. `EEXIST`, `ENOENT`, `EPERM`.
    case kernel(operation: String, errno: Int32)
    /// A system call failed (socket, setns, open, write).
    case system(operation: String, errno: Int32)
    /// The kernel's answer could not be read.
    case malformed(String)
    /// A dump was interrupted too often (`NLM_F_DUMP_INTR`).
    case dumpInterrupted(String)
    /// A namespace path could not be entered.
    case namespace(path: String, errno: Int32)
    /// A helper program (iptables) failed.
    case command(String, status: Int32, output: String)
    /// A helper program did not finish within its deadline; it was killed and reaped.
    case timedOut(String, seconds: Int, output: String)
    /// A request could not be built: an attribute larger than netlink can carry.
    case requestTooLarge(operation: String, reason: String)

    /// The errno, when the failure has one.
    public var errnoValue: Int32? {
        switch self {
        case .kernel(_, let code), .system(_, let code), .namespace(_, let code): code
        default: nil
        }
    }

    static func text(_ code: Int32) -> String { String(cString: strerror(code)) }

    public var description: String {
        switch self {
        case .kernel(let operation, let code): "\(operation): \(NetlinkError.text(code))"
        case .system(let operation, let code): "\(operation): \(NetlinkError.text(code))"
        case .malformed(let what): "malformed netlink answer: \(what)"
        case .dumpInterrupted(let what): "\(what): the dump was interrupted by concurrent changes too often"
        case .namespace(let path, let code): "cannot enter network namespace \(path): \(NetlinkError.text(code))"
        case .command(let command, let status, let output): "\(command) exited \(status): \(output)"
        case .timedOut(let command, let seconds, let output):
            "\(command) did not finish within \(seconds) s and was killed" + (output.isEmpty ? "" : ": \(output)")
        case .requestTooLarge(let operation, let reason): "\(operation): the netlink request cannot be built: \(reason)"
        }
    }
}
