// tests/reliability/churn_test.cpp: thousands of connect / send / verify / close cycles against
// one server (chapter 4's client, rounds of 200 concurrent connections), every echoed byte
// verified, and afterwards no session alive, no I/O in flight but the posted AcceptEx calls,
// and the process's handles where they were after the warm-up: no handle of any kind more,
// except at most one event per long-lived mutex that met its first contention meanwhile
// (MinGW's std::mutex, winpthreads, makes a mutex's event then and keeps it).
#include "reliability_support.h"

#include "iocp/error.h"
#include "iocp/handle.h"

#include <gtest/gtest.h>

#include <iostream>
#include <string>

namespace reliability {
namespace {

// 100 rounds x 200 connections = 20 000 cycles after the warm-up: 67 to 104 s under Wine on a
// busy 2-core machine, so this test has an executable (and a time limit) of its own.
constexpr std::size_t rounds = 100;
constexpr std::size_t connections = 200;

// The long-lived mutexes of a running server (its sessions' mutex, accept mutex and quiet
// mutex) and of its logger: each may get its winpthreads event at its first contention,
// which can come in any round. A leak per connection or per round would exceed this by far.
constexpr int lazy_mutex_events = 4;

TEST(Churn, TwentyThousandConnectionsLeaveNoSessionIoOrHandleBehind) {
    iocp::WinsockSession winsock;
    TestServer server;
    ch04::ClientOptions client;
    client.port = server.port();
    client.connections = connections;
    client.messages = 1;  // per connection: connect, one message echoed and verified, close
    client.size = 256;
    client.pipeline = 1;

    // Two warm-up rounds: Winsock's, Wine's and the thread pool's lazily made handles exist
    // after them, so the baseline below already holds them.
    const std::map<std::string, int> before_warm_up = handle_types();
    for (int warm_up = 0; warm_up < 2; ++warm_up) {
        expect_served(ch04::run_client(client), connections);
        ASSERT_TRUE(wait_for_sessions(server, 0));
    }
    const std::map<std::string, int> baseline = handle_types();
    const std::uint32_t baseline_count = process_handle_count();
    std::string event_type;
    {
        // The instrument sees a single handle, and names the event type: one more event, one
        // more in the count.
        const iocp::UniqueHandle event{
            iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")};
        ASSERT_EQ(process_handle_count(), baseline_count + 1);
        for (const auto& [type, count] : handle_types()) {
            const auto found = baseline.find(type);
            if (count == (found == baseline.end() ? 0 : found->second) + 1) {
                event_type = type;
            }
        }
    }
    ASSERT_FALSE(event_type.empty());
    ASSERT_EQ(process_handle_count(), baseline_count);

    const Clock::time_point start = Clock::now();
    std::size_t cycles = 0;
    for (std::size_t round = 0; round < rounds; ++round) {
        const ch04::ClientReport report = ch04::run_client(client);
        ASSERT_TRUE(report.ok()) << "round " << round << ": "
                                 << (report.errors.empty() ? "" : report.errors.front());
        ASSERT_EQ(report.messages, connections * client.messages) << "round " << round;
        ASSERT_EQ(report.mismatched_bytes, 0u) << "round " << round;
        cycles += report.connections_ok;
        // Each round ends at rest: its 200 sessions freed, only the accepts in flight.
        ASSERT_TRUE(wait_for_sessions(server, 0)) << "after round " << round;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const std::map<std::string, int> after = handle_types();
    const std::uint32_t after_count = process_handle_count();
    std::cout << "churn: " << cycles << " cycles in " << seconds << " s ("
              << static_cast<double>(cycles) / seconds << " connections/s); handles "
              << baseline_count << " -> " << after_count << ";" << describe_change(baseline, after)
              << " (events are type " << event_type << "; the warm-up added"
              << describe_change(before_warm_up, baseline) << ")" << std::endl;
    RecordProperty("cycles", static_cast<int>(cycles));
    RecordProperty("milliseconds", static_cast<int>(seconds * 1000));

    EXPECT_EQ(cycles, connections * rounds);
    for (const auto& [type, count] : after) {
        const auto found = baseline.find(type);
        const int was = found == baseline.end() ? 0 : found->second;
        if (type == event_type) {
            EXPECT_LE(count, was + lazy_mutex_events) << "events leaked over " << cycles;
        } else {
            EXPECT_LE(count, was) << "handles of type " << type << " leaked over " << cycles;
        }
    }
    EXPECT_LE(after_count, baseline_count + lazy_mutex_events);
    const ch04::ServerCounters counters = server.stop();
    const std::uint64_t total = connections * (rounds + 2);  // the warm-up rounds too
    EXPECT_EQ(counters.accepted, total) << describe(counters);
    EXPECT_EQ(counters.failed_accepts, 0u) << describe(counters);
    EXPECT_EQ(counters.bytes_received, total * client.messages * client.size);
    EXPECT_EQ(counters.bytes_sent, total * client.messages * client.size);
    expect_all_freed(counters);
}

}  // namespace
}  // namespace reliability
