import CSQLite

/// One connection to a SQLite database file, with its prepared statements.
///
/// Not thread-safe by itself: ``EmbeddedLedger`` serialises every use through its handle's lock.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    private var statements: [String: SQLiteStatement] = [:]
    /// How many frames the write-ahead log held after the last commit (0 before any).
    private(set) var logFrames: Int32 = 0

    /// Opens `path` read-write; with `create`, a missing file is created, otherwise it is an
    /// error (`SQLITE_CANTOPEN`). Symbolic links are refused.
    init(path: String, create: Bool) throws(SQLiteFailure) {
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            if let connection { sqlite3_close_v2(connection) }
            throw SQLiteFailure(code: code, message: message)
        }
        handle = connection
        self.path = path
        // The ledger's own settings: no file access beyond the database, no checkpoint work on
        // every short-lived CNI process's close.
        var unused: Int32 = 0
        withUnsafeMutablePointer(to: &unused) { pointer in
            _ = csqlite_db_config_int(connection, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, pointer)
            _ = csqlite_db_config_int(connection, SQLITE_DBCONFIG_DEFENSIVE, 1, pointer)
        }
    }

    /// Keeps ``logFrames`` current after every commit. This replaces SQLite's own automatic
    /// checkpoint: the owner decides when to empty the log.
    func trackLog() {
        sqlite3_wal_hook(handle, { context, _, _, frames in
            if let context { Unmanaged<SQLiteConnection>.fromOpaque(context).takeUnretainedValue().logFrames = frames }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Records that the log was emptied.
    func logEmptied() { logFrames = 0 }

    deinit {
        sqlite3_wal_hook(handle, nil, nil)
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The failure for a result code, with the connection's message.
    func failure(_ code: Int32) -> SQLiteFailure {
        SQLiteFailure(code: sqlite3_extended_errcode(handle) != 0 ? sqlite3_extended_errcode(handle) : code,
                      message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Runs one or more statements that return nothing.
    func execute(_ sql: String) throws(SQLiteFailure) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw failure(code) }
    }

    /// The statement for `sql`, prepared once per connection, with `values` bound.
    func statement(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteFailure) -> SQLiteStatement {
        let statement: SQLiteStatement
        if let cached = statements[sql] {
            statement = cached
        } else {
            var prepared: OpaquePointer?
            let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
            guard code == SQLITE_OK, let prepared else { throw failure(code) }
            statement = SQLiteStatement(handle: prepared, connection: self)
            statements[sql] = statement
        }
        try statement.bind(values)
        return statement
    }

    /// Runs a statement that returns no rows; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteFailure) -> Int {
        let statement = try statement(sql, values)
        defer { statement.reset() }
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Calls `row` for every row of a query.
    func query(_ sql: String, _ values: [SQLiteValue] = [], _ row: (SQLiteStatement) throws(SQLiteFailure) -> Void) throws(SQLiteFailure) {
        let statement = try statement(sql, values)
        defer { statement.reset() }
        while try statement.step() { try row(statement) }
    }

    /// The first row of a query mapped by `row`, or `nil` when there is none.
    func first<T>(_ sql: String, _ values: [SQLiteValue] = [], _ row: (SQLiteStatement) -> T) throws(SQLiteFailure) -> T? {
        let statement = try statement(sql, values)
        defer { statement.reset() }
        return try statement.step() ? row(statement) : nil
    }

    /// An integer pragma's value (`PRAGMA user_version`).
    func pragmaInteger(_ name: String) throws(SQLiteFailure) -> Int64 {
        try first("PRAGMA \(name)") { $0.integer(0) } ?? 0
    }
}
