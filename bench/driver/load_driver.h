// bench/driver/load_driver.h: a native Linux load driver for the echo benchmark (epoll).
//
// The servers under test run under Wine; driving them with a Windows client under Wine too made
// the driver pay Wine's cost, so it was measured along with the server. This driver is a native
// Linux program: non-blocking sockets to 127.0.0.1:port, TCP_NODELAY, one epoll loop.
//
//   bench::LoadOptions options;
//   options.port = 5000;
//   options.connections = 128;  // C, each with `pipeline` (D) messages of `size` (S) in flight
//   const bench::LoadReport report = bench::run_load(options);  // timed: warm-up, then a window
//
// Three modes: timed (the default: a warm-up, then a measured window), burst (`messages` > 0:
// each connection sends that many, then closes) and idle (connect, never send, hold).
//
// Single-threaded on purpose: the benchmark machine has 2 cores and the server under test needs
// them. One thread that sleeps in epoll_wait takes one core at most, and it cannot contend with
// itself; a second driver thread would take the server's core and be measured as its slowness.
//
// Every byte is checked: byte k of connection c's stream is stream_byte(c, k), a hash of (c, k)
// that does not repeat at any message size, so a byte echoed twice, lost, reordered or sent to
// the wrong connection is caught at the first byte that differs.
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bench {

struct LoadOptions {
    std::uint16_t port = 0;       // the server at 127.0.0.1:port
    std::size_t connections = 1;  // C
    std::size_t size = 64;        // S: bytes per message
    std::size_t pipeline = 1;     // D: messages in flight per connection
    std::size_t messages = 0;     // >0: burst mode: each connection sends exactly this many,
                                  //     checks the echo, closes; no warm-up, no window
    bool idle = false;            // idle mode: connect all, never send, hold until *stop
    bool warmup = true;           // timed mode: every connection gets one echo back before
                                  //     the window starts (connecting is not measured); a
                                  //     warmed connection sends nothing more until then
    std::chrono::nanoseconds measure{std::chrono::milliseconds{1500}};  // timed mode: the window
    std::chrono::nanoseconds time_limit{std::chrono::seconds{60}};      // the whole run, any mode
    const std::atomic<bool>* stop = nullptr;  // another thread sets it: end now, report so far
    std::function<void()> on_measuring;  // once: the window starts (timed), or all connected (idle)
};

struct LoadReport {
    std::size_t connections = 0;     // asked for
    std::size_t connections_ok = 0;  // connected and no error (burst: every message echoed,
                                     //     closed in order: our FIN, then the server's)
    std::size_t never_served = 0;    // timed: no echo completed in the window; burst: not done
                                     //     in time_limit
    std::uint64_t messages = 0;      // echoed messages completed in the window (burst: in the run)
    std::uint64_t bytes = 0;         // echoed bytes verified in the window
    double seconds = 0;  // the window's measured length (burst: first connect to last done)
    double messages_per_second = 0;                        // over the window only
    double megabytes_per_second = 0;                       // 1e6 bytes
    std::chrono::nanoseconds p50{}, p99{}, p999{}, max{};  // per message, from when it was SENT
                                                           // to its last echoed byte
    std::uint64_t min_per_connection = 0;  // fewest messages one connection completed in the window
    std::uint64_t max_per_connection = 0;  // most
    std::vector<std::string> errors;  // the first few (<= 8), one line each, naming the connection
    // Additions:
    std::size_t error_count = 0;  // every error, including those not kept in `errors`
    bool stopped = false;         // *stop ended the run
    bool ok() const noexcept;     // no errors and connections_ok == connections
};

// Throws std::system_error on a setup failure (epoll_create1, the file limit...); a failure of
// one connection (refused, reset, closed early, a wrong byte) is an error line in the report.
LoadReport run_load(const LoadOptions& options);

// Byte `offset` of connection `connection`'s stream, as sent and as expected back.
std::byte stream_byte(std::size_t connection, std::uint64_t offset) noexcept;

}  // namespace bench
