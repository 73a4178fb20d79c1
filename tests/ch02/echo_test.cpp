// tests/ch02/echo_test.cpp: every model echoes every byte, for one byte, a few KiB, and messages
// larger than 64 KiB that reach the server in many 8 KiB receives.
#include "acceptor.h"
#include "echo_client.h"
#include "echo_server.h"
#include "session.h"

#include "iocp/socket.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

namespace {

using ch02::Notify;

class Echo : public testing::TestWithParam<std::tuple<Notify, std::size_t>> {};

TEST_P(Echo, EveryClientGetsEveryByteBackAndEverySessionIsFreed) {
    const auto [notify, size] = GetParam();
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{notify, 2}, 0};
    const ch02::ClientReport client = ch02::run_client({running.port(), 3, 5, size});
    const ch02::ServerStats stats = running.stop();

    EXPECT_TRUE(client.errors.empty()) << client.errors.front();
    EXPECT_EQ(client.connections_ok, 3u);
    EXPECT_EQ(client.bytes_verified, 3u * 5u * size);
    EXPECT_EQ(client.bytes_wrong, 0u);
    EXPECT_EQ(stats.accepted, 3u);
    EXPECT_EQ(stats.closed, 3u);  // every session ended and was freed
    EXPECT_EQ(stats.bytes_echoed, 3u * 5u * size);
    EXPECT_EQ(stats.failed_at_once, 0u);
    EXPECT_EQ(stats.refused, 0u);
    // Each receive takes at most 8 KiB, so a message arrives in ceil(size / 8 KiB) pieces at
    // least, and each piece is a receive and at least one send.
    const std::uint64_t pieces = (size + ch02::buffer_size - 1) / ch02::buffer_size;
    EXPECT_GE(stats.completions, 3u * 5u * pieces * 2u);
}

std::string name(const testing::TestParamInfo<Echo::ParamType>& info) {
    return std::string{ch02::notify_name(std::get<0>(info.param))} + "_" +
           std::to_string(std::get<1>(info.param)) + "_bytes";
}

INSTANTIATE_TEST_SUITE_P(
    ModelsAndSizes, Echo,
    testing::Combine(testing::Values(Notify::event, Notify::routine, Notify::iocp),
                     testing::Values(std::size_t{1}, std::size_t{4096}, std::size_t{100'000})),
    name);

TEST(EchoThreads, EventsAndRoutinesHandleEveryCompletionOnOneThread) {
    iocp::WinsockSession winsock;
    for (const Notify notify : {Notify::event, Notify::routine}) {
        ch02::RunningServer running{{notify, 0}, 0};
        const ch02::ClientReport client = ch02::run_client({running.port(), 4, 10, 3000});
        ASSERT_TRUE(client.errors.empty()) << client.errors.front();
        const ch02::ServerStats stats = running.stop();
        EXPECT_EQ(running.server().completion_threads().size(), 1u) << ch02::notify_name(notify);
        EXPECT_EQ(stats.threads, 1);
    }
}

TEST(EchoThreads, ThePortsCompletionsAreHandledByItsWorkersOnly) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{Notify::iocp, 3}, 0};
    const ch02::ClientReport client = ch02::run_client({running.port(), 6, 20, 3000});
    ASSERT_TRUE(client.errors.empty()) << client.errors.front();
    const ch02::ServerStats stats = running.stop();
    EXPECT_EQ(stats.threads, 3);
    // Which workers take them is the kernel's choice (on Windows the most recent waiter first),
    // so only the bound is certain.
    EXPECT_GE(running.server().completion_threads().size(), 1u);
    EXPECT_LE(running.server().completion_threads().size(), 3u);
    EXPECT_NE(running.server().completion_threads().front(), GetCurrentThreadId());
}

TEST(EchoAcceptor, AChosenPortThatIsTakenFailsWithAddressInUse) {
    iocp::WinsockSession winsock;
    ch02::RunningServer first{{Notify::iocp, 1}, 0};
    try {
        ch02::RunningServer second{{Notify::iocp, 1}, first.port()};
        FAIL() << "a second server listened on the same port";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), WSAEADDRINUSE) << e.what();
    }
}

TEST(EchoClient, BadOptionsAreRejectedBeforeAnyConnection) {
    EXPECT_THROW(ch02::run_client({0, 1, 1, 1}), std::invalid_argument);
    EXPECT_THROW(ch02::run_client({1, 0, 1, 1}), std::invalid_argument);
    EXPECT_THROW(ch02::run_client({1, 256, 1'000'000, 64 * 1024 * 1024}), std::invalid_argument);
}

}  // namespace
