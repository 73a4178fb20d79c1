// tests/ch02/shutdown_test.cpp: stopping a server with receives in flight cancels them, waits for
// every completion and frees every session; a WSARecv that fails at once frees its session once
// and no completion ever comes for it.
#include "acceptor.h"
#include "echo_server.h"

#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using ch02::Notify;

class Shutdown : public testing::TestWithParam<Notify> {};

TEST_P(Shutdown, StopWithClientsStillConnectedFreesEverySessionAndClosesThem) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{GetParam(), 4}, 0};
    std::vector<iocp::UniqueSocket> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(iocp::testing::connect_with_timeout(running.port()));
        const char byte = 'x';
        iocp::check_wsa(send(clients.back().get(), &byte, 1, 0), "send");
        char back = 0;
        ASSERT_EQ(iocp::check_wsa(recv(clients.back().get(), &back, 1, 0), "recv"), 1);
        EXPECT_EQ(back, 'x');
    }
    // Every session now has a receive in flight. stop() must cancel them and wait for each.
    const ch02::ServerStats stats = running.stop();
    EXPECT_EQ(stats.accepted, 5u);
    EXPECT_EQ(stats.closed, 5u);
    // The clients see their connections end: an orderly close or a reset, never silence.
    for (iocp::UniqueSocket& client : clients) {
        char byte = 0;
        const int n = recv(client.get(), &byte, 1, 0);
        if (n == SOCKET_ERROR) {
            EXPECT_EQ(WSAGetLastError(), WSAECONNRESET);
        } else {
            EXPECT_EQ(n, 0);
        }
    }
}

TEST_P(Shutdown, AReceiveThatFailsAtOnceFreesItsSessionOnceAndNoCompletionComes) {
    iocp::WinsockSession winsock;
    auto server = ch02::make_server({GetParam(), 2});
    // Never connected: WSARecv on it fails at once (WSAENOTCONN) instead of pending.
    server->adopt(iocp::make_tcp_socket());
    ASSERT_TRUE(server->wait_closed(1, std::chrono::seconds{10}));
    server->stop();  // iocp: the sentinels queue behind any stray completion, so none can hide
    const ch02::ServerStats stats = server->stats();
    EXPECT_EQ(stats.accepted, 1u);
    EXPECT_EQ(stats.failed_at_once, 1u);
    EXPECT_EQ(stats.closed, 1u);
    EXPECT_EQ(stats.completions, 0u);
}

TEST_P(Shutdown, StopWithNoClientEverConnectedJoinsEveryThread) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{GetParam(), 3}, 0};
    const ch02::ServerStats stats = running.stop();
    EXPECT_EQ(stats.accepted, 0u);
    EXPECT_EQ(stats.completions, 0u);
}

INSTANTIATE_TEST_SUITE_P(Models, Shutdown,
                         testing::Values(Notify::event, Notify::routine, Notify::iocp),
                         [](const testing::TestParamInfo<Notify>& param_info) {
                             return std::string{ch02::notify_name(param_info.param)};
                         });

}  // namespace
