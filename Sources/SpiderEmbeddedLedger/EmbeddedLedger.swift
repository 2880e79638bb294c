import SpiderCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ledger on the local disk that many processes share safely, with no server.
///
/// Layout under `root` (directories 0700, files 0600):
///
/// ```
/// .spiderpool-store                the marker: only a directory that carries it is a store
/// pools/NAME.json                  the SpiderIPPool manifests
/// reserved/NAME.json               the SpiderReservedIP manifests
/// records/POOL/IP                  one file per allocated address: its owner (JSON)
/// owners/CONTAINERID/IFNAME/POOL@IP   a hard link to the record: what an attachment holds
/// cursors/POOL                     the last reserved address
/// locks/POOL.lock                  flock(2) serialising the changes of one pool
/// tmp/                             files being written
/// ```
///
/// A name too long for one file name (a container ID of up to 1,024 characters, a 253-character
/// pool name with `.json` or `@IP` after it) is stored under its first characters, `~` and a
/// 64-bit hash; `~` is in no valid name, and every record carries the
/// full names, which reads compare.
///
/// Like host-local it keeps one record per address created with an exclusive operation, but a
/// record is written whole into `tmp/` first and then hard-linked into place, so a `kill -9`
/// at any instant leaves either no record or a complete one. The owners index (a second hard
/// link to the same inode) makes DEL read only the attachment's own entries instead of
/// scanning every record, and lets release check ownership by inode. Changes to one pool hold
/// that pool's `flock`, which the kernel drops when a process dies.
///
/// The store trusts nothing it did not make: the root must not be a symbolic link, must belong
/// to root (or the caller) and must not be writable by others, and it must carry the marker
/// (or be empty, or hold the first layout's `pools/` and `records/`); nothing below it is
/// reached through a symbolic link. Reads and releases never create the
/// store: a missing store holds nothing.
public struct EmbeddedLedger: Ledger {
    /// The default directory.
    public static let defaultRoot = "/var/lib/spiderpool"
    /// The file that marks a directory as a store.
    public static let markerName = ".spiderpool-store"
    static let markerText = "swift-spiderpool embedded ledger, layout 1\n"
    static let layout = ["pools", "reserved", "records", "owners", "cursors", "locks", "tmp"]

    public let root: String

    /// Opens the ledger directory. Creates nothing: the store is made by its first write.
    /// - Throws: `IPAMError/store(_:)` when `root` exists but is not a store this process may
    ///   trust (a symbolic link, another user's, writable by others, or a directory of other files).
    public init(root: String = EmbeddedLedger.defaultRoot) throws(IPAMError) {
        guard !root.isEmpty else { throw .invalidStore("the store directory is empty") }
        // The C calls would stop at a NUL and use another directory than the one named.
        guard !root.utf8.contains(0) else { throw .invalidStore("the store directory contains a NUL character") }
        self.root = root
        _ = try store()
    }

    // MARK: Opening

    /// The root directory after the trust checks, or `nil` when it does not exist (and `create`
    /// is not set). With `create`, a missing root (and missing parents) and the layout are made.
    func store(create: Bool = false) throws(IPAMError) -> StoreDirectory? {
        if let directory = try StoreDirectory.openRoot(root) {
            let marked = try checkTrust(directory)
            if create && !marked { try mark(directory) }
            return directory
        }
        guard create else { return nil }
        try EmbeddedLedger.makeDirectories(root)
        guard let directory = try StoreDirectory.openRoot(root) else { throw .store("\(root) vanished while it was being created") }
        if !(try checkTrust(directory)) { try mark(directory) }
        return directory
    }

    /// Refuses a root another user could have prepared; returns whether it carries the marker.
    func checkTrust(_ directory: StoreDirectory) throws(IPAMError) -> Bool {
        let info = try directory.status()
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw .store("\(root) belongs to user \(info.st_uid), not root: refused (chown it to root or name another store)")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw .store("\(root) is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8))): refused (chmod 0700 it)")
        }
        if directory.status(EmbeddedLedger.markerName) != nil { return true }
        let names = try directory.names()
        let firstLayout = directory.status("pools").map { $0.st_mode & S_IFMT == S_IFDIR } == true
            && directory.status("records").map { $0.st_mode & S_IFMT == S_IFDIR } == true
        // Only our own folders: a store whose first write was interrupted (or is under way in
        // another process) before its marker was written.
        let partLayout = names.allSatisfy { EmbeddedLedger.layout.contains($0) }
        guard names.isEmpty || firstLayout || partLayout else {
            throw .store("\(root) is not a spiderpool store: it has no \(EmbeddedLedger.markerName) marker and holds other files (name a new or empty directory)")
        }
        return false
    }

    /// Writes the marker and the layout into a trusted root.
    func mark(_ directory: StoreDirectory) throws(IPAMError) {
        for name in EmbeddedLedger.layout { _ = try directory.directory(name, create: true) }
        let temporary = try writeTemporary(directory, Array(EmbeddedLedger.markerText.utf8))
        guard let tmp = try directory.directory("tmp") else { throw .store("\(root)/tmp is missing") }
        try tmp.rename(temporary, into: directory, as: EmbeddedLedger.markerName)
    }

    /// `mkdir -p`: parents 0755, the store itself 0700.
    static func makeDirectories(_ path: String) throws(IPAMError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        let parts = path.split(separator: "/")
        for (index, part) in parts.enumerated() {
            prefix += "/" + part
            let last = index == parts.count - 1
            if mkdir(prefix, last ? 0o700 : 0o755) == 0 {
                if last { chmod(prefix, 0o700) }
            } else if errno != EEXIST {
                throw StoreDirectory.failure("create directory \(prefix)")
            }
        }
    }

    /// The subdirectory at `components` below the root (each opened without following links),
    /// or `nil` when any of it is missing and `create` is not set.
    func directory(_ components: String..., create: Bool = false) throws(IPAMError) -> StoreDirectory? {
        guard var current = try store(create: create) else { return nil }
        for name in components {
            guard let next = try current.directory(name, create: create) else { return nil }
            current = next
        }
        return current
    }

    // MARK: Pools and reserved IPs

    public func pools() throws(IPAMError) -> [SpiderIPPool] {
        guard let directory = try directory("pools") else { return [] }
        var result: [SpiderIPPool] = []
        for name in try directory.names() where name.hasSuffix(".json") {
            let text = String(decoding: try directory.contents(name) ?? [], as: UTF8.self)
            do {
                guard let document = try ManifestValue.documents(json: text).first else { throw ManifestError.malformed("empty") }
                result.append(try SpiderIPPool(document: document))
            } catch {
                throw .store("pool file \(directory.path)/\(name) is unreadable: \(error)")
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    public func hasPool(named name: String) throws(IPAMError) -> Bool {
        try EmbeddedLedger.checkName(name)
        return try directory("pools")?.status(EmbeddedLedger.fileName(name, suffix: ".json")) != nil
    }

    public func putPool(_ pool: SpiderIPPool) throws(IPAMError) {
        try EmbeddedLedger.checkName(pool.name)
        try writeAtomically("pools", EmbeddedLedger.fileName(pool.name, suffix: ".json"), pool.manifest.json(pretty: true) + "\n")
        _ = try directory("records", pool.name, create: true)
    }

    public func deletePool(named name: String) throws(IPAMError) {
        try EmbeddedLedger.checkName(name)
        guard try store() != nil else { return }
        try withPoolLock(name) { () throws(IPAMError) in
            for record in try records(pool: name) {
                try ownerDirectory(record.owner.attachment)?.remove(ownerEntry(record))
            }
            if let records = try directory("records") {
                if let pool = try records.directory(name) {
                    for entry in try pool.names() { try pool.remove(entry) }
                }
                records.removeDirectoryIfEmpty(name)
            }
            try directory("cursors")?.remove(EmbeddedLedger.fileName(name))
            try directory("pools")?.remove(EmbeddedLedger.fileName(name, suffix: ".json"))
        }
    }

    public func reservedIPs() throws(IPAMError) -> [SpiderReservedIP] {
        guard let directory = try directory("reserved") else { return [] }
        var result: [SpiderReservedIP] = []
        for name in try directory.names() where name.hasSuffix(".json") {
            let text = String(decoding: try directory.contents(name) ?? [], as: UTF8.self)
            do {
                guard let document = try ManifestValue.documents(json: text).first else { throw ManifestError.malformed("empty") }
                result.append(try SpiderReservedIP(document: document))
            } catch {
                throw .store("reserved-IP file \(directory.path)/\(name) is unreadable: \(error)")
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    public func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError) {
        try EmbeddedLedger.checkName(reserved.name)
        try writeAtomically("reserved", EmbeddedLedger.fileName(reserved.name, suffix: ".json"), reserved.manifest.json(pretty: true) + "\n")
    }

    public func deleteReservedIP(named name: String) throws(IPAMError) {
        try EmbeddedLedger.checkName(name)
        try directory("reserved")?.remove(EmbeddedLedger.fileName(name, suffix: ".json"))
    }

    // MARK: Records

    /// The owners-index folder of an attachment.
    func ownerDirectory(_ attachment: Attachment, create: Bool = false) throws(IPAMError) -> StoreDirectory? {
        try directory("owners", EmbeddedLedger.fileName(attachment.containerID), attachment.interface, create: create)
    }

    /// The owners-index entry of a record: `POOL@IP`.
    func ownerEntry(_ record: AllocationRecord) -> String {
        EmbeddedLedger.fileName(record.pool, suffix: "@\(record.address)")
    }

    public func records(pool: String) throws(IPAMError) -> [AllocationRecord] {
        try EmbeddedLedger.checkName(pool)
        guard let directory = try directory("records", pool) else { return [] }
        var result: [AllocationRecord] = []
        for name in try directory.names() {
            guard let address = IPAddress(name), let owner = try readOwner(directory, name, pool: pool) else { continue }
            result.append(AllocationRecord(pool: pool, address: address, owner: owner.owner, isDamaged: owner.damaged))
        }
        return result.sorted { $0.address < $1.address }
    }

    public func records(of attachment: Attachment) throws(IPAMError) -> [AllocationRecord] {
        guard let index = try ownerDirectory(attachment) else { return [] }
        var result: [AllocationRecord] = []
        for entry in try index.names() {
            guard let (pool, address) = try parseOwnerEntry(entry), let records = try directory("records", pool) else { continue }
            // The index entry counts only while it is the same file as the record.
            guard StoreDirectory.sameFile(index.status(entry), records.status(address.description)),
                  let owner = try readOwner(records, address.description, pool: pool),
                  owner.owner.attachment == attachment else { continue }
            result.append(AllocationRecord(pool: pool, address: address, owner: owner.owner, isDamaged: owner.damaged))
        }
        return result.sorted { ($0.address.family, $0.pool, $0.address) < ($1.address.family, $1.pool, $1.address) }
    }

    /// The pool and address an owners-index entry names (a long pool name is looked up among
    /// the pools by its shortened form).
    func parseOwnerEntry(_ entry: String) throws(IPAMError) -> (String, IPAddress)? {
        guard let at = entry.lastIndex(of: "@"), let address = IPAddress(String(entry[entry.index(after: at)...])) else { return nil }
        let pool = String(entry[..<at])
        if ResourceName.isDNSSubdomain(pool) { return (pool, address) }
        guard pool.contains("~"), let records = try directory("records") else { return nil }
        guard let full = try records.names().first(where: { EmbeddedLedger.fileName($0, suffix: "@\(address)") == entry }) else { return nil }
        return (full, address)
    }

    public func allRecords() throws(IPAMError) -> [AllocationRecord] {
        guard let records = try directory("records") else { return [] }
        var result: [AllocationRecord] = []
        for pool in try records.names() where ResourceName.isDNSSubdomain(pool) {
            result += try self.records(pool: pool)
        }
        return result
    }

    public func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        try EmbeddedLedger.checkName(record.pool)
        guard let store = try store(create: true), let tmp = try store.directory("tmp", create: true),
              let records = try directory("records", record.pool, create: true),
              let index = try ownerDirectory(record.owner.attachment, create: true) else {
            throw .store("\(root) could not be prepared for a record")
        }
        let temporary = try writeTemporary(store, Array(record.ledgerText.utf8))
        defer { _ = try? tmp.remove(temporary) }
        let entry = ownerEntry(record)
        try index.remove(entry)  // a stale entry of an earlier, interrupted attempt
        guard try tmp.link(temporary, into: index, as: entry) else { throw .store("index \(index.path)/\(entry) exists") }
        guard try tmp.link(temporary, into: records, as: record.address.description) else {
            try index.remove(entry)
            return false
        }
        return true
    }

    public func release(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        guard let records = try directory("records", record.pool) else { return false }
        let name = record.address.description
        let index = try ownerDirectory(record.owner.attachment)
        guard let current = try readOwner(records, name, pool: record.pool), current.owner.attachment == record.owner.attachment else {
            // Held by someone else (or by no one): only this attachment's stale index entry goes.
            if let index, !StoreDirectory.sameFile(index.status(ownerEntry(record)), records.status(name)) {
                try index.remove(ownerEntry(record))
            }
            return false
        }
        try records.remove(name)
        if let index {
            try index.remove(ownerEntry(record))
            try directory("owners", EmbeddedLedger.fileName(record.owner.containerID))?.removeDirectoryIfEmpty(record.owner.interface)
        }
        try directory("owners")?.removeDirectoryIfEmpty(EmbeddedLedger.fileName(record.owner.containerID))
        return true
    }

    public func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool {
        guard let records = try directory("records", record.pool) else { return false }
        let name = record.address.description
        guard let current = try readOwner(records, name, pool: record.pool), current.owner.attachment == record.owner.attachment else { return false }
        let moved = AllocationRecord(pool: record.pool, address: record.address, owner: owner)
        guard let store = try store(create: true), let tmp = try store.directory("tmp", create: true),
              let index = try ownerDirectory(owner.attachment, create: true) else {
            throw .store("\(root) could not be prepared for a record")
        }
        let temporary = try writeTemporary(store, Array(moved.ledgerText.utf8))
        defer { _ = try? tmp.remove(temporary) }
        let entry = ownerEntry(moved)
        try index.remove(entry)
        guard try tmp.link(temporary, into: index, as: entry) else { throw .store("index \(index.path)/\(entry) exists") }
        try tmp.rename(temporary, into: records, as: name)
        if record.owner.attachment != owner.attachment { try ownerDirectory(record.owner.attachment)?.remove(ownerEntry(record)) }
        return true
    }

    public func cursor(pool: String) throws(IPAMError) -> IPAddress? {
        try EmbeddedLedger.checkName(pool)
        guard let bytes = try? directory("cursors")?.contents(EmbeddedLedger.fileName(pool)) else { return nil }
        return IPAddress(String(decoding: bytes, as: UTF8.self).trimmingSpaces)
    }

    public func setCursor(pool: String, _ address: IPAddress) throws(IPAMError) {
        try EmbeddedLedger.checkName(pool)
        try writeAtomically("cursors", EmbeddedLedger.fileName(pool), address.description)
    }

    /// Removes what killed processes left behind and nothing reads: temporary files of processes
    /// that are gone, owner index entries that no longer are the record, empty owner folders.
    public func sweep() throws(IPAMError) {
        // Only a marked store is swept: a directory that merely looks like the first layout
        // gets its marker with its first write.
        guard let store = try store(), store.status(EmbeddedLedger.markerName) != nil else { return }
        if let tmp = try directory("tmp") {
            for name in try tmp.names() {
                guard let dash = name.firstIndex(of: "-"), let pid = Int32(name[..<dash]) else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH { try tmp.remove(name) }
            }
        }
        guard let owners = try directory("owners") else { return }
        for containerID in try owners.names() {
            guard let container = try owners.directory(containerID) else { continue }
            for interface in try container.names() {
                guard let index = try container.directory(interface) else { continue }
                for entry in try index.names() {
                    guard let (pool, address) = try parseOwnerEntry(entry) else { continue }
                    try withPoolLock(pool) { () throws(IPAMError) in
                        let record = try directory("records", pool)?.status(address.description)
                        if !StoreDirectory.sameFile(index.status(entry), record) { try index.remove(entry) }
                    }
                }
                container.removeDirectoryIfEmpty(interface)
            }
            owners.removeDirectoryIfEmpty(containerID)
        }
    }

    public func probeWritable() throws(IPAMError) {
        guard let store = try store() else {
            // No store yet: the first ADD creates it where the nearest existing parent allows.
            var parent = root
            while let slash = parent.lastIndex(of: "/") {
                parent = slash == parent.startIndex ? "/" : String(parent[..<slash])
                if access(parent, F_OK) == 0 {
                    guard access(parent, W_OK) == 0 else { throw StoreDirectory.failure("\(root) cannot be created in \(parent)") }
                    return
                }
                if parent == "/" { break }
            }
            return
        }
        guard let tmp = try store.directory("tmp", create: true) else { throw .store("\(root)/tmp is missing") }
        let name = try writeTemporary(store, [])
        try tmp.remove(name)
    }

    public func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        let name = EmbeddedLedger.fileName(pool.isEmpty ? ".store" : pool, suffix: ".lock")
        if !pool.isEmpty { try EmbeddedLedger.checkName(pool) }
        guard let locks = try directory("locks", create: true) else { throw .store("\(root)/locks is missing") }
        return try locks.withLock(name, body)
    }

    /// Runs `body` while no other process changes the set of pools (for validate-then-store).
    public func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try withPoolLock("", body)
    }

    // MARK: Names and files

    static func checkName(_ name: String) throws(IPAMError) {
        guard ResourceName.isDNSSubdomain(name) else { throw .invalidPoolName(name) }
    }

    /// The file name for `name` followed by `suffix`: as it is when it fits in 255 bytes, else
    /// its first characters, `~` and the FNV-1a hash of the whole name, then `suffix`.
    static func fileName(_ name: String, suffix: String = "") -> String {
        let limit = 255
        guard name.utf8.count + suffix.utf8.count > limit else { return name + suffix }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let digest = String(hash, radix: 16)
        let tag = "~" + String(repeating: "0", count: 16 - digest.count) + digest
        return String(name.prefix(limit - suffix.utf8.count - tag.utf8.count)) + tag + suffix
    }

    /// The owner of the record `name` in `records`; `nil` only when there is no such record.
    /// A damaged record keeps its address held: its owner comes from the owners index when an
    /// entry there is the same file, and is otherwise unknown.
    func readOwner(_ records: StoreDirectory, _ name: String, pool: String) throws(IPAMError) -> (owner: AllocationOwner, damaged: Bool)? {
        guard let bytes = try records.contents(name) else { return nil }
        // Records are written whole (temp file + link), so a kill cannot leave one half-written.
        if let owner = AllocationRecord.decodedOwner(ledgerText: String(decoding: bytes, as: UTF8.self)) { return (owner, false) }
        return (try indexedOwner(records.status(name), entry: EmbeddedLedger.fileName(pool, suffix: "@\(name)")), true)
    }

    /// Who the owners index says holds the record with metadata `record` (searched only for
    /// damaged records), or an unknown owner.
    func indexedOwner(_ record: stat?, entry: String) throws(IPAMError) -> AllocationOwner {
        if let owners = try directory("owners") {
            for containerID in try owners.names() {
                guard let container = try owners.directory(containerID) else { continue }
                for interface in try container.names() {
                    guard let index = try container.directory(interface), StoreDirectory.sameFile(index.status(entry), record) else { continue }
                    // A shortened container ID cannot be told from its folder; the attachment stays unknown.
                    guard let attachment = try? Attachment(containerID: containerID, interface: interface) else { continue }
                    return AllocationOwner(attachment: attachment)
                }
            }
        }
        return AllocationOwner(attachment: Attachment(unchecked: AllocationOwner.unknownContainerID, "unknown"))
    }

    /// Writes `bytes` into a new file in `tmp/` and returns its name there.
    func writeTemporary(_ store: StoreDirectory, _ bytes: [UInt8]) throws(IPAMError) -> String {
        guard let tmp = try store.directory("tmp", create: true) else { throw .store("\(root)/tmp is missing") }
        let name = "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try tmp.create(name, bytes)
        return name
    }

    /// Replaces `folder/name` with `text`, atomically.
    func writeAtomically(_ folder: String, _ name: String, _ text: String) throws(IPAMError) {
        guard let store = try store(create: true), let tmp = try store.directory("tmp", create: true),
              let target = try store.directory(folder, create: true) else { throw .store("\(root)/\(folder) is missing") }
        let temporary = try writeTemporary(store, Array(text.utf8))
        do { try tmp.rename(temporary, into: target, as: name) } catch {
            _ = try? tmp.remove(temporary)
            throw error
        }
    }
}
