// bench/portable/runner.h: what the echo benchmark does, apart from how it starts a server and
// drives it (portable: no windows.h, no epoll).
//
// The plan is the same on every host: per configuration, our server and its variants and the
// asio peer each run once per pair, in a fresh random order per pair; the burst test; the memory
// of idle connections. What differs is the Platform: on Linux the servers run under Wine and a
// native epoll driver (bench/driver/) loads them from outside Wine; on Windows chapter 4's IOCP
// client does (bench/windows_platform.cpp).
#pragma once
#include "results.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

// The values of one "report: key=value ..." line, which both servers print for each line they
// read on stdin when started with --report-on-stdin.
using ServerValues = std::map<std::string, std::uint64_t>;

// Throws std::invalid_argument when `line` is not a report line or a value is not a number.
ServerValues parse_report(const std::string& line);
// The port in a "listening on 127.0.0.1:PORT (...)" line, or 0 when the line is not that line.
std::uint16_t listening_port(const std::string& line);

// A server's stdout and stderr as they arrive, in chunks of any size: its lines, the port of its
// first "listening on" line, its "report:" lines not yet taken, and its last few lines (for an
// error message). Thread-safe: a platform's reading thread adds what it reads and says when
// the output ends; the platform's callers wait here for the port and for reports.
class ServerOutput {
public:
    void add(std::string_view chunk);  // the reading thread: the next bytes read
    void end();                        // the reading thread: the output closed (the server left)

    std::uint16_t port() const;                // 0 until the line came
    void clear_reports();                      // before asking for a new one
    std::optional<std::string> take_report();  // the oldest report line not yet taken
    std::string last_lines() const;            // "line | line | ...", the last 8
    // Waits for the "listening on" line and returns its port. Throws std::runtime_error naming
    // `program`, with its last lines, when the output ends first or `limit` passes.
    std::uint16_t wait_for_port(const std::string& program, std::chrono::milliseconds limit);
    // Waits for the next report line and returns its values. Throws std::runtime_error when
    // the output ends first or `limit` passes.
    ServerValues wait_for_report(std::chrono::milliseconds limit);

private:
    std::string last_lines_locked() const;

    mutable std::mutex mutex_;  // everything below
    std::condition_variable changed_;
    std::string partial_;  // a line not ended yet
    std::deque<std::string> last_lines_;
    std::deque<std::string> reports_;
    std::uint16_t port_ = 0;
    bool ended_ = false;
};

// A server the platform started; stopped when destroyed.
class RunningServer {
public:
    virtual ~RunningServer() = default;
    virtual std::uint16_t port() const = 0;
    // Asks for one report line and waits for it (std::runtime_error after 30 s, or if the
    // server has exited).
    virtual ServerValues report() = 0;
};

// One load on a server: timed (messages == 0, not idle), burst (messages > 0) or idle.
struct LoadRequest {
    Configuration configuration;
    double seconds = 1.5;      // timed: the measured window, after a warm-up
    std::size_t messages = 0;  // burst: each connection sends this many, then closes
    bool idle = false;         // idle: connect every connection, send nothing, hold
    std::chrono::milliseconds time_limit{60'000};  // the whole load
    const std::atomic<bool>* stop = nullptr;       // ends the load early
    std::function<void()> on_measuring;  // timed: the window starts; idle: all are connected
};

struct LoadResult {
    Sample sample;                    // timed: the window's figures (ok: no error at all)
    std::size_t connections_ok = 0;   // see the driver: connected and without error
    std::size_t not_done = 0;         // burst: connections not done within the time limit
    double seconds = 0;               // burst: until the last connection was done
    std::vector<std::string> errors;  // the first few
};

class Platform {
public:
    virtual ~Platform() = default;
    virtual std::string description() const = 0;  // "Wine 8.0 on Linux, native epoll driver"
    virtual std::unique_ptr<RunningServer> start(const std::string& program,
                                                 const std::vector<std::string>& arguments) = 0;
    // Must allow two loads at once (the burst test runs one beside another).
    virtual LoadResult load(std::uint16_t port, const LoadRequest& request) = 0;
};

struct ServerSpec {
    std::string name;  // "ours", "ours --batch 16", "asio"
    std::string program;
    std::vector<std::string> arguments;
};

struct BenchOptions {
    bool quick = false;
    int pairs = 0;         // 0: 5, or 2 with --quick
    double seconds = 1.5;  // measured time of one run
    int threads = 2;       // server threads, and the port's concurrency value, for both
    unsigned seed = 0;     // of the run order
    bool variants = true;
    bool burst = true;
    bool memory = true;
};

inline constexpr Configuration headline_configuration{128, 64, 1};

// Our server's variants: each the defaults with one thing changed (see the .cpp).
const std::vector<std::vector<std::string>>& variant_arguments();

// Runs the whole plan, printing a line per run to `progress`. Servers get "--port 0
// --threads T --concurrency T --report-on-stdin" after their own arguments.
Report run_bench(Platform& platform, const BenchOptions& options, const ServerSpec& ours,
                 const ServerSpec& asio, std::ostream& progress);

// The last two lines: headline_p99() then headline() at headline_configuration.
std::string closing_lines(const Report& report);

}  // namespace bench
