// tests/reliability/shutdown_test.cpp: server.stop() while 500 clients of chapter 4's client
// are mid-stream. stop() returns within its bound (measured, under 15 s), no session and no
// I/O is left, and every byte the clients got back before the stop is byte-exact: what each
// connection received is a prefix of what it sent (no wrong byte, no byte never sent); the
// connections end with a close or a reset, never a hang.
#include "reliability_support.h"

#include <gtest/gtest.h>

#include <iostream>
#include <string>

namespace reliability {
namespace {

TEST(ShutdownUnderLoad, StopWith500ClientsMidStreamLosesNoVerifiedByteAndEndsAtZero) {
    iocp::WinsockSession winsock;
    TestServer server;
    constexpr std::size_t connections = 500;
    BackgroundLoad load{server.port(), ch04::Protocol::stream, connections, 1024, 4};
    ASSERT_TRUE(load.wait_live(60s));
    // Mid-stream: at least another 1 KiB per connection echoed since every one was live.
    const std::uint64_t live_at = server.counters().bytes_sent;
    ASSERT_TRUE(wait_for_counters(
        server,
        [&](const ch04::ServerCounters& c) {
            return c.bytes_sent >= live_at + connections * 1024 && c.sessions_alive == connections;
        },
        "500 sessions streaming"));

    const Clock::time_point stop_start = Clock::now();
    const ch04::ServerCounters counters = server.stop();
    const double stop_seconds = std::chrono::duration<double>(Clock::now() - stop_start).count();
    const ch04::ClientReport report = load.finish();
    const double client_seconds = std::chrono::duration<double>(Clock::now() - stop_start).count();
    std::cout << "shutdown: stop() took " << stop_seconds << " s with " << connections
              << " connections mid-stream; the client saw every connection end " << client_seconds
              << " s after the stop began; " << report.bytes << " bytes verified, server sent "
              << counters.bytes_sent << std::endl;
    RecordProperty("stop_milliseconds", static_cast<int>(stop_seconds * 1000));

    EXPECT_LT(stop_seconds, 15.0);
    EXPECT_EQ(counters.accepted, connections) << describe(counters);
    expect_all_freed(counters);

    // Every byte that came back is the byte sent at that place: a prefix of the stream sent.
    EXPECT_EQ(report.mismatched_bytes, 0u);
    EXPECT_FALSE(report.timed_out);
    EXPECT_EQ(report.connections_ok + report.errors.size(), connections);
    for (const std::string& error : report.errors) {
        EXPECT_EQ(error.find("expected 0x"), std::string::npos) << error;
        EXPECT_EQ(error.find("more bytes than"), std::string::npos) << error;
        EXPECT_EQ(error.find("time limit"), std::string::npos) << error;
    }
    EXPECT_GT(report.bytes, 0u);
    EXPECT_LE(report.bytes, counters.bytes_sent);  // nothing verified that was never sent
}

}  // namespace
}  // namespace reliability
