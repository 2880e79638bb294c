import SpiderCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One open directory of the embedded ledger (its root, or a folder of the first layout), reached from the store's root without following
/// a symbolic link anywhere below it.
///
/// Every name is resolved relative to the descriptor (`openat`, `unlinkat`, `linkat`,
/// `renameat`, `fstatat`), directories are opened `O_DIRECTORY | O_NOFOLLOW` and files
/// `O_NOFOLLOW`: a symbolic link planted inside the store (`records/POOL` → `/etc`) is refused
/// with an error instead of being followed, so no command touches a file outside the store.
final class StoreDirectory {
    let descriptor: Int32
    /// The path, for messages only; never used to reach a file.
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// Opens the directory at `path` (its last component must not be a symbolic link), or
    /// `nil` when it or a parent does not exist.
    static func openRoot(_ path: String) throws(IPAMError) -> StoreDirectory? {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            var info = stat()
            throw refusal(code, path, isLink: lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        }
        return StoreDirectory(descriptor: descriptor, path: path)
    }

    /// The subdirectory `name`, created (0700) when `create` is set; `nil` when it does not exist.
    func directory(_ name: String, create: Bool = false) throws(IPAMError) -> StoreDirectory? {
        let child = path + "/" + name
        var descriptor = openat(self.descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT && create {
            guard mkdirat(self.descriptor, name, 0o700) == 0 || errno == EEXIST else { throw StoreDirectory.failure("create directory \(child)") }
            descriptor = openat(self.descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw StoreDirectory.refusal(code, child, isLink: status(name).map { $0.st_mode & S_IFMT == S_IFLNK } ?? false)
        }
        return StoreDirectory(descriptor: descriptor, path: child)
    }

    /// The names in the directory but `.` and `..`, sorted.
    func names() throws(IPAMError) -> [String] {
        let copy = dup(descriptor)
        guard copy >= 0, let handle = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw StoreDirectory.failure("list \(path)")
        }
        defer { closedir(handle) }
        rewinddir(handle)
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The bytes of the regular file `name`; `nil` when it does not exist. Any other failure
    /// (EIO, EMFILE, a symbolic link) is an error: it never reads as "no such file".
    func contents(_ name: String) throws(IPAMError) -> [UInt8]? {
        let file = openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard file >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw StoreDirectory.refusal(code, path + "/" + name, isLink: code == ELOOP)
        }
        defer { close(file) }
        var info = stat()
        guard fstat(file, &info) == 0 else { throw StoreDirectory.failure("read \(path)/\(name)") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .store("\(path)/\(name) is not a regular file: refused") }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreDirectory.failure("read \(path)/\(name)")
            }
            if count == 0 { return bytes }
            bytes += buffer[0..<count]
        }
    }

    /// Creates the file `name` (0600, it must not exist) holding `bytes`; with `durable`, the
    /// bytes reach the disk (`fsync`) before it returns.
    func create(_ name: String, _ bytes: [UInt8], durable: Bool = false) throws(IPAMError) {
        let file = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw StoreDirectory.failure("create \(path)/\(name)") }
        defer { close(file) }
        fchmod(file, 0o600)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(file, base + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let failure = StoreDirectory.failure("write \(path)/\(name)")
                unlinkat(descriptor, name, 0)
                throw failure
            }
            written += count
        }
        if durable && fsync(file) != 0 {
            let failure = StoreDirectory.failure("sync \(path)/\(name)")
            unlinkat(descriptor, name, 0)
            throw failure
        }
    }

    /// Makes the directory's entries (created, renamed, removed names) durable.
    func sync() {
        fsync(descriptor)
    }

    /// Opens (creating, 0600) the lock file `name` and returns its descriptor, which the caller
    /// closes.
    func openLockFile(_ name: String) throws(IPAMError) -> Int32 {
        let file = openat(descriptor, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard file >= 0 else {
            let code = errno
            if code == EROFS || code == EACCES || code == EPERM {
                throw .store("\(path) is not writable (\(name): \(String(cString: strerror(code)))): nothing was changed")
            }
            throw StoreDirectory.refusal(code, path + "/" + name, isLink: code == ELOOP)
        }
        return file
    }

    /// Removes the entry `name` (never what a symbolic link points to); `false` when it was not there.
    @discardableResult
    func remove(_ name: String) throws(IPAMError) -> Bool {
        guard unlinkat(descriptor, name, 0) == 0 else {
            if errno == ENOENT { return false }
            throw StoreDirectory.failure("remove \(path)/\(name)")
        }
        return true
    }

    /// Renames `name` over `target` in `directory`, atomically.
    func rename(_ name: String, into directory: StoreDirectory, as target: String) throws(IPAMError) {
        guard renameat(descriptor, name, directory.descriptor, target) == 0 else {
            throw StoreDirectory.failure("replace \(directory.path)/\(target)")
        }
    }

    /// The entry's own metadata (a symbolic link is not followed), or `nil` when it is missing.
    func status(_ name: String) -> stat? {
        var info = stat()
        return fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    /// The directory's own metadata.
    func status() throws(IPAMError) -> stat {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StoreDirectory.failure("stat \(path)") }
        return info
    }

    /// Whether two entries are the same file (one inode, two names).
    static func sameFile(_ a: stat?, _ b: stat?) -> Bool {
        guard let a, let b else { return false }
        return a.st_ino == b.st_ino && a.st_dev == b.st_dev
    }

    /// An error for the current `errno`.
    static func failure(_ what: String) -> IPAMError {
        let code = errno
        return .store("\(what): \(String(cString: strerror(code)))")
    }

    /// An error for a failed open: a symbolic link or a file where a directory belongs is
    /// named as such.
    static func refusal(_ code: Int32, _ path: String, isLink: Bool) -> IPAMError {
        if isLink { return .store("\(path) is a symbolic link: the store never follows links, remove it") }
        if code == ENOTDIR { return .store("\(path) is not a directory") }
        return .store("open \(path): \(String(cString: strerror(code)))")
    }
}
