/// The members of a JWS protected header that validation reads. `jku`, `x5u`, `jwk` and `x5c`
/// are never read, so they can never be followed or trusted.
struct JOSEHeader: Sendable {
    var alg: String?
    var kid: String?
    var typ: String?
    /// `crit` is refused whatever it holds: this server understands no JWS extension.
    var hasCriticalMember = false

    init(alg: String? = nil, kid: String? = nil, typ: String? = nil) {
        self.alg = alg
        self.kid = kid
        self.typ = typ
    }

    /// The header in a decoded JSON object. Refused: anything but an object, a repeated member
    /// name at any depth, and `alg`, `kid` or `typ` holding anything but a string or null.
    init(json: [UInt8]) throws(JSONReadError) {
        self = try JSONReader.read(json, maximumDepth: TokenClaims.maximumDepth, rejectingDuplicateMembers: true) { reader throws(JSONReadError) in
            var header = JOSEHeader()
            try reader.readObject { reader, name throws(JSONReadError) in
                if name.matches("alg") { header.alg = try reader.readOptionalString() }
                else if name.matches("kid") { header.kid = try reader.readOptionalString() }
                else if name.matches("typ") { header.typ = try reader.readOptionalString() }
                else if name.matches("crit") { header.hasCriticalMember = true }
            }
            return header
        }
    }
}
