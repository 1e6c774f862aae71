/// The 422 body: which member of the arguments is wrong (RFC 6901 pointer) and how.
struct InvalidArgumentsBody: Encodable, Sendable {
    var error = "invalid_arguments"
    var errorDescription: String
    var pointer: String

    enum CodingKeys: String, CodingKey {
        case error, pointer
        case errorDescription = "error_description"
    }
}
