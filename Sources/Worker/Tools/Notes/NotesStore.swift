import Common
import Crypto
import Foundation

/// Short notes in Redis, one hash per owner. The owner's key is a SHA-256 of issuer and subject,
/// so no argument a caller sends can name another owner's hash, and subjects never appear in
/// Redis in the clear.
struct NotesStore: Sendable {
    static let maxNotes = 100
    static let maxTextLength = 2000
    static let maxIDLength = 64

    struct Note: Sendable, Equatable {
        var id: String
        var text: String
    }

    enum PutResult: Sendable, Equatable {
        case created(count: Int)
        case replaced(count: Int)
        /// The owner has `maxNotes` already and `id` is new.
        case full
    }

    let client: RedisClient
    let issuer: String

    /// The hash holding one subject's notes.
    func ownerKey(subject: String) -> String {
        let digest = SHA256.hash(data: Array((issuer + "\n" + subject).utf8))
        return "gatehouse:notes:" + digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Creates or replaces a note, refusing a new one beyond `maxNotes`; atomic, so concurrent
    /// puts cannot overshoot the cap.
    func put(subject: String, id: String, text: String) async throws(RedisError) -> PutResult {
        let script = """
            local exists = redis.call('HEXISTS', KEYS[1], ARGV[1])
            if exists == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return {-1, 0} end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            return {1 - exists, redis.call('HLEN', KEYS[1])}
            """
        let reply = try await client.command(["EVAL", script, "1", ownerKey(subject: subject), id, text, String(Self.maxNotes)])
        guard case .array(let parts) = reply, parts.count == 2, case .integer(let outcome) = parts[0],
            case .integer(let count) = parts[1]
        else { throw Self.unexpected(reply) }
        switch outcome {
        case -1: return .full
        case 1: return .created(count: count)
        default: return .replaced(count: count)
        }
    }

    /// The owner's notes, sorted by id.
    func list(subject: String) async throws(RedisError) -> [Note] {
        let reply = try await client.command(["HGETALL", ownerKey(subject: subject)])
        guard case .array(let items) = reply, items.count % 2 == 0 else { throw Self.unexpected(reply) }
        var notes: [Note] = []
        for index in stride(from: 0, to: items.count, by: 2) {
            guard let id = items[index].text, let text = items[index + 1].text else { throw Self.unexpected(reply) }
            notes.append(Note(id: id, text: text))
        }
        return notes.sorted { $0.id < $1.id }
    }

    /// Whether the note existed.
    func delete(subject: String, id: String) async throws(RedisError) -> Bool {
        let reply = try await client.command(["HDEL", ownerKey(subject: subject), id])
        guard case .integer(let removed) = reply else { throw Self.unexpected(reply) }
        return removed > 0
    }

    /// Never quotes the reply: it may hold a note.
    private static func unexpected(_ reply: RedisReply) -> RedisError {
        if case .error(let message) = reply { return .server(String(message.prefix { $0 != " " })) }
        return .protocolError("unexpected reply to a notes command")
    }
}
