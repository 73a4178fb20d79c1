// tests/reliability/limits_test.cpp: the timeouts among the server's limits against clients
// that would hold its resources: --idle-timeout closes clients that connect and send nothing,
// and only them; --send-stall closes clients that send and never read, which --max-sessions
// would otherwise let lock every other client out. (--max-sessions alone is tested in
// max_sessions_test.cpp.)
#include "reliability_support.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <iostream>
#include <string>
#include <vector>

namespace reliability {
namespace {

// Clients that send and never read: non-blocking, each push() writes what its socket takes
// now. Their echo piles up in the server until its queue is full and it stops reading them.
class StalledReaders {
public:
    StalledReaders(std::uint16_t port, std::size_t count) : chunk_(pattern(0, 16 * 1024)) {
        for (std::size_t i = 0; i < count; ++i) {
            iocp::UniqueSocket socket = connect_client(port);
            // Small buffers: the server's sends stop making progress sooner.
            const int buffer = 4096;
            iocp::check_wsa(setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUF,
                                       reinterpret_cast<const char*>(&buffer), sizeof(buffer)),
                            "setsockopt(SO_RCVBUF)");
            u_long non_blocking = 1;
            iocp::check_wsa(ioctlsocket(socket.get(), FIONBIO, &non_blocking), "ioctlsocket");
            sockets_.push_back(std::move(socket));
        }
    }

    // One send on each socket still open; a socket the server closed (an error) is left alone.
    void push() {
        for (iocp::UniqueSocket& socket : sockets_) {
            if (!socket) {
                continue;
            }
            const int sent = send(socket.get(), reinterpret_cast<const char*>(chunk_.data()),
                                  static_cast<int>(chunk_.size()), 0);
            if (sent == SOCKET_ERROR && WSAGetLastError() != WSAEWOULDBLOCK) {
                socket.close();  // reset or closed by the server
            }
        }
    }

private:
    std::vector<std::byte> chunk_;
    std::vector<iocp::UniqueSocket> sockets_;
};

// The options of the send-stall tests: a few sessions at most, a small echo queue.
ch04::ServerOptions stalled_options(std::chrono::milliseconds send_stall) {
    ch04::ServerOptions options;
    options.max_sessions = 4;
    options.max_pending_bytes = 64 * 1024;
    options.send_stall = send_stall;
    return options;
}

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

TEST(Limits, ClientsThatNeverReadAreClosedBySendStallAndANewClientIsServed) {
    iocp::WinsockSession winsock;
    // Long against a loaded machine's pause in a reading client's echo, short against the waits.
    const ch04::ServerOptions options = stalled_options(1s);
    TestServer server{options, iocp::LogLevel::info};
    StalledReaders stalled{server.port(), options.max_sessions};
    const Clock::time_point started = Clock::now();  // for the figure printed below
    // They send until the server pauses their reading and its sends stop moving; the limit then
    // closes every one of them (a bounded wait: one push and one look per millisecond).
    EXPECT_TRUE(poll_until(
        [&] {
            stalled.push();
            return server.counters().stall_closed >= options.max_sessions;
        },
        20s))
        << describe(server.counters());
    ASSERT_TRUE(wait_for_sessions(server, 0));
    std::cout << "send-stall: " << server.counters().stall_closed << " sessions closed and freed "
              << std::chrono::duration<double>(Clock::now() - started).count()
              << " s after their clients began to send" << std::endl;
    // Their places are free: a new client is served, every byte checked.
    EXPECT_TRUE(echo_once(server.port(), 1, 64 * 1024));

    const ch04::ServerCounters counters = server.stop();
    EXPECT_EQ(counters.stall_closed, options.max_sessions) << describe(counters);
    EXPECT_GE(counters.read_pauses, options.max_sessions) << describe(counters);  // all paused
    EXPECT_EQ(counters.idle_closed, 0u);
    EXPECT_EQ(counters.refused, 0u);
    expect_all_freed(counters);
    EXPECT_NE(server.log_text().find("(--send-stall)"), std::string::npos) << server.log_text();
}

TEST(Limits, WithoutSendStallClientsThatNeverReadHoldEveryPlaceOfMaxSessions) {
    iocp::WinsockSession winsock;
    const ch04::ServerOptions options = stalled_options(0ms);  // the default: off
    TestServer server{options};
    StalledReaders stalled{server.port(), options.max_sessions};
    // Bounded: one push and one look per millisecond until each session paused at least once.
    EXPECT_TRUE(poll_until(
        [&] {
            stalled.push();
            return server.counters().read_pauses >= options.max_sessions;
        },
        20s))
        << describe(server.counters());
    // The defect of issue #15 without the option: a new client finds every place taken and is
    // closed at once, with no echo.
    iocp::UniqueSocket client = connect_client(server.port());
    const Ending ending = wait_for_close(client.get(), 10s);
    EXPECT_NE(ending.kind, Ending::Kind::timed_out) << "a client beyond the limit was served";
    EXPECT_TRUE(ending.data.empty());
    EXPECT_TRUE(wait_for_counters(
        server, [](const ch04::ServerCounters& c) { return c.refused == 1; }, "one refused"));

    const ch04::ServerCounters before_stop = server.counters();
    EXPECT_EQ(before_stop.sessions_alive, options.max_sessions) << describe(before_stop);
    const ch04::ServerCounters counters = server.stop();
    EXPECT_EQ(counters.stall_closed, 0u) << describe(counters);
    expect_all_freed(counters);
}

}  // namespace
}  // namespace reliability
