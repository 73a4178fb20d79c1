// ch04_echo_server/server/server.h: a multi-threaded IOCP echo server (the notes' 4장).
//
// Init: a listening socket, a completion port and a pool of worker threads. Accepting: AcceptEx
// calls posted in advance (or, for comparison, the notes' blocking accept loop). For each
// client: a PerSocketContext that is the completion key, with PerIoContexts for its receive and
// its send, each starting with its OVERLAPPED; the first receive is posted at once. Workers take
// completions and echo: received bytes (or, in packet mode, whole frames) join the session's
// ordered send queue; a partial send continues where it stopped; a full queue pauses reading.
// Stopping cancels every I/O, waits until each has completed, then sends one sentinel per
// worker and joins them.
#pragma once
#include "frame.h"

#include "iocp/log.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace ch04 {

enum class AcceptMode { acceptex, blocking };

struct ServerOptions {
    std::string bind = "127.0.0.1";  // an IPv4 address literal
    std::uint16_t port = 9000;       // 0: the system picks (read it back with port())
    int threads = 0;                 // worker threads; 0: one per processor
    unsigned concurrency = 0;        // the port's concurrency value; 0: one per processor
    int accepts = 16;                // AcceptEx calls kept posted
    AcceptMode accept = AcceptMode::acceptex;
    bool zero_byte_recv = false;  // wait for data with a zero-byte WSARecv (see the doc)
    Protocol protocol = Protocol::stream;
    std::size_t max_packet = max_frame_size;      // packet mode: the largest frame
    std::size_t max_pending_bytes = 1024 * 1024;  // per session: echo not yet sent
    std::size_t receive_size = 16 * 1024;         // bytes per receive
};

// What the server has done; the counters that must come back to zero are marked.
struct ServerCounters {
    std::uint64_t accepted = 0;
    std::uint64_t closed = 0;
    std::uint64_t sessions_alive = 0;  // back to 0 after stop()
    std::uint64_t io_in_flight = 0;    // back to 0 after stop()
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t receives = 0;        // receives that brought data
    std::uint64_t frames = 0;          // packet mode: whole frames echoed
    std::uint64_t bad_frames = 0;      // packet mode: sessions closed for a malformed frame
    std::uint64_t failed_accepts = 0;  // AcceptEx completions that failed (not connections)
    std::uint64_t read_pauses = 0;     // times a full send queue paused a session's reading
    std::uint64_t most_queued = 0;     // the most echo bytes one session ever held unsent
};

class EchoServer {
public:
    // Listens, creates the port, starts the workers and the accepting. Throws std::system_error
    // (a port in use is WSAEADDRINUSE), std::invalid_argument for bad options.
    EchoServer(const ServerOptions& options, iocp::Logger& log);
    ~EchoServer();  // stop(), reporting instead of throwing
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    std::uint16_t port() const noexcept;
    int threads() const noexcept;
    ServerCounters counters() const;
    // Stops accepting, cancels every I/O, waits until each has completed (bounded), stops and
    // joins the workers. Returns the final counters. Rethrows a worker's failure. Call once;
    // later calls return the same counters.
    ServerCounters stop();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ch04
