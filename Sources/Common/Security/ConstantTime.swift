/// Comparing secrets without telling, through the time it takes, how much of a guess was right.
public enum ConstantTime {
    /// Equal bytes; the time depends on the lengths only.
    public static func equal(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
