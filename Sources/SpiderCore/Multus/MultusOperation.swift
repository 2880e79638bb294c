/// The admission operation a SpiderMultusConfig is checked for.
public enum MultusOperation: Sendable, Hashable {
    case create
    /// An update from `old` (the `cr-name` annotation may not be added or changed).
    case update(old: SpiderMultusConfig)
}
