// ch02_winsock_overlapped/alertable.cpp: a completion routine waits for an alertable wait.
#include "alertable.h"

#include "iocp/error.h"
#include "iocp/loopback.h"

#include <array>
#include <chrono>

namespace ch02 {
namespace {

constexpr auto finish_limit = std::chrono::seconds{10};

}  // namespace

// The OVERLAPPED first, so the routine's OVERLAPPED* is the Request*. On the heap: if its
// routine never comes, it is leaked, not freed under the kernel.
struct RoutineReceive::Request {
    WSAOVERLAPPED overlapped{};
    WSABUF wsabuf{};
    std::array<char, 64> buffer{};
    bool ran = false;
    ReceiveOutcome* outcome = nullptr;  // null once the request is abandoned (leaked)

    Request() = default;
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;
    ~Request() {
        if (outcome != nullptr) {
            outcome->collected = ran;  // freed only after its routine ran: the rule kept
        }
    }
};

void CALLBACK RoutineReceive::on_receive(DWORD error, DWORD bytes, LPWSAOVERLAPPED overlapped,
                                         DWORD /*flags*/) {
    Request& request = *reinterpret_cast<Request*>(overlapped);
    request.ran = true;  // from here on the kernel is done with the request
    if (request.outcome != nullptr) {
        ++request.outcome->routines;
        request.outcome->thread = GetCurrentThreadId();
        request.outcome->error = error;
        request.outcome->received.assign(request.buffer.data(), bytes);
    }
}

RoutineReceive::RoutineReceive(SOCKET socket, ReceiveOutcome& outcome)
    : socket_(socket), request_(std::make_unique<Request>()) {
    request_->outcome = &outcome;
    request_->wsabuf.buf = request_->buffer.data();
    request_->wsabuf.len = static_cast<ULONG>(request_->buffer.size());
    DWORD flags = 0;
    if (WSARecv(socket_, &request_->wsabuf, 1, nullptr, &flags, &request_->overlapped,
                &on_receive) == SOCKET_ERROR &&
        WSAGetLastError() != WSA_IO_PENDING) {
        iocp::throw_last_wsa_error("WSARecv");  // nothing started: `request_` may go
    }
}

// [snippet:routine_receive_collect]
RoutineReceive::~RoutineReceive() {
    if (request_->ran) {
        return;  // the routine ran: the kernel is done with the OVERLAPPED and the buffer
    }
    // Still the kernel's. Cancel it while the socket is open, then wait alertably: its routine
    // (error 995, or success if the data came first) runs here, and only then may it go.
    if (!CancelIoEx(reinterpret_cast<HANDLE>(socket_), &request_->overlapped)) {
        const DWORD error = GetLastError();
        if (error != ERROR_NOT_FOUND) {  // ERROR_NOT_FOUND: it finished; its routine is queued
            iocp::report_cleanup_failure("CancelIoEx", error);
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + finish_limit;
    for (auto now = std::chrono::steady_clock::now(); !request_->ran && now < deadline;
         now = std::chrono::steady_clock::now()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        static_cast<void>(SleepEx(static_cast<DWORD>(left.count()), TRUE));  // returns once it ran
    }
    if (!request_->ran) {
        // No routine, so the kernel may still write here: leak the request, never free it.
        iocp::report_cleanup_failure("WSARecv completion routine", WAIT_TIMEOUT);
        request_->outcome = nullptr;
        static_cast<void>(request_.release());
    }
}
// [/snippet]

bool RoutineReceive::finished() const noexcept {
    return HasOverlappedIoCompleted(&request_->overlapped);
}

AlertableReport show_alertable_wait() {
    iocp::SocketPair pair = iocp::make_socket_pair();
    ReceiveOutcome outcome;  // outlives the receive: its routine writes here
    // After the sockets, so it goes before them: on every way out of this function, a throw
    // included, it is cancelled and its routine collected while its socket is still open.
    RoutineReceive receive{pair.server.get(), outcome};
    const char ping[] = "ping";
    iocp::check_wsa(send(pair.client.get(), ping, 4, 0), "send");

    // [snippet:not_yet_alertable]
    // The receive finishes in the kernel; its routine waits as an APC for this thread. The
    // thread keeps busy, with an ordinary (non-alertable) wait in between: the routine waits.
    AlertableReport report;
    const auto deadline = std::chrono::steady_clock::now() + finish_limit;
    while (!receive.finished() && std::chrono::steady_clock::now() < deadline) {
        static_cast<void>(SleepEx(1, FALSE));  // not alertable: no routine may run here
    }
    report.io_finished_first = receive.finished();
    report.routines_before = outcome.routines;
    // [/snippet]

    // [snippet:alertable_now]
    // Now an alertable wait: Windows runs the queued routine on this thread, then returns
    // WAIT_IO_COMPLETION instead of waiting out the time.
    report.alertable_wait = SleepEx(0, TRUE);
    // [/snippet]
    if (outcome.routines == 0) {
        // Not finished within the limit. `receive` is cancelled and collected on the way out.
        iocp::throw_win32_error("WSARecv with a completion routine", WAIT_TIMEOUT);
    }
    report.routines_after = outcome.routines;
    report.ran_on_issuing_thread = outcome.thread == GetCurrentThreadId();
    report.error = outcome.error;
    report.received = outcome.received;
    return report;
}

}  // namespace ch02
