// ch02_winsock_overlapped/routine_server.cpp: completions heard through completion routines.
//
// Every WSARecv/WSASend names a completion routine. When the operation finishes, Windows queues
// the routine as an APC to the thread that issued it, and runs it only when that thread waits
// alertably (SleepEx, or WSAWaitForMultipleEvents with fAlertable = TRUE). So one thread issues
// everything, waits alertably, and runs every routine itself: no locks, and no second CPU.
// A routine only records what finished; after each wait the loop posts the next operations, so
// a busy client cannot keep the thread inside its wait, away from new clients and stop().
#include "echo_server.h"
#include "session.h"

#include "iocp/error.h"

#include <chrono>
#include <exception>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ch02 {
namespace {

constexpr auto drain_limit = std::chrono::seconds{10};
// The longest a server thread waits without looking at its queue of new clients.
constexpr DWORD queue_check_ms = 250;

class RoutineServer final : public SingleThreadServer {
public:
    RoutineServer() { start_thread(); }
    ~RoutineServer() override { stop_quietly(); }

private:
    static void CALLBACK on_completion(DWORD error, DWORD bytes, LPWSAOVERLAPPED overlapped,
                                       DWORD flags);
    void serve() override;
    void drain() noexcept override;
    void start(iocp::UniqueSocket socket) override;
    void handle(Session& session, DWORD error, DWORD bytes) noexcept;
    void post_ready();
    void close(Session& session);

    // Touched only by the server thread (routines run on it too), so no lock.
    std::unordered_map<Session*, std::unique_ptr<Session>> sessions_;
    std::vector<Session*> ready_;  // completed and going on, nothing in flight: post their next
    bool draining_ = false;        // set by drain(): a routine that runs from then on closes
};

void RoutineServer::serve() {
    const WSAEVENT wake = wake_event();
    for (;;) {
        // [snippet:routine_wait]
        // fAlertable = TRUE: while the thread waits here, Windows runs the completion routines
        // queued to it, then returns WSA_WAIT_IO_COMPLETION. (At most queue_check_ms: see below.)
        const DWORD woke = WSAWaitForMultipleEvents(1, &wake, FALSE, queue_check_ms, TRUE);
        // [/snippet]
        if (woke == WSA_WAIT_FAILED) {
            iocp::throw_last_wsa_error("WSAWaitForMultipleEvents");
        }
        if (failed()) {
            return;  // a routine failed
        }
        post_ready();  // the next operation of every session whose routine ran in the wait
        // After routines ran and after a timeout too, not only when the wake-up event is named:
        // the queue, not the event, says whether clients are waiting, so a lost wake-up costs
        // a client queue_check_ms at most, never its session.
        if (!start_incoming()) {  // new clients, or stop
            return;
        }
    }
}

void RoutineServer::start(iocp::UniqueSocket socket) {
    auto owned = std::make_unique<Session>();
    Session& session = *owned;
    session.socket = std::move(socket);
    // With a completion routine, Windows ignores hEvent and leaves it to us: the way back
    // from a routine to this server.
    session.overlapped.hEvent = static_cast<HANDLE>(this);
    sessions_.emplace(&session, std::move(owned));
    ++counters_.accepted;
    if (post_next(session, &RoutineServer::on_completion) != 0) {
        ++counters_.failed_at_once;  // nothing in flight: no routine will run
        close(session);
    }
}

// [snippet:routine_callback]
// Runs on the server thread, inside its alertable wait. Windows hands back the OVERLAPPED*:
// the OVERLAPPED is the Session's first member, and its hEvent holds the server.
void CALLBACK RoutineServer::on_completion(DWORD error, DWORD bytes, LPWSAOVERLAPPED overlapped,
                                           DWORD /*flags*/) {
    Session& session = *reinterpret_cast<Session*>(overlapped);
    static_cast<RoutineServer*>(overlapped->hEvent)->handle(session, error, bytes);
}
// [/snippet]

// [snippet:routine_handle]
// Must not throw: it is called from inside Windows' APC delivery.
void RoutineServer::handle(Session& session, DWORD error, DWORD bytes) noexcept {
    try {
        tally_.record(GetCurrentThreadId());
        ++counters_.completions;
        if (error == ERROR_SUCCESS && session.pending == IoType::send) {
            counters_.bytes_echoed += bytes;
        }
        // While draining, a finished operation ends its session: a new one would be in flight
        // with nobody left to cancel it.
        if (!apply_completion(session, error, bytes) || draining_) {
            close(session);
        } else {
            // The loop posts its next operation, not this routine. An operation posted here
            // could finish at once and queue the next routine, which this same alertable wait
            // may run too: under a steady stream the wait need not return (under Wine it did
            // not), and the loop would never start a new client or see stop().
            ready_.push_back(&session);
        }
    } catch (...) {
        fail(std::current_exception());  // the wait loop sees it and ends
    }
}
// [/snippet]

// Not alertable here, so no routine runs while `ready_` is walked.
void RoutineServer::post_ready() {
    std::vector<Session*> ready;
    ready.swap(ready_);
    for (Session* session : ready) {
        if (post_next(*session, &RoutineServer::on_completion) != 0) {
            ++counters_.failed_at_once;  // nothing in flight: no routine will run
            close(*session);
        }
    }
}

// Frees a session with nothing in flight.
void RoutineServer::close(Session& session) {
    sessions_.erase(&session);
    counters_.count_closed();
}

// Frees the sessions with nothing in flight, cancels every operation in flight, then waits
// alertably so their routines run (each closing its session, whatever its error: cancelled
// with WSA_OPERATION_ABORTED, or done before the cancel) before anything is freed.
void RoutineServer::drain() noexcept {
    draining_ = true;
    for (Session* session : ready_) {
        close(*session);  // nothing in flight: free it now
    }
    ready_.clear();
    for (const auto& entry : sessions_) {
        Session& session = *entry.second;
        if (!CancelIoEx(reinterpret_cast<HANDLE>(session.socket.get()), &session.overlapped)) {
            const DWORD error = GetLastError();
            if (error != ERROR_NOT_FOUND) {
                iocp::report_cleanup_failure("CancelIoEx", error);
            }
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + drain_limit;
    while (!sessions_.empty() && std::chrono::steady_clock::now() < deadline) {
        static_cast<void>(SleepEx(100, TRUE));  // alertable: the cancelled routines run here
    }
    if (!sessions_.empty()) {
        // Still in flight, so still the kernel's: leak them rather than free them.
        iocp::report_cleanup_failure("CancelIoEx", WAIT_TIMEOUT);
        for (auto& entry : sessions_) {
            static_cast<void>(entry.second.release());
        }
        sessions_.clear();
    }
}

}  // namespace

std::unique_ptr<EchoServer> make_routine_server() {
    return std::make_unique<RoutineServer>();
}

}  // namespace ch02
