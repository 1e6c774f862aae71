import Glibc

/// A listening socket owned by the supervisor and handed to workers.
public struct ListenSocket: Sendable, Equatable {
    public var fileDescriptor: Int32
    public var address: BindAddress

    public init(fileDescriptor: Int32, address: BindAddress) {
        self.fileDescriptor = fileDescriptor
        self.address = address
    }

    /// Binds and listens. TCP sockets get `SO_REUSEPORT` when `reusePort` (one socket per
    /// worker slot, the kernel spreads connections across them) and `SO_REUSEADDR`.
    public static func bind(_ address: BindAddress, reusePort: Bool, backlog: Int32 = 1024) throws(SystemCallError) -> ListenSocket {
        switch address {
        case .tcp(let host, let port):
            return try bindTCP(host: host, port: port, address: address, reusePort: reusePort, backlog: backlog)
        case .unix(let path):
            return try bindUnix(path: path, address: address, backlog: backlog)
        }
    }

    /// The port actually bound (useful with port 0), nil for unix sockets.
    public var boundPort: Int? {
        guard case .tcp(_, let port)? = Self.boundAddress(of: fileDescriptor) else { return nil }
        return port
    }

    /// What an inherited socket (from systemd) is bound to, read back with getsockname.
    public static func boundAddress(of fd: Int32) -> BindAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var raw = address.pointee.sin_addr
                    inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                    return .tcp(host: Self.string(text), port: Int(UInt16(bigEndian: address.pointee.sin_port)))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                    return .tcp(host: Self.string(text), port: Int(UInt16(bigEndian: address.pointee.sin6_port)))
                }
            }
        case AF_UNIX:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { address in
                    var path = address.pointee.sun_path
                    let text = withUnsafeBytes(of: &path) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                    return text.hasPrefix("/") ? .unix(path: text) : nil
                }
            }
        default:
            return nil
        }
    }

    private static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func close() {
        _ = Glibc.close(fileDescriptor)
    }

    private static func bindTCP(host: String, port: Int, address: BindAddress, reusePort: Bool, backlog: Int32) throws(SystemCallError) -> ListenSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &result)
        guard lookup == 0, let info = result else {
            throw SystemCallError("getaddrinfo \(host)", code: lookup == EAI_SYSTEM ? errno : EINVAL)
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort {
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        guard Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let error = SystemCallError("bind \(address)")
            Glibc.close(fd)
            throw error
        }
        guard listen(fd, backlog) == 0 else {
            let error = SystemCallError("listen \(address)")
            Glibc.close(fd)
            throw error
        }
        return ListenSocket(fileDescriptor: fd, address: address)
    }

    private static func bindUnix(path: String, address: BindAddress, backlog: Int32) throws(SystemCallError) -> ListenSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError("socket") }
        // A stale socket file from an earlier run would make bind fail; a live one is in use.
        unlink(path)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            let error = SystemCallError("bind \(address)")
            Glibc.close(fd)
            throw error
        }
        return ListenSocket(fileDescriptor: fd, address: address)
    }
}
