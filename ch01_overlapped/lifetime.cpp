// ch01_overlapped/lifetime.cpp: a request is the kernel's from issue to completion.
#include "lifetime.h"

#include "outcome.h"

#include "iocp/error.h"
#include "iocp/handle.h"
#include "iocp/loopback.h"

#include <array>
#include <memory>
#include <string_view>
#include <utility>

namespace ch01 {
namespace {

constexpr DWORD wait_limit_ms = 10'000;

// [snippet:receive_request]
// The OVERLAPPED first, then what the request needs until it completes: its event, the WSABUF
// and the bytes the WSABUF points at. Chapter 4's PerIoContext grows from this.
struct ReceiveRequest {
    WSAOVERLAPPED overlapped{};
    iocp::UniqueHandle done;  // manual-reset event, set at completion
    WSABUF buffer{};
    std::array<char, 64> bytes{};
};
// [/snippet]

// [snippet:hand_to_kernel]
// Issues the receive and hands the request to the kernel. The pointer returned is not an owner:
// until the completion the kernel writes the data into `bytes` and the result into `overlapped`.
ReceiveRequest* hand_to_kernel(SOCKET socket, std::unique_ptr<ReceiveRequest> request) {
    request->buffer.buf = request->bytes.data();
    request->buffer.len = static_cast<ULONG>(request->bytes.size());
    request->overlapped.hEvent = request->done.get();
    DWORD flags = 0;
    const int result =
        WSARecv(socket, &request->buffer, 1, nullptr, &flags, &request->overlapped, nullptr);
    // Failed: nothing was started, so the unique_ptr still owns the request and frees it.
    throw_if_failed(classify_wsa_call(result, WSAGetLastError()), "WSARecv");
    // Accepted (done now or in flight): the kernel owns it until its completion is collected.
    // Freeing it, reusing its OVERLAPPED or letting it go out of scope before then lets the
    // kernel write into memory that is no longer this request's: so ownership leaves here.
    return request.release();
}
// [/snippet]

struct Completion {
    std::unique_ptr<ReceiveRequest> request;
    DWORD bytes = 0;
    DWORD error = ERROR_SUCCESS;
};

// [snippet:take_back]
// Waits for the request's completion, the kernel's last touch of it, and only then takes
// ownership back, whatever the result: success, ERROR_OPERATION_ABORTED after a cancel, or
// another error. (Closing the socket instead ends it too, with another code:
// GetQueuedCompletionStatus reports 1236 or 64 on Windows, not 995.)
Completion take_back(SOCKET socket, ReceiveRequest* in_flight) {
    const DWORD woke = WaitForSingleObject(in_flight->done.get(), wait_limit_ms);
    if (woke == WAIT_FAILED) {
        iocp::throw_last_error("WaitForSingleObject");
    }
    if (woke == WAIT_TIMEOUT) {
        // Not completed, so still the kernel's: it is deliberately leaked, never freed.
        iocp::throw_win32_error("WaitForSingleObject", WAIT_TIMEOUT);
    }
    Completion completion;
    DWORD flags = 0;
    if (!WSAGetOverlappedResult(socket, &in_flight->overlapped, &completion.bytes, FALSE, &flags)) {
        completion.error = static_cast<DWORD>(WSAGetLastError());
    }
    completion.request.reset(in_flight);  // completed: the program owns it again
    return completion;
}
// [/snippet]

std::unique_ptr<ReceiveRequest> make_request() {
    auto request = std::make_unique<ReceiveRequest>();
    request->done = iocp::UniqueHandle{
        iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")};
    return request;
}

LifetimeStep step(char request, Step what, DWORD bytes = 0, DWORD error = ERROR_SUCCESS,
                  std::string data = {}) {
    return {request, what, bytes, error, std::move(data)};
}

void send_all(SOCKET socket, std::string_view text) {
    std::size_t sent = 0;
    while (sent < text.size()) {
        sent += static_cast<std::size_t>(iocp::check_wsa(
            send(socket, text.data() + sent, static_cast<int>(text.size() - sent), 0), "send"));
    }
}

}  // namespace

LifetimeReport run_lifetime() {
    iocp::SocketPair pair = iocp::make_socket_pair();
    const SOCKET socket = pair.server.get();
    LifetimeReport report;
    // If a step throws while a request is out, that request is leaked on purpose, never freed:
    // closing the pair cancels it, but nothing here waits for that completion, and memory the
    // kernel may still write into must not be given back.

    // A: issued before the data exists, completed by the peer's send, then freed.
    ReceiveRequest* a = hand_to_kernel(socket, make_request());
    report.steps.push_back(step('A', Step::issued));
    send_all(pair.client.get(), "hello");
    report.steps.push_back(step('A', Step::peer_sent, 5));
    Completion done_a = take_back(socket, a);
    report.steps.push_back(step('A', Step::completed, done_a.bytes, done_a.error,
                                std::string(done_a.request->bytes.data(), done_a.bytes)));
    done_a.request.reset();
    report.steps.push_back(step('A', Step::freed));

    // [snippet:cancel]
    // B: issued, then cancelled. Cancelling is a request too: B stays the kernel's until its
    // completion (here ERROR_OPERATION_ABORTED) is collected. Closing the socket would also end
    // it, with another code (GetQueuedCompletionStatus reports 1236 or 64 on Windows): free on
    // the completion, whatever its code.
    ReceiveRequest* b = hand_to_kernel(socket, make_request());
    report.steps.push_back(step('B', Step::issued));
    iocp::check_bool(CancelIoEx(reinterpret_cast<HANDLE>(socket), &b->overlapped), "CancelIoEx");
    report.steps.push_back(step('B', Step::cancel_requested));
    Completion done_b = take_back(socket, b);
    // [/snippet]
    report.steps.push_back(step('B', Step::completed, done_b.bytes, done_b.error, ""));
    done_b.request.reset();
    report.steps.push_back(step('B', Step::freed));
    return report;
}

}  // namespace ch01
