import Common

/// The part of the configuration the arbiter decides with; a reload replaces it.
struct ArbiterSettings: Equatable {
    var workers: Int
    /// Kept from start-up through reloads: a reload keeps the sockets it has.
    var bind: [BindAddress]
    var gracefulTimeout: Duration
    var workerTimeout: Duration

    init(workers: Int, bind: [BindAddress], gracefulTimeout: Duration, workerTimeout: Duration) {
        self.workers = workers
        self.bind = bind
        self.gracefulTimeout = gracefulTimeout
        self.workerTimeout = workerTimeout
    }

    init(_ configuration: GatehouseConfiguration) {
        self.init(
            workers: configuration.workers, bind: configuration.bind, gracefulTimeout: configuration.gracefulTimeout,
            workerTimeout: configuration.workerTimeout)
    }
}
