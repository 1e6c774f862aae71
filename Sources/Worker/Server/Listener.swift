import Common
import Foundation

/// A socket a worker serves: one it binds itself (development) or one it inherits.
enum Listener: Sendable, Equatable, CustomStringConvertible {
    case bind(BindAddress)
    case inherited(fileDescriptor: Int32)

    /// Names the inherited listening sockets, comma-separated fd numbers (set by the supervisor).
    static let inheritedVariable = "GATEHOUSE_LISTEN_FDS"

    /// The inherited sockets announced in the environment, or nil when there are none.
    static func inherited(from environment: [String: String]) throws(ListenerError) -> [Listener]? {
        guard let raw = environment[inheritedVariable], !raw.isEmpty else { return nil }
        var listeners: [Listener] = []
        for part in raw.split(separator: ",") {
            guard let fd = Int32(part.trimmingCharacters(in: .whitespaces)), fd >= 3 else {
                throw ListenerError(message: "\(inheritedVariable): '\(part)' is not a file descriptor number >= 3")
            }
            listeners.append(.inherited(fileDescriptor: fd))
        }
        return listeners
    }

    var description: String {
        switch self {
        case .bind(let address): address.description
        case .inherited(let fd): "fd:\(fd)"
        }
    }
}

struct ListenerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
