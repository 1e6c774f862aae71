/// Why the IdP could not start, phrased for the person reading the terminal (exit status 1).
struct StartupError: Error, CustomStringConvertible {
    let description: String
}
