// tests/ch04/server_load_test.cpp: the server under its own IOCP client: hundreds of
// connections, both protocols, frames of every size class, pipelined messages; every byte
// verified by the client and every counter back to zero after the stop. Pipelined loads run
// again with each performance option on, alone and together.
#include "echo_client.h"  // chapter 4's IOCP client
#include "server.h"
#include "tuning.h"

#include "iocp/socket.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace {

using ch04::Protocol;
using ch04::testing::expect_options_kept_to;
using ch04::testing::Tuning;
using ch04::testing::tuning_name;
using ch04::testing::tunings;

struct Load {
    Protocol protocol;
    std::size_t connections;
    std::uint64_t messages;
    std::size_t size;
    std::size_t pipeline;
};

class ServerLoad : public testing::TestWithParam<Load> {};

// Runs `load` against a server with `options` and checks every message and counter.
ch04::ServerCounters check_load(const Load& load, ch04::ServerOptions options) {
    std::ostringstream sink;
    iocp::Logger log{sink, iocp::LogLevel::warn};
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
    return counters;
}

TEST_P(ServerLoad, EveryMessageComesBackAndEveryCounterReturnsToZero) {
    iocp::WinsockSession winsock;
    static_cast<void>(check_load(GetParam(), {}));
}

INSTANTIATE_TEST_SUITE_P(
    ConnectionsProtocolsAndSizes, ServerLoad,
    testing::Values(Load{Protocol::stream, 512, 10, 64, 2}, Load{Protocol::stream, 64, 20, 1, 8},
                    Load{Protocol::stream, 8, 2, 1024 * 1024, 1},
                    Load{Protocol::packet, 64, 20, 1, 8}, Load{Protocol::packet, 64, 10, 1000, 4},
                    Load{Protocol::packet, 16, 5, ch04::max_packet_payload, 2},
                    Load{Protocol::packet, 512, 4, 100, 1}),
    [](const testing::TestParamInfo<Load>& param_info) {
        const Load& load = param_info.param;
        return std::string{load.protocol == Protocol::packet ? "packet_" : "stream_"} +
               std::to_string(load.connections) + "_connections_" + std::to_string(load.size) +
               "_bytes_pipeline_" + std::to_string(load.pipeline);
    });

// The performance options (server.h), each alone and all together, under pipelined load.
class TunedServerLoad : public testing::TestWithParam<Tuning> {};

TEST_P(TunedServerLoad, PipelinedMessagesComeBackAndOnlyTheChosenOptionsAct) {
    const Tuning tuning = GetParam();
    iocp::WinsockSession winsock;
    const ch04::ServerOptions options = tuning.options();
    for (const Load& load :
         {Load{Protocol::stream, 64, 20, 64, 16}, Load{Protocol::stream, 4, 4, 256 * 1024, 2},
          Load{Protocol::packet, 64, 10, 1000, 4}}) {
        SCOPED_TRACE(std::to_string(load.connections) + " connections, " +
                     std::to_string(load.size) + " bytes");
        const ch04::ServerCounters counters = check_load(load, options);
        expect_options_kept_to(tuning, counters);
        if (tuning.reuse_buffers && !tuning.zero_byte_recv) {
            // Every session had several receives, and kept its buffers between them. (Zero-byte
            // mode gives them up whenever the session is idle, so it may never reuse one.)
            EXPECT_GT(counters.buffers_reused, 0u);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Options, TunedServerLoad, testing::ValuesIn(tunings), tuning_name);

}  // namespace
