// tests/ch02/shutdown_test.cpp: stopping a server with receives in flight cancels them, waits for
// every completion and frees every session; so does stopping it while clients stream, and
// promptly; a client that streams does not keep a new one from being served; a WSARecv that
// fails at once frees its session once and no completion ever comes for it.
#include "acceptor.h"
#include "echo_server.h"

#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
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

// One client that streams, on its own thread: its socket is non-blocking, and a select() loop
// sends whenever the socket takes more and reads whenever an echo waits, so the server always
// has bytes to receive and to send. (One thread and select(), not a blocking sender and a
// blocking reader on one socket: Wine could leave such a pair blocked past their timeouts.)
// `echoing` counts down once the first echo is back, or once the loop ends without one.
class StreamingClient {
public:
    StreamingClient(std::uint16_t port, iocp::testing::Countdown& echoing)
        : socket_(iocp::testing::connect_with_timeout(port)),
          thread_([this, &echoing] { stream(echoing); }) {}
    ~StreamingClient() {
        done_ = true;  // normally the server has closed the connection already
        thread_.join();
    }
    StreamingClient(const StreamingClient&) = delete;
    StreamingClient& operator=(const StreamingClient&) = delete;

    // What the loop has done so far, for a failure's message.
    std::string progress() const {
        return "select() returned " + std::to_string(selects_.load()) + " times; " +
               std::to_string(sent_.load()) + " bytes sent, " + std::to_string(received_.load()) +
               " received";
    }

private:
    // Ends when the connection ends, on any error, after 10 s without progress, or on done_.
    void stream(iocp::testing::Countdown& echoing) noexcept {
        const SOCKET socket = socket_.get();
        bool counted = false;
        u_long nonblocking = 1;
        std::array<char, 16 * 1024> out{};
        std::array<char, 16 * 1024> in{};
        bool open = ioctlsocket(socket, FIONBIO, &nonblocking) != SOCKET_ERROR;
        while (open && !done_) {
            fd_set readable;
            fd_set writable;
            FD_ZERO(&readable);
            FD_ZERO(&writable);
            FD_SET(socket, &readable);
            FD_SET(socket, &writable);
            timeval limit{10, 0};
            if (select(0, &readable, &writable, nullptr, &limit) <= 0) {
                break;  // failed, or 10 s with nothing to send or read
            }
            ++selects_;
            if (FD_ISSET(socket, &writable)) {
                const int n = send(socket, out.data(), static_cast<int>(out.size()), 0);
                if (n == SOCKET_ERROR) {
                    open = WSAGetLastError() == WSAEWOULDBLOCK;
                } else {
                    sent_ += static_cast<std::uint64_t>(n);
                }
            }
            if (open && FD_ISSET(socket, &readable)) {
                const int n = recv(socket, in.data(), static_cast<int>(in.size()), 0);
                open = n > 0 || (n == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK);
                received_ += n > 0 ? static_cast<std::uint64_t>(n) : 0;
                if (n > 0 && !counted) {
                    echoing.count_down();
                    counted = true;
                }
            }
        }
        if (!counted) {
            echoing.count_down();  // never echoed: let the test go on and fail on its counts
        }
    }

    iocp::UniqueSocket socket_;
    std::atomic<bool> done_{false};
    std::atomic<std::uint64_t> selects_{0};
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> received_{0};
    std::thread thread_;
};

// stop() while completions keep coming: an operation that finishes after the cancel must end
// its session, not post the next one (nobody would cancel that, and the drain would wait out
// its 10 s limit, then leak the session). Every model frees every session, well within that.
TEST_P(Shutdown, StopWhileClientsStreamFreesEverySessionPromptly) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{GetParam(), 2}, 0};
    constexpr int client_count = 3;
    iocp::testing::Countdown echoing{client_count};
    std::vector<std::unique_ptr<StreamingClient>> clients;
    for (int i = 0; i < client_count; ++i) {
        clients.push_back(std::make_unique<StreamingClient>(running.port(), echoing));
    }
    // Every client has had bytes back (all are mid-stream), or its loop ended without any.
    ASSERT_TRUE(echoing.wait_for(std::chrono::seconds{30}));

    const auto stop_began = std::chrono::steady_clock::now();
    const ch02::ServerStats stats = running.stop();
    const auto stop_took = std::chrono::steady_clock::now() - stop_began;

    EXPECT_EQ(stats.accepted, static_cast<std::uint64_t>(client_count));
    EXPECT_EQ(stats.closed, stats.accepted) << "a session was left in flight (and leaked)";
    EXPECT_GT(stats.bytes_echoed, 0u);
    // The drain gives up after 10 s; a clean stop takes a fraction of a second.
    EXPECT_LT(stop_took, std::chrono::seconds{5});
    clients.clear();  // their connections are closed: their threads end
}

// A client that streams without pause must not keep the server from a new client. (The routine
// server once posted each next operation from inside its routine: under a steady stream its
// alertable wait never returned, and the second client was never started.)
TEST_P(Shutdown, ANewClientIsServedWhileAnotherStreams) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{GetParam(), 2}, 0};
    iocp::testing::Countdown echoing{1};
    StreamingClient streamer{running.port(), echoing};
    ASSERT_TRUE(echoing.wait_for(std::chrono::seconds{30})) << streamer.progress();

    iocp::UniqueSocket late = iocp::testing::connect_with_timeout(running.port());
    const std::array<std::byte, 4> ping{std::byte{'p'}, std::byte{'i'}, std::byte{'n'},
                                        std::byte{'g'}};
    iocp::testing::send_all(late.get(), ping);
    const std::vector<std::byte> back = iocp::testing::receive_exactly(late.get(), ping.size());
    EXPECT_TRUE(std::equal(back.begin(), back.end(), ping.begin(), ping.end()))
        << "the new client got " << back.size() << " of 4 bytes back within 10 s; the "
        << "streaming client: " << streamer.progress();
    const ch02::ServerStats stats = running.stop();
    EXPECT_EQ(stats.accepted, 2u);
    EXPECT_EQ(stats.closed, 2u);
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
