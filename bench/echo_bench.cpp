// echo_bench: chapter 4's echo server measured against the asio peer, side by side.
//
// What it does: starts each server as a process on an ephemeral loopback port (the same thread
// count and port concurrency for both), then loads them in turn, every server once per pair in
// an order drawn afresh for each pair. Each run first serves every connection once (the warm-up,
// not measured), then measures for a fixed time. It prints, per configuration, each server's
// median msgs/s, MB/s, latency (p50, p99, p99.9, max), the fewest and most messages one
// connection completed, our server's Win32 calls per message, and the median of the per-pair
// ratios ours/asio; then a burst test (1000 new connections while 128 are under load), the
// memory per idle connection, and, as its last two lines, the headlines.
//
// On Linux (the native build) the servers are Windows programs run through --launcher (Wine)
// and the load is bench/driver/'s epoll driver, outside Wine. On Windows (and under Wine) the
// load is chapter 4's IOCP client. See docs/performance.md.
//
// Usage:   echo_bench [--quick] [--pairs N] [--seconds S] [--threads T] [--seed N]
//                     [--results DIR] [--ours PATH] [--asio PATH] [--launcher "CMD ..."]
//                     [--no-variants] [--no-burst] [--no-memory]
//          --results writes DIR/latest.md and DIR/msgs_vs_connections.svg.
// Try it:  ./tutorial.sh bench --quick    (Linux: writes build/bench-quick/), or on Windows:
//          cmake --build --preset windows-msvc --target bench
#include "platform.h"
#include "results.h"
#include "runner.h"

#include "iocp/cli.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Options {
    bench::BenchOptions bench;
    std::string results;  // directory for latest.md and the plot; empty: none written
    std::string ours;     // program paths; empty: the platform's default
    std::string asio;
    std::string launcher;  // Linux: "tools/wine.sh PREFIX run" (split at spaces)
};

std::vector<std::string> words(const std::string& text) {
    std::istringstream in{text};
    std::vector<std::string> out;
    for (std::string word; in >> word;) {
        out.push_back(word);
    }
    return out;
}

std::string program_path(const std::string& given, const std::string& name) {
    const std::string path = given.empty() ? bench::default_program(name) : given;
    if (path.empty()) {
        throw std::runtime_error("no path to " + name + ": give --" +
                                 (name == "asio_echo_server" ? "asio" : "ours"));
    }
    if (!fs::exists(path)) {
        throw std::runtime_error("no server program " + path +
                                 " (build it, or give --ours/--asio)");
    }
    return path;
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out{path, std::ios::binary};
    out << text;
    out.close();
    if (!out) {
        throw std::runtime_error("could not write " + path.string());
    }
}

void write_results(const Options& options, const bench::Report& report,
                   const std::string& closing) {
    const fs::path directory{options.results};
    fs::create_directories(directory);
    std::ostringstream markdown;
    markdown << "# Echo benchmark: chapter 4's server and asio\n\n"
             << "Written by `echo_bench" << (options.bench.quick ? " --quick" : "") << "` on "
             << bench::utc_now() << ". See docs/performance.md.\n\n"
             << bench::render_markdown(report) << "\n![msgs/s vs connections]"
             << "(msgs_vs_connections.svg)\n\n"
             << closing << '\n';
    write_file(directory / "latest.md", markdown.str());
    write_file(directory / "msgs_vs_connections.svg",
               bench::render_svg(report, bench::headline_configuration.size,
                                 bench::headline_configuration.pipeline));
}

void run_bench(Options options) {
    if (options.bench.seed == 0) {
        options.bench.seed = std::random_device{}();  // printed in the report: runs can be redone
    }
    const bench::ServerSpec ours{
        "ours", program_path(options.ours, "ch04_echo_server"), {"server"}};
    const bench::ServerSpec asio{"asio", program_path(options.asio, "asio_echo_server"), {}};
    const auto platform = bench::make_platform({words(options.launcher)});
    const bench::Report report = bench::run_bench(*platform, options.bench, ours, asio, std::cout);
    const std::string closing = bench::closing_lines(report);
    std::cout << '\n' << bench::render_text(report);
    if (!options.results.empty()) {
        write_results(options, report, closing);
        std::cout << "written: " << (fs::path{options.results} / "latest.md").string() << '\n';
    }
    std::cout << closing << std::endl;  // the last two lines, exactly (see the doc)
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"echo_bench: chapter 4's echo server against an asio echo server", "echo_bench"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    Options options;
    bench::BenchOptions& bench = options.bench;
    app.add_flag("--quick", bench.quick, "C=128, 64 B, pipeline 1 and 16; 2 pairs");
    app.add_option("--pairs", bench.pairs, "Runs of each server per configuration (0: 5, quick 2)")
        ->check(CLI::Range(0, 100));
    app.add_option("--seconds", bench.seconds, "Measured seconds per run")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 600.0));
    app.add_option("--threads", bench.threads, "Threads and port concurrency of each server")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    app.add_option("--seed", bench.seed, "Seed of the run order (0: a random one, printed)");
    app.add_option("--results", options.results, "Write latest.md and the SVG plot here");
    app.add_option("--ours", options.ours, "Chapter 4's server program");
    app.add_option("--asio", options.asio, "The asio peer's program");
    app.add_option("--launcher", options.launcher,
                   "Linux: the command that runs a Windows program, e.g. "
                   "\"tools/wine.sh build/mingw-wine/wineprefix run\"");
    app.add_flag("!--no-variants", bench.variants, "Only our defaults against asio");
    app.add_flag("!--no-burst", bench.burst, "Skip the burst test");
    app.add_flag("!--no-memory", bench.memory, "Skip the memory test");
    app.callback([&] { run_bench(options); });
    return iocp::run_cli(app, argc, argv);
}
