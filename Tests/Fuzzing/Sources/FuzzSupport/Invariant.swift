/// A property the code under test must keep whatever the input; a broken one is a finding,
/// reported as a crash so that libFuzzer keeps the input. `fatalError` prints its message in
/// release builds, where `precondition` would not.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}
