import SpiderCore

/// The findings of `spiderctl store check`.
public struct StoreCheckReport: Sendable, Hashable {
    /// What is wrong, one line each with what to do about it.
    public var problems: [String] = []
    /// What `--repair` mended.
    public var repaired: [String] = []
    /// Counts, for the person reading.
    public var summary: [String] = []

    /// Whether the store is sound (after the repair, when one was asked for).
    public var isSound: Bool { problems.isEmpty }
}

extension EmbeddedLedger {
    /// Checks the store: the database's own integrity check, the index of held addresses,
    /// unreadable documents, records outside any stored pool, and addresses outside their pool's
    /// ranges.
    ///
    /// With `repair`, what can be mended without guessing is mended, in one transaction: the
    /// indexes are rebuilt, an unreadable document is restored from its last sound copy, and
    /// records of pools that are not stored are released (no pool can hand their addresses out
    /// again until it is re-applied, and re-applying checks the addresses it holds). Addresses
    /// outside their pool's ranges may belong to running Pods: they are only reported.
    public func check(repair: Bool = false) throws(IPAMError) -> StoreCheckReport {
        var report = StoreCheckReport()
        guard try handle.read({ $0 != nil }) else {
            report.summary.append("\(root) holds no store yet (it is created by the first write)")
            return report
        }
        if repair {
            try write { database throws(SQLiteFailure) in try EmbeddedLedger.repair(database, &report) }
        }
        try read(()) { database throws(SQLiteFailure) in try EmbeddedLedger.inspect(database, &report) }
        return report
    }

    static func integrity(_ database: SQLiteConnection) throws(SQLiteFailure) -> [String] {
        var lines: [String] = []
        try database.query("PRAGMA integrity_check") { row throws(SQLiteFailure) in lines.append(row.text(0)) }
        return lines == ["ok"] ? [] : lines
    }

    static func inspect(_ database: SQLiteConnection, _ report: inout StoreCheckReport) throws(SQLiteFailure) {
        for line in try integrity(database) {
            report.problems.append("database: \(line) (run `spiderctl store check --repair`; if it stays, restore store.db from a backup)")
        }
        let (pools, unreadable) = try EmbeddedLedger.pools(database)
        for document in unreadable {
            report.problems.append("\(document.kind) \(document.name) is unreadable (\(document.reason)): re-apply its manifest, or run `spiderctl store check --repair` to restore its last sound copy")
        }
        for document in try EmbeddedLedger.reservedDocuments(database).unreadable {
            report.problems.append("\(document.kind) \(document.name) is unreadable (\(document.reason)): re-apply its manifest, or run `spiderctl store check --repair`")
        }
        let known = Set(pools.map(\.name)).union(unreadable.map(\.name))
        let spaces = Dictionary(pools.compactMap { pool in
            (try? PoolAddressSpace(subnet: pool.subnet, ips: pool.ips, excludeIPs: pool.excludeIPs)).map { (pool.name, $0) }
        }, uniquingKeysWith: { a, _ in a })
        var count = 0, outside: [String: Int] = [:]
        try database.query("SELECT \(LedgerSchema.recordColumns) FROM records ORDER BY pool, address") { row throws(SQLiteFailure) in
            guard let record = EmbeddedLedger.record(row) else {
                report.problems.append("a record of pool \(row.text(0)) has a malformed address: run `spiderctl store check --repair`")
                return
            }
            count += 1
            if !known.contains(record.pool) {
                outside[record.pool, default: 0] += 1
            } else if let space = spaces[record.pool], !space.listed.contains(record.address) {
                report.problems.append("\(record.address) of pool \(record.pool), held by \(EmbeddedLedger.describe(record.owner)), is outside the pool's ips: widen the pool's ips, or release it with `spiderctl ip release --container-id \(record.owner.containerID) --ifname \(record.owner.interface) --forget`")
            }
            if record.isDamaged {
                report.summary.append("\(record.address) of pool \(record.pool) was migrated from a damaged file; its owner is \(EmbeddedLedger.describe(record.owner))")
            }
        }
        for (pool, number) in outside.sorted(by: { $0.key < $1.key }) {
            report.problems.append("\(number) record(s) belong to pool \(pool), which is not stored: re-apply the pool, or run `spiderctl store check --repair` to release them")
        }
        if try runsDiffer(database) {
            report.problems.append("the index of held addresses does not match the records: run `spiderctl store check --repair`")
        }
        report.summary.insert("\(pools.count + unreadable.count) pool(s), \(count) record(s)", at: 0)
    }

    static func describe(_ owner: AllocationOwner) -> String {
        owner.pod.isEmpty ? owner.attachment.description : "\(owner.attachment) (pod \(owner.pod))"
    }

    /// Whether `held_runs` differs from the runs of the records.
    static func runsDiffer(_ database: SQLiteConnection) throws(SQLiteFailure) -> Bool {
        let runs = HeldRuns(database: database)
        let stored = try runs.all(), expected = try runs.expected()
        return stored.count != expected.count || zip(stored, expected).contains { $0.0 != $1.0 || $0.1 != $1.1 || $0.2 != $1.2 }
    }

    static func repair(_ database: SQLiteConnection, _ report: inout StoreCheckReport) throws(SQLiteFailure) {
        if try !integrity(database).isEmpty {
            try database.execute("REINDEX")
            report.repaired.append("rebuilt the database's indexes")
        }
        var restored: [(String, String, String)] = []
        for table in ["pools", "reserved"] {
            try database.query("SELECT name, manifest, backup FROM \(table) ORDER BY name") { row throws(SQLiteFailure) in
                let name = row.text(0)
                let sound = { (text: String) -> Bool in
                    table == "pools" ? (try? EmbeddedLedger.parsePool(text, name: name).get()) != nil
                                     : (try? EmbeddedLedger.parseReserved(text, name: name).get()) != nil
                }
                guard !sound(row.text(1)) else { return }
                if let backup = row.optionalText(2), sound(backup) { restored.append((table, name, backup)) }
            }
        }
        for (table, name, backup) in restored {
            try database.run("UPDATE \(table) SET manifest = ?2 WHERE name = ?1", [.text(name), .text(backup)])
            report.repaired.append("restored the last sound copy of \(table == "pools" ? SpiderIPPool.kind : SpiderReservedIP.kind) \(name)")
        }
        var orphans: [(String, Int)] = []
        try database.query("SELECT pool, count(*) FROM records WHERE pool NOT IN (SELECT name FROM pools) GROUP BY pool ORDER BY pool") { row throws(SQLiteFailure) in
            orphans.append((row.text(0), Int(row.integer(1))))
        }
        for (pool, number) in orphans {
            try database.run("DELETE FROM records WHERE pool = ?1", [.text(pool)])
            report.repaired.append("released \(number) record(s) of pool \(pool), which is not stored")
        }
        let malformed = try database.run("DELETE FROM records WHERE length(address) NOT IN (4, 16)")
        if malformed > 0 { report.repaired.append("removed \(malformed) record(s) with a malformed address") }
        if try runsDiffer(database) {
            try HeldRuns(database: database).rebuild()
            report.repaired.append("rebuilt the index of held addresses")
        }
    }
}
