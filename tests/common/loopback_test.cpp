// tests/common/loopback_test.cpp: loopback listeners on system-picked ports and connected
// socket pairs that really carry bytes both ways.
#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

using iocp::testing::receive_exactly;
using iocp::testing::send_all;

std::vector<std::byte> bytes_of(const std::string& text) {
    const auto* first = reinterpret_cast<const std::byte*>(text.data());
    return {first, first + text.size()};
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
    iocp::testing::set_timeouts(pair.client.get());
    iocp::testing::set_timeouts(pair.server.get());
    std::vector<std::byte> request(100'000);
    for (size_t i = 0; i < request.size(); ++i) {
        request[i] = static_cast<std::byte>(i * 7 + 1);
    }
    // More than the socket buffers may hold: the sender needs a reader at the same time.
    std::thread sender{[&] { send_all(pair.client.get(), request); }};
    const std::vector<std::byte> received = receive_exactly(pair.server.get(), request.size());
    sender.join();
    EXPECT_EQ(received, request);
    send_all(pair.server.get(), bytes_of("pong"));
    EXPECT_EQ(receive_exactly(pair.client.get(), 4), bytes_of("pong"));

    sockaddr_in peer{};
    int length = sizeof(peer);
    iocp::check_wsa(getpeername(pair.server.get(), reinterpret_cast<sockaddr*>(&peer), &length),
                    "getpeername");
    EXPECT_EQ(ntohs(peer.sin_port), iocp::local_port(pair.client.get()));
}

TEST(Loopback, ConnectToAPortWithNoListenerIsRefused) {
    iocp::WinsockSession winsock;
    const iocp::testing::PortWithNoListener nobody = iocp::testing::port_with_no_listener();
    try {
        iocp::UniqueSocket socket = iocp::connect_loopback(nobody.port);
        FAIL() << "connect to a port with no listener succeeded";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), WSAECONNREFUSED) << e.what();
    }
}

}  // namespace
