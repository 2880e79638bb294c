/// Moves the RANGE and `--exclude` values of a large `spiderctl range` command line out of the
/// way of the argument parser.
///
/// swift-argument-parser takes arguments one at a time off the front of an array, so its cost
/// grows with the square of their number: 4,000 ranges took 4.4 s, 50,000 took 12 minutes.
/// Scripts hand `range` thousands of addresses, so above ``threshold`` values the command line
/// is rewritten before parsing: the values travel in two hidden options, joined by NUL (which
/// no command-line argument can contain), and the parser sees a handful of arguments.
enum BulkRangeArguments {
    /// Below this many values the parser sees the command line as typed.
    static let threshold = 64
    /// The separator of the packed values; argv strings never contain it.
    static let separator: Character = "\u{0}"
    static let rangesOption = "--bulk-ranges"
    static let excludesOption = "--bulk-excludes"

    /// The options of `range` that take a value, other than `--exclude`.
    static let valueOptions: Set<String> = ["--ip-version", "--subnet", "--output"]
    /// Subcommands whose first positional argument is not a RANGE.
    static let leadingArgument: Set<String> = ["contains", "nth"]

    /// `arguments` (without the program name), rewritten when it is a `range` command with many values.
    static func rewrite(_ arguments: [String]) -> [String] {
        guard arguments.count > threshold, arguments.first == "range", arguments.count > 1,
              !arguments.contains(where: { $0 == "--help" || $0 == "-h" }) else { return arguments }
        let subcommand = arguments[1]
        var kept = ["range", subcommand]
        var positionals: [String] = []
        var excludes: [String] = []
        var index = 2
        var afterTerminator = false
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if afterTerminator || !token.hasPrefix("-") {
                positionals.append(token)
            } else if token == "--" {
                afterTerminator = true
            } else if token == "--exclude", index < arguments.count, !arguments[index].hasPrefix("-") {
                excludes.append(arguments[index])
                index += 1
            } else if token.hasPrefix("--exclude=") {
                excludes.append(String(token.dropFirst("--exclude=".count)))
            } else if valueOptions.contains(token), index < arguments.count, !arguments[index].hasPrefix("-") {
                kept += [token, arguments[index]]
                index += 1
            } else {
                kept.append(token)
            }
        }
        if leadingArgument.contains(subcommand), !positionals.isEmpty {
            let leading = positionals.removeFirst()
            // After `--` a value may start with `-`; it must stay a value.
            kept += leading.hasPrefix("-") ? ["--", leading] : [leading]
        }
        if !positionals.isEmpty { kept += [rangesOption, positionals.joined(separator: String(separator))] }
        if !excludes.isEmpty { kept += [excludesOption, excludes.joined(separator: String(separator))] }
        return kept
    }

    /// The values packed by ``rewrite(_:)`` into one option.
    static func unpack(_ packed: String?) -> [String] {
        guard let packed else { return [] }
        return packed.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}
