// common/src/loopback.cpp: loopback TCP helpers (see iocp/loopback.h).
#include "iocp/loopback.h"

#include "iocp/error.h"

namespace iocp {

sockaddr_in loopback_address(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
}

UniqueSocket make_tcp_socket() {
    return UniqueSocket{
        check_socket(WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED),
                     "WSASocketW")};
}

std::uint16_t local_port(SOCKET socket) {
    sockaddr_in address{};
    int length = sizeof(address);
    check_wsa(getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length), "getsockname");
    return ntohs(address.sin_port);
}

Listener listen_loopback(std::uint16_t port, int backlog) {
    Listener listener{make_tcp_socket(), 0};
    const sockaddr_in address = loopback_address(port);  // port 0: the system picks a free one
    check_wsa(
        bind(listener.socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
        "bind");
    check_wsa(listen(listener.socket.get(), backlog), "listen");
    listener.port = local_port(listener.socket.get());
    return listener;
}

UniqueSocket connect_loopback(std::uint16_t port) {
    UniqueSocket socket = make_tcp_socket();
    const sockaddr_in address = loopback_address(port);
    check_wsa(connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
              "connect");
    return socket;
}

SocketPair make_socket_pair() {
    Listener listener = listen_loopback(0, 1);
    SocketPair pair;
    // On loopback the connect completes as soon as the listener's backlog takes it, so a
    // blocking connect followed by accept on the same thread cannot deadlock.
    pair.client = connect_loopback(listener.port);
    pair.server =
        UniqueSocket{check_socket(accept(listener.socket.get(), nullptr, nullptr), "accept")};
    return pair;
}

}  // namespace iocp
