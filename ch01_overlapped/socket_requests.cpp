// ch01_overlapped/socket_requests.cpp: overlapped WSASend/WSARecv, collected by event and by
// polling.
#include "socket_requests.h"

#include "iocp/error.h"
#include "iocp/handle.h"
#include "iocp/loopback.h"

#include <array>
#include <chrono>
#include <exception>
#include <string_view>

namespace ch01 {
namespace {

constexpr DWORD wait_limit_ms = 10'000;

using CollectHook = std::function<void(const CollectedOnExit&)>;

// [snippet:socket_request]
// One overlapped socket call: the OVERLAPPED, its event, and the WSABUF with the bytes it
// points at. All of it is the kernel's from the call until the completion is collected.
struct SocketRequest {
    WSAOVERLAPPED overlapped{};
    iocp::UniqueHandle done;  // manual-reset event (WSACreateEvent makes the same kind)
    std::array<char, 256> bytes{};
    WSABUF buffer{};
    SOCKET held_on = INVALID_SOCKET;  // its socket while the kernel holds it: issued, not collected
    std::string_view what;
    const CollectHook* on_exit;

    explicit SocketRequest(std::string_view name, const CollectHook* hook = nullptr)
        : what(name), on_exit(hook) {
        done = iocp::UniqueHandle{
            iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")};
        overlapped.hEvent = done.get();
    }
    ~SocketRequest();  // if still held: cancels it and waits for its completion
    SocketRequest(const SocketRequest&) = delete;  // the kernel holds its address
    SocketRequest& operator=(const SocketRequest&) = delete;
};
// [/snippet]

// [snippet:collect_on_exit]
// Runs when the request dies. If the kernel still holds it (an exception is leaving the
// function), its OVERLAPPED and bytes must not go yet: cancel it, then wait for its completion,
// the kernel's last write into them. Its sockets are declared before it, so they are still open.
SocketRequest::~SocketRequest() {
    if (held_on == INVALID_SOCKET) {
        return;  // never issued, or already collected
    }
    if (!CancelIoEx(reinterpret_cast<HANDLE>(held_on), &overlapped)) {
        const DWORD error = GetLastError();
        if (error != ERROR_NOT_FOUND) {  // ERROR_NOT_FOUND: it completed meanwhile
            iocp::report_cleanup_failure("CancelIoEx", error);
        }
    }
    // No time limit: a cancelled request completes, and until it does its memory is the
    // kernel's. Freeing it after a failed wait would let the kernel write into a dead frame.
    if (WaitForSingleObject(done.get(), INFINITE) != WAIT_OBJECT_0) {
        iocp::report_cleanup_failure("WaitForSingleObject", GetLastError());
        std::terminate();
    }
    // Completed. The cancel may have come too late: its result is then its own (the CancelIoEx
    // page lists three: done normally, ERROR_OPERATION_ABORTED, or another error).
    CollectedOnExit collected{std::string{what}, ERROR_SUCCESS, 0};
    DWORD flags = 0;
    if (!WSAGetOverlappedResult(held_on, &overlapped, &collected.bytes, FALSE, &flags)) {
        collected.error = static_cast<DWORD>(WSAGetLastError());
    }
    held_on = INVALID_SOCKET;
    if (on_exit != nullptr && *on_exit) {
        try {
            (*on_exit)(collected);
        } catch (const std::exception& e) {  // a destructor must not throw
            iocp::report_cleanup_exception("on_collected_on_exit", e);
        }
    }
}
// [/snippet]

// Records what the call returned. Done now or in flight, the request completes later and the
// kernel holds it until then; a failed call started nothing, so there is nothing to collect.
Issued issued_on(SOCKET socket, SocketRequest& request, Issued issued) {
    if (issued.outcome != IssueOutcome::failed) {
        request.held_on = socket;
    }
    return issued;
}

// [snippet:post_receive]
Issued post_receive(SOCKET socket, SocketRequest& request) {
    request.buffer.buf = request.bytes.data();
    request.buffer.len = static_cast<ULONG>(request.bytes.size());
    DWORD flags = 0;
    // lpNumberOfBytesRecvd is nullptr: the count comes with the completion.
    const int result =
        WSARecv(socket, &request.buffer, 1, nullptr, &flags, &request.overlapped, nullptr);
    return issued_on(socket, request, classify_wsa_call(result, WSAGetLastError()));
}
// [/snippet]

Issued post_send(SOCKET socket, SocketRequest& request, const std::string& text) {
    const std::size_t size = text.copy(request.bytes.data(), request.bytes.size());
    request.buffer.buf = request.bytes.data();
    request.buffer.len = static_cast<ULONG>(size);
    const int result =
        WSASend(socket, &request.buffer, 1, nullptr, 0, &request.overlapped, nullptr);
    return issued_on(socket, request, classify_wsa_call(result, WSAGetLastError()));
}

// The byte count of a completed request (its event is set), or a throw with its error.
DWORD completed_bytes(SOCKET socket, SocketRequest& request, const char* call) {
    request.held_on = INVALID_SOCKET;  // completed: the program's again, whatever the result
    DWORD bytes = 0;
    DWORD flags = 0;
    if (!WSAGetOverlappedResult(socket, &request.overlapped, &bytes, FALSE, &flags)) {
        iocp::throw_last_wsa_error(call);
    }
    return bytes;
}

// [snippet:collect_by_event]
// Way 1: sleep on the request's event until the kernel sets it, then read the result.
DWORD wait_for(SOCKET socket, SocketRequest& request) {
    const WSAEVENT events[] = {request.done.get()};
    const DWORD woke = WSAWaitForMultipleEvents(1, events, TRUE, wait_limit_ms, FALSE);
    if (woke == WSA_WAIT_FAILED) {
        iocp::throw_last_wsa_error("WSAWaitForMultipleEvents");
    }
    if (woke == WSA_WAIT_TIMEOUT) {  // still the kernel's: its destructor cancels and collects it
        iocp::throw_win32_error("WSAWaitForMultipleEvents", WAIT_TIMEOUT);
    }
    return completed_bytes(socket, request, "WSAGetOverlappedResult");
}
// [/snippet]

// [snippet:poll]
// Way 2: ask without waiting (fWait = FALSE); WSA_IO_INCOMPLETE means "not yet". Each "not
// yet" is a call that did no work: polling spends the CPU that overlapped I/O was meant to save.
bool poll(SOCKET socket, SocketRequest& request, DWORD& bytes) {
    DWORD flags = 0;
    if (WSAGetOverlappedResult(socket, &request.overlapped, &bytes, FALSE, &flags)) {
        request.held_on = INVALID_SOCKET;  // completed: the program's again
        return true;
    }
    const int error = WSAGetLastError();
    if (error != WSA_IO_INCOMPLETE) {
        request.held_on = INVALID_SOCKET;  // completed, with an error
        iocp::throw_win32_error("WSAGetOverlappedResult", static_cast<DWORD>(error));
    }
    return false;
}
// [/snippet]

std::string received_text(const SocketRequest& request, DWORD bytes) {
    return std::string(request.bytes.data(), bytes);
}

}  // namespace

Issued receive_on_unconnected_socket() {
    iocp::UniqueSocket socket = iocp::make_tcp_socket();  // never connected
    SocketRequest request{"WSARecv, not connected"};      // after the socket: it dies first
    return post_receive(socket.get(), request);
}

SocketReport run_socket_requests(const SocketOptions& options) {
    iocp::SocketPair pair = iocp::make_socket_pair();
    SocketReport report;
    const CollectHook* const on_exit = &options.on_collected_on_exit;

    // [snippet:receive_first]
    // The receive is posted before the peer has sent anything: it cannot finish now, so it
    // is accepted and left in flight. Sending afterwards completes it. The requests are
    // declared after the sockets, so on any early exit they die (and collect) first.
    SocketRequest first_receive{"first WSARecv", on_exit};
    SocketRequest first_send{"first WSASend", on_exit};
    report.sent_first = "hello, overlapped world";
    const Issued receive_issued = post_receive(pair.server.get(), first_receive);
    throw_if_failed(receive_issued, "WSARecv");
    const Issued send_issued = post_send(pair.client.get(), first_send, report.sent_first);
    throw_if_failed(send_issued, "WSASend");
    const DWORD sent = wait_for(pair.client.get(), first_send);
    const DWORD received = wait_for(pair.server.get(), first_receive);
    // [/snippet]
    report.received_first = received_text(first_receive, received);
    report.calls.push_back(
        {"WSARecv before any data", receive_issued, "waited on its event", received});
    report.calls.push_back({"WSASend", send_issued, "waited on its event", sent});

    SocketRequest second_receive{"second WSARecv", on_exit};
    SocketRequest second_send{"second WSASend", on_exit};
    report.sent_second = "polled, not waited for";
    const Issued second_issued = post_receive(pair.server.get(), second_receive);
    throw_if_failed(second_issued, "WSARecv");
    // [snippet:poll_until_done]
    Issued second_send_issued;
    DWORD polled = 0;
    const auto deadline = std::chrono::steady_clock::now() + options.poll_limit;
    while (!poll(pair.server.get(), second_receive, polled)) {
        if (std::chrono::steady_clock::now() >= deadline) {  // the requests collect themselves
            iocp::throw_win32_error("WSAGetOverlappedResult", WAIT_TIMEOUT);
        }
        if (++report.incomplete_polls == 1) {  // certainly "not yet": nothing was sent. Send now.
            second_send_issued = post_send(pair.client.get(), second_send, report.sent_second);
            throw_if_failed(second_send_issued, "WSASend");
        }
    }
    // [/snippet]
    const DWORD second_sent = wait_for(pair.client.get(), second_send);
    report.received_second = received_text(second_receive, polled);
    report.calls.push_back({"WSARecv, then polled", second_issued,
                            "polled " + std::to_string(report.incomplete_polls + 1) + " times",
                            polled});
    report.calls.push_back({"WSASend", second_send_issued, "waited on its event", second_sent});

    report.calls.push_back({"WSARecv, not connected", receive_on_unconnected_socket(), "", 0});
    return report;
}

}  // namespace ch01
