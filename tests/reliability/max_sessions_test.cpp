// tests/reliability/max_sessions_test.cpp: --max-sessions closes every connection beyond the
// limit at once, 10 000 of them, while the sessions inside it keep being served with every
// byte verified. 10 000 connections take a minute or two under Wine: this test shares the
// churn's executable and its longer time limit.
#include "reliability_support.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace reliability {
namespace {

TEST(Limits, TenThousandConnectionsBeyondMaxSessionsAreClosedAndTheOthersServed) {
    iocp::WinsockSession winsock;
    constexpr std::size_t limit = 16;
    constexpr std::size_t attempts = 10'000;
    constexpr int threads = 4;
    ch04::ServerOptions options;
    options.max_sessions = limit;
    TestServer server{options};
    // The load must outlive the attempts (at most 200 s, below), or its sessions would end
    // and free places under the limit.
    BackgroundLoad load{server.port(), ch04::Protocol::stream, limit, 512, 4, 280s};
    ASSERT_TRUE(load.wait_live());
    ASSERT_TRUE(wait_for_counters(
        server, [](const ch04::ServerCounters& c) { return c.sessions_alive == limit; },
        "the load's sessions alive"));

    // Each attempt connects (the backlog takes it) and must see the server close it: a FIN or
    // a reset, no data, within 10 s. Bounded in count and, as a whole, in time.
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> closed{0};
    std::atomic<std::size_t> failed{0};
    std::array<std::string, threads> first_failure;
    const auto deadline = Clock::now() + 200s;  // inside the test's 300 s CTest limit
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            while (next++ < attempts && Clock::now() < deadline) {
                try {
                    iocp::UniqueSocket client = connect_client(server.port());
                    const Ending ending = wait_for_close(client.get(), 10s);
                    if (ending.kind != Ending::Kind::timed_out && ending.data.empty()) {
                        ++closed;
                        continue;
                    }
                    ++failed;
                    if (first_failure[t].empty()) {
                        first_failure[t] = std::string{"not closed: "} + kind_name(ending.kind);
                    }
                } catch (const std::exception& e) {
                    ++failed;
                    if (first_failure[t].empty()) {
                        first_failure[t] = e.what();
                    }
                }
            }
        });
    }
    for (std::thread& worker : workers) {
        worker.join();
    }
    std::string failures;
    for (const std::string& text : first_failure) {
        failures += text.empty() ? "" : text + "; ";
    }
    EXPECT_EQ(closed.load(), attempts) << failed.load() << " failed: " << failures;

    const ch04::ClientReport report = load.finish();
    expect_served(report, limit);  // the sessions inside the limit never noticed
    const ch04::ServerCounters counters = server.stop();
    EXPECT_EQ(counters.refused, attempts) << describe(counters);
    EXPECT_EQ(counters.accepted, limit) << describe(counters);
    expect_all_freed(counters);
}

}  // namespace
}  // namespace reliability
