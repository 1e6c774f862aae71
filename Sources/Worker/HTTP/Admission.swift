import NIOCore

/// What the stages in front of a route decide on a request's head, before any of its body is
/// kept: let it through (with what they learned, such as the caller), or answer it there.
enum Admission: Sendable {
    case proceed(RequestContext)
    case answer(HTTPResponse)
    /// A stage waits for work off the event loop (a key refresh).
    case pending(EventLoopFuture<Admission>)

    /// The next stage, run once this one lets the request through.
    func then(_ next: @escaping @Sendable (RequestContext) -> Admission) -> Admission {
        switch self {
        case .proceed(let context): next(context)
        case .answer: self
        case .pending(let decided): .pending(decided.map { $0.then(next) }.flatMap { $0.resolved(on: decided.eventLoop) })
        }
    }

    /// A future of the final decision (never `.pending`).
    func resolved(on eventLoop: any EventLoop) -> EventLoopFuture<Admission> {
        switch self {
        case .proceed, .answer: eventLoop.makeSucceededFuture(self)
        case .pending(let decided): decided.flatMap { $0.resolved(on: eventLoop) }
        }
    }
}
