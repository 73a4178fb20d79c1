// tests/bench/load_driver_test.cpp: the native load driver (bench/driver/load_driver.h) against
// an in-process echo server (test_echo_server.h) that can corrupt, starve, close and stall.
// Linux only. Every run has a time limit, every wait is bounded, and nothing sleeps to
// synchronise: a test that waits for the driver's window uses its on_measuring callback.
#include "load_driver.h"
#include "test_echo_server.h"

#include "iocp/testing.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;
using bench::LoadOptions;
using bench::LoadReport;
using bench::run_load;
using bench::testing::EchoFaults;
using bench::testing::TestEchoServer;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

LoadOptions burst(std::uint16_t port, std::size_t connections, std::size_t messages,
                  std::size_t size, std::size_t pipeline) {
    LoadOptions options;
    options.port = port;
    options.connections = connections;
    options.messages = messages;
    options.size = size;
    options.pipeline = pipeline;
    options.time_limit = 60s;
    return options;
}

LoadOptions timed(std::uint16_t port, std::size_t connections, std::size_t size,
                  std::size_t pipeline, std::chrono::milliseconds measure) {
    LoadOptions options;
    options.port = port;
    options.connections = connections;
    options.size = size;
    options.pipeline = pipeline;
    options.measure = measure;
    options.time_limit = 60s;
    return options;
}

std::string hex(std::byte value) {
    char text[8];
    std::snprintf(text, sizeof(text), "0x%02x", static_cast<unsigned>(value));
    return text;
}

// Everything a report says, for a failed expectation's message.
std::string describe(const LoadReport& report) {
    std::string text =
        "ok " + std::to_string(report.connections_ok) + "/" + std::to_string(report.connections) +
        ", messages " + std::to_string(report.messages) + ", never served " +
        std::to_string(report.never_served) + ", errors " + std::to_string(report.error_count) +
        ", p50 " + std::to_string(report.p50.count()) + " ns, max " +
        std::to_string(report.max.count()) + " ns, window " + std::to_string(report.seconds) + " s";
    for (const std::string& line : report.errors) {
        text += "\n  " + line;
    }
    return text;
}

// A port on 127.0.0.1 where nobody listens: bound, never listening, so a connect is refused,
// and no other test can listen on it while this lives.
class PortWithNoListener {
public:
    PortWithNoListener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        if (fd_ < 0) {
            throw std::system_error(errno, std::generic_category(), "socket");
        }
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(address);
        if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            const int error = errno;
            static_cast<void>(::close(fd_));
            throw std::system_error(error, std::generic_category(), "bind/getsockname");
        }
        port_ = ntohs(address.sin_port);
    }
    ~PortWithNoListener() { static_cast<void>(::close(fd_)); }
    PortWithNoListener(const PortWithNoListener&) = delete;
    PortWithNoListener& operator=(const PortWithNoListener&) = delete;
    std::uint16_t port() const noexcept { return port_; }

private:
    int fd_;
    std::uint16_t port_ = 0;
};

TEST(LoadDriver, BurstEchoesEveryMessageExactlyOnce) {
    TestEchoServer server;
    const LoadReport report = run_load(burst(server.port(), 8, 50, 100, 4));
    EXPECT_TRUE(report.ok()) << describe(report);
    EXPECT_EQ(report.connections, 8u);
    EXPECT_EQ(report.connections_ok, 8u);
    EXPECT_EQ(report.messages, 8u * 50);
    EXPECT_EQ(report.bytes, 8u * 50 * 100);
    EXPECT_EQ(server.bytes_received(), 8u * 50 * 100);
    EXPECT_EQ(report.min_per_connection, 50u);
    EXPECT_EQ(report.max_per_connection, 50u);
    EXPECT_EQ(report.never_served, 0u);
    EXPECT_GT(report.seconds, 0.0);
    EXPECT_GT(report.messages_per_second, 0.0);
    // Our FIN, then the server's: every connection ended in order.
    EXPECT_TRUE(iocp::testing::poll_until([&] { return server.ended_by_client() == 8; }, 10s));
    EXPECT_EQ(server.error(), "");
}

TEST(LoadDriver, BurstWithMessagesLargerThanTheSocketBuffers) {
    TestEchoServer server;
    constexpr std::size_t size = std::size_t{1} << 20;  // send() takes part, EPOLLOUT the rest
    const LoadReport report = run_load(burst(server.port(), 2, 4, size, 2));
    EXPECT_TRUE(report.ok()) << describe(report);
    EXPECT_EQ(report.messages, 2u * 4);
    EXPECT_EQ(report.bytes, 2u * 4 * size);
    EXPECT_EQ(server.bytes_received(), 2u * 4 * size);
}

TEST(LoadDriver, BurstOfAThousandConnections) {
    TestEchoServer server;
    const LoadReport report = run_load(burst(server.port(), 1000, 10, 64, 2));
    EXPECT_TRUE(report.ok()) << describe(report);
    EXPECT_EQ(report.connections_ok, 1000u);
    EXPECT_EQ(report.messages, 1000u * 10);
    EXPECT_EQ(report.bytes, 1000u * 10 * 64);
    EXPECT_EQ(report.min_per_connection, 10u);
    EXPECT_EQ(report.max_per_connection, 10u);
    EXPECT_EQ(server.accepted(), 1000u);
    EXPECT_EQ(server.bytes_received(), 1000u * 10 * 64);
}

TEST(LoadDriver, CorruptedByteIsAnErrorNamingTheConnection) {
    EchoFaults faults;
    faults.corrupt = 2;  // the third connection the server accepted
    faults.corrupt_offset = 1000;
    TestEchoServer server{faults};
    const LoadReport report = run_load(burst(server.port(), 4, 20, 100, 2));
    ASSERT_FALSE(report.ok());
    ASSERT_EQ(report.error_count, 1u) << describe(report);
    const std::optional<std::size_t> victim = server.driver_connection(2, 4);
    ASSERT_TRUE(victim.has_value());
    const std::byte expected = bench::stream_byte(*victim, 1000);
    EXPECT_EQ(report.errors.at(0), "connection " + std::to_string(*victim) +
                                       ": echo byte 1000 (message 10, byte 0): expected " +
                                       hex(expected) + ", got " + hex(expected ^ std::byte{0xFF}));
    // The others went on; the victim's ten messages before the wrong byte count.
    EXPECT_EQ(report.connections_ok, 3u);
    EXPECT_EQ(report.messages, 3u * 20 + 10);
    EXPECT_EQ(report.never_served, 0u);
}

TEST(LoadDriver, ServerClosingMidStreamFailsOnlyThatConnection) {
    EchoFaults faults;
    faults.close = 0;
    faults.close_after = 550;  // inside message 5
    TestEchoServer server{faults};
    const LoadReport report = run_load(burst(server.port(), 3, 20, 100, 2));
    ASSERT_EQ(report.error_count, 1u) << describe(report);
    const std::optional<std::size_t> victim = server.driver_connection(0, 3);
    ASSERT_TRUE(victim.has_value());
    // A FIN, or a reset if the server closed with our bytes unread: either is named.
    EXPECT_THAT(report.errors.at(0), StartsWith("connection " + std::to_string(*victim) + ": "));
    EXPECT_THAT(report.errors.at(0), AnyOf(HasSubstr("the server closed the connection"),
                                           HasSubstr("Connection reset")));
    EXPECT_EQ(report.connections_ok, 2u);
    EXPECT_GE(report.messages, 2u * 20);
    EXPECT_LE(report.messages, 2u * 20 + 5);
}

TEST(LoadDriver, RefusedConnectionsAreErrorsNotACrash) {
    const PortWithNoListener nobody;
    for (const bool is_burst : {true, false}) {
        SCOPED_TRACE(is_burst ? "burst" : "timed");
        const LoadOptions options =
            is_burst ? burst(nobody.port(), 3, 10, 64, 1) : timed(nobody.port(), 3, 64, 1, 300ms);
        const LoadReport report = run_load(options);
        EXPECT_FALSE(report.ok());
        EXPECT_EQ(report.connections_ok, 0u);
        EXPECT_EQ(report.messages, 0u);
        ASSERT_EQ(report.error_count, 3u) << describe(report);
        std::set<std::string> lines(report.errors.begin(), report.errors.end());
        for (std::size_t connection = 0; connection < 3; ++connection) {
            EXPECT_EQ(lines.count("connection " + std::to_string(connection) +
                                  ": connect: Connection refused"),
                      1u)
                << describe(report);
        }
    }
}

TEST(LoadDriver, TimedRunCountsTheWindowOnly) {
    TestEchoServer server;
    int measuring_calls = 0;
    LoadOptions options = timed(server.port(), 4, 512, 2, 300ms);
    options.on_measuring = [&] { ++measuring_calls; };
    const LoadReport report = run_load(options);
    EXPECT_TRUE(report.ok()) << describe(report);
    EXPECT_EQ(measuring_calls, 1);
    EXPECT_NEAR(report.seconds, 0.3, 1e-6);  // the window, not the connecting and warm-up
    EXPECT_GT(report.messages, 0u);
    EXPECT_EQ(report.bytes, report.messages * 512);
    // The warm-up's echoes and the ones in flight at the window's end are not counted.
    EXPECT_LT(report.bytes, server.bytes_received());
    EXPECT_NEAR(report.messages_per_second, static_cast<double>(report.messages) / 0.3, 1e-3);
    EXPECT_NEAR(report.megabytes_per_second, static_cast<double>(report.bytes) / 1e6 / 0.3, 1e-6);
    EXPECT_EQ(report.never_served, 0u);
    EXPECT_GT(report.min_per_connection, 0u);
    EXPECT_LE(report.min_per_connection, report.max_per_connection);
    EXPECT_GT(report.p50.count(), 0);
    EXPECT_LE(report.p50, report.p99);
    EXPECT_LE(report.p99, report.p999);
    EXPECT_LE(report.p999, report.max);
}

// The warm-up's message is not counted: one connection, D = 1, and the server holds message
// 0's echo for 500 ms and echoes the rest at once, so every message counted is fast.
TEST(LoadDriver, TheWarmUpMessageIsNotCounted) {
    EchoFaults faults;
    faults.delay = 500ms;
    faults.delay_from = 0;  // message 0 of 64 bytes
    faults.delay_until = 64;
    TestEchoServer server{faults};
    const LoadReport report = run_load(timed(server.port(), 1, 64, 1, 1500ms));
    EXPECT_TRUE(report.ok()) << describe(report);
    EXPECT_GT(report.messages, 0u);
    EXPECT_LT(report.max, 500ms) << describe(report);  // message 0's echo was left out
}

// During the warm-up a connection sends one message and then nothing until the window: the
// server has received exactly one message from each when the window starts. Traffic from the
// warmed ones would slow the accepts of the rest.
TEST(LoadDriver, AWarmedConnectionWaitsQuietlyForTheWindow) {
    TestEchoServer server;
    std::uint64_t received_at_start = 0;
    LoadOptions options = timed(server.port(), 8, 100, 4, 200ms);
    options.on_measuring = [&] { received_at_start = server.bytes_received(); };
    const LoadReport report = run_load(options);
    EXPECT_TRUE(report.ok()) << describe(report);
    EXPECT_EQ(received_at_start, 8u * 100u);
    EXPECT_GT(report.messages, 0u);
    EXPECT_GT(report.min_per_connection, 0u);
}

TEST(LoadDriver, SlowServerShowsInTheLatency) {
    EchoFaults faults;
    faults.delay = 2ms;  // before every echo
    TestEchoServer server{faults};
    const LoadReport report = run_load(burst(server.port(), 1, 5, 64, 1));
    EXPECT_TRUE(report.ok()) << describe(report);
    EXPECT_EQ(report.messages, 5u);
    EXPECT_GE(report.p50, 2ms);  // timed from the send, so the server's wait is in it
    EXPECT_GE(report.max, report.p50);
}

TEST(LoadDriver, StarvedConnectionShowsInNeverServed) {
    EchoFaults faults;
    faults.starve = 1;  // accepted, never read
    TestEchoServer server{faults};
    LoadOptions options = timed(server.port(), 4, 64, 1, 300ms);
    options.warmup = false;  // a warm-up would wait for the starved connection's echo
    const LoadReport report = run_load(options);
    EXPECT_EQ(report.never_served, 1u) << describe(report);
    EXPECT_EQ(report.min_per_connection, 0u);
    EXPECT_GT(report.max_per_connection, 0u);
    EXPECT_GT(report.messages, 0u);
    EXPECT_EQ(report.error_count, 0u) << describe(report);  // starved is not failed
    EXPECT_EQ(report.connections_ok, 4u);
}

TEST(LoadDriver, StarvedConnectionKeepsTheWindowFromStarting) {
    EchoFaults faults;
    faults.starve = 0;
    TestEchoServer server{faults};
    bool measuring = false;
    LoadOptions options = timed(server.port(), 2, 64, 1, 300ms);
    options.time_limit = 1s;
    options.on_measuring = [&] { measuring = true; };
    const auto started = Clock::now();
    const LoadReport report = run_load(options);
    EXPECT_LT(Clock::now() - started, 30s);
    EXPECT_FALSE(measuring);
    EXPECT_FALSE(report.ok());
    ASSERT_EQ(report.error_count, 1u) << describe(report);
    EXPECT_THAT(
        report.errors.at(0),
        HasSubstr(": no echo within the time limit (1.000 s), so the window never started"));
    EXPECT_EQ(report.connections_ok, 1u);
    EXPECT_EQ(report.messages, 0u);
    EXPECT_EQ(report.never_served, 2u);
}

TEST(LoadDriver, IdleSendsNothingAndHoldsEveryConnection) {
    TestEchoServer server;
    std::atomic<bool> stop{false};
    LoadOptions options;
    options.port = server.port();
    options.connections = 16;
    options.idle = true;
    options.time_limit = 60s;
    options.stop = &stop;
    bool all_accepted = false;
    options.on_measuring = [&] {
        all_accepted = iocp::testing::poll_until([&] { return server.accepted() == 16; }, 10s);
        stop.store(true);
    };
    const LoadReport report = run_load(options);
    EXPECT_TRUE(all_accepted);
    EXPECT_TRUE(report.stopped);
    EXPECT_TRUE(report.ok()) << describe(report);
    EXPECT_EQ(report.connections_ok, 16u);
    EXPECT_EQ(report.messages, 0u);
    // Closed at the end: the server saw each end, and not one byte before it.
    EXPECT_TRUE(iocp::testing::poll_until([&] { return server.ended_by_client() == 16; }, 10s));
    EXPECT_EQ(server.bytes_received(), 0u);
}

TEST(LoadDriver, IdleReportsConnectionsTheServerClosed) {
    EchoFaults faults;
    faults.close = 0;
    faults.close_after = 0;  // at once
    TestEchoServer server{faults};
    LoadOptions options;
    options.port = server.port();
    options.connections = 4;
    options.idle = true;
    options.time_limit = 1s;  // the hold ends here: no stop flag
    const LoadReport report = run_load(options);
    EXPECT_FALSE(report.stopped);
    EXPECT_EQ(report.connections_ok, 3u) << describe(report);
    ASSERT_EQ(report.error_count, 1u) << describe(report);
    EXPECT_THAT(report.errors.at(0), HasSubstr(": the server closed the idle connection"));
    EXPECT_EQ(server.bytes_received(), 0u);
}

// Another thread sets the stop flag; the driver must return within a generous bound (it reads
// the flag at least every 10 ms) of a 60 s window.
TEST(LoadDriver, StopFlagEndsALongTimedRunPromptly) {
    TestEchoServer server;
    std::atomic<bool> stop{false};
    iocp::testing::Countdown measuring{1};
    LoadOptions options = timed(server.port(), 4, 64, 2, 60'000ms);
    options.time_limit = 120s;
    options.stop = &stop;
    options.on_measuring = [&] { measuring.count_down(); };
    Clock::time_point stopped_at{};
    bool window_started = false;
    std::thread stopper{[&] {
        window_started = measuring.wait_for(30s);
        stopped_at = Clock::now();
        stop.store(true);  // even if the window never started: end the test
    }};
    const LoadReport report = run_load(options);
    const Clock::time_point returned_at = Clock::now();
    stopper.join();
    EXPECT_TRUE(window_started);
    EXPECT_TRUE(report.stopped);
    EXPECT_LT(returned_at - stopped_at, 2s);
    EXPECT_LT(report.seconds, 30.0);
    EXPECT_EQ(report.error_count, 0u) << describe(report);
}

TEST(LoadDriver, StopFlagEndsAStuckBurstPromptly) {
    EchoFaults faults;
    faults.starve = 0;  // that connection's burst never ends
    TestEchoServer server{faults};
    std::atomic<bool> stop{false};
    LoadOptions options = burst(server.port(), 2, 5, 64, 1);
    options.time_limit = 120s;
    options.stop = &stop;
    Clock::time_point stopped_at{};
    bool both_accepted = false;
    std::thread stopper{[&] {
        both_accepted = iocp::testing::poll_until([&] { return server.accepted() == 2; }, 30s);
        stopped_at = Clock::now();
        stop.store(true);
    }};
    const LoadReport report = run_load(options);
    const Clock::time_point returned_at = Clock::now();
    stopper.join();
    EXPECT_TRUE(both_accepted);
    EXPECT_TRUE(report.stopped);
    EXPECT_LT(returned_at - stopped_at, 2s);
    EXPECT_GE(report.never_served, 1u) << describe(report);
    EXPECT_FALSE(report.ok());
    EXPECT_THAT(report.errors.at(0), HasSubstr(": not done when the run was stopped: "));
}

TEST(LoadDriver, RejectsOptionsItCannotRun) {
    LoadOptions options;
    options.port = 1;
    options.size = 0;
    EXPECT_THROW(run_load(options), std::invalid_argument);
    options.size = 64;
    options.pipeline = 0;
    EXPECT_THROW(run_load(options), std::invalid_argument);
    options.pipeline = 1;
    options.connections = 0;
    EXPECT_THROW(run_load(options), std::invalid_argument);
    options.connections = 1;
    options.idle = true;
    options.messages = 3;
    EXPECT_THROW(run_load(options), std::invalid_argument);
}

// No message size lines the stream up with itself, and no two connections start alike (the test
// server tells them apart by their first 8 bytes).
TEST(LoadDriver, StreamIsNotPeriodicAtTheMessageSize) {
    for (const std::size_t connection : {0u, 1u, 999u}) {
        for (std::uint64_t size = 1; size <= 4096; ++size) {
            bool differs = false;
            for (std::uint64_t k = 0; k < 64 && !differs; ++k) {
                differs =
                    bench::stream_byte(connection, k) != bench::stream_byte(connection, k + size);
            }
            EXPECT_TRUE(differs) << "connection " << connection << ", size " << size;
        }
    }
    std::set<std::uint64_t> starts;
    for (std::size_t connection = 0; connection < 1000; ++connection) {
        std::uint64_t start = 0;
        for (std::uint64_t k = 0; k < 8; ++k) {
            start = start << 8 | static_cast<std::uint64_t>(bench::stream_byte(connection, k));
        }
        starts.insert(start);
    }
    EXPECT_EQ(starts.size(), 1000u);
}

}  // namespace
