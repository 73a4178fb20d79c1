// tests/ch04/client/echo_client_test.cpp: the load generator against chapter 2's IOCP echo
// server (in-process; it echoes bytes as they come, which suits both protocols), and against
// small misbehaving peers: a closed port, a wrong byte, a server that closes early.
#include "acceptor.h"
#include "echo_client.h"
#include "echo_server.h"

#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;
using ch04::ClientOptions;
using ch04::ClientReport;
using ch04::Protocol;
using testing::HasSubstr;

std::string all_errors(const ClientReport& report) {
    std::ostringstream text;
    ch04::print_client_report(text, report);
    return text.str();
}

// Runs the client against a fresh chapter 2 server and checks that the server saw every
// connection end in order (its sessions all freed) and echoed exactly the bytes expected.
ClientReport run_against_echo_server(ClientOptions options, std::uint64_t expected_bytes) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{ch02::Notify::iocp, 2}, 0};
    options.port = running.port();
    const ClientReport report = ch04::run_client(options);
    // The client ends each connection with shutdown(SD_SEND); the server then closes its side.
    EXPECT_TRUE(running.server().wait_closed(options.connections, 10'000ms));
    const ch02::ServerStats stats = running.stop();
    EXPECT_EQ(stats.accepted, options.connections);
    EXPECT_EQ(stats.closed, options.connections);
    if (expected_bytes != 0) {
        EXPECT_EQ(stats.bytes_echoed, expected_bytes);
    }
    return report;
}

void expect_clean(const ClientReport& report) {
    EXPECT_TRUE(report.ok()) << all_errors(report);
    EXPECT_TRUE(report.errors.empty());
    EXPECT_EQ(report.connections_ok, report.options.connections);
    EXPECT_EQ(report.mismatched_bytes, 0u);
    EXPECT_FALSE(report.timed_out);
    EXPECT_GT(report.seconds, 0.0);
}

TEST(EchoClient, OneByteOnOneConnection) {
    ClientOptions options;
    options.connections = 1;
    options.messages = 1;
    options.size = 1;
    const ClientReport report = run_against_echo_server(options, 1);
    expect_clean(report);
    EXPECT_EQ(report.messages, 1u);
    EXPECT_EQ(report.bytes, 1u);
    EXPECT_GT(report.max.count(), 0);
    EXPECT_LE(report.p50, report.max);
}

class EchoClientPipeline : public testing::TestWithParam<std::size_t> {};

TEST_P(EchoClientPipeline, SixteenConnectionsVerifyEveryMessage) {
    ClientOptions options;
    options.connections = 16;
    options.messages = 50;
    options.size = 4096;
    options.pipeline = GetParam();
    const std::uint64_t bytes = 16u * 50u * 4096u;
    const ClientReport report = run_against_echo_server(options, bytes);
    expect_clean(report);
    EXPECT_EQ(report.messages, 16u * 50u);
    EXPECT_EQ(report.bytes, bytes);
    EXPECT_GT(report.messages_per_second, 0.0);
    EXPECT_GT(report.megabytes_per_second, 0.0);
    EXPECT_LE(report.p50, report.p99);
    EXPECT_LE(report.p99, report.max);
}

INSTANTIATE_TEST_SUITE_P(Depths, EchoClientPipeline,
                         testing::Values(std::size_t{1}, std::size_t{8}),
                         [](const testing::TestParamInfo<std::size_t>& param_info) {
                             return "pipeline_" + std::to_string(param_info.param);
                         });

TEST(EchoClient, OneMebibyteMessageDoesNotDeadlock) {
    // Far more than both sides' socket buffers: unless the client keeps receiving while it
    // sends, each side would wait for the other to read.
    ClientOptions options;
    options.connections = 2;
    options.messages = 1;
    options.size = 1024 * 1024;
    const ClientReport report = run_against_echo_server(options, 2u * 1024u * 1024u);
    expect_clean(report);
    EXPECT_EQ(report.messages, 2u);
    EXPECT_EQ(report.bytes, 2u * 1024u * 1024u);
}

TEST(EchoClient, PacketProtocolFramesComeBackWhole) {
    ClientOptions options;
    options.connections = 8;
    options.messages = 20;
    options.size = 100;
    options.pipeline = 4;
    options.protocol = Protocol::packet;
    const std::uint64_t bytes = 8u * 20u * (4u + 100u);
    const ClientReport report = run_against_echo_server(options, bytes);
    expect_clean(report);
    EXPECT_EQ(report.messages, 8u * 20u);
    EXPECT_EQ(report.bytes, bytes);  // headers included
}

TEST(EchoClient, DurationRunEndsReportsMessagesAndPrintsProgress) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{ch02::Notify::iocp, 2}, 0};
    ClientOptions options;
    options.port = running.port();
    options.connections = 4;
    options.messages = 0;
    options.duration = 1200ms;  // long enough for one progress line
    options.pipeline = 2;
    std::ostringstream progress;
    const auto started = std::chrono::steady_clock::now();
    const ClientReport report = ch04::run_client(options, &progress);
    const auto took = std::chrono::steady_clock::now() - started;
    running.stop();

    expect_clean(report);
    EXPECT_GT(report.messages, 0u);
    EXPECT_EQ(report.bytes, report.messages * options.size);
    EXPECT_GE(report.seconds, 1.2);
    EXPECT_LT(took, 10s);
    const std::regex line{R"(\d+\.\d s: \d+ connections, \d+ msgs/s, \d+\.\d MB/s)"};
    EXPECT_TRUE(std::regex_search(progress.str(), line)) << progress.str();
}

// A warm-up run serves each connection once before the clock starts: on_measuring comes once,
// after every connection's first echo, and only messages started after it are counted.
TEST(EchoClient, WarmUpServesEveryConnectionOnceBeforeMeasuring) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{ch02::Notify::iocp, 2}, 0};
    ClientOptions options;
    options.port = running.port();
    options.connections = 16;
    options.messages = 0;
    options.duration = 1500ms;  // long against a stalled machine: some messages must start
    options.pipeline = 4;
    options.warmup = true;
    std::atomic<int> calls{0};
    std::uint64_t echoed_at_measuring = 0;
    options.on_measuring = [&] {
        ++calls;
        echoed_at_measuring = running.server().stats().bytes_echoed;
    };
    const ClientReport report = ch04::run_client(options);
    const ch02::ServerStats stats = running.stop();

    expect_clean(report);
    EXPECT_EQ(calls.load(), 1);
    // When the measuring began no connection had sent a second message: the server had echoed
    // at most one message per connection (its count may lag the client's receipt a little).
    EXPECT_LE(echoed_at_measuring, options.connections * options.size);
    EXPECT_GT(report.warmup_seconds, 0.0);
    EXPECT_GT(report.messages, 0u);
    EXPECT_EQ(report.bytes, report.messages * options.size);
    // The server echoed the warm-up messages too, which the report leaves out.
    EXPECT_EQ(stats.bytes_echoed, (report.messages + options.connections) * options.size);
}

// The stop flag ends a duration run early, cleanly, every connection verified.
TEST(EchoClient, TheStopFlagEndsADurationRunEarly) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{{ch02::Notify::iocp, 2}, 0};
    std::atomic<bool> stop{false};
    ClientOptions options;
    options.port = running.port();
    options.connections = 8;
    options.messages = 0;
    options.duration = 60s;  // never reached
    options.warmup = true;
    options.stop = &stop;
    options.on_measuring = [&] { stop = true; };
    const auto started = std::chrono::steady_clock::now();
    const ClientReport report = ch04::run_client(options);
    running.stop();

    expect_clean(report);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST(EchoClient, ClosedPortRefusesEveryConnection) {
    iocp::WinsockSession winsock;
    const iocp::testing::PortWithNoListener nobody = iocp::testing::port_with_no_listener();
    ClientOptions options;
    options.port = nobody.port;
    options.connections = 4;
    const auto started = std::chrono::steady_clock::now();
    const ClientReport report = ch04::run_client(options);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);

    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.connections_ok, 0u);
    EXPECT_EQ(report.messages, 0u);
    EXPECT_FALSE(report.timed_out);
    ASSERT_EQ(report.errors.size(), 4u) << all_errors(report);
    for (std::size_t i = 0; i < report.errors.size(); ++i) {
        EXPECT_THAT(report.errors[i], HasSubstr("connection " + std::to_string(i) + ": "));
        EXPECT_THAT(report.errors[i], HasSubstr("WSAECONNREFUSED"));
    }
}

// A peer for one connection on its own thread, with blocking calls: a misbehaving server.
class FakePeer {
public:
    explicit FakePeer(std::function<void(SOCKET)> serve)
        : listener_(iocp::listen_loopback()), thread_([this, serve] { run(serve); }) {}
    ~FakePeer() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    FakePeer(const FakePeer&) = delete;
    FakePeer& operator=(const FakePeer&) = delete;

    std::uint16_t port() const noexcept { return listener_.port; }
    // Joins the thread and rethrows what it met. Call once.
    void join() {
        thread_.join();
        if (error_) {
            std::rethrow_exception(error_);
        }
    }

private:
    void run(const std::function<void(SOCKET)>& serve) {
        try {
            fd_set readable;
            FD_ZERO(&readable);
            FD_SET(listener_.socket.get(), &readable);
            timeval wait{10, 0};  // a client that never comes fails the test, not hangs it
            if (iocp::check_wsa(select(0, &readable, nullptr, nullptr, &wait), "select") == 0) {
                throw std::runtime_error("no client connected within 10 s");
            }
            iocp::UniqueSocket client{
                iocp::check_socket(accept(listener_.socket.get(), nullptr, nullptr), "accept")};
            const DWORD timeout_ms = 10'000;
            iocp::check_wsa(
                setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO,
                           reinterpret_cast<const char*>(&timeout_ms), sizeof(timeout_ms)),
                "setsockopt(SO_RCVTIMEO)");
            serve(client.get());
        } catch (...) {
            error_ = std::current_exception();
        }
    }

    iocp::Listener listener_;
    std::exception_ptr error_;
    std::thread thread_;  // last: starts once the listener exists
};

// Reads until the client closes or resets (bounded in count and by SO_RCVTIMEO).
void read_until_closed(SOCKET socket) {
    char buffer[4096];
    for (int i = 0; i < 10'000; ++i) {
        if (recv(socket, buffer, sizeof(buffer), 0) <= 0) {
            return;
        }
    }
}

// Receives the client's one 64-byte message (one_message_to), in as many pieces as it comes.
std::array<char, 64> receive_one_message(SOCKET socket) {
    std::array<char, 64> message{};
    int got = 0;
    while (got < 64) {
        const int n = iocp::check_wsa(recv(socket, message.data() + got, 64 - got, 0), "recv");
        if (n == 0) {
            throw std::runtime_error("the client closed early");
        }
        got += n;
    }
    return message;
}

ClientOptions one_message_to(std::uint16_t port) {
    ClientOptions options;
    options.port = port;
    options.connections = 1;
    options.messages = 1;
    options.size = 64;
    return options;
}

TEST(EchoClient, AWrongEchoedByteFailsTheConnection) {
    iocp::WinsockSession winsock;
    FakePeer peer{[](SOCKET socket) {
        std::array<char, 64> message = receive_one_message(socket);
        message[10] = static_cast<char>(message[10] ^ 0x5A);  // one byte comes back wrong
        iocp::check_wsa(send(socket, message.data(), 64, 0), "send");
        read_until_closed(socket);
    }};
    const ClientReport report = ch04::run_client(one_message_to(peer.port()));
    peer.join();

    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.mismatched_bytes, 1u);
    EXPECT_EQ(report.messages, 0u);
    EXPECT_EQ(report.bytes, 63u);
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_THAT(report.errors[0], HasSubstr("connection 0: message 0 byte 10: expected 0x"));
}

TEST(EchoClient, AServerThatClosesBeforeEchoingIsAnError) {
    iocp::WinsockSession winsock;
    FakePeer peer{[](SOCKET socket) {
        char buffer[64];
        iocp::check_wsa(recv(socket, buffer, sizeof(buffer), 0), "recv");
        iocp::check_wsa(shutdown(socket, SD_SEND), "shutdown");  // no echo, just the end
        read_until_closed(socket);
    }};
    const ClientReport report = ch04::run_client(one_message_to(peer.port()));
    peer.join();

    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.connections_ok, 0u);
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_THAT(report.errors[0],
                HasSubstr("connection 0: the server closed the connection after echoing 0 of 64"));
}

// msgs/s counts the measured window, which ends at the last measured echo: a server slow to
// close after it lengthens the run, not the window.
TEST(EchoClient, ASlowCloseIsLeftOutOfTheMeasuredWindow) {
    iocp::WinsockSession winsock;
    constexpr auto close_delay = 1500ms;
    FakePeer peer{[&](SOCKET socket) {
        const std::array<char, 64> message = receive_one_message(socket);
        iocp::check_wsa(send(socket, message.data(), 64, 0), "send");
        char more = 0;
        if (iocp::check_wsa(recv(socket, &more, 1, 0), "recv") != 0) {
            throw std::runtime_error("the client sent more than one message");
        }
        // The client's FIN came after its last echo: what is measured here is the slow close
        // itself, so this wait is the behaviour under test, not a synchronisation.
        std::this_thread::sleep_for(close_delay);
    }};
    const ClientReport report = ch04::run_client(one_message_to(peer.port()));
    peer.join();

    expect_clean(report);
    EXPECT_EQ(report.messages, 1u);
    EXPECT_GT(report.measured_seconds, 0.0);
    EXPECT_GT(report.seconds - report.measured_seconds, 1.4) << "the close is in the window";
    EXPECT_DOUBLE_EQ(report.messages_per_second, 1.0 / report.measured_seconds);
}

TEST(EchoClient, ASilentServerMeetsTheTimeLimitAndEveryConnectionIsNamed) {
    iocp::WinsockSession winsock;
    FakePeer peer{read_until_closed};  // takes the bytes, never echoes them
    ClientOptions options = one_message_to(peer.port());
    // Long enough for the connect to finish on a loaded machine: the connection is "running".
    options.time_limit = 3000ms;
    const auto started = std::chrono::steady_clock::now();
    const ClientReport report = ch04::run_client(options);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 12s);
    peer.join();

    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(report.timed_out);
    EXPECT_EQ(report.messages, 0u);
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_THAT(report.errors[0], HasSubstr("connection 0: did not finish within the run's time "
                                            "limit of 3 s (running, 0 of 1 messages echoed)"));
}

TEST(EchoClientOptions, BadOptionsAreRejectedNamingTheOption) {
    const auto rejected = [](const ClientOptions& options, const std::string& option) {
        try {
            static_cast<void>(ch04::run_client(options));
            ADD_FAILURE() << "accepted options with a bad " << option;
        } catch (const std::invalid_argument& e) {
            EXPECT_THAT(e.what(), HasSubstr(option));
        }
    };
    ClientOptions good;
    good.port = 9;  // never reached: every case fails validation first
    {
        ClientOptions options = good;
        options.connections = 0;
        rejected(options, "--connections");
    }
    {
        ClientOptions options = good;
        options.size = 0;
        rejected(options, "--size");
    }
    {
        ClientOptions options = good;
        options.pipeline = 0;
        rejected(options, "--pipeline");
    }
    {
        ClientOptions options = good;
        options.protocol = Protocol::packet;
        options.size = 65532;  // frame 65536: one too many
        rejected(options, "--size");
    }
    {
        ClientOptions options = good;
        options.host = "localhost";  // a name, not an IPv4 literal
        rejected(options, "--host");
    }
    {
        ClientOptions options = good;
        options.host = "256.0.0.1";
        rejected(options, "--host");
    }
    {
        ClientOptions options = good;
        options.port = 0;
        rejected(options, "--port");
    }
    {
        ClientOptions options = good;
        options.messages = 0;  // and no duration
        rejected(options, "--duration");
    }
    {
        ClientOptions options = good;
        options.duration = 1s;  // and messages 100
        rejected(options, "--messages");
    }
    {
        ClientOptions options = good;
        options.threads = -1;
        rejected(options, "--threads");
    }
    {
        ClientOptions options = good;
        options.warmup = true;  // with messages 100, not a duration
        rejected(options, "--warmup");
    }
}

TEST(EchoClientReport, PrintsTheSummaryAndEachError) {
    ClientReport report;
    report.options.connections = 2;
    report.threads = 3;
    report.connections_ok = 1;
    report.messages = 100;
    report.bytes = 6400;
    report.seconds = 0.75;
    report.measured_seconds = 0.5;
    report.messages_per_second = 200;
    report.megabytes_per_second = 0.0128;
    report.p50 = 12'345ns;
    report.p99 = 45'678ns;
    report.max = 99'000ns;
    report.errors = {"connection 1: ConnectEx failed (error 10061, WSAECONNREFUSED): refused"};
    std::ostringstream out;
    ch04::print_client_report(out, report);
    const std::string text = out.str();
    EXPECT_THAT(text, HasSubstr("1 of 2 ok"));
    EXPECT_THAT(text, HasSubstr("3 threads"));
    EXPECT_THAT(text, HasSubstr("100 in 0.500 s, 200 msgs/s (the run, closes included: 0.750 s)"));
    EXPECT_THAT(text, HasSubstr("6400 echoed and verified, 0 mismatched, 0.0 MB/s"));
    EXPECT_THAT(text, HasSubstr("p50 12.3 us, p99 45.7 us, max 99.0 us"));
    EXPECT_THAT(text, HasSubstr("error: connection 1: ConnectEx failed"));
    EXPECT_THAT(text, HasSubstr("result: FAILED"));
    EXPECT_FALSE(report.ok());
}

}  // namespace
