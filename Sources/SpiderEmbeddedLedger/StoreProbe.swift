import SpiderCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What CNI STATUS asks of the embedded ledger: can it take a write now?
enum StoreProbe {
    /// Below this much free space a write may fail half-way through a Pod's NICs.
    static let minimumFreeBytes: UInt64 = 1 << 20

    static func probe(root: String, handle: StoreHandle) throws(IPAMError) {
        // The store, or the nearest existing parent that the first write would create it in.
        var path = root
        while access(path, F_OK) != 0, let slash = path.lastIndex(of: "/") {
            path = slash == path.startIndex ? "/" : String(path[..<slash])
        }
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw StoreDirectory.failure("statvfs \(path)") }
        if info.f_flag & UInt(ST_RDONLY) != 0 { throw .store("\(path) is on a read-only file system: the store cannot take a write") }
        let free = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        if free < minimumFreeBytes { throw .store("no space left on the device that holds \(path) (\(free) bytes free): the store cannot take a write") }
        guard path == root else {
            guard access(path, W_OK) == 0 else { throw StoreDirectory.failure("\(root) cannot be created in \(path)") }
            return
        }
        // An existing store: take (and give back) the write lock, changing nothing.
        guard try handle.read({ $0 != nil }) else { return }
        try handle.write { _ throws(IPAMError) in }
    }
}
