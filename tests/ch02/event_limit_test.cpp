// tests/ch02/event_limit_test.cpp: the event model serves 63 clients at once (64 events per
// wait, one of them its own) and refuses the 64th with a message that names the limit.
#include "acceptor.h"
#include "echo_server.h"

#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

std::string echo(SOCKET socket, const std::string& text) {
    iocp::check_wsa(send(socket, text.data(), static_cast<int>(text.size()), 0), "send");
    std::string back(text.size(), '\0');
    std::size_t received = 0;
    while (received < back.size()) {
        const int n = iocp::check_wsa(
            recv(socket, back.data() + received, static_cast<int>(back.size() - received), 0),
            "recv");
        if (n == 0) {
            break;
        }
        received += static_cast<std::size_t>(n);
    }
    back.resize(received);
    return back;
}

std::string read_until_closed(SOCKET socket) {
    std::string text;
    char buffer[512];
    for (;;) {
        const int n = iocp::check_wsa(recv(socket, buffer, sizeof(buffer), 0), "recv");
        if (n == 0) {
            return text;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

TEST(EventLimit, SixtyThreeClientsAreServedAndTheSixtyFourthIsRefusedWithTheReason) {
    ASSERT_EQ(ch02::event_model_max_clients, 63);
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{ch02::Notify::event, 0}, 0};
    std::vector<iocp::UniqueSocket> clients;
    for (int i = 0; i < ch02::event_model_max_clients; ++i) {
        clients.push_back(iocp::testing::connect_with_timeout(running.port()));
        // An echo proves the server took this client before the next one connects.
        ASSERT_EQ(echo(clients.back().get(), "client " + std::to_string(i)),
                  "client " + std::to_string(i));
    }
    iocp::UniqueSocket extra = iocp::testing::connect_with_timeout(running.port());
    const std::string refusal = read_until_closed(extra.get());
    EXPECT_NE(refusal.find("server full"), std::string::npos) << refusal;
    EXPECT_NE(refusal.find("WSA_MAXIMUM_WAIT_EVENTS"), std::string::npos) << refusal;
    EXPECT_EQ(running.server().stats().refused, 1u);

    // The 63 still work: the refusal cost nobody else anything.
    for (int i = 0; i < ch02::event_model_max_clients; ++i) {
        ASSERT_EQ(echo(clients[i].get(), "again"), "again") << "client " << i;
    }
    // The limit is on clients at once: when one leaves, a new one is served.
    clients.front().close();
    ASSERT_TRUE(running.server().wait_closed(1, std::chrono::seconds{10}));
    iocp::UniqueSocket next = iocp::testing::connect_with_timeout(running.port());
    EXPECT_EQ(echo(next.get(), "room again"), "room again");

    const ch02::ServerStats stats = running.stop();
    EXPECT_EQ(stats.accepted, 64u);
    EXPECT_EQ(stats.closed, 64u);
    EXPECT_EQ(stats.refused, 1u);
}

}  // namespace
