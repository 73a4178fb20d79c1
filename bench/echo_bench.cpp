// echo_bench: chapter 4's echo server measured against the asio peer, side by side.
//
// What it does: starts each server as a process on an ephemeral loopback port (the same thread
// count for both), then drives them with chapter 4's client, alternating A B A B ... so that a
// slow moment of the machine falls on both. Each run first serves every connection once (the
// warm-up, not measured), then measures for a fixed time. It prints, per configuration, each
// server's median msgs/s, MB/s and latency, and the median of the per-pair ratios ours/asio with
// their range; then a burst test (1000 new connections while 128 are under load), the memory per
// idle connection, and, as its last line, the headline ratio.
//
// Usage:   echo_bench [--quick] [--pairs N] [--seconds S] [--threads T] [--results DIR]
//                     [--ours PATH] [--asio PATH] [--no-variants] [--no-burst] [--no-memory]
//          The servers default to ch04_echo_server.exe and asio_echo_server.exe beside this
//          program. --results writes DIR/latest.md and DIR/msgs_vs_connections.svg.
// Try it:  ./tutorial.sh bench --quick    (Linux, under Wine), or on Windows:
//          cmake --build --preset windows-msvc --target bench
#include "results.h"
#include "server_process.h"

#include "echo_client.h"

#include "iocp/cli.h"
#include "iocp/error.h"
#include "iocp/wine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Options {
    bool quick = false;
    int pairs = 0;         // 0: 5, or 2 with --quick
    double seconds = 1.5;  // measured time of one run
    int threads = 0;       // server threads; 0: one per processor
    std::string results;   // directory for latest.md and the plot; empty: none written
    std::string ours;      // program paths; empty: beside this program
    std::string asio;
    bool variants = true;
    bool burst = true;
    bool memory = true;
};

// One server as the table names it, and how to start it.
struct Server {
    std::string name;
    fs::path program;
    std::vector<std::string> arguments;
};

// [snippet:variants]
// Our server's variants, each the defaults with one thing changed: its row against "ours"
// is that option's measured effect. They run at C=128 S=64 (both pipelines). The last is not
// an option but an experiment: reading only once the echo is out, as asio's loop does.
const std::vector<std::vector<std::string>>& variant_arguments() {
    static const std::vector<std::vector<std::string>> variants{
        {"--zero-byte-recv"},          // no receive buffer while a client is silent
        {"--no-skip-on-success"},      // every completion as a packet (the default skips)
        {"--reuse-buffers"},           // no allocation per receive
        {"--gather-sends"},            // queued echo leaves in one WSASend
        {"--batch", "16"},             // GetQueuedCompletionStatusEx, 16 at a time
        {"--max-pending-bytes", "1"},  // no receive until the echo is sent: asio's order
    };
    return variants;
}
// [/snippet]

constexpr bench::Configuration headline_configuration{128, 64, 1};
constexpr std::size_t burst_load_connections = 128;
constexpr std::size_t burst_connections = 1000;
constexpr auto burst_limit = 10s;
constexpr std::size_t idle_connections = 1000;

fs::path beside_this_program(const std::string& name) {
    std::string path(MAX_PATH, '\0');
    for (;;) {
        const DWORD length =
            GetModuleFileNameA(nullptr, path.data(), static_cast<DWORD>(path.size()));
        if (length == 0) {
            iocp::throw_last_error("GetModuleFileName");
        }
        if (length < path.size()) {
            path.resize(length);
            break;
        }
        path.resize(path.size() * 2);
    }
    return fs::path{path}.parent_path() / name;
}

int server_threads(int requested) {
    return requested > 0 ? requested
                         : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::vector<std::string> with_common_arguments(std::vector<std::string> arguments, int threads) {
    arguments.insert(arguments.end(), {"--port", "0", "--threads", std::to_string(threads)});
    return arguments;
}

std::string server_label(const std::vector<std::string>& variant) {
    std::string label = "ours";
    for (const std::string& argument : variant) {
        label += ' ' + argument;
    }
    return label;
}

bench::Sample sample_of(const ch04::ClientReport& report) {
    const auto micros = [](std::chrono::nanoseconds value) {
        return static_cast<double>(value.count()) / 1000.0;
    };
    return bench::Sample{report.messages_per_second, report.megabytes_per_second,
                         micros(report.p50), micros(report.p99), report.ok()};
}

class Bench {
public:
    explicit Bench(const Options& options);
    bench::Report run();

private:
    std::vector<bench::Configuration> configurations() const;
    void measure(const bench::Configuration& configuration, const std::vector<Server>& servers);
    bench::BurstResult burst(const Server& server);
    bench::MemoryResult memory(const Server& server, const std::string& mode);
    ch04::ClientOptions load(const bench::Configuration& configuration, std::uint16_t port) const;

    Options options_;
    int threads_;
    int pairs_;
    Server ours_;
    Server asio_;
    bench::Report report_;
};

Bench::Bench(const Options& options)
    : options_(options),
      threads_(server_threads(options.threads)),
      pairs_(options.pairs > 0 ? options.pairs : (options.quick ? 2 : 5)),
      ours_{"ours",
            options.ours.empty() ? beside_this_program("ch04_echo_server.exe") : options.ours,
            {"server"}},
      asio_{"asio",
            options.asio.empty() ? beside_this_program("asio_echo_server.exe") : options.asio,
            {}} {
    for (const Server* server : {&ours_, &asio_}) {
        if (!fs::exists(server->program)) {
            throw std::runtime_error("no server program " + server->program.string() +
                                     " (build the bench target, or give --ours/--asio)");
        }
    }
}

std::vector<bench::Configuration> Bench::configurations() const {
    if (options_.quick) {
        return {{128, 64, 1}, {128, 64, 16}};
    }
    std::vector<bench::Configuration> all;
    for (const std::size_t size : {64, 4096}) {
        for (const std::size_t pipeline : {1, 16}) {
            for (const std::size_t connections : {1, 16, 128, 1000}) {
                all.push_back({connections, size, pipeline});
            }
        }
    }
    return all;
}

ch04::ClientOptions Bench::load(const bench::Configuration& configuration,
                                std::uint16_t port) const {
    ch04::ClientOptions client;
    client.port = port;
    client.connections = configuration.connections;
    client.size = configuration.size;
    client.pipeline = configuration.pipeline;
    client.messages = 0;
    client.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(options_.seconds));
    client.warmup = true;
    return client;
}

// [snippet:alternate]
// Every server of the configuration runs once per pair, in the same order each time: A B A B.
// The servers stay up for the configuration (warm, as a real server is); each run gets new
// connections, warmed up before the clock starts.
void Bench::measure(const bench::Configuration& configuration, const std::vector<Server>& servers) {
    std::vector<std::unique_ptr<bench::ServerProcess>> processes;
    const std::size_t first = report_.series.size();
    for (const Server& server : servers) {
        processes.push_back(std::make_unique<bench::ServerProcess>(
            server.program, with_common_arguments(server.arguments, threads_)));
        report_.series.push_back(bench::Series{server.name, configuration, {}});
    }
    for (int pair = 1; pair <= pairs_; ++pair) {
        for (std::size_t i = 0; i < servers.size(); ++i) {
            const ch04::ClientReport run =
                ch04::run_client(load(configuration, processes[i]->port()));
            report_.series[first + i].samples.push_back(sample_of(run));
            std::cout << "  " << bench::configuration_label(configuration) << "  pair " << pair
                      << '/' << pairs_ << "  " << std::left << std::setw(28) << servers[i].name
                      << std::right << std::fixed << std::setprecision(0) << std::setw(9)
                      << run.messages_per_second << " msgs/s  p99 " << std::setw(7)
                      << static_cast<double>(run.p99.count()) / 1000.0 << " us"
                      << (run.ok() ? "" : "  FAILED: ") << (run.errors.empty() ? "" : run.errors[0])
                      << std::endl;
        }
    }
}
// [/snippet]

// [snippet:burst]
// While 128 connections are under load, 1000 new ones arrive, each sending one message. How
// long until every one of them was served (connected, echoed, closed in order), and how many
// were not within 10 s.
bench::BurstResult Bench::burst(const Server& server) {
    bench::ServerProcess process{server.program, with_common_arguments(server.arguments, threads_)};
    std::mutex mutex;
    std::condition_variable measuring;
    bool loaded = false;
    std::atomic<bool> stop_load{false};
    ch04::ClientOptions load_options = load({burst_load_connections, 64, 1}, process.port());
    load_options.duration = 60s;  // ended early by stop_load, once the burst is over
    load_options.stop = &stop_load;
    load_options.on_measuring = [&] {
        const std::lock_guard lock{mutex};
        loaded = true;
        measuring.notify_all();
    };
    ch04::ClientReport load_report;
    std::thread loader{[&] { load_report = ch04::run_client(load_options); }};

    ch04::ClientOptions arrivals;
    arrivals.port = process.port();
    arrivals.connections = burst_connections;
    arrivals.messages = 1;
    arrivals.size = 64;
    arrivals.time_limit = burst_limit;
    ch04::ClientReport burst_report;
    {
        std::unique_lock lock{mutex};
        measuring.wait_for(lock, 60s, [&] { return loaded; });
    }
    if (loaded) {
        burst_report = ch04::run_client(arrivals);
    }
    stop_load = true;
    loader.join();
    if (!loaded || !load_report.ok()) {
        throw std::runtime_error("burst test, " + server.name + ": the load of " +
                                 std::to_string(burst_load_connections) + " connections failed" +
                                 (load_report.errors.empty() ? "" : ": " + load_report.errors[0]));
    }
    const std::size_t served = burst_report.connections_ok;
    return bench::BurstResult{server.name, served == burst_connections ? burst_report.seconds : 0.0,
                              burst_connections, burst_connections - served};
}
// [/snippet]

// [snippet:memory]
// 1000 connections, each served once and then idle: the server's peak working set then, less
// its peak before them, per connection. The client's warm-up ends exactly there, so the
// measurement is taken in its callback, and the run is told to stop.
bench::MemoryResult Bench::memory(const Server& server, const std::string& mode) {
    bench::ServerProcess process{server.program, with_common_arguments(server.arguments, threads_)};
    const bench::ServerMemory before = process.memory();
    std::atomic<bool> stop{false};
    bench::ServerMemory idle{};
    bool measured = false;
    ch04::ClientOptions client = load({idle_connections, 64, 1}, process.port());
    client.stop = &stop;
    client.on_measuring = [&] {
        idle = process.memory();
        measured = true;
        stop = true;  // no message after the warm-up: every connection closes
    };
    const ch04::ClientReport report = ch04::run_client(client);
    if (!measured || !report.ok()) {
        throw std::runtime_error("memory test, " + server.name + ": the " +
                                 std::to_string(idle_connections) + " connections failed" +
                                 (report.errors.empty() ? "" : ": " + report.errors[0]));
    }
    return bench::MemoryResult{server.name, mode, idle_connections,
                               static_cast<double>(before.peak_working_set),
                               static_cast<double>(idle.peak_working_set)};
}
// [/snippet]

bench::Report Bench::run() {
    std::ostringstream note;
    const std::string wine = iocp::wine_version();
    note << (wine.empty() ? "Windows" : "Wine " + wine + " on Linux") << ", "
         << std::thread::hardware_concurrency() << " processors, server threads " << threads_
         << ", " << pairs_ << " pairs of " << options_.seconds << " s runs";
    report_.title_note = note.str();
    std::cout << "echo_bench: " << report_.title_note << std::endl;

    for (const bench::Configuration& configuration : configurations()) {
        std::vector<Server> servers{ours_};
        const bool variants =
            options_.variants && configuration.connections == 128 && configuration.size == 64;
        for (const auto& variant : variant_arguments()) {
            if (!variants) {
                break;
            }
            Server server = ours_;
            server.name = server_label(variant);
            server.arguments.insert(server.arguments.end(), variant.begin(), variant.end());
            servers.push_back(server);
        }
        servers.push_back(asio_);
        measure(configuration, servers);
    }
    if (options_.burst) {
        for (const Server* server : {&ours_, &asio_}) {
            std::cout << "  burst: " << server->name << std::endl;
            report_.bursts.push_back(burst(*server));
        }
    }
    if (options_.memory) {
        Server zero_byte = ours_;
        zero_byte.arguments.push_back("--zero-byte-recv");
        std::cout << "  memory: 1000 idle connections" << std::endl;
        report_.memory.push_back(memory(ours_, "default"));
        report_.memory.push_back(memory(zero_byte, "--zero-byte-recv"));
        report_.memory.push_back(memory(asio_, "default"));
    }
    return report_;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    if (gmtime_s(&utc, &now) != 0) {
        return "(unknown time)";
    }
    std::ostringstream text;
    text << std::put_time(&utc, "%Y-%m-%d %H:%M UTC");
    return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out{path, std::ios::binary};
    out << text;
    out.close();
    if (!out) {
        throw std::runtime_error("could not write " + path.string());
    }
}

void write_results(const Options& options, const bench::Report& report, const std::string& last) {
    const fs::path directory{options.results};
    fs::create_directories(directory);
    std::ostringstream markdown;
    markdown << "# Echo benchmark: chapter 4's server and asio\n\n"
             << "Written by `echo_bench" << (options.quick ? " --quick" : "") << "` on "
             << utc_now() << ". See docs/performance.md.\n\n"
             << bench::render_markdown(report) << "\n![msgs/s vs connections]"
             << "(msgs_vs_connections.svg)\n\n"
             << last << '\n';
    write_file(directory / "latest.md", markdown.str());
    write_file(
        directory / "msgs_vs_connections.svg",
        bench::render_svg(report, headline_configuration.size, headline_configuration.pipeline));
}

void run_bench(const Options& options) {
    Bench bench{options};
    const bench::Report report = bench.run();
    const std::string last = bench::headline(report, headline_configuration);
    std::cout << '\n' << bench::render_text(report);
    if (!options.results.empty()) {
        write_results(options, report, last);
        std::cout << "written: " << (fs::path{options.results} / "latest.md").string() << '\n';
    }
    std::cout << last << std::endl;  // the last line, exactly (see the issue and the doc)
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"echo_bench: chapter 4's echo server against an asio echo server", "echo_bench"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    Options options;
    app.add_flag("--quick", options.quick, "C=128, 64 B, pipeline 1 and 16; 2 pairs");
    app.add_option("--pairs", options.pairs, "A/B pairs per configuration (0: 5, quick 2)")
        ->check(CLI::Range(0, 100));
    app.add_option("--seconds", options.seconds, "Measured seconds per run")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 600.0));
    app.add_option("--threads", options.threads, "Threads of each server (0: processors)")
        ->check(CLI::Range(0, 256));
    app.add_option("--results", options.results, "Write latest.md and the SVG plot here");
    app.add_option("--ours", options.ours, "Chapter 4's server program");
    app.add_option("--asio", options.asio, "The asio peer's program");
    app.add_flag("!--no-variants", options.variants, "Only our defaults against asio");
    app.add_flag("!--no-burst", options.burst, "Skip the burst test");
    app.add_flag("!--no-memory", options.memory, "Skip the memory test");
    app.callback([&] { run_bench(options); });
    return iocp::run_cli(app, argc, argv);
}
