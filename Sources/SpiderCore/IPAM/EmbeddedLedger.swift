import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ledger on the local disk that many processes share safely, with no server.
///
/// Layout under ``root`` (directories 0700, files 0600):
///
/// ```
/// pools/NAME.json                  the SpiderIPPool manifests
/// reserved/NAME.json               the SpiderReservedIP manifests
/// records/POOL/IP                  one file per allocated address: its owner (JSON)
/// owners/CONTAINERID/IFNAME/POOL@IP   a hard link to the record: what an attachment holds
/// cursors/POOL                     the last reserved address
/// locks/POOL.lock                  flock(2) serialising the changes of one pool
/// tmp/                             files being written
/// ```
///
/// Like host-local it keeps one record per address created with an exclusive operation, but a
/// record is written whole into `tmp/` first and then hard-linked into place, so a `kill -9`
/// at any instant leaves either no record or a complete one. The owners index (a second hard
/// link to the same inode) makes DEL read only the attachment's own entries instead of
/// scanning every record, and lets release check ownership by inode. Changes to one pool hold
/// that pool's `flock`, which the kernel drops when a process dies.
public struct EmbeddedLedger: Ledger {
    /// The default directory.
    public static let defaultRoot = "/var/lib/spiderpool"

    public let root: String

    /// Opens (and creates, 0700) the ledger directory.
    public init(root: String = EmbeddedLedger.defaultRoot) throws(IPAMError) {
        self.root = root
        for directory in ["", "/pools", "/reserved", "/records", "/owners", "/cursors", "/locks", "/tmp"] {
            try EmbeddedLedger.makeDirectory(root + directory)
        }
    }

    // MARK: Pools and reserved IPs

    public func pools() throws(IPAMError) -> [SpiderIPPool] {
        var result: [SpiderIPPool] = []
        for name in try list(root + "/pools") where name.hasSuffix(".json") {
            let text = try readText(root + "/pools/" + name)
            do {
                guard let document = try ManifestValue.documents(yaml: text).first else { throw ManifestError.malformed("empty") }
                result.append(try SpiderIPPool(document: document))
            } catch {
                throw .store("pool file \(root)/pools/\(name) is unreadable: \(error)")
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    public func hasPool(named name: String) throws(IPAMError) -> Bool {
        try EmbeddedLedger.checkName(name)
        return access(root + "/pools/\(name).json", F_OK) == 0
    }

    public func putPool(_ pool: SpiderIPPool) throws(IPAMError) {
        try EmbeddedLedger.checkName(pool.name)
        try writeAtomically(root + "/pools/\(pool.name).json", pool.manifest.json(pretty: true) + "\n")
        try EmbeddedLedger.makeDirectory(root + "/records/" + pool.name)
    }

    public func deletePool(named name: String) throws(IPAMError) {
        try EmbeddedLedger.checkName(name)
        try withPoolLock(name) { () throws(IPAMError) in
            for record in try records(pool: name) {
                unlink(ownerPath(record))
            }
            try removeTree(root + "/records/" + name)
            unlink(root + "/cursors/" + name)
            guard unlink(root + "/pools/\(name).json") == 0 || errno == ENOENT else { throw posixError("delete pool \(name)") }
        }
    }

    public func reservedIPs() throws(IPAMError) -> [SpiderReservedIP] {
        var result: [SpiderReservedIP] = []
        for name in try list(root + "/reserved") where name.hasSuffix(".json") {
            let text = try readText(root + "/reserved/" + name)
            do {
                guard let document = try ManifestValue.documents(yaml: text).first else { throw ManifestError.malformed("empty") }
                result.append(try SpiderReservedIP(document: document))
            } catch {
                throw .store("reserved-IP file \(root)/reserved/\(name) is unreadable: \(error)")
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    public func putReservedIP(_ reserved: SpiderReservedIP) throws(IPAMError) {
        try EmbeddedLedger.checkName(reserved.name)
        try writeAtomically(root + "/reserved/\(reserved.name).json", reserved.manifest.json(pretty: true) + "\n")
    }

    public func deleteReservedIP(named name: String) throws(IPAMError) {
        try EmbeddedLedger.checkName(name)
        guard unlink(root + "/reserved/\(name).json") == 0 || errno == ENOENT else { throw posixError("delete reserved IP \(name)") }
    }

    // MARK: Records

    func recordPath(_ pool: String, _ address: IPAddress) -> String { root + "/records/\(pool)/\(address)" }

    func ownerDirectory(_ attachment: Attachment) -> String { root + "/owners/\(attachment.containerID)/\(attachment.interface)" }

    func ownerPath(_ record: AllocationRecord) -> String {
        ownerDirectory(record.owner.attachment) + "/\(record.pool)@\(record.address)"
    }

    public func records(pool: String) throws(IPAMError) -> [AllocationRecord] {
        try EmbeddedLedger.checkName(pool)
        var result: [AllocationRecord] = []
        for name in try list(root + "/records/" + pool) {
            guard let address = IPAddress(name), let owner = try readOwner(recordPath(pool, address)) else { continue }
            result.append(AllocationRecord(pool: pool, address: address, owner: owner))
        }
        return result.sorted { $0.address < $1.address }
    }

    public func records(of attachment: Attachment) throws(IPAMError) -> [AllocationRecord] {
        var result: [AllocationRecord] = []
        for entry in try list(ownerDirectory(attachment)) {
            guard let at = entry.lastIndex(of: "@"), let address = IPAddress(String(entry[entry.index(after: at)...])) else { continue }
            let pool = String(entry[..<at])
            let path = ownerDirectory(attachment) + "/" + entry
            // The index entry counts only while it is the same file as the record.
            guard sameFile(path, recordPath(pool, address)), let owner = try readOwner(path) else { continue }
            result.append(AllocationRecord(pool: pool, address: address, owner: owner))
        }
        return result.sorted { ($0.address.family, $0.pool, $0.address) < ($1.address.family, $1.pool, $1.address) }
    }

    public func allRecords() throws(IPAMError) -> [AllocationRecord] {
        var result: [AllocationRecord] = []
        for pool in try list(root + "/records") where ResourceName.isDNSSubdomain(pool) {
            result += try records(pool: pool)
        }
        return result
    }

    public func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        try EmbeddedLedger.checkName(record.pool)
        try EmbeddedLedger.makeDirectory(root + "/records/" + record.pool)
        let temporary = try writeTemporary(record.ledgerText)
        defer { unlink(temporary) }
        try makeOwnerDirectory(record.owner.attachment)
        let index = ownerPath(record)
        unlink(index)  // a stale entry of an earlier, interrupted attempt
        guard link(temporary, index) == 0 else { throw posixError("index \(index)") }
        guard link(temporary, recordPath(record.pool, record.address)) == 0 else {
            let failure = errno
            unlink(index)
            if failure == EEXIST { return false }
            errno = failure
            throw posixError("reserve \(record.address) in \(record.pool)")
        }
        return true
    }

    public func release(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        let path = recordPath(record.pool, record.address)
        guard let current = try readOwner(path), current.attachment == record.owner.attachment else {
            unlink(ownerPath(record))
            return false
        }
        guard unlink(path) == 0 || errno == ENOENT else { throw posixError("release \(record.address) in \(record.pool)") }
        unlink(ownerPath(record))
        rmdir(ownerDirectory(record.owner.attachment))
        rmdir(root + "/owners/" + record.owner.containerID)
        return true
    }

    public func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool {
        let path = recordPath(record.pool, record.address)
        guard let current = try readOwner(path), current.attachment == record.owner.attachment else { return false }
        let moved = AllocationRecord(pool: record.pool, address: record.address, owner: owner)
        let temporary = try writeTemporary(moved.ledgerText)
        defer { unlink(temporary) }
        try makeOwnerDirectory(owner.attachment)
        let index = ownerPath(moved)
        unlink(index)
        guard link(temporary, index) == 0 else { throw posixError("index \(index)") }
        guard rename(temporary, path) == 0 else { throw posixError("transfer \(record.address) in \(record.pool)") }
        unlink(ownerPath(record))
        return true
    }

    public func cursor(pool: String) throws(IPAMError) -> IPAddress? {
        try EmbeddedLedger.checkName(pool)
        guard let text = try? readText(root + "/cursors/" + pool) else { return nil }
        return IPAddress(text.trimmingSpaces)
    }

    public func setCursor(pool: String, _ address: IPAddress) throws(IPAMError) {
        try EmbeddedLedger.checkName(pool)
        try writeAtomically(root + "/cursors/" + pool, address.description)
    }

    /// Removes what killed processes left behind and nothing reads: temporary files of processes
    /// that are gone, owner index entries that no longer are the record, empty owner folders.
    public func sweep() throws(IPAMError) {
        for name in try list(root + "/tmp") {
            guard let dash = name.firstIndex(of: "-"), let pid = Int32(name[..<dash]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(root + "/tmp/" + name) }
        }
        for containerID in try list(root + "/owners") {
            for interface in try list(root + "/owners/" + containerID) {
                let directory = root + "/owners/\(containerID)/\(interface)"
                for entry in try list(directory) {
                    guard let at = entry.lastIndex(of: "@"), let address = IPAddress(String(entry[entry.index(after: at)...])) else { continue }
                    let pool = String(entry[..<at])
                    guard ResourceName.isDNSSubdomain(pool) else { continue }
                    try withPoolLock(pool) { () throws(IPAMError) in
                        if !sameFile(directory + "/" + entry, recordPath(pool, address)) { unlink(directory + "/" + entry) }
                    }
                }
                rmdir(directory)
            }
            rmdir(root + "/owners/" + containerID)
        }
    }

    public func withPoolLock<T>(_ pool: String, _ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        let name = pool.isEmpty ? ".store" : pool
        if !pool.isEmpty { try EmbeddedLedger.checkName(pool) }
        let path = root + "/locks/\(name).lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw posixError("open lock \(path)") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw posixError("lock \(path)") }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Runs `body` while no other process changes the set of pools (for validate-then-store).
    public func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try withPoolLock("", body)
    }

    // MARK: Files

    static func checkName(_ name: String) throws(IPAMError) {
        guard ResourceName.isDNSSubdomain(name) else { throw .invalidPoolName(name) }
    }

    func readOwner(_ path: String) throws(IPAMError) -> AllocationOwner? {
        guard let text = try? readText(path) else { return nil }
        // Records are written whole (temp file + link), so a kill cannot leave one half-written.
        return AllocationRecord.owner(ledgerText: text)
    }

    func list(_ directory: String) throws(IPAMError) -> [String] {
        guard let handle = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw posixError("list \(directory)")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." && !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    func readText(_ path: String) throws(IPAMError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("read \(path)") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw posixError("read \(path)")
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func writeTemporary(_ text: String) throws(IPAMError) -> String {
        let path = root + "/tmp/\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw posixError("create \(path)") }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(descriptor, base + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let failure = posixError("write \(path)")
                unlink(path)
                throw failure
            }
            written += count
        }
        return path
    }

    func writeAtomically(_ path: String, _ text: String) throws(IPAMError) {
        let temporary = try writeTemporary(text)
        guard rename(temporary, path) == 0 else {
            let failure = posixError("write \(path)")
            unlink(temporary)
            throw failure
        }
    }

    func makeOwnerDirectory(_ attachment: Attachment) throws(IPAMError) {
        try EmbeddedLedger.makeDirectory(root + "/owners/" + attachment.containerID)
        try EmbeddedLedger.makeDirectory(ownerDirectory(attachment))
    }

    static func makeDirectory(_ path: String) throws(IPAMError) {
        if mkdir(path, 0o700) == 0 {
            chmod(path, 0o700)
            return
        }
        guard errno == EEXIST else { throw posixError("create directory \(path)") }
    }

    func removeTree(_ path: String) throws(IPAMError) {
        for name in try list(path) { unlink(path + "/" + name) }
        rmdir(path)
    }

    func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_ino == second.st_ino && first.st_dev == second.st_dev
    }

    func posixError(_ what: String) -> IPAMError { EmbeddedLedger.posixError(what) }

    static func posixError(_ what: String) -> IPAMError {
        let code = errno
        return .store("\(what): \(String(cString: strerror(code)))")
    }
}
