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
//
// What it costs shows in ServerCounters: the Win32 calls it made (WSARecv, WSASend, dequeues,
// PostQueuedCompletionStatus, AcceptEx), each counted where it is called in the calling
// thread's own statistics slot, and two gauges, the bytes its sessions hold in buffers and the
// bytes of their contexts, both exact and both 0 after stop().
//
// The files, in reading order:
//   contexts.h       PerIoContext, PerSocketContext and the session's two state machines
//   server.cpp       start-up, the worker loop, stop()
//   acceptor.cpp     AcceptEx slots that are never lost (or the notes' blocking accept loop)
//   session.cpp      each completion as one transition of its session; closing and freeing
//   session_io.cpp   WSARecv, WSASend, and completions handled inline (skip_on_success)
//   housekeeper.cpp  --idle-timeout, --send-stall, and accept retries: what happens on time
//   server_core.h    what the parts share; io_calls.h, the seam tests inject failures through
//
// Four performance options (issue #7; docs/performance.md has their measured effects). Only
// skip_on_success is on by default: the benchmark found it the one clear gain.
//   batch            a worker takes up to `batch` completions per call with
//                    GetQueuedCompletionStatusEx instead of one with GetQueuedCompletionStatus:
//                    fewer calls into the kernel (Wine: fewer wineserver round trips) when busy.
//   gather_sends     one WSASend carries up to 64 queued chunks (one WSABUF each) instead of the
//                    front chunk alone: fewer sends when echo piles up (pipelined clients).
//   reuse_buffers    no heap allocation per receive: a receive buffer at least a quarter full
//                    moves into the send queue as a chunk, no copy, and sent chunks stay as the
//                    session's spares (at most 4) for later receives and echo. Either way the
//                    queue charges each chunk its memory, spares included, against
//                    max_pending_bytes (portable/send_queue.h). With zero_byte_recv an idle
//                    session still holds no buffer: the spares are freed whenever it drains.
//   skip_on_success  FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on each accepted socket (only when the
//                    Winsock provider hands out IFS handles, as libuv also checks): a WSARecv
//                    or WSASend that completes at once queues no packet. The worker that
//                    called it handles a send on the spot (at most 16 in a row); a receive it
//                    posts to the port, so a busy session waits its turn behind the others
//                    (issue #16). Fewer packets, fewer wakeups. asio 1.22 never sets this
//                    mode: each of its operations, even one done at once, ends with a dequeued
//                    packet.
#pragma once
#include "frame.h"
#include "io_calls.h"

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
    int accepts = 64;                // AcceptEx calls kept posted
    AcceptMode accept = AcceptMode::acceptex;
    bool zero_byte_recv = false;  // wait for data with a zero-byte WSARecv (see the doc)
    Protocol protocol = Protocol::stream;
    std::size_t max_packet = max_frame_size;      // packet mode: the largest frame
    std::size_t max_pending_bytes = 1024 * 1024;  // per session: echo queue memory (see above)
    std::size_t receive_size = 16 * 1024;         // bytes per receive
    // Limits against clients that would hold the server's resources (docs/reliability.md).
    std::size_t max_sessions = 0;  // a connection beyond this many is closed at once; 0: none
    std::chrono::milliseconds idle_timeout{0};  // close a session silent this long; 0: never
    // Close a session whose echo waits and no send moved any of it this long (its client stopped
    // reading, even with its reading paused); 0: never.
    std::chrono::milliseconds send_stall{0};
    // Performance options (see above). Only skip_on_success is on by default: the one option
    // with a clear gain in development (docs/performance.md).
    int batch = 1;                // completions per dequeue, 1..1024 (>1: ...StatusEx)
    bool gather_sends = false;    // one WSASend for up to 64 queued chunks
    bool reuse_buffers = false;   // move and recycle buffers instead of allocating per receive
    bool skip_on_success = true;  // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: inline completions
    bool rounds = false;          // skip_on_success: receives done at once wait a round
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
    std::uint64_t failed_accepts = 0;  // failed AcceptEx, or a socket not set up: no session
    std::uint64_t read_pauses = 0;     // times a full send queue paused a session's reading
    std::uint64_t most_queued = 0;     // the most echo bytes one session ever held unsent
    // The most memory one session's echo queue ever took (chunks and spares): at most
    // SendQueue::memory_bound of the largest receive or frame batch (portable/send_queue.h).
    std::uint64_t most_queued_memory = 0;
    // What the performance options did (each stays 0 while its option is off).
    std::uint64_t largest_batch = 0;       // the most completions one dequeue returned
    std::uint64_t gathered_sends = 0;      // sends that carried more than one chunk
    std::uint64_t buffers_reused = 0;      // receives and echo chunks served without allocating
    std::uint64_t skip_sessions = 0;       // sessions whose socket got skip-on-success
    std::uint64_t inline_completions = 0;  // I/O that completed at once and queued no packet
    // What the limits did.
    std::uint64_t refused = 0;       // connections closed at once: --max-sessions were alive
    std::uint64_t idle_closed = 0;   // sessions closed by --idle-timeout
    std::uint64_t stall_closed = 0;  // sessions closed by --send-stall
    // What went wrong and was contained.
    std::uint64_t failed_handlers = 0;  // completions whose handler threw: that session closed
    std::uint64_t accept_retries = 0;   // accept slots posted again after a delay
    std::uint64_t accepts_posted = 0;   // AcceptEx calls in flight now (--accepts while running)
    std::uint64_t accepts_waiting = 0;  // slots waiting for a retry (posted + waiting = --accepts)
    // What the server holds now, in bytes, each exact once its sessions are quiet.
    // Receive buffers (none while a zero-byte receive waits), echo chunks, spare chunks and
    // unfinished frames: at the end of each session transition. Back to 0 after stop().
    std::uint64_t held_buffer_bytes = 0;
    // The live sessions' contexts: each sizeof(PerSocketContext) plus what it allocates at a
    // fixed size (contexts.h, session_context_bytes). Back to 0 after stop().
    std::uint64_t context_bytes = 0;
    // The Win32 calls made (failed ones too): divided by the messages echoed, a variant's cost.
    std::uint64_t wsarecv_calls = 0;   // WSARecv
    std::uint64_t wsasend_calls = 0;   // WSASend
    std::uint64_t dequeue_calls = 0;   // GetQueuedCompletionStatus(Ex), timed out or not
    std::uint64_t post_calls = 0;      // PostQueuedCompletionStatus (sentinels, handed back I/O)
    std::uint64_t acceptex_calls = 0;  // AcceptEx
};

class EchoServer {
public:
    // Listens, creates the port, starts the workers and the accepting. Throws std::system_error
    // (a port in use is WSAEADDRINUSE), std::invalid_argument for bad options. `calls` is the
    // fault-injection seam (io_calls.h): tests replace a call; everyone else leaves it be.
    EchoServer(const ServerOptions& options, iocp::Logger& log, IoCalls calls = {});
    ~EchoServer();  // stop(), reporting instead of throwing
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    std::uint16_t port() const noexcept;
    int threads() const noexcept;
    // While the workers run, each counter is a sum of per-worker shares read one by one, not
    // a snapshot: two counters may not agree (a send may be counted before its receive is
    // read). sessions_alive, io_in_flight and the accept counts are exact. After stop(): all.
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
