// tests/bench/runner_test.cpp: the echo benchmark's plan (bench/portable/runner.h), run against
// a fake platform whose servers and loads are in memory: which servers start with which
// arguments, that every server runs once per pair in an order drawn per pair, that calls per
// message come from two reports inside the window, and the burst and memory figures.
#include "runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// Shared by the fake's servers and loads.
struct World {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> started;            // "program arg arg ..." per start
    std::vector<std::string> timed_order;        // program per timed load, in order
    std::map<std::uint16_t, int> reports;        // reports answered, per port
    std::map<std::uint16_t, std::size_t> idle;   // connections held idle now, per port
    std::map<std::uint16_t, std::string> names;  // program per port
};

class FakeServer final : public bench::RunningServer {
public:
    FakeServer(World& world, std::uint16_t port, bool counts_calls)
        : world_(world), port_(port), counts_calls_(counts_calls) {}

    std::uint16_t port() const override { return port_; }

    // Each report finds 100 more messages echoed at 2.5 calls each (ours) and, while idle
    // connections are held, a session, 16 KiB of buffer and 500 bytes of context for each.
    bench::ServerValues report() override {
        const std::lock_guard lock{world_.mutex};
        const int n = ++world_.reports[port_];
        const std::size_t sessions = world_.idle[port_];
        bench::ServerValues values{{"bytes_sent", 6400u * static_cast<std::uint64_t>(n)},
                                   {"sessions", sessions},
                                   {"held_buffer_bytes", 16384 * sessions},
                                   {"commit_bytes", 1'000'000 + 20'000 * sessions},
                                   {"working_set", 500'000 + 4096 * sessions}};
        if (counts_calls_) {
            values["wsarecv"] = 100u * static_cast<std::uint64_t>(n);
            values["wsasend"] = 100u * static_cast<std::uint64_t>(n);
            values["dequeues"] = 50u * static_cast<std::uint64_t>(n);
            values["posts"] = 0;
            values["context_bytes"] = 500 * sessions;
        }
        world_.changed.notify_all();
        return values;
    }

private:
    World& world_;
    std::uint16_t port_;
    bool counts_calls_;
};

class FakePlatform final : public bench::Platform {
public:
    std::string description() const override { return "fake"; }

    std::unique_ptr<bench::RunningServer> start(
        const std::string& program, const std::vector<std::string>& arguments) override {
        const std::lock_guard lock{world.mutex};
        std::string line = program;
        for (const std::string& argument : arguments) {
            line += ' ' + argument;
        }
        world.started.push_back(line);
        const auto port = static_cast<std::uint16_t>(1000 + world.started.size());
        world.names[port] = program;
        return std::make_unique<FakeServer>(world, port, program == "ours.exe");
    }

    bench::LoadResult load(std::uint16_t port, const bench::LoadRequest& request) override {
        bench::LoadResult result;
        if (request.idle) {
            {
                const std::lock_guard lock{world.mutex};
                world.idle[port] = request.configuration.connections;
            }
            result.connections_ok = request.configuration.connections;
            request.on_measuring();  // the runner reports from here, then sets stop
            EXPECT_TRUE(request.stop != nullptr && *request.stop);
            const std::lock_guard lock{world.mutex};
            world.idle[port] = 0;
            return result;
        }
        if (request.messages > 0) {  // the burst's arrivals
            result.connections_ok = request.configuration.connections;
            result.seconds = 0.5;
            return result;
        }
        int reports_before = 0;
        {
            const std::lock_guard lock{world.mutex};
            world.timed_order.push_back(world.names[port]);
            reports_before = world.reports[port];
        }
        request.on_measuring();
        std::unique_lock lock{world.mutex};
        if (request.stop != nullptr) {  // the burst's background load: until told to stop
            // Nobody notifies on the flag, so it is polled, as a driver does (bounded).
            for (int i = 0; i < 2000 && !request.stop->load(); ++i) {
                world.changed.wait_for(lock, 5ms);
            }
            EXPECT_TRUE(request.stop->load());
        } else {  // a timed run lasts until the runner has sampled it twice (bounded)
            EXPECT_TRUE(world.changed.wait_for(
                lock, 10s, [&] { return world.reports[port] >= reports_before + 2; }));
        }
        result.connections_ok = request.configuration.connections;
        result.sample.messages_per_second = world.names[port] == "ours.exe" ? 2000 : 1000;
        result.sample.p99_us = world.names[port] == "ours.exe" ? 100 : 400;
        result.sample.ok = true;
        return result;
    }

    World world;
};

bench::BenchOptions quick_options() {
    bench::BenchOptions options;
    options.quick = true;
    options.pairs = 8;
    options.seconds = 0.05;
    options.threads = 3;
    options.seed = 7;
    options.variants = false;
    return options;
}

const bench::ServerSpec ours{"ours", "ours.exe", {"server"}};
const bench::ServerSpec asio{"asio", "asio.exe", {}};

TEST(BenchParseReport, ReadsEveryKeyValuePair) {
    const bench::ServerValues values =
        bench::parse_report("report: working_set=4096 sessions=0 wsarecv=12345678901234");
    EXPECT_EQ(values, (bench::ServerValues{
                          {"working_set", 4096}, {"sessions", 0}, {"wsarecv", 12345678901234}}));
    EXPECT_TRUE(bench::parse_report("report:").empty());
}

TEST(BenchParseReport, RejectsOtherLinesAndBadFields) {
    EXPECT_THROW(bench::parse_report("listening on 127.0.0.1:5000"), std::invalid_argument);
    EXPECT_THROW(bench::parse_report("report: sessions"), std::invalid_argument);
    EXPECT_THROW(bench::parse_report("report: sessions=-1"), std::invalid_argument);
    EXPECT_THROW(bench::parse_report("report: =5"), std::invalid_argument);
    EXPECT_THROW(bench::parse_report("report: sessions=5x"), std::invalid_argument);
}

TEST(BenchListeningPort, FindsThePortOfTheListeningLineOnly) {
    EXPECT_EQ(bench::listening_port("listening on 127.0.0.1:50123 (asio, 2 threads)"), 50123);
    EXPECT_EQ(bench::listening_port("sessions: 3 accepted"), 0);
    EXPECT_EQ(bench::listening_port("listening on 127.0.0.1:70000"), 0);
}

TEST(BenchServerOutput, SplitsChunksIntoLinesAndKeepsWhatThePlanAsks) {
    bench::ServerOutput output;
    output.add("starting\r\nlisten");  // a line split across two reads, Windows line ends
    EXPECT_EQ(output.port(), 0);
    output.add("ing on 127.0.0.1:4242 (2 threads)\r\nreport: sessions=1\n");
    output.add("listening on 127.0.0.1:9999\nreport: sessions=2\nreport: sess");
    EXPECT_EQ(output.port(), 4242);  // the first such line, not a later one
    EXPECT_EQ(output.take_report(), "report: sessions=1");
    EXPECT_EQ(output.take_report(), "report: sessions=2");
    EXPECT_EQ(output.take_report(), std::nullopt);  // the third has not ended yet
    output.add("ions=3\n");
    output.clear_reports();
    EXPECT_EQ(output.take_report(), std::nullopt);
    for (int i = 0; i < 10; ++i) {
        output.add("line " + std::to_string(i) + "\n");
    }
    EXPECT_EQ(output.last_lines(),
              "line 2 | line 3 | line 4 | line 5 | line 6 | line 7 | line 8 | line 9");
}

TEST(BenchRunner, GivesEveryServerTheSameThreadsAndConcurrencyAndAReportPipe) {
    FakePlatform platform;
    bench::BenchOptions options = quick_options();
    options.burst = false;
    options.memory = false;
    std::ostringstream progress;
    bench::run_bench(platform, options, ours, asio, progress);
    const std::string tail = " --port 0 --threads 3 --concurrency 3 --report-on-stdin";
    // One server of each per configuration (two in --quick), started before its runs.
    EXPECT_EQ(platform.world.started,
              (std::vector<std::string>{"ours.exe server" + tail, "asio.exe" + tail,
                                        "ours.exe server" + tail, "asio.exe" + tail}));
}

TEST(BenchRunner, RunsEachServerOncePerPairInAnOrderDrawnPerPair) {
    FakePlatform platform;
    bench::BenchOptions options = quick_options();
    options.burst = false;
    options.memory = false;
    std::ostringstream progress;
    const bench::Report report = bench::run_bench(platform, options, ours, asio, progress);
    ASSERT_EQ(report.series.size(), 4u);
    for (const bench::Series& series : report.series) {
        EXPECT_EQ(series.samples.size(), 8u) << series.server;
    }
    const std::vector<std::string>& order = platform.world.timed_order;
    ASSERT_EQ(order.size(), 32u);
    std::set<std::string> firsts;
    for (std::size_t pair = 0; pair < 16; ++pair) {
        EXPECT_NE(order[2 * pair], order[2 * pair + 1]) << "pair " << pair;  // one of each
        firsts.insert(order[2 * pair]);
    }
    EXPECT_EQ(firsts.size(), 2u) << "the same server went first in all 16 pairs";

    // The same seed, the same order: a run can be repeated.
    FakePlatform again;
    bench::run_bench(again, options, ours, asio, progress);
    EXPECT_EQ(again.world.timed_order, order);
}

TEST(BenchRunner, CountsCallsPerMessageOnlyForAServerThatReportsThem) {
    FakePlatform platform;
    bench::BenchOptions options = quick_options();
    options.pairs = 1;
    options.burst = false;
    options.memory = false;
    std::ostringstream progress;
    const bench::Report report = bench::run_bench(platform, options, ours, asio, progress);
    for (const bench::Series& series : report.series) {
        ASSERT_EQ(series.samples.size(), 1u);
        // Ours: between two reports, 250 calls for 6400 bytes, 100 messages of 64 bytes.
        EXPECT_DOUBLE_EQ(series.samples[0].calls_per_message, series.server == "ours" ? 2.5 : -1)
            << series.server;
    }
    EXPECT_EQ(bench::closing_lines(report),
              "p99 ours/asio: 0.25 (median of pair ratios, C=128 S=64 D=1)\n"
              "ratio ours/asio: 2.00 (median of pair ratios, msgs/s, C=128 S=64 D=1)");
}

TEST(BenchRunner, MeasuresTheBurstBesideALoadAndTheMemoryOfIdleConnections) {
    FakePlatform platform;
    bench::BenchOptions options = quick_options();
    options.pairs = 1;
    std::ostringstream progress;
    const bench::Report report = bench::run_bench(platform, options, ours, asio, progress);
    ASSERT_EQ(report.bursts.size(), 2u);
    EXPECT_EQ(report.bursts[0].server, "ours");
    EXPECT_DOUBLE_EQ(report.bursts[0].seconds_to_serve_all, 0.5);
    EXPECT_EQ(report.bursts[0].never_served, 0u);

    ASSERT_EQ(report.memory.size(), 3u);
    const bench::MemoryResult& ours_default = report.memory[0];
    EXPECT_EQ(ours_default.mode, "default");
    EXPECT_EQ(ours_default.connections, 1000u);
    EXPECT_DOUBLE_EQ(ours_default.held_bytes, 16384 + 500);
    EXPECT_DOUBLE_EQ(ours_default.commit_bytes, 20'000);
    EXPECT_DOUBLE_EQ(ours_default.working_set, 4096);
    EXPECT_EQ(report.memory[1].mode, "--zero-byte-recv");
    EXPECT_EQ(report.memory[2].server, "asio");
    EXPECT_DOUBLE_EQ(report.memory[2].held_bytes, 16384);  // it reports no context bytes
    // The zero-byte server was started with its option.
    EXPECT_NE(std::find_if(platform.world.started.begin(), platform.world.started.end(),
                           [](const std::string& line) {
                               return line.rfind("ours.exe server --zero-byte-recv", 0) == 0;
                           }),
              platform.world.started.end());
}

}  // namespace
