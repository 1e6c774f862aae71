import Common
import Foundation

/// A socket a worker serves: one it binds itself (development) or one it inherits.
enum Listener: Sendable, Equatable, CustomStringConvertible {
    case bind(BindAddress)
    case inherited(fileDescriptor: Int32)

    /// The inherited sockets the supervisor announced, or nil when there are none.
    static func inherited(from environment: [String: String]) throws(HandOffError) -> [Listener]? {
        try WorkerHandOff.listenDescriptors(in: environment)?.map { .inherited(fileDescriptor: $0) }
    }

    var description: String {
        switch self {
        case .bind(let address): address.description
        case .inherited(let fd): "fd:\(fd)"
        }
    }
}
