#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The lean CNI binary serves the embedded ledger and JSON manifests itself; a call that needs
/// more (an `etcd://` store, a SpiderCoordinator written in YAML) is handed on to `spiderctl`,
/// which runs the same plugin code with those capabilities: the process is replaced by
/// `spiderctl cni run PLUGIN` with the same environment and the same configuration on stdin,
/// so the runtime sees that program's result, error and exit status as ours.
///
/// `spiderctl` is looked for, in order: `$SPIDERPOOL_SPIDERCTL` (an absolute path), beside the
/// plugin as invoked (`spiderctl cni install` puts it there), beside the binary the plugin
/// resolves to, in each `CNI_PATH` directory, then `/usr/local/bin` and `/usr/bin`.
public enum CNIHandOff {
    /// Where `spiderctl` is looked for, in order.
    /// - Parameter environment: the value of a variable, or `nil`.
    public static func candidates(environment: (String) -> String?) -> [String] {
        var list: [String] = []
        if let path = environment("SPIDERPOOL_SPIDERCTL"), path.hasPrefix("/") { list.append(path) }
        // Only absolute directories: a relative one would depend on the runtime's working directory.
        if let invoked = CommandLine.arguments.first, invoked.hasPrefix("/"), let slash = invoked.lastIndex(of: "/") {
            list.append(String(invoked[..<slash]) + "/spiderctl")
        }
        if let own = resolvedPath("/proc/self/exe"), let slash = own.lastIndex(of: "/") {
            list.append(String(own[..<slash]) + "/spiderctl")
        }
        for directory in (environment("CNI_PATH") ?? "").split(separator: ":") where directory.hasPrefix("/") {
            list.append(directory + "/spiderctl")
        }
        list += ["/usr/local/bin/spiderctl", "/usr/bin/spiderctl"]
        var seen: Set<String> = []
        return list.filter { seen.insert($0).inserted }
    }

    /// The `spiderctl` a hand-off would run, or `nil` when there is none.
    public static var program: String? {
        let own = resolvedPath("/proc/self/exe")
        // Never ourselves: a `spiderctl` that is this binary under another name would loop.
        return candidates(environment: CNIProcess.variable).first { access($0, X_OK) == 0 && resolvedPath($0) != own }
    }

    /// Replaces the process with `spiderctl cni run plugin`, `stdin` as its standard input.
    /// Returns only when that is impossible, with the error to print.
    /// - Parameters:
    ///   - plugin: `spiderpool` or `coordinator`.
    ///   - stdin: the configuration as received.
    ///   - reason: why the call is handed on (named in the error).
    public static func exec(plugin: String, stdin: [UInt8], reason: String) -> CNIError {
        guard let program else {
            let list = candidates(environment: CNIProcess.variable)
            return CNIError(code: CNIError.pluginNotAvailable, "this configuration needs spiderctl (\(reason)), and no spiderctl was found",
                            details: "looked at \(list.joined(separator: ", ")); run `spiderctl cni install --dir DIR` or set SPIDERPOOL_SPIDERCTL")
        }
        guard let input = configurationFile(stdin) else {
            return CNIError(code: CNIError.ioFailure, "cannot hand the configuration to \(program)", details: String(cString: strerror(errno)))
        }
        guard dup2(input, STDIN_FILENO) >= 0 else {
            return CNIError(code: CNIError.ioFailure, "cannot hand the configuration to \(program)", details: String(cString: strerror(errno)))
        }
        if input != STDIN_FILENO { close(input) }
        let arguments = [program, "cni", "run", plugin]
        var pointers = arguments.map { strdup($0) }
        pointers.append(nil)
        execv(program, pointers)
        let code = errno
        return CNIError(code: CNIError.pluginNotAvailable, "cannot run \(program) for this configuration (\(reason))", details: String(cString: strerror(code)))
    }

    /// An unlinked file holding `bytes`, positioned at its start (root-only, in `/run` or `/tmp`).
    static func configurationFile(_ bytes: [UInt8]) -> Int32? {
        for directory in ["/run", "/tmp"] {
            var template = Array((directory + "/spiderpool-cni-XXXXXX").utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
            guard descriptor >= 0 else { continue }
            // Unlinked at once: only this process (and the program it becomes) can reach it.
            template.withUnsafeBufferPointer { buffer in _ = buffer.baseAddress.map { unlink($0) } }
            var offset = 0
            while offset < bytes.count {
                let count = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { close(descriptor); return nil }
                offset += count
            }
            guard lseek(descriptor, 0, SEEK_SET) == 0 else { close(descriptor); return nil }
            return descriptor
        }
        return nil
    }

    /// The path with every symbolic link resolved, or `nil`.
    static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
