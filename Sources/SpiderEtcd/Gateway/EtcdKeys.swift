/// Key arithmetic etcd's range calls need.
public enum EtcdKeys {
    /// The smallest key greater than every key starting with `prefix` (etcd's `range_end` for a
    /// prefix read): the prefix with its last byte below 0xff incremented and what follows cut.
    public static func rangeEnd(ofPrefix prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xff {
                bytes[bytes.count - 1] = last + 1
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.removeLast()
        }
        return "\0"  // every key
    }
}
