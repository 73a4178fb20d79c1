// tests/reliability/limits_test.cpp: the idle timeout, one of the server's two limits against
// clients that would hold its resources: --idle-timeout closes clients that connect and send
// nothing, and only them. (The other, --max-sessions, is tested in max_sessions_test.cpp.)
#include "reliability_support.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reliability {
namespace {

TEST(Limits, SilentClientsAreClosedByTheIdleTimeoutAndBusyOnesAreNot) {
    iocp::WinsockSession winsock;
    ch04::ServerOptions options;
    // Long against a stall of the machine (a busy load session silent for a moment under
    // Wine on two loaded cores must not be taken for idle), short against the waits below.
    options.idle_timeout = 3s;
    TestServer server{options, iocp::LogLevel::info};
    BackgroundLoad load{server.port(), ch04::Protocol::stream, 16};
    ASSERT_TRUE(load.wait_live());

    constexpr std::size_t silent = 32;
    std::vector<iocp::UniqueSocket> clients;
    for (std::size_t i = 0; i < silent; ++i) {
        clients.push_back(connect_client(server.port()));
    }
    for (iocp::UniqueSocket& client : clients) {
        const Ending ending = wait_for_close(client.get(), 20s);
        EXPECT_NE(ending.kind, Ending::Kind::timed_out) << "a silent client was never closed";
        EXPECT_TRUE(ending.data.empty());
    }
    EXPECT_TRUE(wait_for_counters(
        server, [](const ch04::ServerCounters& c) { return c.idle_closed >= silent; },
        "every silent client counted as closed idle"));

    const ch04::ClientReport report = load.finish();
    expect_served(report, 16);  // busy all along: none of them was taken for idle
    const ch04::ServerCounters counters = server.stop();
    EXPECT_EQ(counters.idle_closed, silent) << describe(counters);
    expect_all_freed(counters);
    EXPECT_NE(server.log_text().find("(--idle-timeout)"), std::string::npos) << server.log_text();
}

TEST(Limits, WithoutAnIdleTimeoutASilentClientStaysConnected) {
    iocp::WinsockSession winsock;
    TestServer server;  // the default: no idle timeout
    iocp::UniqueSocket client = connect_client(server.port());
    ASSERT_TRUE(wait_for_sessions(server, 1));
    // A bounded wait for something that must not happen: the connection is still open.
    const Ending ending = wait_for_close(client.get(), 1500ms);
    EXPECT_EQ(ending.kind, Ending::Kind::timed_out) << kind_name(ending.kind);
    EXPECT_TRUE(echo_verified(client.get(), 0, 4096, true, true).closed);
    const ch04::ServerCounters counters = server.stop();
    EXPECT_EQ(counters.idle_closed, 0u);
    expect_all_freed(counters);
}

}  // namespace
}  // namespace reliability
