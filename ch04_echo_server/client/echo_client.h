// ch04_echo_server/client/echo_client.h: the load generator, an echo client on a completion port.
//
// Chapter 2's client spent a thread per connection on blocking calls. This one is built like the
// server it measures: one completion port, a few worker threads in GetQueuedCompletionStatus,
// and every connection's I/O overlapped, the connect too (ConnectEx). Each connection keeps
// `pipeline` messages in flight, checks every byte that comes back against the byte it sent
// (portable/echo_check.h), and times each message from when it was *due* (when the echo
// `pipeline` messages before it completed, so the wait behind its connection's previous send
// counts) to its echo's completion (portable/latency_clock.h).
//
//   options  --connections C, --messages M (per connection) or --duration D, --size S,
//            --pipeline P, --protocol stream|packet, --threads T
//   result   messages/s and MB/s (echoed bytes verified, 10^6 bytes) over the measured window
//            (to the last measured echo, not the closes after it), latency p50/p99/max, and one
//            line per connection that failed (refused, reset, closed early, a wrong byte, or
//            unfinished when the run's time limit passed).
//
// Try it against chapter 2's server:
//     ch02_winsock_overlapped server --notify iocp --port 5000
//     ch04_echo_server client --port 5000 --connections 64 --pipeline 8 --duration 5
#pragma once
#include "frame.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace ch04 {

struct ClientOptions {
    std::string host = "127.0.0.1";  // IPv4 literal
    std::uint16_t port = 0;
    std::size_t connections = 64;
    std::uint64_t messages = 100;  // per connection; 0 = run for `duration`
    std::chrono::milliseconds duration{0};
    std::size_t size = 64;  // stream: bytes per message; packet: payload bytes (frame = 4 + size)
    std::size_t pipeline = 1;  // messages in flight per connection
    Protocol protocol = Protocol::stream;
    int threads = 0;  // IOCP worker threads; 0 = min(processors, 4)
    // The run gives up after this long; 0 = the default: duration + 30 s (+ 30 s with warm-up),
    // or 60 s for --messages.
    std::chrono::milliseconds time_limit{0};
    // Duration runs only: first every connection sends one message and waits for its echo;
    // only then does the measured `duration` start. The report counts only messages started
    // after that, so connecting and the server's first touch of each session are not measured.
    bool warmup = false;
    // Called once, from a worker thread, when the warm-up is over (benchmarks start a second
    // load from it). Must not call back into the run.
    std::function<void()> on_measuring;
    // Duration runs: once this becomes true no new message starts, so the run ends early. Not
    // owned; it must outlive the run.
    const std::atomic<bool>* stop = nullptr;
};

// The limits run_client checks (std::invalid_argument beyond them).
inline constexpr std::size_t max_client_connections = 10'000;
inline constexpr std::size_t max_client_pipeline = 4'096;
inline constexpr std::size_t max_stream_message = 64 * 1024 * 1024;
inline constexpr std::size_t max_packet_payload = max_frame_size - frame_header_size;  // 65531

struct ClientReport {
    ClientOptions options;
    int threads = 0;                     // worker threads the run used
    std::size_t connections_ok = 0;      // connected, every message verified, closed in order
    std::uint64_t messages = 0;          // messages whose every echoed byte was verified
    std::uint64_t bytes = 0;             // echoed bytes verified (headers included)
    std::uint64_t mismatched_bytes = 0;  // echoed bytes that differed from those sent
    double seconds = 0;  // first connect (warm-up: its end) to the last connection's end
    // The measured window: first connect (warm-up: its end) to the last measured message's
    // echo; the drain and the orderly closes after it are left out. 0 if no message counted.
    double measured_seconds = 0;
    double warmup_seconds = 0;        // warm-up runs: from the first connect to its end
    double messages_per_second = 0;   // `messages` over measured_seconds
    double megabytes_per_second = 0;  // `bytes` in 10^6 bytes over measured_seconds
    std::chrono::nanoseconds p50{0};
    std::chrono::nanoseconds p99{0};
    std::chrono::nanoseconds max{0};
    bool timed_out = false;           // the time limit passed with connections unfinished
    std::vector<std::string> errors;  // "connection 3: ...", in connection order

    // Every connection finished cleanly and every byte came back as sent.
    bool ok() const noexcept {
        return errors.empty() && mismatched_bytes == 0 && connections_ok == options.connections;
    }
};

// Runs the load and returns what happened. Give `messages` or (with messages = 0) `duration`,
// not both. Throws std::invalid_argument for bad options (the message names the option),
// std::system_error when setup fails (the port, a socket, bind).
// A connection's own failure (WSAECONNREFUSED, a reset, a wrong byte) is not thrown: it is one
// line in `errors`, and the other connections go on. `progress`: if not null, one line a second
// ("12.0 s: 64 connections, 123456 msgs/s, 7.9 MB/s") while running. Starts Winsock itself.
ClientReport run_client(const ClientOptions& options, std::ostream* progress = nullptr);

// A short human summary: connections ok / total, messages, bytes, rates, latency in
// microseconds, then each error line.
void print_client_report(std::ostream& out, const ClientReport& report);

}  // namespace ch04
