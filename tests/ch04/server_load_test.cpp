// tests/ch04/server_load_test.cpp: the server under its own IOCP client: hundreds of
// connections, both protocols, frames of every size class, pipelined messages; every byte
// verified by the client and every counter back to zero after the stop.
#include "echo_client.h"  // chapter 4's IOCP client
#include "server.h"

#include "iocp/socket.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace {

using ch04::Protocol;

struct Load {
    Protocol protocol;
    std::size_t connections;
    std::uint64_t messages;
    std::size_t size;
    std::size_t pipeline;
};

class ServerLoad : public testing::TestWithParam<Load> {};

TEST_P(ServerLoad, EveryMessageComesBackAndEveryCounterReturnsToZero) {
    const Load load = GetParam();
    iocp::WinsockSession winsock;
    std::ostringstream sink;
    iocp::Logger log{sink, iocp::LogLevel::warn};
    ch04::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.protocol = load.protocol;
    ch04::EchoServer server{options, log};
    ch04::ClientOptions client;
    client.port = server.port();
    client.connections = load.connections;
    client.messages = load.messages;
    client.size = load.size;
    client.pipeline = load.pipeline;
    client.protocol = load.protocol;
    const ch04::ClientReport report = ch04::run_client(client);
    const ch04::ServerCounters counters = server.stop();

    EXPECT_TRUE(report.ok()) << (report.errors.empty() ? "" : report.errors.front());
    EXPECT_EQ(report.messages, load.connections * load.messages);
    EXPECT_EQ(report.mismatched_bytes, 0u);
    const std::size_t message_bytes =
        load.protocol == Protocol::packet ? load.size + ch04::frame_header_size : load.size;
    EXPECT_EQ(counters.bytes_sent, load.connections * load.messages * message_bytes);
    if (load.protocol == Protocol::packet) {
        EXPECT_EQ(counters.frames, load.connections * load.messages);
    }
    EXPECT_EQ(counters.accepted, load.connections);
    EXPECT_EQ(counters.closed, load.connections);
    EXPECT_EQ(counters.sessions_alive, 0u);
    EXPECT_EQ(counters.io_in_flight, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    ConnectionsProtocolsAndSizes, ServerLoad,
    testing::Values(Load{Protocol::stream, 512, 10, 64, 2}, Load{Protocol::stream, 64, 20, 1, 8},
                    Load{Protocol::stream, 8, 2, 1024 * 1024, 1},
                    Load{Protocol::packet, 64, 20, 1, 8}, Load{Protocol::packet, 64, 10, 1000, 4},
                    Load{Protocol::packet, 16, 5, ch04::max_packet_payload, 2},
                    Load{Protocol::packet, 512, 4, 100, 1}),
    [](const testing::TestParamInfo<Load>& info) {
        const Load& load = info.param;
        return std::string{load.protocol == Protocol::packet ? "packet_" : "stream_"} +
               std::to_string(load.connections) + "_connections_" + std::to_string(load.size) +
               "_bytes_pipeline_" + std::to_string(load.pipeline);
    });

}  // namespace
