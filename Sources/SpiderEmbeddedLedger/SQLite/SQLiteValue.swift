/// A value bound to a statement's parameter.
enum SQLiteValue: Sendable {
    case text(String)
    case blob([UInt8])
    case integer(Int64)
    case null
}
