import SpiderCore

/// The `held_runs` index: for each pool, the maximal runs of consecutive held addresses.
///
/// Kept in step with `records` inside the same transaction: taking an address joins it to the
/// runs beside it, giving one back splits its run. Both cost a few indexed look-ups, and so does
/// finding the lowest free address of a range: the run that contains the range's first address
/// (if any) ends just before it.
struct HeldRuns {
    let database: SQLiteConnection

    /// The run of `pool` that contains `address`.
    func run(containing address: IPAddress, pool: String) throws(SQLiteFailure) -> (first: IPAddress, last: IPAddress)? {
        let key = AddressKey.bytes(address)
        let found = try database.first(
            "SELECT first, last FROM held_runs WHERE pool = ?1 AND first <= ?2 ORDER BY first DESC LIMIT 1",
            [.text(pool), .blob(key)]) { ($0.blob(0), $0.blob(1)) }
        guard let found, found.0.count == key.count, found.1.count == key.count, found.1.lexicographicallyPrecedes(key) == false,
              let first = AddressKey.address(found.0), let last = AddressKey.address(found.1) else { return nil }
        return (first, last)
    }

    /// The last address of the run of `pool` that starts at `address`.
    func runEnd(startingAt address: IPAddress, pool: String) throws(SQLiteFailure) -> IPAddress? {
        try database.first("SELECT last FROM held_runs WHERE pool = ?1 AND first = ?2",
                           [.text(pool), .blob(AddressKey.bytes(address))]) { AddressKey.address($0.blob(0)) } ?? nil
    }

    func put(_ pool: String, _ first: IPAddress, _ last: IPAddress) throws(SQLiteFailure) {
        try database.run("INSERT OR REPLACE INTO held_runs (pool, first, last) VALUES (?1, ?2, ?3)",
                         [.text(pool), .blob(AddressKey.bytes(first)), .blob(AddressKey.bytes(last))])
    }

    func delete(_ pool: String, _ first: IPAddress) throws(SQLiteFailure) {
        try database.run("DELETE FROM held_runs WHERE pool = ?1 AND first = ?2", [.text(pool), .blob(AddressKey.bytes(first))])
    }

    /// Records that `address` is now held.
    func insert(_ address: IPAddress, pool: String) throws(SQLiteFailure) {
        var first = address, last = address
        if let below = address.predecessor, let run = try run(containing: below, pool: pool) {
            guard run.last < address else { return }  // already inside a run
            first = run.first
        }
        if let above = address.successor, let end = try runEnd(startingAt: above, pool: pool) {
            try delete(pool, above)
            last = end
        }
        try put(pool, first, last)
    }

    /// Records that `address` is free again.
    func remove(_ address: IPAddress, pool: String) throws(SQLiteFailure) {
        guard let run = try run(containing: address, pool: pool) else { return }
        try delete(pool, run.first)
        if run.first < address, let below = address.predecessor { try put(pool, run.first, below) }
        if address < run.last, let above = address.successor { try put(pool, above, run.last) }
    }

    /// The lowest addresses of `available` that no record of `pool` holds, at most `limit`.
    func lowestFree(pool: String, in available: IPRangeSet, limit: Int) throws(SQLiteFailure) -> [IPAddress] {
        var found: [IPAddress] = []
        for range in available.ranges {
            var candidate: IPAddress? = range.lower
            while let current = candidate, current <= range.upper {
                if let run = try run(containing: current, pool: pool) {
                    candidate = run.last.successor
                    continue
                }
                found.append(current)
                if found.count >= limit { return found }
                candidate = current.successor
            }
        }
        return found
    }

    /// The runs the records of every pool make, computed from `records`.
    func expected() throws(SQLiteFailure) -> [(String, [UInt8], [UInt8])] {
        var pending: (pool: String, first: IPAddress, last: IPAddress)?
        var runs: [(String, [UInt8], [UInt8])] = []
        func close() {
            if let open = pending { runs.append((open.pool, AddressKey.bytes(open.first), AddressKey.bytes(open.last))) }
        }
        try database.query("SELECT pool, address FROM records ORDER BY pool, address") { row throws(SQLiteFailure) in
            guard let address = AddressKey.address(row.blob(1)) else { return }
            let pool = row.text(0)
            if let open = pending, open.pool == pool, open.last.family == address.family, open.last.successor == address {
                pending = (pool, open.first, address)
            } else {
                close()
                pending = (pool, address, address)
            }
        }
        close()
        return runs
    }

    /// Rebuilds the runs of every pool from `records` (migration, `store check --repair`).
    func rebuild() throws(SQLiteFailure) {
        let runs = try expected()
        try database.run("DELETE FROM held_runs")
        for (pool, first, last) in runs {
            try database.run("INSERT INTO held_runs (pool, first, last) VALUES (?1, ?2, ?3)", [.text(pool), .blob(first), .blob(last)])
        }
    }

    /// Every stored run, for the consistency check.
    func all() throws(SQLiteFailure) -> [(String, [UInt8], [UInt8])] {
        var result: [(String, [UInt8], [UInt8])] = []
        try database.query("SELECT pool, first, last FROM held_runs ORDER BY pool, first") { row throws(SQLiteFailure) in
            result.append((row.text(0), row.blob(1), row.blob(2)))
        }
        return result
    }
}
