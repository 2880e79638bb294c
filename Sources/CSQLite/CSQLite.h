// SQLite 3 from Debian's libsqlite3-dev (libsqlite3.a for the fully static CNI binary), and
// prefixed helpers for the macros Swift cannot import.
#include <sqlite3.h>

/// sqlite3_bind_text with SQLITE_TRANSIENT: SQLite copies the bytes before it returns.
static inline int csqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int length) {
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}

/// sqlite3_bind_blob with SQLITE_TRANSIENT.
static inline int csqlite_bind_blob(sqlite3_stmt *statement, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(statement, index, bytes, length, SQLITE_TRANSIENT);
}

/// sqlite3_db_config for the options that take an int and an int pointer (variadic in C).
static inline int csqlite_db_config_int(sqlite3 *db, int option, int value, int *result) {
    return sqlite3_db_config(db, option, value, result);
}

/// Syncs the connection's write-ahead log (`fdatasync`, and its folder the first time, as
/// SQLite's own commit would), through the VFS file that SQLite keeps open.
static inline int csqlite_sync_log(sqlite3 *db) {
    sqlite3_file *file = 0;
    int code = sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file);
    if (code != SQLITE_OK) return code;
    if (file == 0 || file->pMethods == 0) return SQLITE_OK;  /* no log open: nothing was written */
    return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}
