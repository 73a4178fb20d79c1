// ch04_echo_server/server/session.cpp: a session's transitions (see session.h, contexts.h).
#include "session.h"

#include "iocp/error.h"
#include "iocp/extensions.h"

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ch04 {
namespace {

// Throws std::logic_error naming the first invariant of contexts.h that `session` breaks.
void check_invariants(const PerSocketContext& session) {
    const int in_flight = (session.read == ReadSide::receiving ? 1 : 0) +
                          (session.write == WriteSide::sending ? 1 : 0);
    const char* broken = nullptr;
    if (session.outstanding != in_flight) {
        broken = "outstanding == receiving + sending";
    } else if (session.read == ReadSide::paused && session.write != WriteSide::sending) {
        broken = "paused => sending";
    } else if (session.write == WriteSide::idle && !session.closing && !session.queue.empty()) {
        broken = "write idle => queue empty or closing";
    } else if (session.read == ReadSide::finished && session.write == WriteSide::idle &&
               !session.closing) {
        broken = "read finished and write idle => closing";
    }
    if (broken != nullptr) {
        throw std::logic_error(std::string{"session invariant broken: "} + broken);
    }
}

}  // namespace

PerSocketContext::PerSocketContext(const ServerOptions& options, iocp::UniqueSocket accepted)
    : socket(std::move(accepted)),
      queue{options.receive_size, options.max_pending_bytes, options.reuse_buffers},
      timeouts{std::chrono::steady_clock::now()} {
    if (options.protocol == Protocol::packet) {
        frames.emplace(options.max_packet);
    }
}

// [snippet:start_session]
void SessionHandler::start(iocp::UniqueSocket socket) {
    const BOOL no_delay = TRUE;  // an echo is small and answered at once: do not batch it
    iocp::check_wsa(setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY,
                               reinterpret_cast<const char*>(&no_delay), sizeof(no_delay)),
                    "setsockopt(TCP_NODELAY)");
    const auto owned = std::make_shared<PerSocketContext>(core_.options, std::move(socket));
    PerSocketContext& session = *owned;
    // The completion key is the session: every completion on this socket leads back to it.
    core_.port.associate(session.socket.get(), reinterpret_cast<ULONG_PTR>(&session));
    if (core_.ifs_handles) {
        // --skip-on-success: from here a WSARecv or WSASend that completes at once queues no
        // packet, and whoever called it must handle it (settle_locked). Set before any I/O.
        const DWORD error = iocp::skip_completion_port_on_success(session.socket.get());
        if (error == ERROR_SUCCESS) {
            session.skip_on_success = true;
            stats_.add(Counter::skip_sessions);
        } else if (!core_.skip_failure_logged.exchange(true)) {
            // This session goes on without it: every completion still comes as a packet.
            core_.log.warn("SetFileCompletionNotificationModes failed (error ", error,
                           "): sessions run without --skip-on-success");
        }
    }
    switch (core_.sessions.add(owned, core_.options.max_sessions)) {
        case SessionTable::Added::stopping:
            return;  // nothing posted: `owned` frees it and closes the socket
        case SessionTable::Added::full:
            // --max-sessions: one too many. Nothing is posted on it, so `owned` frees it as
            // this returns and the client sees its connection closed.
            stats_.add(Counter::refused);
            core_.log.debug("closing a new connection: ", core_.options.max_sessions,
                            " sessions alive");
            return;
        case SessionTable::Added::yes:
            break;
    }
    stats_.add(Counter::accepted);
    stats_.adjust(Gauge::context_bytes, static_cast<std::int64_t>(session_context_bytes));
    transition(session, [&] {
        session.timeouts = SessionTimeouts{now()};  // accepted now
        // The first receive, posted now: overlapped I/O is "request first, result later", and a
        // session with nothing posted would never hear its client (4장: 초기 Recv걸기). stop()
        // may have closed it already: then nothing is posted, and transition() frees it.
        if (!session.closing && !post_receive_locked(session)) {
            close_locked(session);
        }
    });
}
// [/snippet]

// [snippet:transition]
// One transition: `change` runs under the session's lock, then whatever completed at once
// meanwhile (skip-on-success), then the invariants are checked. If any of it throws, only this
// session ends. Whoever sees it closing with nothing in flight frees it, outside the lock.
template <class Transition>
void SessionHandler::transition(PerSocketContext& session, Transition&& change) {
    bool free_now = false;
    {
        const std::lock_guard lock{session.mutex};
        try {
            change();
            settle_locked(session);
            check_invariants(session);
        } catch (const std::exception& e) {
            stats_.add(Counter::failed_handlers);
            core_.log.error("closing a session: its handler failed: ", e.what());
            close_locked(session);
            abandon_settled_locked(session);
        }
        free_now = session.closing && session.outstanding == 0;
        if (free_now) {
            release_buffers_locked(session);  // nothing in flight: no buffer is the kernel's
        }
        count_held_locked(session);
    }
    if (free_now) {
        free(session);
    }
}
// [/snippet]

void SessionHandler::on_receive(PerSocketContext& session, IoType type, DWORD error, DWORD bytes) {
    transition(session, [&] { receive_done_locked(session, type, error, bytes); });
}

void SessionHandler::on_send(PerSocketContext& session, DWORD error, DWORD bytes) {
    transition(session, [&] { send_done_locked(session, error, bytes); });
}

void SessionHandler::close(PerSocketContext& session) {
    transition(session, [&] { close_locked(session); });
}

CloseReason SessionHandler::close_if_expired(PerSocketContext& session,
                                             const TimeoutOptions& limits,
                                             SessionTimeouts::TimePoint at,
                                             std::optional<SessionTimeouts::TimePoint>& deadline) {
    CloseReason reason = CloseReason::none;
    deadline.reset();
    transition(session, [&] {
        if (session.closing || session.outstanding == 0) {
            return;  // closing already; or being started, and its first receive is not posted
        }
        reason = session.timeouts.check(at, limits);
        if (reason == CloseReason::none) {
            deadline = session.timeouts.deadline(limits);
            return;
        }
        stats_.add(reason == CloseReason::idle ? Counter::idle_closed : Counter::stall_closed);
        // It has I/O in flight (a receive, or the stalled send), whose completion frees it.
        close_locked(session);
    });
    return reason;
}

// [snippet:close_locked]
void SessionHandler::close_locked(PerSocketContext& session) {
    if (session.closing) {
        return;
    }
    session.closing = true;
    if (session.read == ReadSide::paused) {
        session.read = ReadSide::finished;  // no receive in flight, and none will be posted
    }
    // Cancel what is in flight; each cancelled request still completes (usually aborted; one
    // that was already finishing keeps its own result), and the session is freed by whichever
    // completion brings `outstanding` to 0. The socket stays open until then, so no other
    // socket can take its handle value while requests still name it.
    if (session.outstanding > 0 &&
        !CancelIoEx(reinterpret_cast<HANDLE>(session.socket.get()), nullptr)) {
        const DWORD error = GetLastError();
        if (error != ERROR_NOT_FOUND) {
            iocp::report_cleanup_failure("CancelIoEx", error);
        }
    }
}
// [/snippet]

// [snippet:on_receive]
void SessionHandler::receive_done_locked(PerSocketContext& session, IoType type, DWORD error,
                                         DWORD bytes) {
    --session.outstanding;  // this receive is over; the read side decides what comes next
    session.read = ReadSide::finished;
    stats_.add(Counter::bytes_received, bytes);
    if (error != ERROR_SUCCESS || session.closing) {
        close_locked(session);  // failed (reset, cancelled): the session ends
    } else if (type == IoType::zero_byte_receive) {
        session.timeouts.heard(now());
        // Data (or the peer's FIN) is here: the real receive now completes at once.
        session.data_waiting = true;
        if (!post_receive_locked(session)) {
            close_locked(session);
        }
    } else if (bytes == 0) {
        // 0 bytes on a receive that had room: the peer closed its side. The read side stays
        // finished; the echo still queued goes out, then the session closes.
        if (session.write == WriteSide::idle) {
            close_locked(session);
        }
    } else {
        stats_.add(Counter::receives);
        session.timeouts.heard(now());
        echo_locked(session, bytes);
        if (!session.closing && session.write == WriteSide::idle && !session.queue.empty() &&
            !post_send_locked(session)) {
            close_locked(session);
        }
        if (!session.closing) {
            if (session.queue.full()) {
                // The client sends faster than it reads our echo: stop reading until the
                // queue drains, so a client that never reads costs at most this much memory.
                session.read = ReadSide::paused;
                session.timeouts.pause_reading();
                stats_.add(Counter::read_pauses);
            } else if (!post_receive_locked(session)) {
                close_locked(session);
            }
        }
    }
}
// [/snippet]

// [snippet:on_send]
void SessionHandler::send_done_locked(PerSocketContext& session, DWORD error, DWORD bytes) {
    --session.outstanding;  // this send is over: its chunks may be dropped now
    session.write = WriteSide::idle;
    stats_.add(Counter::bytes_sent, bytes);
    if (error != ERROR_SUCCESS || session.closing) {
        close_locked(session);
        return;
    }
    // A partial send continues where it stopped; wholly sent chunks leave the queue.
    session.queue.sent(bytes);
    // --send-stall: only bytes sent are progress; a send of 0 leaves the stall clock running.
    session.timeouts.send_completed(now(), bytes, !session.queue.empty());
    if (core_.options.zero_byte_recv && session.queue.empty()) {
        session.queue.release_spare();  // idle again: zero-byte mode holds no buffer
    }
    if (!session.queue.empty()) {
        if (!post_send_locked(session)) {
            close_locked(session);
        }
    } else if (session.read == ReadSide::finished) {
        close_locked(session);  // the peer closed its side and everything it sent is echoed
    }
    if (!session.closing && session.read == ReadSide::paused && session.queue.drained()) {
        session.timeouts.resume_reading(now());
        if (!post_receive_locked(session)) {
            close_locked(session);
        }
    }
}
// [/snippet]

// Queues the `bytes` the receive buffer holds (stream), or the whole frames they complete.
// Small echoes coalesce into the queue's tail chunk in every mode.
void SessionHandler::echo_locked(PerSocketContext& session, DWORD bytes) {
    if (core_.calls.before_echo) {
        core_.calls.before_echo();  // the fault seam (io_calls.h)
    }
    const std::span<const std::byte> data{session.receive_buffer.data(), bytes};
    FrameError error = FrameError::none;
    if (!session.frames) {
        if (core_.options.reuse_buffers) {
            // The buffer itself becomes a chunk when at least a quarter full (no copy); else
            // its bytes are copied and it is kept as a spare. post_receive_locked takes one.
            session.receive_buffer.resize(bytes);
            // Whether it was taken whole shows in queue.reused(), which count_queue_locked reads.
            static_cast<void>(session.queue.adopt(std::move(session.receive_buffer)));
            session.receive_buffer = std::vector<std::byte>{};  // consumed either way
        } else {
            session.queue.append(data);
        }
    } else {
        std::vector<std::span<const std::byte>> whole;
        error = session.frames->feed(data, whole);
        for (const std::span<const std::byte> frame : whole) {
            session.queue.append(frame);  // echoed whole, in order
        }
        stats_.add(Counter::frames, whole.size());
    }
    if (core_.options.zero_byte_recv) {
        session.data_waiting = false;
        // Idle again: hold no buffer. (Not `= {}`: that picks the initializer_list assignment,
        // which empties the vector and keeps its 16 KiB.)
        session.receive_buffer = std::vector<std::byte>{};
    }
    count_queue_locked(session);
    if (error != FrameError::none) {
        stats_.add(Counter::bad_frames);
        core_.log.warn("closing a session: ", describe(error), " (size ",
                       session.frames->bad_size(), ")");
        close_locked(session);
    }
}

// A session's buffers change only in a transition, under its lock: so the held_buffer_bytes
// gauge takes their change at the end of each one, exact whenever no transition runs.
void SessionHandler::count_held_locked(PerSocketContext& session) noexcept {
    const std::size_t held = held_buffer_bytes(session);
    stats_.adjust(Gauge::held_buffer_bytes, static_cast<std::int64_t>(held) -
                                                static_cast<std::int64_t>(session.held_counted));
    session.held_counted = held;
}

// The session is over and nothing is in flight: its buffers go now, not when the last holder
// of the context lets go (the reaper or stop() may hold it a moment longer).
void SessionHandler::release_buffers_locked(PerSocketContext& session) noexcept {
    session.receive_buffer = std::vector<std::byte>{};  // freed (see echo_locked)
    session.queue.clear();
    if (session.frames) {
        session.frames->clear();
    }
}

// The queue's figures into the statistics: its payload and memory peaks, and the chunks it
// reused since the last call.
void SessionHandler::count_queue_locked(PerSocketContext& session) {
    stats_.raise(Maximum::most_queued, session.queue.bytes());
    stats_.raise(Maximum::most_queued_memory, session.queue.peak_memory());
    stats_.add(Counter::buffers_reused, session.queue.reused() - session.reused_counted);
    session.reused_counted = session.queue.reused();
}

void SessionHandler::free(PerSocketContext& session) {
    std::shared_ptr<PerSocketContext> owned = core_.sessions.remove(session);
    if (!owned) {
        return;  // freed already, by the other thread that saw it closing and idle
    }
    stats_.add(Counter::closed);
    stats_.adjust(Gauge::context_bytes, -static_cast<std::int64_t>(session_context_bytes));
    core_.session_freed();
    // [snippet:free_session]
    // Freed here, outside every lock: its last I/O has completed (outstanding == 0 and closing,
    // so nothing new can be posted), so no OVERLAPPED or buffer of it is still the kernel's. (If
    // the reaper or stop() holds it a moment longer, they free it; with nothing in flight.)
    owned.reset();
    // [/snippet]
}

}  // namespace ch04
