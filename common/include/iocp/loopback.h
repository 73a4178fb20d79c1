// common/include/iocp/loopback.h: TCP sockets on 127.0.0.1 for demos and tests.
//
// Listeners bind port 0 unless told otherwise, so the system picks a free port (read back with
// local_port); tests never use a fixed port, and nothing here leaves the machine. Every socket
// is created with WSA_FLAG_OVERLAPPED, so it can take part in overlapped I/O and be bound to a
// completion port. A WinsockSession must be alive.
#pragma once

#include "iocp/socket.h"

#include <cstdint>

namespace iocp {

// The address 127.0.0.1:port (port 0: any free port, when binding).
sockaddr_in loopback_address(std::uint16_t port);

// A new overlapped-capable IPv4 TCP socket.
UniqueSocket make_tcp_socket();

// The local port a bound socket has (getsockname).
std::uint16_t local_port(SOCKET socket);

struct Listener {
    UniqueSocket socket;
    std::uint16_t port = 0;
};

// A socket listening on 127.0.0.1, and its port. Port 0 (the default) lets the system pick a
// free one; a port already taken fails with WSAEADDRINUSE.
Listener listen_loopback(std::uint16_t port = 0, int backlog = SOMAXCONN);

// A socket connected (blocking connect) to 127.0.0.1:port.
UniqueSocket connect_loopback(std::uint16_t port);

// Two connected overlapped TCP sockets: `client` made by connect, `server` by accept.
struct SocketPair {
    UniqueSocket client;
    UniqueSocket server;
};
SocketPair make_socket_pair();

}  // namespace iocp
