// tests/ch04/test_server.h: chapter 4's server in-process for the tests of ch04_server_tests
// (server_test.cpp, server_faults_test.cpp), and the check that a stopped server freed it all.
#pragma once
#include "server.h"

#include "iocp/log.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <utility>

namespace ch04::testing {

// A server on a port the system picks, with 2 workers unless told otherwise, logging warnings
// and errors to `sink`; stopped at the end of the scope. `calls` is the fault seam (io_calls.h).
struct TestServer {
    explicit TestServer(ServerOptions options = {}, IoCalls calls = {})
        : server(with_port_0(std::move(options)), log, std::move(calls)) {}
    static ServerOptions with_port_0(ServerOptions options) {
        options.port = 0;
        if (options.threads == 0) {
            options.threads = 2;
        }
        return options;
    }
    std::ostringstream sink;
    iocp::Logger log{sink, iocp::LogLevel::warn};
    EchoServer server;
};

// After stop(): no session alive, no I/O in flight, no buffer or context held, every accepted
// session closed, every AcceptEx completed, and `failed_handlers` handlers that threw (0 unless
// a test made one throw: else a handler that threw, or a broken session invariant
// (session.cpp), is a bug).
inline void expect_all_freed(const ServerCounters& counters, std::uint64_t failed_handlers = 0) {
    EXPECT_EQ(counters.sessions_alive, 0u);
    EXPECT_EQ(counters.io_in_flight, 0u);
    EXPECT_EQ(counters.held_buffer_bytes, 0u);
    EXPECT_EQ(counters.context_bytes, 0u);
    EXPECT_EQ(counters.closed, counters.accepted);
    EXPECT_EQ(counters.failed_handlers, failed_handlers);
    EXPECT_EQ(counters.accepts_posted, 0u);
}

}  // namespace ch04::testing
