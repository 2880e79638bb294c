import SpiderCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The first layout of the embedded ledger, read for migration only (``StoreMigration``).
///
/// ```
/// .spiderpool-store                the marker ("layout 1")
/// pools/NAME.json                  the SpiderIPPool manifests
/// reserved/NAME.json               the SpiderReservedIP manifests
/// records/POOL/IP                  one file per allocated address: its owner (one JSON line)
/// owners/CONTAINERID/IFNAME/POOL@IP   a hard link to the record: what an attachment holds
/// cursors/POOL                     the last reserved address
/// locks/POOL.lock                  flock(2) serialising the changes of one pool
/// tmp/                             files being written
/// ```
///
/// A name too long for one file name was stored under its first characters, `~` and a 64-bit
/// FNV-1a hash. Nothing below the root is reached through a symbolic link (``StoreDirectory``).
struct FirstLayoutStore {
    static let folders = ["pools", "reserved", "records", "owners", "cursors", "locks", "tmp"]

    let root: StoreDirectory

    /// A document file as it was stored: its name and bytes, parsed when they are sound.
    struct Document<Manifest> {
        var name: String
        var text: String
        var manifest: Manifest?
        var problem: String?
    }

    /// Whether `root` holds the first layout: its marker, or `pools/` and `records/` folders.
    static func isPresent(in root: StoreDirectory) -> Bool {
        if let bytes = try? root.contents(EmbeddedLedger.markerName),
           String(decoding: bytes, as: UTF8.self).contains("layout 1") { return true }
        let isDirectory = { (name: String) in root.status(name).map { $0.st_mode & S_IFMT == S_IFDIR } == true }
        return isDirectory("pools") && isDirectory("records")
    }

    func directory(_ components: String...) throws(IPAMError) -> StoreDirectory? {
        var current = root
        for name in components {
            guard let next = try current.directory(name) else { return nil }
            current = next
        }
        return current
    }

    func pools() throws(IPAMError) -> [Document<SpiderIPPool>] {
        try documents("pools") { document throws(ManifestError) in let pool = try SpiderIPPool(document: document); return (pool, pool.name) }
    }

    func reservedIPs() throws(IPAMError) -> [Document<SpiderReservedIP>] {
        try documents("reserved") { document throws(ManifestError) in let item = try SpiderReservedIP(document: document); return (item, item.name) }
    }

    func documents<M>(_ folder: String, _ parse: (ManifestValue) throws(ManifestError) -> (M, String)) throws(IPAMError) -> [Document<M>] {
        guard let directory = try directory(folder) else { return [] }
        var result: [Document<M>] = []
        for file in try directory.names() where file.hasSuffix(".json") {
            let text = String(decoding: try directory.contents(file) ?? [], as: UTF8.self)
            let stem = String(file.dropLast(".json".count))
            do throws(ManifestError) {
                guard let value = try ManifestValue.documents(json: text).first else { throw .malformed("the file is empty") }
                let (manifest, name) = try parse(value)
                result.append(Document(name: name, text: text, manifest: manifest))
            } catch {
                result.append(Document(name: stem, text: text, problem: "\(folder)/\(file): \(error)"))
            }
        }
        return result
    }

    /// Every record of every pool folder, with the number of damaged ones (their owner from the
    /// owners index when an entry there is the same file, else unknown).
    func records() throws(IPAMError) -> [AllocationRecord] {
        guard let records = try directory("records") else { return [] }
        var result: [AllocationRecord] = []
        for folder in try records.names() {
            guard let pool = try records.directory(folder) else { continue }
            let name = try poolName(folder)
            for file in try pool.names() {
                guard let address = IPAddress(file), let bytes = try pool.contents(file) else { continue }
                if let owner = AllocationRecord.decodedOwner(ledgerText: String(decoding: bytes, as: UTF8.self)) {
                    result.append(AllocationRecord(pool: name, address: address, owner: owner))
                } else {
                    let owner = try indexedOwner(pool.status(file), entry: FirstLayoutStore.fileName(name, suffix: "@\(file)"))
                    result.append(AllocationRecord(pool: name, address: address, owner: owner, isDamaged: true))
                }
            }
        }
        return result
    }

    /// The pool a `records/` folder belongs to: its own name, or for a shortened one the pool
    /// whose shortened name it is.
    func poolName(_ folder: String) throws(IPAMError) -> String {
        guard folder.contains("~") else { return folder }
        for document in try pools() where FirstLayoutStore.fileName(document.name) == folder { return document.name }
        return folder
    }

    /// How many owners-index entries are not the same file as a record (left by killed writers).
    func staleOwnerEntries() throws(IPAMError) -> Int {
        guard let owners = try directory("owners"), let records = try directory("records") else { return 0 }
        var stale = 0
        for containerID in try owners.names() {
            guard let container = try owners.directory(containerID) else { continue }
            for interface in try container.names() {
                guard let index = try container.directory(interface) else { continue }
                for entry in try index.names() {
                    guard let at = entry.lastIndex(of: "@") else { stale += 1; continue }
                    let folder = String(entry[..<at]), address = String(entry[entry.index(after: at)...])
                    let record = try records.directory(folder)?.status(address)
                    if !StoreDirectory.sameFile(index.status(entry), record) { stale += 1 }
                }
            }
        }
        return stale
    }

    /// Who the owners index says holds a damaged record, or an unknown owner.
    func indexedOwner(_ record: stat?, entry: String) throws(IPAMError) -> AllocationOwner {
        if let owners = try directory("owners") {
            for containerID in try owners.names() {
                guard let container = try owners.directory(containerID) else { continue }
                for interface in try container.names() {
                    guard let index = try container.directory(interface), StoreDirectory.sameFile(index.status(entry), record) else { continue }
                    guard let attachment = try? Attachment(containerID: containerID, interface: interface) else { continue }
                    return AllocationOwner(attachment: attachment)
                }
            }
        }
        return AllocationOwner(attachment: Attachment(unchecked: AllocationOwner.unknownContainerID, "unknown"))
    }

    /// The cursors (`cursors/POOL`: the last address reserved), by pool.
    func cursors() throws(IPAMError) -> [String: IPAddress] {
        guard let directory = try directory("cursors") else { return [:] }
        var result: [String: IPAddress] = [:]
        for file in try directory.names() {
            guard let bytes = try? directory.contents(file),
                  let address = IPAddress(String(decoding: bytes, as: UTF8.self).trimmingSpaces) else { continue }
            result[try poolName(file)] = address
        }
        return result
    }

    /// The file name the first layout used for `name` followed by `suffix`: as it is when it
    /// fits in 255 bytes, else its first characters, `~` and the FNV-1a hash of the whole name.
    static func fileName(_ name: String, suffix: String = "") -> String {
        let limit = 255
        guard name.utf8.count + suffix.utf8.count > limit else { return name + suffix }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let digest = String(hash, radix: 16)
        let tag = "~" + String(repeating: "0", count: 16 - digest.count) + digest
        return String(name.prefix(limit - suffix.utf8.count - tag.utf8.count)) + tag + suffix
    }
}
