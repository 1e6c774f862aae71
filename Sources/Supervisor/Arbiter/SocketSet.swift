import Common

/// The listening sockets the supervisor owns and which of them each worker slot gets.
///
/// TCP: one `SO_REUSEPORT` socket per slot and address, held across worker restarts so a
/// slot's queued connections survive its worker. Unix sockets and sockets from systemd are
/// shared by every slot.
struct SocketSet {
    private(set) var shared: [ListenSocket]
    private(set) var perSlot: [Int: [ListenSocket]] = [:]
    private let tcpAddresses: [BindAddress]

    /// Binds everything the first `slots` workers need now, so an address in use stops
    /// start-up with a clear error instead of failing workers one by one.
    init(addresses: [BindAddress], inherited: [ListenSocket], slots: Int) throws(SystemCallError) {
        if !inherited.isEmpty {
            shared = inherited
            tcpAddresses = []
            return
        }
        var shared: [ListenSocket] = []
        var tcp: [BindAddress] = []
        for address in addresses {
            if case .unix = address {
                shared.append(try ListenSocket.bind(address, reusePort: false))
            } else {
                tcp.append(address)
            }
        }
        self.shared = shared
        self.tcpAddresses = tcp
        for slot in 0..<slots { _ = try sockets(for: slot) }
    }

    /// The sockets for `slot`, binding its per-slot sockets the first time.
    mutating func sockets(for slot: Int) throws(SystemCallError) -> [ListenSocket] {
        if perSlot[slot] == nil && !tcpAddresses.isEmpty {
            var bound: [ListenSocket] = []
            for address in tcpAddresses {
                // Port 0 (tests): every slot after the first binds the port the first one got.
                var concrete = address
                if case .tcp(let host, 0) = address, let first = perSlot.values.first?.first(where: { $0.address == address }),
                    let port = first.boundPort
                {
                    concrete = .tcp(host: host, port: port)
                }
                var socket = try ListenSocket.bind(concrete, reusePort: true)
                socket.address = address
                bound.append(socket)
            }
            perSlot[slot] = bound
        }
        return shared + (perSlot[slot] ?? [])
    }

    /// Closes the sockets of slots at or above `count` (after TTOU, once their workers left).
    mutating func release(slotsFrom count: Int) {
        for slot in perSlot.keys where slot >= count {
            perSlot[slot]?.forEach { $0.close() }
            perSlot[slot] = nil
        }
    }

    /// Every bound TCP port (for logs and tests).
    var boundDescriptions: [String] {
        let all = shared + perSlot.keys.sorted().prefix(1).flatMap { perSlot[$0] ?? [] }
        return all.map { socket in
            if let port = socket.boundPort, case .tcp(let host, _) = socket.address {
                return BindAddress.tcp(host: host, port: port).description
            }
            return socket.address.description
        }
    }

    func closeAll() {
        shared.forEach { $0.close() }
        perSlot.values.forEach { $0.forEach { $0.close() } }
    }
}
