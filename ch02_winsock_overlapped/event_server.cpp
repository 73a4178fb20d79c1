// ch02_winsock_overlapped/event_server.cpp: completions heard through events.
//
// One thread owns every session. Each session's OVERLAPPED carries its own event, and the thread
// waits on all of them at once with WSAWaitForMultipleEvents. A wait holds at most 64 events
// (WSA_MAXIMUM_WAIT_EVENTS); one slot is the server's wake-up event, so this server takes 63
// clients and refuses the next ones with a message that names the limit. Going further would
// mean one more waiting thread per 63 clients: the thread-per-N-clients design that the
// completion port replaces.
#include "echo_server.h"
#include "session.h"

#include "iocp/error.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace ch02 {
namespace {

constexpr auto drain_limit = std::chrono::seconds{10};
// The longest a server thread waits without looking at its queue of new clients.
constexpr DWORD queue_check_ms = 250;

class EventServer final : public SingleThreadServer {
public:
    EventServer() { start_thread(); }
    ~EventServer() override { stop_quietly(); }

    void adopt(iocp::UniqueSocket socket) override;

private:
    using Sessions = std::vector<std::unique_ptr<Session>>;
    void serve() override;
    void drain() noexcept override;
    void start(iocp::UniqueSocket socket) override;
    void handle(std::size_t index);
    void close(std::size_t index);

    Sessions sessions_;  // touched only by the server thread
    // Sessions adopted and not yet freed, queued ones included. Only the acceptor adopts, so
    // checking and then counting needs no lock.
    std::atomic<int> admitted_{0};
};

void EventServer::adopt(iocp::UniqueSocket socket) {
    // [snippet:event_refuse]
    if (admitted_.load() >= event_model_max_clients) {
        // Counted before the client can see anything: whoever reads the refusal and then the
        // server's stats finds it counted.
        ++counters_.refused;
        // A 64th client would need a 65th event in one wait: say so, and close.
        const std::string message =
            "server full: the event model waits on at most " +
            std::to_string(WSA_MAXIMUM_WAIT_EVENTS) +
            " events (WSA_MAXIMUM_WAIT_EVENTS), one of them its own, so it serves " +
            std::to_string(event_model_max_clients) + " clients\n";
        iocp::check_wsa(send(socket.get(), message.data(), static_cast<int>(message.size()), 0),
                        "send");
        iocp::check_wsa(shutdown(socket.get(), SD_SEND), "shutdown");
        return;  // `socket` closes here
    }
    // [/snippet]
    ++admitted_;
    SingleThreadServer::adopt(std::move(socket));
}

void EventServer::serve() {
    std::vector<WSAEVENT> events;
    for (;;) {
        // [snippet:event_wait]
        events.assign(1, wake_event());
        for (const auto& session : sessions_) {
            events.push_back(session->event.get());  // at most 63 + 1 = WSA_MAXIMUM_WAIT_EVENTS
        }
        const DWORD woke = WSAWaitForMultipleEvents(static_cast<DWORD>(events.size()),
                                                    events.data(), FALSE, queue_check_ms, FALSE);
        if (woke == WSA_WAIT_FAILED) {
            iocp::throw_last_wsa_error("WSAWaitForMultipleEvents");
        }
        const std::size_t first = woke - WSA_WAIT_EVENT_0;  // the lowest signalled index
        // The wait names only the lowest signalled event. Check every session from there on,
        // or busy clients early in the array would starve the ones after them. Backwards, so
        // close() can move the last session into a slot already checked.
        for (std::size_t i = sessions_.size(); i > 0 && i >= first; --i) {
            const DWORD state = WaitForSingleObject(sessions_[i - 1]->event.get(), 0);
            if (state == WAIT_FAILED) {
                iocp::throw_last_error("WaitForSingleObject");
            }
            if (state == WAIT_OBJECT_0) {
                handle(i - 1);
            }
        }
        // [/snippet]
        // The wake-up event, or a timeout (so that a lost wake-up costs a new client
        // queue_check_ms at most): the queue of new clients says what there is to do.
        if ((first == 0 || woke == WSA_WAIT_TIMEOUT) && !start_incoming()) {
            return;
        }
    }
}

void EventServer::start(iocp::UniqueSocket socket) {
    auto session = std::make_unique<Session>();
    session->socket = std::move(socket);
    session->event = iocp::UniqueHandle{
        iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")};
    session->overlapped.hEvent = session->event.get();
    ++counters_.accepted;
    sessions_.push_back(std::move(session));
    if (post_next(*sessions_.back(), nullptr) != 0) {
        ++counters_.failed_at_once;  // nothing in flight: no completion will come
        close(sessions_.size() - 1);
    }
}

// [snippet:event_handle]
void EventServer::handle(std::size_t index) {
    Session& session = *sessions_[index];
    DWORD bytes = 0;
    DWORD flags = 0;
    DWORD error = ERROR_SUCCESS;
    if (!WSAGetOverlappedResult(session.socket.get(), &session.overlapped, &bytes, FALSE, &flags)) {
        error = static_cast<DWORD>(WSAGetLastError());
    }
    // Manual-reset: clear it before the next operation, which sets it again when it completes.
    iocp::check_bool(ResetEvent(session.event.get()), "ResetEvent");
    tally_.record(GetCurrentThreadId());
    ++counters_.completions;
    if (error == ERROR_SUCCESS && session.pending == IoType::send) {
        counters_.bytes_echoed += bytes;
    }
    if (!apply_completion(session, error, bytes)) {
        close(index);
    } else if (post_next(session, nullptr) != 0) {
        ++counters_.failed_at_once;
        close(index);
    }
}
// [/snippet]

// Frees a session with nothing in flight.
void EventServer::close(std::size_t index) {
    if (index + 1 != sessions_.size()) {
        sessions_[index] = std::move(sessions_.back());
    }
    sessions_.pop_back();
    // The slot is free before the close is announced: a client that connects once
    // wait_closed() has returned is served, not refused.
    --admitted_;
    counters_.count_closed();
}

// Every live session has one operation in flight: cancel it and wait for its completion
// before the session (its OVERLAPPED, its buffer) is freed.
void EventServer::drain() noexcept {
    for (const auto& session : sessions_) {
        if (!CancelIoEx(reinterpret_cast<HANDLE>(session->socket.get()), &session->overlapped)) {
            const DWORD error = GetLastError();
            if (error != ERROR_NOT_FOUND) {  // ERROR_NOT_FOUND: it completed meanwhile
                iocp::report_cleanup_failure("CancelIoEx", error);
            }
        }
    }
    // One limit for the whole drain, not one per session.
    const auto deadline = std::chrono::steady_clock::now() + drain_limit;
    while (!sessions_.empty()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const DWORD wait_ms = static_cast<DWORD>(std::max<long long>(left.count(), 0));
        if (WaitForSingleObject(sessions_.back()->event.get(), wait_ms) != WAIT_OBJECT_0) {
            // Not completed, so still the kernel's: leak it rather than free it.
            iocp::report_cleanup_failure("WaitForSingleObject", WAIT_TIMEOUT);
            static_cast<void>(sessions_.back().release());
            sessions_.pop_back();
            continue;
        }
        close(sessions_.size() - 1);
    }
}

}  // namespace

std::unique_ptr<EchoServer> make_event_server() {
    return std::make_unique<EventServer>();
}

}  // namespace ch02
