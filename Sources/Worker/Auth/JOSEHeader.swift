/// The members of a JWS protected header that validation reads. `jku`, `x5u`, `jwk` and `x5c`
/// are never decoded, so they can never be followed or trusted.
struct JOSEHeader: Decodable, Sendable {
    var alg: String?
    var kid: String?
    var typ: String?
    var crit: CriticalHeader?

    /// `crit` is refused whatever it holds: this server understands no JWS extension.
    struct CriticalHeader: Decodable, Sendable {
        init(from decoder: any Decoder) throws {}
    }

    enum CodingKeys: String, CodingKey {
        case alg, kid, typ, crit
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alg = try container.decodeIfPresent(String.self, forKey: .alg)
        kid = try container.decodeIfPresent(String.self, forKey: .kid)
        typ = try container.decodeIfPresent(String.self, forKey: .typ)
        crit = container.contains(.crit) ? CriticalHeader() : nil
    }
}

extension JOSEHeader.CriticalHeader {
    init() {}
}
