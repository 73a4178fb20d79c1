// ch04_echo_server/server/session_io.cpp: a session's calls into Winsock (WSARecv, WSASend)
// and the inline path of skip-on-success (see session.h).
#include "session.h"

#include <span>

namespace ch04 {
namespace {

constexpr int inline_limit = 16;  // --skip-on-success: sends handled in a row, then posted

}  // namespace

// [snippet:post_receive_locked]
bool SessionHandler::post_receive_locked(PerSocketContext& session) {
    const bool zero_byte = core_.options.zero_byte_recv && !session.data_waiting;
    session.receive.overlapped = WSAOVERLAPPED{};  // reused: its previous receive completed
    session.receive.type = zero_byte ? IoType::zero_byte_receive : IoType::receive;
    if (zero_byte) {
        // No buffer: none is held, and no page locked, while the client is silent. The
        // completion says only "data (or the peer's FIN) is here"; the real receive follows.
        session.receive.wsabuf = WSABUF{0, nullptr};
    } else {
        if (session.receive_buffer.capacity() < core_.options.receive_size) {
            // The last one moved into the send queue (or zero-byte mode gave it up): take a
            // spare chunk if the queue kept one (--reuse-buffers), else resize allocates.
            session.receive_buffer = session.queue.take_spare();
            count_queue_locked(session);
        }
        session.receive_buffer.resize(core_.options.receive_size);
        session.receive.wsabuf.buf = reinterpret_cast<char*>(session.receive_buffer.data());
        session.receive.wsabuf.len = static_cast<ULONG>(session.receive_buffer.size());
    }
    DWORD flags = 0;
    DWORD bytes = 0;  // read only for a receive done at once in skip mode
    ++session.outstanding;
    core_.io_started();
    session.read = ReadSide::receiving;
    // From this call until its completion is handled, `receive` and its buffer are the
    // kernel's: a pending receive keeps the buffer's pages locked, for the copy that fills it.
    stats_.add(Counter::wsarecv_calls);
    const int result = core_.calls.wsa_recv(session.socket.get(), &session.receive.wsabuf, 1,
                                            session.skip_on_success ? &bytes : nullptr, &flags,
                                            &session.receive.overlapped, nullptr);
    if (result == 0 && session.skip_on_success) {
        // Done at once, and skip mode queues no packet for it: settle_locked() handles it.
        session.receive_now = bytes;
        return true;
    }
    if (result == SOCKET_ERROR && WSAGetLastError() != WSA_IO_PENDING) {
        // Failed at once: no completion will come, so undo the counts here (and only here).
        --session.outstanding;
        core_.io_ended();
        session.read = ReadSide::finished;
        return false;
    }
    return true;
}
// [/snippet]

bool SessionHandler::post_send_locked(PerSocketContext& session) {
    session.send.overlapped = WSAOVERLAPPED{};  // reused: its previous send completed
    // One buffer per chunk, the first starting where a partial send stopped: the front chunk
    // alone, or with --gather-sends up to 64 of them. Called only while no send is in flight.
    const bool gather = core_.options.gather_sends;
    WSABUF* const buffers = gather ? session.send_buffers.data() : &session.send.wsabuf;
    std::array<SendBuffer, max_gather> views{};
    const std::size_t count = session.queue.gather(std::span{views}.first(gather ? max_gather : 1));
    for (std::size_t i = 0; i < count; ++i) {
        // WSABUF's buf is char* (not const) though WSASend only reads it.
        buffers[i].buf = reinterpret_cast<char*>(const_cast<std::byte*>(views[i].data));
        buffers[i].len = static_cast<ULONG>(views[i].size);  // a chunk: at most receive_size
    }
    if (count > 1) {
        stats_.add(Counter::gathered_sends);
    }
    DWORD bytes = 0;  // read only for a send done at once in skip mode
    ++session.outstanding;
    core_.io_started();
    session.write = WriteSide::sending;
    session.timeouts.send_started(now());  // --send-stall
    // The chunks named are the send's buffers, the kernel's until this send's completion is
    // handled: SendQueue never moves or overwrites a gathered byte before sent() counts it
    // (appends meanwhile only fill room after it, or add chunks), so echo may keep queueing.
    stats_.add(Counter::wsasend_calls);
    const int result = core_.calls.wsa_send(
        session.socket.get(), buffers, static_cast<DWORD>(count),
        session.skip_on_success ? &bytes : nullptr, 0, &session.send.overlapped, nullptr);
    if (result == 0 && session.skip_on_success) {
        session.send_now = bytes;  // done at once: settle_locked() handles it
        return true;
    }
    if (result == SOCKET_ERROR && WSAGetLastError() != WSA_IO_PENDING) {
        --session.outstanding;  // failed at once: no completion will come
        core_.io_ended();
        session.write = WriteSide::idle;
        return false;
    }
    return true;
}

// [snippet:settle]
// --skip-on-success: a receive or send that completed at once queued no packet, so the thread
// that posted it handles it: a send here, as a worker handles a dequeued one (handling it may
// post another send that completes at once, hence the loop, bounded by inline_limit); a
// receive waits its turn: in the workers' deferred list (--rounds), else as a packet in the port.
void SessionHandler::settle_locked(PerSocketContext& session) {
    int handled = 0;
    while (session.receive_now || session.send_now) {
        const bool send = session.send_now.has_value();
        std::optional<DWORD>& done_now = send ? session.send_now : session.receive_now;
        const DWORD bytes = *done_now;
        done_now.reset();
        // A receive done at once is a client with data waiting, and its echo posts the next one:
        // handled here, a pipelined or quick client keeps this worker in a loop while every
        // packet of every other session waits (issue #16: p99 4-7x asio's). Deferred or as a
        // packet it waits its turn. A send's completion only frees its chunks: no new work.
        if (!send && defer(session, bytes)) {
            continue;  // still in flight (counted) until a worker's round handles it
        }
        if ((!send || handled >= inline_limit) &&
            hand_to_port(session, send ? session.send : session.receive, bytes)) {
            continue;  // still in flight (counted) until a worker dequeues it
        }
        stats_.add(Counter::inline_completions);  // handled here, with no packet
        ++handled;
        const IoEnded ended{core_};  // as dispatch() does after the handler, even if it throws
        if (send) {
            send_done_locked(session, ERROR_SUCCESS, bytes);
        } else {
            receive_done_locked(session, session.receive.type, ERROR_SUCCESS, bytes);
        }
    }
}
// [/snippet]

// A handler threw: an I/O that completed at once and was not handled yet is handled now the
// short way, as over (the session is closing).
void SessionHandler::abandon_settled_locked(PerSocketContext& session) noexcept {
    if (session.receive_now) {
        session.receive_now.reset();
        --session.outstanding;
        session.read = ReadSide::finished;
        core_.io_ended();
    }
    if (session.send_now) {
        session.send_now.reset();
        --session.outstanding;
        session.write = WriteSide::idle;
        core_.io_ended();
    }
}

// Queues a packet for an I/O that completed at once, with the request's own OVERLAPPED: a
// worker dispatches it like the kernel's, and the context stays the port's until then.
bool SessionHandler::hand_to_port(PerSocketContext& session, PerIoContext& io, DWORD bytes) {
    stats_.add(Counter::post_calls);
    const DWORD error =
        core_.port.try_post(bytes, reinterpret_cast<ULONG_PTR>(&session), &io.overlapped);
    if (error == ERROR_SUCCESS) {
        return true;
    }
    // Handling it here instead is still right, only less fair to other sessions.
    core_.log.warn("PostQueuedCompletionStatus failed (error ", error, ")");
    return false;
}

// --rounds: a worker's round dispatches this as the packet it did not post. Until then it is
// in flight as that packet would be (outstanding and io_in_flight still count it, so the
// session stays alive and stop() waits for it); the workers leave none of them unhandled.
bool SessionHandler::defer(PerSocketContext& session, DWORD bytes) noexcept {
    if (deferred_ == nullptr) {
        return false;  // not a worker in rounds: no round here to defer to
    }
    // No share to cap: the list is every worker's, and whichever is free takes the next turns.
    deferred_->push(session, bytes);
    stats_.add(Counter::inline_completions);  // no packet queued for it
    return true;
}

}  // namespace ch04
