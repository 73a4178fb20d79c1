// bench/windows_platform.cpp: the echo benchmark's Windows half (see platform.h).
//
// The servers run as child processes (server_process.h); chapter 4's IOCP client, in this
// process, is the load. Under Wine that client pays Wine's cost as the servers do, which presses
// the ratios towards 1: on Linux the benchmark uses bench/linux_platform.cpp instead.
#include "platform.h"
#include "server_process.h"

#include "echo_client.h"

#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/wine.h"

#include <chrono>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bench {
namespace {

double micros(std::chrono::nanoseconds value) {
    return static_cast<double>(value.count()) / 1000.0;
}

// Idle connections: chapter 4's client always sends, so these are plain blocking sockets that
// connect and say nothing until the request's stop flag is set.
LoadResult hold_idle(std::uint16_t port, const LoadRequest& request) {
    const iocp::WinsockSession winsock;
    std::vector<iocp::UniqueSocket> sockets;
    LoadResult result;
    for (std::size_t i = 0; i < request.configuration.connections; ++i) {
        try {
            sockets.push_back(iocp::connect_loopback(port));
        } catch (const std::system_error& error) {
            result.errors.push_back("connection " + std::to_string(i) + ": " + error.what());
            return result;
        }
    }
    result.connections_ok = sockets.size();
    if (request.on_measuring) {
        request.on_measuring();
    }
    const auto deadline = std::chrono::steady_clock::now() + request.time_limit;
    while ((request.stop == nullptr || !*request.stop) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds{10});  // polls the stop flag
    }
    return result;
}

class WindowsPlatform final : public Platform {
public:
    std::string description() const override {
        const std::string wine = iocp::wine_version();
        return (wine.empty() ? "Windows" : "Wine " + wine + " on Linux") + ", " +
               std::to_string(std::thread::hardware_concurrency()) +
               " processors, chapter 4's IOCP client as the load";
    }

    std::unique_ptr<RunningServer> start(const std::string& program,
                                         const std::vector<std::string>& arguments) override {
        return std::make_unique<ServerProcess>(program, arguments);
    }

    LoadResult load(std::uint16_t port, const LoadRequest& request) override {
        if (request.idle) {
            return hold_idle(port, request);
        }
        ch04::ClientOptions client;
        client.port = port;
        client.connections = request.configuration.connections;
        client.size = request.configuration.size;
        client.pipeline = request.configuration.pipeline;
        client.messages = request.messages;
        client.time_limit = request.time_limit;
        if (request.messages == 0) {
            client.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::duration<double>(request.seconds));
            client.warmup = true;
            client.on_measuring = request.on_measuring;
            client.stop = request.stop;
        }
        const ch04::ClientReport report = ch04::run_client(client);
        LoadResult result;
        result.connections_ok = report.connections_ok;
        result.errors = report.errors;
        result.seconds = report.seconds;
        result.not_done = report.options.connections - report.connections_ok;
        Sample& sample = result.sample;
        sample.messages_per_second = report.messages_per_second;
        sample.megabytes_per_second = report.megabytes_per_second;
        sample.p50_us = micros(report.p50);
        sample.p99_us = micros(report.p99);
        sample.p999_us = -1;  // chapter 4's client does not keep these
        sample.max_us = micros(report.max);
        sample.min_per_connection = -1;
        sample.max_per_connection = -1;
        sample.ok = report.ok();
        return result;
    }
};

}  // namespace

std::unique_ptr<Platform> make_platform(const PlatformOptions& options) {
    if (!options.launcher.empty()) {
        throw std::invalid_argument("--launcher is for the Linux benchmark");
    }
    return std::make_unique<WindowsPlatform>();
}

std::string default_program(const std::string& name) {
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
    const std::size_t slash = path.find_last_of("\\/");
    return path.substr(0, slash == std::string::npos ? 0 : slash + 1) + name + ".exe";
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

}  // namespace bench
