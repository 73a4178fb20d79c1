// tests/reliability/faults_test.cpp: faulty clients among 50 busy, verified ones. Clients
// that reset mid-send, mid-receive or idle; clients that half-close and must get every byte
// back before the server's close; clients that never read, held to the queue's bound; and
// clients that reset at once, as many times as the posted AcceptEx calls meet them. Each
// fault costs only its own session: the other clients' every byte is verified, and the
// counters come back to the load's sessions, then to zero.
#include "reliability_support.h"

#include "send_queue.h"

#include "iocp/error.h"
#include "iocp/loopback.h"

#include <gtest/gtest.h>

#include <array>
#include <iostream>
#include <string>

namespace reliability {
namespace {

// A client that will not read. A small receive buffer (set after connect, which Winsock
// allows) keeps the echo from piling up in the kernel, so the server's queue fills sooner;
// Wine 8 keeps its own larger buffers regardless (about 7 MB go out before the pause).
iocp::UniqueSocket connect_non_reader(std::uint16_t port) {
    iocp::UniqueSocket socket = connect_client(port);
    const int size = 8 * 1024;
    iocp::check_wsa(setsockopt(socket.get(), SOL_SOCKET, SO_RCVBUF,
                               reinterpret_cast<const char*>(&size), sizeof(size)),
                    "setsockopt(SO_RCVBUF)");
    return socket;
}

// Sends pattern bytes on a non-blocking socket without ever reading, until the server counts
// one more read pause than `pauses` (its echo could not leave, so its queue filled: a WSASend
// of it is in flight and its reading stopped). Bounded by 64 MiB and 30 s. Returns the bytes
// the socket took.
testing::AssertionResult push_until_paused(const TestServer& server, SOCKET socket,
                                           std::uint64_t pauses, std::size_t& sent) {
    u_long non_blocking = 1;
    iocp::check_wsa(ioctlsocket(socket, FIONBIO, &non_blocking), "ioctlsocket(FIONBIO)");
    const std::vector<std::byte> chunk = pattern(7, 256 * 1024);
    const Clock::time_point deadline = Clock::now() + 30s;
    constexpr std::size_t most = 64u * 1024 * 1024;
    for (std::uint64_t attempt = 0; attempt < 100'000'000 && sent < most; ++attempt) {
        if (server.counters().read_pauses > pauses) {
            return testing::AssertionSuccess();
        }
        if (Clock::now() >= deadline) {
            break;
        }
        const int n = send(socket, reinterpret_cast<const char*>(chunk.data()),
                           static_cast<int>(chunk.size()), 0);
        if (n == SOCKET_ERROR) {
            const int error = WSAGetLastError();
            if (error != WSAEWOULDBLOCK) {
                return testing::AssertionFailure() << "send failed with " << error;
            }
            std::this_thread::sleep_for(1ms);  // the buffers are full: let the server work
            continue;
        }
        sent += static_cast<std::size_t>(n);
    }
    return testing::AssertionFailure() << "no read pause after " << sent << " bytes";
}

TEST(FaultsUnderLoad, ResetsMidSendMidReceiveAndIdleCostOnlyTheirOwnSessions) {
    iocp::WinsockSession winsock;
    ch04::ServerOptions options;
    options.max_pending_bytes = 64 * 1024;  // a rude client fills its queue sooner
    TestServer server{options};
    BackgroundLoad load{server.port(), ch04::Protocol::stream, load_connections};
    ASSERT_TRUE(load.wait_live());
    constexpr std::size_t mid_send = 4;  // each pushes about 7 MB under Wine before the pause
    constexpr std::size_t rude = 10;     // mid-receive, and idle

    // Mid-send: the client sends without reading until the server has paused its reading (a
    // send of its echo is stuck in flight), then resets.
    for (std::size_t i = 0; i < mid_send; ++i) {
        iocp::UniqueSocket socket = connect_non_reader(server.port());
        std::size_t sent = 0;
        ASSERT_TRUE(push_until_paused(server, socket.get(), server.counters().read_pauses, sent))
            << "client " << i;
        reset_connection(socket);
        // Gone before the next client reads its baseline: a session that resumed and paused
        // again after that read would let the next client stop before its own pause.
        ASSERT_TRUE(wait_for_counters(
            server,
            [&](const ch04::ServerCounters& c) {
                return c.accepted == load_connections + i + 1 &&
                       c.sessions_alive == load_connections;
            },
            "the mid-send session closed"));
    }
    // Mid-receive: half a message echoed and checked, then more bytes and a reset before
    // their echo is read: the server is receiving when the reset comes.
    for (std::size_t i = 0; i < rude; ++i) {
        iocp::UniqueSocket socket = connect_client(server.port());
        const std::vector<std::byte> half = pattern(100 + i, 32 * 1024);
        send_all(socket.get(), half);
        ASSERT_EQ(receive_exactly(socket.get(), half.size()), half) << "client " << i;
        send_all(socket.get(), pattern(100 + i, 1000, half.size()));
        reset_connection(socket);
    }
    // Idle: connected, nothing sent; the session's first receive is pending at the reset.
    for (std::size_t i = 0; i < rude; ++i) {
        iocp::UniqueSocket socket = connect_client(server.port());
        // Accepted first: a client reset while still in the backlog would end as a failed
        // AcceptEx, not as a session (the AcceptFaults test covers that case).
        ASSERT_TRUE(wait_for_counters(
            server,
            [&](const ch04::ServerCounters& c) {
                return c.accepted == load_connections + mid_send + rude + i + 1;
            },
            "the idle client accepted"));
        reset_connection(socket);
    }
    // Every rude session is gone while the load's 50 are still alive and busy.
    ASSERT_TRUE(wait_for_counters(
        server,
        [&](const ch04::ServerCounters& c) {
            return c.accepted == load_connections + mid_send + 2 * rude &&
                   c.sessions_alive == load_connections;
        },
        "the 24 rude sessions accepted and closed"));
    expect_served(load.finish(), load_connections);
    ASSERT_TRUE(wait_for_sessions(server, 0));
    const ch04::ServerCounters counters = server.stop();
    EXPECT_EQ(counters.accepted, load_connections + mid_send + 2 * rude) << describe(counters);
    EXPECT_GE(counters.read_pauses, mid_send) << describe(counters);
    expect_all_freed(counters);
}

TEST(FaultsUnderLoad, HalfClosedClientsGetEveryByteBackThenTheClose) {
    iocp::WinsockSession winsock;
    TestServer server;
    BackgroundLoad load{server.port(), ch04::Protocol::stream, load_connections};
    ASSERT_TRUE(load.wait_live());
    // Five sizes at once, four clients each, one after another: 20 half-closing clients,
    // from one byte to more than the server's 1 MiB queue bound (its reading pauses).
    constexpr std::array<std::size_t, 5> sizes{1, 100, 16 * 1024 + 1, 256 * 1024,
                                               2 * 1024 * 1024 + 3};
    constexpr std::size_t per_size = 4;
    std::array<std::array<EchoResult, per_size>, sizes.size()> results{};
    std::array<std::string, sizes.size()> failures;
    std::vector<std::thread> threads;
    for (std::size_t s = 0; s < sizes.size(); ++s) {
        threads.emplace_back([&, s] {
            try {
                for (std::size_t i = 0; i < per_size; ++i) {
                    iocp::UniqueSocket socket = connect_client(server.port());
                    // Send N bytes, shutdown(SD_SEND), read until the server's close.
                    results[s][i] = echo_verified(socket.get(), 1000 + s * per_size + i, sizes[s],
                                                  true, true, 60s);
                }
            } catch (const std::exception& e) {
                failures[s] = e.what();
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();  // each is bounded: echo_verified's 60 s
    }
    std::uint64_t total = 0;
    for (std::size_t s = 0; s < sizes.size(); ++s) {
        EXPECT_EQ(failures[s], "") << sizes[s] << " bytes";
        for (std::size_t i = 0; i < per_size; ++i) {
            const EchoResult& r = results[s][i];
            SCOPED_TRACE(std::to_string(sizes[s]) + " bytes, client " + std::to_string(i) + ": " +
                         describe(r));
            EXPECT_EQ(r.sent, sizes[s]);
            EXPECT_EQ(r.received, sizes[s]);  // exactly N bytes ...
            EXPECT_TRUE(r.closed);            // ... then recv returned 0
            EXPECT_EQ(r.mismatched, 0u);
            EXPECT_FALSE(r.extra);
            EXPECT_EQ(r.error, 0);
            EXPECT_FALSE(r.timed_out);
            total += r.received;
        }
    }
    // The server closed each half-closed session itself once its echo was out.
    ASSERT_TRUE(wait_for_sessions(server, load_connections));
    expect_served(load.finish(), load_connections);
    const ch04::ServerCounters counters = server.stop();
    EXPECT_EQ(counters.accepted, load_connections + sizes.size() * per_size);
    std::uint64_t expected = 0;
    for (const std::size_t size : sizes) {
        expected += size * per_size;
    }
    EXPECT_EQ(total, expected);
    expect_all_freed(counters);
}

TEST(FaultsUnderLoad, ClientsThatNeverReadAreHeldToTheBoundWhileOthersAreServed) {
    iocp::WinsockSession winsock;
    ch04::ServerOptions options;
    options.max_pending_bytes = 256 * 1024;
    TestServer server{options};
    BackgroundLoad load{server.port(), ch04::Protocol::stream, load_connections};
    ASSERT_TRUE(load.wait_live());
    constexpr std::size_t greedy_clients = 2;  // each pushes about 7 MB under Wine
    std::vector<iocp::UniqueSocket> greedy;
    std::size_t pushed = 0;
    for (std::size_t i = 0; i < greedy_clients; ++i) {
        greedy.push_back(connect_non_reader(server.port()));
        std::size_t sent = 0;
        const std::uint64_t pauses = server.counters().read_pauses;
        ASSERT_TRUE(push_until_paused(server, greedy.back().get(), pauses, sent)) << "client " << i;
        pushed += sent;
    }
    // Paused for good: the socket soon takes nothing more (200 refusals in a row, bounded),
    // because nobody reads what it sends.
    const std::vector<std::byte> chunk = pattern(7, 64 * 1024);
    for (std::size_t i = 0; i < greedy_clients; ++i) {
        int refusals = 0;
        std::size_t more = 0;
        const Clock::time_point deadline = Clock::now() + 20s;
        for (int attempt = 0; attempt < 1'000'000 && refusals < 200 && Clock::now() < deadline;
             ++attempt) {
            const int n = send(greedy[i].get(), reinterpret_cast<const char*>(chunk.data()),
                               static_cast<int>(chunk.size()), 0);
            if (n == SOCKET_ERROR) {
                ASSERT_EQ(WSAGetLastError(), WSAEWOULDBLOCK);
                ++refusals;
                std::this_thread::sleep_for(1ms);  // 200 refusals: at least 0.2 s of full
            } else {
                refusals = 0;
                more += static_cast<std::size_t>(n);
            }
        }
        EXPECT_EQ(refusals, 200) << "client " << i << " could still send " << more << " bytes";
        pushed += more;
    }
    // Meanwhile every other client is served; the greedy ones are still connected.
    expect_served(load.finish(), load_connections);
    ch04::ServerCounters held = server.counters();
    EXPECT_EQ(held.sessions_alive, greedy_clients) << describe(held);
    // At least one each. A session may resume and pause again while Wine's kernel buffers
    // still take some of its echo, before they fill for good.
    EXPECT_GE(held.read_pauses, greedy_clients) << describe(held);
    // The bound: a full queue stops reading, and one receive may land on top of it.
    EXPECT_LE(held.most_queued, options.max_pending_bytes + options.receive_size) << describe(held);
    // (The sessions are paused, so received and sent are still: their difference reads true.)
    EXPECT_LT(held.bytes_received - held.bytes_sent, pushed) << "the server read everything";
    std::cout << "never-read: " << greedy_clients << " clients pushed " << pushed
              << " bytes; most queued " << held.most_queued << " (bound "
              << options.max_pending_bytes + options.receive_size << "); its memory "
              << held.most_queued_memory << " (memory_bound "
              << ch04::SendQueue{options.receive_size, options.max_pending_bytes}.memory_bound(
                     options.receive_size)
              << ")" << std::endl;
    greedy.clear();  // closed with unread data: the server sees resets
    ASSERT_TRUE(wait_for_sessions(server, 0));
    const ch04::ServerCounters counters = server.stop();
    EXPECT_EQ(counters.accepted, load_connections + greedy_clients);
    expect_all_freed(counters);
}

TEST(AcceptFaults, ClientsThatResetAtOnceAreNeverTakenForConnections) {
    // A client that connects and resets at once meets a posted AcceptEx: either the accept
    // completes (a session starts, its first receive fails with the reset, the session
    // closes) or the accept itself fails (failed_accepts). Neither is data, and no session is
    // left: accepted + failed_accepts accounts for every client, all sessions close.
    iocp::WinsockSession winsock;
    constexpr std::size_t bursts = 10;
    constexpr std::size_t burst = 50;
    ch04::ServerOptions options;
    options.accepts = 16;  // fewer than a burst: some clients wait in the listen queue
    TestServer server{options};
    BackgroundLoad load{server.port(), ch04::Protocol::stream, 20};
    ASSERT_TRUE(load.wait_live());
    for (std::size_t b = 0; b < bursts; ++b) {
        std::vector<iocp::UniqueSocket> clients;
        for (std::size_t i = 0; i < burst; ++i) {
            clients.push_back(iocp::connect_loopback(server.port()));
        }
        for (iocp::UniqueSocket& client : clients) {
            reset_connection(client);
        }
    }
    const std::uint64_t resets = bursts * burst;
    ASSERT_TRUE(wait_for_counters(
        server,
        [&](const ch04::ServerCounters& c) {
            return c.accepted + c.failed_accepts == 20 + resets && c.sessions_alive == 20;
        },
        "every reset client accounted for"));
    // A new client is still served, and counted once.
    EXPECT_TRUE(echo_once(server.port(), 9999, 4096));
    expect_served(load.finish(), 20);
    ASSERT_TRUE(wait_for_sessions(server, 0));
    const ch04::ServerCounters counters = server.stop();
    std::cout << "resets at once: " << resets << " clients, " << counters.accepted - 21
              << " accepted then closed, " << counters.failed_accepts << " failed accepts"
              << std::endl;
    EXPECT_EQ(counters.accepted + counters.failed_accepts, 21 + resets) << describe(counters);
    // Every byte received was echoed: no failed completion was taken for data.
    EXPECT_EQ(counters.bytes_received, counters.bytes_sent) << describe(counters);
    expect_all_freed(counters);
}

}  // namespace
}  // namespace reliability
