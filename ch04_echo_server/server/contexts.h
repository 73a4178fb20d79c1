// ch04_echo_server/server/contexts.h: the server's per-I/O and per-socket contexts (the notes'
// PerIoContext and PerSocketContext), and a session's two state machines.
#pragma once
#include "frame.h"
#include "send_queue.h"
#include "server.h"
#include "session_timeouts.h"

#include "iocp/socket.h"
#include "iocp/win32.h"

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

namespace ch04 {

// Completion keys: a session's key is its PerSocketContext's address, never 0 or 1.
constexpr ULONG_PTR stop_key = 0;      // the sentinel that ends a worker
constexpr ULONG_PTR listener_key = 1;  // AcceptEx completions, which arrive on the listener
// AcceptEx wants room for each address plus 16 bytes.
constexpr DWORD address_room = sizeof(sockaddr_in) + 16;
constexpr std::size_t max_gather = 64;  // --gather-sends: WSABUFs (chunks) in one WSASend

// [snippet:contexts]
enum class IoType { accept, receive, zero_byte_receive, send };

// One I/O request. The OVERLAPPED comes first and the struct is standard-layout, so the
// OVERLAPPED* a completion hands back is this context; `type` says what finished. It is in
// flight from its call until its completion is handled (dequeued, or settled at once under
// skip-on-success), and is never reused before that.
struct PerIoContext {
    WSAOVERLAPPED overlapped{};
    IoType type = IoType::receive;
    WSABUF wsabuf{};
};
static_assert(std::is_standard_layout_v<PerIoContext>);

// A session's read side: at most one receive in flight.
enum class ReadSide {
    receiving,  // a receive (or zero-byte receive) is in flight
    paused,     // none: the echo queue is full; a send is in flight, and its drain resumes us
    finished,   // none, ever again: the peer closed its side, or the session is closing
};
// A session's write side: at most one send in flight.
enum class WriteSide {
    idle,     // none: nothing is queued (or the session is closing)
    sending,  // a send is in flight; what it names stays put until its completion
};

// One client: the completion key of its socket. It owns one context per direction, so a
// receive and a send can be in flight together (full duplex), never two of the same kind.
// Invariants, checked after every transition (session.cpp, check_invariants):
//   outstanding == (read == receiving) + (write == sending)
//   read == paused   => write == sending      (only a send's drain can resume reading)
//   write == idle    => queue empty, or closing
//   read == finished and write == idle  =>  closing     (peer done and echo done: close)
// A session is freed once closing and outstanding == 0: no OVERLAPPED of it is the kernel's.
struct PerSocketContext {
    PerSocketContext(const ServerOptions& options, iocp::UniqueSocket accepted);
    PerIoContext receive{{}, IoType::receive, {}};
    PerIoContext send{{}, IoType::send, {}};
    // --gather-sends: the send's buffers, one per queued chunk, written only while no send is in
    // flight. The chunks' bytes they point to stay put until the send's completion is handled.
    std::array<WSABUF, max_gather> send_buffers{};
    iocp::UniqueSocket socket;
    bool skip_on_success = false;  // set before the first I/O: no packet for I/O done at once
    std::mutex mutex;  // the fields below, touched by whichever workers hold its completions
    ReadSide read = ReadSide::finished;  // until start() posts the first receive
    WriteSide write = WriteSide::idle;
    bool closing = false;
    int outstanding = 0;                    // I/O in flight: the sum of the two sides
    bool data_waiting = false;              // zero-byte mode: a zero-byte receive said data is here
    std::vector<std::byte> receive_buffer;  // receive.wsabuf points here while in flight
    // Echo to send, in order, in chunks that never move (portable/send_queue.h); charged by
    // memory, not payload. With --reuse-buffers it keeps up to 4 sent chunks as spares.
    SendQueue queue;
    std::size_t reused_counted = 0;  // queue.reused() already counted in buffers_reused
    // --skip-on-success: a receive or send that completed at once, with its byte count. No
    // packet will come for it: settle_locked() is its completion. Still counted as in flight.
    std::optional<DWORD> receive_now;
    std::optional<DWORD> send_now;
    // --rounds: while its receive done at once waits in the workers' shared list (server_core.h),
    // the next session in that list and the receive's byte count. Written under the list's lock
    // on the way in; after a worker takes it out, only that worker's, until it dispatches it.
    PerSocketContext* deferred_next = nullptr;
    DWORD deferred_bytes = 0;
    std::optional<FrameAssembler> frames;  // packet mode
    // --idle-timeout and --send-stall: when it was last heard, whether its reading is paused,
    // since when its echo has not moved.
    SessionTimeouts timeouts;
    // The buffer bytes this session last added to the held_buffer_bytes gauge (session.cpp).
    std::size_t held_counted = 0;
};
// [/snippet]

// The bytes a session's buffers hold now, exactly: its receive buffer's capacity (none while
// a zero-byte receive waits), its echo queue's chunks and spares, and in packet mode the
// unfinished frame's buffer. Read under the session's lock.
inline std::size_t held_buffer_bytes(const PerSocketContext& session) noexcept {
    return session.receive_buffer.capacity() + session.queue.buffer_bytes() +
           (session.frames ? session.frames->capacity() : 0);
}

// What each session costs at a fixed size, in the context_bytes gauge: its context and its
// queue's spare list. Not counted: the shared_ptr's control block and std::deque's blocks,
// whose sizes are the library's, and the heap's own headers.
constexpr std::size_t session_context_bytes = sizeof(PerSocketContext) + SendQueue::fixed_bytes();

// An AcceptEx request: the context first, then the socket it fills and the address room.
struct AcceptContext {
    PerIoContext io{{}, IoType::accept, {}};
    SOCKET socket = INVALID_SOCKET;  // owned while in flight; handed to a session on success
    std::array<std::byte, 2 * address_room> addresses{};
};
static_assert(std::is_standard_layout_v<AcceptContext>);

}  // namespace ch04
