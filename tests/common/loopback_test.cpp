// tests/common/loopback_test.cpp: loopback listeners on system-picked ports and connected
// socket pairs that really carry bytes both ways.
#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <string>

namespace {

void send_all(SOCKET socket, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
        sent += static_cast<size_t>(iocp::check_wsa(
            send(socket, data.data() + sent, static_cast<int>(data.size() - sent), 0), "send"));
    }
}

std::string receive_exactly(SOCKET socket, size_t size) {
    std::string data(size, '\0');
    size_t received = 0;
    while (received < size) {
        const int n = iocp::check_wsa(
            recv(socket, data.data() + received, static_cast<int>(size - received), 0), "recv");
        if (n == 0) {
            ADD_FAILURE() << "the peer closed after " << received << " of " << size << " bytes";
            break;
        }
        received += static_cast<size_t>(n);
    }
    data.resize(received);
    return data;
}

TEST(Loopback, ListenerGetsASystemPickedPortOn127001) {
    iocp::WinsockSession winsock;
    iocp::Listener listener = iocp::listen_loopback();
    EXPECT_NE(listener.port, 0);
    EXPECT_EQ(iocp::local_port(listener.socket.get()), listener.port);
    sockaddr_in address{};
    int length = sizeof(address);
    iocp::check_wsa(
        getsockname(listener.socket.get(), reinterpret_cast<sockaddr*>(&address), &length),
        "getsockname");
    EXPECT_EQ(ntohl(address.sin_addr.s_addr), INADDR_LOOPBACK);
}

TEST(Loopback, TwoListenersGetDifferentPorts) {
    iocp::WinsockSession winsock;
    iocp::Listener a = iocp::listen_loopback();
    iocp::Listener b = iocp::listen_loopback();
    EXPECT_NE(a.port, b.port);
}

TEST(Loopback, ListeningOnAChosenPortThatIsTakenFailsWithAddressInUse) {
    iocp::WinsockSession winsock;
    iocp::Listener first = iocp::listen_loopback();
    const std::system_error e = iocp::testing::thrown_by(
        [&] { iocp::Listener second = iocp::listen_loopback(first.port); });
    EXPECT_EQ(e.code().value(), WSAEADDRINUSE) << e.what();
}

TEST(Loopback, SocketPairCarriesBytesBothWays) {
    iocp::WinsockSession winsock;
    iocp::SocketPair pair = iocp::make_socket_pair();
    std::string request(100'000, '\0');
    for (size_t i = 0; i < request.size(); ++i) {
        request[i] = static_cast<char>(i * 7 + 1);
    }
    send_all(pair.client.get(), request);
    EXPECT_EQ(receive_exactly(pair.server.get(), request.size()), request);
    send_all(pair.server.get(), "pong");
    EXPECT_EQ(receive_exactly(pair.client.get(), 4), "pong");

    sockaddr_in peer{};
    int length = sizeof(peer);
    iocp::check_wsa(getpeername(pair.server.get(), reinterpret_cast<sockaddr*>(&peer), &length),
                    "getpeername");
    EXPECT_EQ(ntohs(peer.sin_port), iocp::local_port(pair.client.get()));
}

TEST(Loopback, ConnectToAClosedPortIsRefused) {
    iocp::WinsockSession winsock;
    std::uint16_t port = 0;
    {
        iocp::Listener listener = iocp::listen_loopback();
        port = listener.port;
    }  // closed: nothing listens on `port` now
    try {
        iocp::UniqueSocket socket = iocp::connect_loopback(port);
        FAIL() << "connect to a closed port succeeded";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), WSAECONNREFUSED) << e.what();
    }
}

}  // namespace
