/// The embedded ledger's tables (layout 2), and the SQLite settings every connection uses.
///
/// `records` has one row per held address (`damaged` marks a record migrated from a first-layout
/// file whose bytes were damaged: its owner came from the owners index, or is unknown), keyed by pool and address; the address is a BLOB of
/// its 4 or 16 bytes in network order, so the primary key sorts addresses numerically.
/// `held_runs` is an index of what is held: the maximal runs of consecutive held addresses of
/// each pool, kept in step with `records` in the same transaction. The lowest free address of
/// a range is found from it with one indexed look-up, whatever the number of records.
enum LedgerSchema {
    /// `PRAGMA user_version` of a database this code writes and reads.
    static let version: Int64 = 2

    static let create = """
        CREATE TABLE pools (
            name TEXT PRIMARY KEY NOT NULL,
            manifest TEXT NOT NULL,
            backup TEXT,
            cursor TEXT
        ) WITHOUT ROWID;
        CREATE TABLE reserved (
            name TEXT PRIMARY KEY NOT NULL,
            manifest TEXT NOT NULL,
            backup TEXT
        ) WITHOUT ROWID;
        CREATE TABLE records (
            pool TEXT NOT NULL,
            address BLOB NOT NULL,
            container_id TEXT NOT NULL,
            interface TEXT NOT NULL,
            pod_namespace TEXT NOT NULL,
            pod_name TEXT NOT NULL,
            pod_uid TEXT NOT NULL,
            node TEXT NOT NULL,
            damaged INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (pool, address)
        ) WITHOUT ROWID;
        CREATE INDEX records_by_attachment ON records (container_id, interface, pool);
        CREATE INDEX records_by_pod ON records (pool, pod_namespace, pod_name, interface);
        CREATE INDEX records_parked ON records (pool, address) WHERE container_id = '_sticky';
        CREATE TABLE held_runs (
            pool TEXT NOT NULL,
            first BLOB NOT NULL,
            last BLOB NOT NULL,
            PRIMARY KEY (pool, first)
        ) WITHOUT ROWID;
        PRAGMA user_version = 2;
        """

    /// The columns of a record, in the order ``EmbeddedLedger`` reads them.
    static let recordColumns = "pool, address, container_id, interface, pod_namespace, pod_name, pod_uid, node, damaged"
}
