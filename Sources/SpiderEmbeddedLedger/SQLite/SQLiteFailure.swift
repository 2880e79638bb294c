import CSQLite

/// A failed SQLite call: its primary result code and SQLite's own message.
struct SQLiteFailure: Error, Sendable {
    var code: Int32
    var message: String

    /// The primary result code (the extended code's low byte).
    var primary: Int32 { code & 0xff }
}
