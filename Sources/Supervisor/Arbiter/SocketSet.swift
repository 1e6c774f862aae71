import Common

/// The listening sockets the supervisor owns and which of them each worker slot gets.
///
/// TCP: one `SO_REUSEPORT` socket per slot and address, held across worker restarts so a
/// slot's queued connections survive its worker. Unix sockets and sockets from systemd are
/// shared by every slot.
struct SocketSet {
    private(set) var shared: [ListenSocket]
    private(set) var perSlot: [Int: [ListenSocket]] = [:]
    private var tcpAddresses: [BindAddress]

    /// Announces inherited sockets to a new supervisor during a binary upgrade (SIGUSR2).
    static let upgradeVariable = "GATEHOUSE_UPGRADE_SOCKETS"

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

    /// Every socket with the fd a new supervisor finds it at, for `upgradeVariable`:
    /// `fd|shared|address` or `fd|slot=N|address`, separated by `;`.
    func upgradeHandover(firstDescriptor: Int32) -> (descriptors: [Int32: Int32], description: String) {
        var descriptors: [Int32: Int32] = [:]
        var entries: [String] = []
        var next = firstDescriptor
        func add(_ socket: ListenSocket, role: String) {
            descriptors[next] = socket.fileDescriptor
            entries.append("\(next)|\(role)|\(Self.concrete(socket).description)")
            next += 1
        }
        for socket in shared { add(socket, role: "shared") }
        for slot in perSlot.keys.sorted() {
            for socket in perSlot[slot] ?? [] { add(socket, role: "slot=\(slot)") }
        }
        return (descriptors, entries.joined(separator: ";"))
    }

    /// The sockets an upgrading supervisor handed over, as announced in `upgradeVariable`.
    init?(upgradeDescription: String) {
        var shared: [ListenSocket] = []
        var perSlot: [Int: [ListenSocket]] = [:]
        for entry in upgradeDescription.split(separator: ";") {
            let parts = entry.split(separator: "|", maxSplits: 2).map(String.init)
            guard parts.count == 3, let fd = Int32(parts[0]), let address = BindAddress(parsing: parts[2]) else { return nil }
            let socket = ListenSocket(fileDescriptor: fd, address: address)
            if parts[1] == "shared" {
                shared.append(socket)
            } else if parts[1].hasPrefix("slot="), let slot = Int(parts[1].dropFirst(5)) {
                perSlot[slot, default: []].append(socket)
            } else {
                return nil
            }
        }
        self.shared = shared
        self.perSlot = perSlot
        self.tcpAddresses = perSlot.keys.min().map { perSlot[$0]!.map(\.address) } ?? []
    }

    /// The address with the port actually bound.
    private static func concrete(_ socket: ListenSocket) -> BindAddress {
        if case .tcp(let host, _) = socket.address, let port = socket.boundPort {
            return .tcp(host: host, port: port)
        }
        return socket.address
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

    /// Closes the slot's own sockets (after TTOU, once its workers left); shared ones stay.
    mutating func release(slot: Int) {
        perSlot.removeValue(forKey: slot)?.forEach { $0.close() }
    }

    /// Every bound TCP port (for logs and tests).
    var boundDescriptions: [String] {
        let all = shared + perSlot.keys.sorted().prefix(1).flatMap { perSlot[$0] ?? [] }
        return all.map { Self.concrete($0).description }
    }

    func closeAll() {
        shared.forEach { $0.close() }
        perSlot.values.forEach { $0.forEach { $0.close() } }
    }
}
