// bench/driver/load_driver_main.cpp: `load_driver`, the native load driver from the command line.
//
//   load_driver --port 5000 --connections 128 --size 64 --pipeline 16 --seconds 1.5
//   load_driver --port 5000 --connections 1000 --messages 100     # burst
//   load_driver --port 5000 --connections 1000 --idle --time-limit 10
//
// Prints one summary line (the rates, the latency percentiles, the messages per connection, the
// connections never served, the errors). Exits 1 with one more line, "load_driver: error: ...",
// when any connection failed; CLI11 reports a bad argument.
#include "load_driver.h"

#include "iocp/cli.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

std::string microseconds(std::chrono::nanoseconds value) {
    std::ostringstream out;
    out.precision(1);
    out << std::fixed << std::chrono::duration<double, std::micro>(value).count() << " us";
    return out.str();
}

std::string summary(const bench::LoadOptions& options, const bench::LoadReport& report) {
    std::ostringstream out;
    out << "C=" << options.connections << ' ';
    out.precision(2);
    out << std::fixed;
    if (options.idle) {
        out << "idle: " << report.connections_ok << " of " << report.connections
            << " connections held for " << report.seconds << " s";
    } else {
        out << "S=" << options.size << " D=" << options.pipeline << ' ';
        out << (options.messages > 0 ? "burst of " + std::to_string(options.messages) + ": "
                                     : std::string{"timed: "});
        out.precision(0);
        out << report.messages_per_second << " msgs/s, ";
        out.precision(2);
        out << report.megabytes_per_second << " MB/s (" << report.messages << " msgs in "
            << report.seconds << " s), p50 " << microseconds(report.p50) << " p99 "
            << microseconds(report.p99) << " p999 " << microseconds(report.p999) << " max "
            << microseconds(report.max) << ", per connection min " << report.min_per_connection
            << " max " << report.max_per_connection << ", never served " << report.never_served;
    }
    out << ", errors " << report.error_count;
    return out.str();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"A native Linux load driver for an echo server at 127.0.0.1 (epoll, one thread)",
                 "load_driver"};
    bench::LoadOptions options;
    int port = 0;
    double seconds = 1.5;
    double time_limit = 60;
    app.add_option("--port", port, "The server's port on 127.0.0.1")
        ->required()
        ->check(CLI::Range(1, 65535));
    app.add_option("--connections", options.connections, "C: connections")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
        ->capture_default_str();
    app.add_option("--size", options.size, "S: bytes per message")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
        ->capture_default_str();
    app.add_option("--pipeline", options.pipeline, "D: messages in flight per connection")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
        ->capture_default_str();
    app.add_option("--seconds", seconds, "Timed mode: the measured window, after the warm-up")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    auto* messages = app.add_option("--messages", options.messages,
                                    "Burst mode: each connection sends N messages, then closes")
                         ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000'000}));
    app.add_flag("--idle", options.idle, "Connect, never send, hold until the time limit")
        ->excludes(messages);
    app.add_option("--time-limit", time_limit, "Seconds the whole run may take, any mode")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    bool no_warmup = false;
    app.add_flag("--no-warmup", no_warmup, "Timed mode: start the window once all are connected");

    app.callback([&] {
        options.port = static_cast<std::uint16_t>(port);
        options.warmup = !no_warmup;
        options.measure = std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::duration<double>(seconds));
        options.time_limit = std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::duration<double>(time_limit));
        const bench::LoadReport report = bench::run_load(options);
        std::cout << summary(options, report) << std::endl;
        if (!report.ok()) {
            std::string first =
                report.errors.empty() ? std::string{"failed"} : report.errors.front();
            throw std::runtime_error(std::to_string(report.connections_ok) + " of " +
                                     std::to_string(report.connections) + " connections ok; " +
                                     first);
        }
    });
    return iocp::run_cli(app, argc, argv);
}
