// tests/ch04/server_faults_test.cpp: failures that are rare and hard to cause on purpose, set up
// through the server's fault-injection seam (server/io_calls.h): an AcceptEx that fails at once
// loses no accept slot, a socket shortage is retried after a delay, a WSARecv or WSASend that
// fails at once ends only its session, and a handler that throws (out of memory in the echo)
// closes only its session while the worker goes on, so stop() still ends at zero.
#include "server.h"
#include "test_server.h"

#include "iocp/error.h"
#include "iocp/extensions.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <new>
#include <system_error>
#include <vector>

namespace {

using ch04::testing::expect_all_freed;
using ch04::testing::TestServer;
using iocp::testing::connect_with_timeout;
using iocp::testing::receive_exactly;
using iocp::testing::send_all;

// Fails the next `count` calls it is asked about, from any thread.
class Failures {
public:
    void arm(int count) { left_ = count; }
    bool take() {
        int left = left_.load();
        while (left > 0 && !left_.compare_exchange_weak(left, left - 1)) {
        }
        return left > 0;
    }
    int left() const { return left_.load(); }

private:
    std::atomic<int> left_{0};
};

// A call for IoCalls that fails at once (returns `failed`, with `error` for WSAGetLastError)
// while `failures` says so, and otherwise makes the real call.
template <class Result, class Call>
auto fails_while(Failures& failures, int error, Result failed, Call real) {
    return [&failures, error, failed, real](auto... args) -> Result {
        if (failures.take()) {
            WSASetLastError(error);
            return failed;
        }
        return real(args...);
    };
}

// Two AcceptEx slots: few, so that a few failures reach every one of them.
ch04::ServerOptions with_two_accepts(ch04::ServerOptions options = {}) {
    options.accepts = 2;
    return options;
}

// A new client's bytes come back.
testing::AssertionResult echoes(std::uint16_t port) {
    iocp::UniqueSocket client = connect_with_timeout(port);
    const std::array<std::byte, 4> ping{std::byte{'p'}, std::byte{'i'}, std::byte{'n'},
                                        std::byte{'g'}};
    send_all(client.get(), ping);
    const std::vector<std::byte> back = receive_exactly(client.get(), ping.size());
    if (back.size() != ping.size() || !std::equal(back.begin(), back.end(), ping.begin())) {
        return testing::AssertionFailure() << "got " << back.size() << " of 4 bytes back";
    }
    return testing::AssertionSuccess();
}

bool is_reset(int error) {
    return error == WSAECONNRESET || error == WSAECONNABORTED;
}

// A client whose connection the server ends: its receive sees the close (0) or a reset. (Its
// send may see the reset already, if the server closed before it.)
testing::AssertionResult is_closed_after_sending(iocp::UniqueSocket& client) {
    const char ping[] = "ping";
    if (send(client.get(), ping, 4, 0) == SOCKET_ERROR) {
        const int error = WSAGetLastError();
        if (is_reset(error)) {
            return testing::AssertionSuccess();
        }
        return testing::AssertionFailure() << "send failed with " << error;
    }
    char byte = 0;
    const int n = recv(client.get(), &byte, 1, 0);
    if (n == 0 || (n == SOCKET_ERROR && is_reset(WSAGetLastError()))) {
        return testing::AssertionSuccess();
    }
    return testing::AssertionFailure()
           << "recv gave " << n << " (error " << WSAGetLastError() << "), not the close";
}

// Waits (bounded: 10 s) until `done` holds for the server's counters.
testing::AssertionResult eventually(const ch04::EchoServer& server,
                                    const std::function<bool(const ch04::ServerCounters&)>& done) {
    if (iocp::testing::poll_until([&] { return done(server.counters()); },
                                  std::chrono::seconds{10})) {
        return testing::AssertionSuccess();
    }
    return testing::AssertionFailure() << "not within 10 s";
}

bool every_slot_accounted(const ch04::ServerCounters& counters) {
    return counters.accepts_posted + counters.accepts_waiting == 2;  // with_two_accepts()
}

// Defect 1 of issue #15: the server used to log "an accept slot is lost" and go on with one
// slot fewer; after --accepts such failures it never accepted again. Windows fails AcceptEx at
// once with WSAECONNRESET when a client resets while in the backlog (Wine reports it as a
// completion instead, which is why this goes through the seam).
TEST(ServerInjectedFaults, AnAcceptExThatFailsAtOnceIsPostedAgainAndNoSlotIsLost) {
    iocp::WinsockSession winsock;
    Failures failures;
    ch04::IoCalls calls;
    const LPFN_ACCEPTEX real = [] {
        const iocp::UniqueSocket probe = iocp::make_tcp_socket();
        return iocp::load_accept_ex(probe.get());
    }();
    // As if a client reset while in the backlog.
    calls.accept_ex = fails_while(failures, WSAECONNRESET, FALSE, real);
    TestServer test{with_two_accepts(), calls};
    // Five failures, more than the two slots: each slot's next post fails, again and again.
    failures.arm(5);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(echoes(test.server.port())) << "client " << i;
    }
    EXPECT_EQ(failures.left(), 0);
    ASSERT_TRUE(eventually(test.server, every_slot_accounted));
    const ch04::ServerCounters counters = test.server.stop();
    EXPECT_EQ(counters.accepted, 4u);
    EXPECT_EQ(counters.failed_accepts, 5u);
    expect_all_freed(counters);
}

// No socket for the next accept (a handle shortage): the slot waits and is tried again after
// a delay, not in a tight loop and not never.
TEST(ServerInjectedFaults, AnAcceptWithNoSocketIsRetriedAfterADelay) {
    iocp::WinsockSession winsock;
    Failures failures;
    ch04::IoCalls calls;
    calls.make_socket = [&failures] {
        if (failures.take()) {
            throw std::system_error(WSAENOBUFS, std::system_category(), "socket");
        }
        return iocp::make_tcp_socket();
    };
    TestServer test{with_two_accepts(), calls};
    failures.arm(3);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(echoes(test.server.port())) << "client " << i;
    }
    ASSERT_TRUE(eventually(test.server, every_slot_accounted));
    const ch04::ServerCounters counters = test.server.stop();
    EXPECT_EQ(counters.failed_accepts, 3u);
    EXPECT_GE(counters.accept_retries, 1u);
    EXPECT_EQ(counters.accepted, 4u);
    expect_all_freed(counters);
}

// A receive that fails at once (no completion will come) ends its session, and only it.
TEST(ServerInjectedFaults, AReceiveThatFailsAtOnceEndsOnlyItsSession) {
    iocp::WinsockSession winsock;
    Failures failures;
    ch04::IoCalls calls;
    calls.wsa_recv = fails_while(failures, WSAENOBUFS, SOCKET_ERROR, &WSARecv);
    TestServer test{with_two_accepts(), calls};
    failures.arm(1);
    iocp::UniqueSocket victim = connect_with_timeout(test.server.port());
    ASSERT_TRUE(eventually(test.server, [](const auto& c) { return c.closed == 1; }));
    EXPECT_TRUE(is_closed_after_sending(victim));
    EXPECT_TRUE(echoes(test.server.port()));
    const ch04::ServerCounters counters = test.server.stop();
    EXPECT_EQ(counters.accepted, 2u);
    expect_all_freed(counters);
}

// A send that fails at once ends its session, and only it.
TEST(ServerInjectedFaults, ASendThatFailsAtOnceEndsOnlyItsSession) {
    iocp::WinsockSession winsock;
    Failures failures;
    ch04::IoCalls calls;
    calls.wsa_send = fails_while(failures, WSAENOBUFS, SOCKET_ERROR, &WSASend);
    TestServer test{with_two_accepts(), calls};
    iocp::UniqueSocket victim = connect_with_timeout(test.server.port());
    failures.arm(1);
    EXPECT_TRUE(is_closed_after_sending(victim));
    EXPECT_TRUE(echoes(test.server.port()));
    const ch04::ServerCounters counters = test.server.stop();
    EXPECT_EQ(counters.accepted, 2u);
    expect_all_freed(counters);
}

// Defect 4 of issue #15: an exception in a handler used to leave work() and end its worker,
// with the session left half-done; io_in_flight never reached 0 and stop() waited 10 s, leaked
// and threw. With one worker, the next client would never have been served.
TEST(ServerInjectedFaults, AHandlerThatThrowsClosesOnlyItsSessionAndTheWorkerGoesOn) {
    iocp::WinsockSession winsock;
    Failures failures;
    ch04::IoCalls calls;
    calls.before_echo = [&failures] {
        if (failures.take()) {
            throw std::bad_alloc();
        }
    };
    ch04::ServerOptions options;
    options.threads = 1;
    TestServer test{with_two_accepts(options), calls};
    iocp::UniqueSocket bystander = connect_with_timeout(test.server.port());
    iocp::UniqueSocket victim = connect_with_timeout(test.server.port());
    failures.arm(1);
    EXPECT_TRUE(is_closed_after_sending(victim));
    EXPECT_EQ(failures.left(), 0);
    // The one worker is still there: an old session and a new one are both served.
    const std::array<std::byte, 3> bytes{std::byte{1}, std::byte{2}, std::byte{3}};
    send_all(bystander.get(), bytes);
    const std::vector<std::byte> back = receive_exactly(bystander.get(), bytes.size());
    EXPECT_TRUE(std::equal(back.begin(), back.end(), bytes.begin(), bytes.end()));
    EXPECT_TRUE(echoes(test.server.port()));
    const ch04::ServerCounters counters = test.server.stop();  // would throw after 10 s
    EXPECT_EQ(counters.accepted, 3u);
    expect_all_freed(counters, 1);  // the one handler made to throw
    EXPECT_NE(test.sink.str().find("its handler failed"), std::string::npos) << test.sink.str();
}

// Defect 5 of issue #15: the reaper scanned every session holding the server-wide lock, and
// took each session's lock under it; a new session needed that server-wide lock too. So one
// session whose handler was slow (here: stuck until the test lets it go) held up the reaper,
// which held up every new client. Now the table's lock is held only to insert, erase or copy
// the list. The housekeeper (--idle-timeout 0.3 s) looks several times within the second in
// which new clients keep coming, and each of them must still be served.
TEST(ServerInjectedFaults, WhileOneHandlerIsStuckNewClientsAreStillServed) {
    iocp::WinsockSession winsock;
    Failures stuck;                    // the first echo it is armed for waits at the gate
    iocp::testing::Countdown gate{1};  // opened by count_down()
    std::atomic<bool> gate_timed_out{false};
    ch04::IoCalls calls;
    calls.before_echo = [&] {
        if (stuck.take() && !gate.wait_for(std::chrono::seconds{20})) {
            gate_timed_out = true;
        }
    };
    ch04::ServerOptions options;
    options.threads = 2;
    options.idle_timeout = std::chrono::milliseconds{300};
    TestServer test{with_two_accepts(options), calls};
    iocp::UniqueSocket slow = connect_with_timeout(test.server.port());
    stuck.arm(1);
    const char byte = 's';
    ASSERT_EQ(iocp::check_wsa(send(slow.get(), &byte, 1, 0), "send"), 1);
    ASSERT_TRUE(eventually(test.server, [](const auto& c) { return c.receives == 1; }));
    // One worker is stuck in the slow session's handler, holding its lock; the other serves.
    int served = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{1};
    bool all_served = true;
    while (all_served && std::chrono::steady_clock::now() < until) {
        all_served = echoes(test.server.port());
        served += all_served ? 1 : 0;
    }
    EXPECT_TRUE(all_served) << "a new client was not served after " << served;
    gate.count_down();
    EXPECT_FALSE(gate_timed_out.load());
    EXPECT_GE(served, 1);
    slow.close();
    const ch04::ServerCounters counters = test.server.stop();
    EXPECT_GE(counters.accepted, static_cast<std::uint64_t>(served) + 1);
    expect_all_freed(counters);
}

}  // namespace
