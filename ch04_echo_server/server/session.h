// ch04_echo_server/server/session.h: a session's life, from its first receive to its free.
//
// Every completion is one transition of the session's two sides (contexts.h), taken under the
// session's lock: the receive's completion moves the read side, the send's the write side, and
// either may post the next I/O. A handler that throws (out of memory in the echo, say) ends its
// own session only: the worker logs it, closes that session and goes on to the next packet.
// A session's buffers change only in its transitions, so at the end of each the
// held_buffer_bytes gauge takes their change; a session over with nothing in flight frees its
// buffers there and then.
#pragma once
#include "contexts.h"
#include "server_core.h"
#include "session_timeouts.h"

#include "iocp/completion_port.h"

#include <chrono>
#include <optional>
#include <vector>

namespace ch04 {

// A worker's (or other thread's) hands on the sessions: the shared core, the statistics slot
// that only this thread writes and, on a worker in rounds only, the workers' deferred list.
class SessionHandler {
public:
    SessionHandler(ServerCore& core, StatsSlot& stats,
                   DeferredReceives* deferred = nullptr) noexcept
        : core_(core), stats_(stats), deferred_(deferred) {}
    // From now on a receive done at once goes to the port: the worker is leaving its rounds.
    void stop_deferring() noexcept { deferred_ = nullptr; }

    // A new connection: TCP_NODELAY, the port, skip-on-success, a place in the table (or closed
    // at once by --max-sessions) and its first receive. Throws std::system_error when the
    // socket cannot be set up; no session exists then.
    void start(iocp::UniqueSocket socket);
    // A completion of the session's receive or send, dequeued by a worker.
    void on_receive(PerSocketContext& session, IoType type, DWORD error, DWORD bytes);
    void on_send(PerSocketContext& session, DWORD error, DWORD bytes);
    // Closes `session` (stop()): cancels its I/O; its last completion frees it.
    void close(PerSocketContext& session);
    // The housekeeper: closes `session` if a limit of `limits` is reached at `now`, and says
    // which; otherwise sets `deadline` to when one will be (none: no limit applies).
    CloseReason close_if_expired(PerSocketContext& session, const TimeoutOptions& limits,
                                 SessionTimeouts::TimePoint now,
                                 std::optional<SessionTimeouts::TimePoint>& deadline);

    // The session ends: cancel what is in flight. The caller holds the session's lock.
    static void close_locked(PerSocketContext& session);

private:
    template <class Transition>
    void transition(PerSocketContext& session, Transition&& change);
    bool post_receive_locked(PerSocketContext& session);
    bool post_send_locked(PerSocketContext& session);
    void receive_done_locked(PerSocketContext& session, IoType type, DWORD error, DWORD bytes);
    void send_done_locked(PerSocketContext& session, DWORD error, DWORD bytes);
    void echo_locked(PerSocketContext& session, DWORD bytes);
    void count_queue_locked(PerSocketContext& session);
    void count_held_locked(PerSocketContext& session) noexcept;
    static void release_buffers_locked(PerSocketContext& session) noexcept;
    void settle_locked(PerSocketContext& session);
    bool hand_to_port(PerSocketContext& session, PerIoContext& io, DWORD bytes);
    bool defer(PerSocketContext& session, DWORD bytes) noexcept;
    void abandon_settled_locked(PerSocketContext& session) noexcept;
    void free(PerSocketContext& session);
    static SessionTimeouts::TimePoint now() { return std::chrono::steady_clock::now(); }

    ServerCore& core_;
    StatsSlot& stats_;
    DeferredReceives* deferred_;  // null: not a worker in rounds, so no round to defer to
};

}  // namespace ch04
