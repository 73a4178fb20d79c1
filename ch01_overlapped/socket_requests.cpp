// ch01_overlapped/socket_requests.cpp: overlapped WSASend/WSARecv, collected by event and by
// polling.
#include "socket_requests.h"

#include "iocp/error.h"
#include "iocp/handle.h"
#include "iocp/loopback.h"

#include <array>
#include <chrono>

namespace ch01 {
namespace {

constexpr DWORD wait_limit_ms = 10'000;
constexpr auto poll_deadline = std::chrono::seconds{10};

// [snippet:socket_request]
// One overlapped socket call: the OVERLAPPED, its event, and the WSABUF with the bytes it
// points at. All of it is the kernel's from the call until the completion is collected.
struct SocketRequest {
    WSAOVERLAPPED overlapped{};
    iocp::UniqueHandle done;  // manual-reset event (WSACreateEvent makes the same kind)
    std::array<char, 256> bytes{};
    WSABUF buffer{};

    SocketRequest() {
        done = iocp::UniqueHandle{
            iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")};
        overlapped.hEvent = done.get();
    }
    SocketRequest(const SocketRequest&) = delete;  // the kernel holds its address
    SocketRequest& operator=(const SocketRequest&) = delete;
};
// [/snippet]

// [snippet:post_receive]
Issued post_receive(SOCKET socket, SocketRequest& request) {
    request.buffer.buf = request.bytes.data();
    request.buffer.len = static_cast<ULONG>(request.bytes.size());
    DWORD flags = 0;
    // lpNumberOfBytesRecvd is nullptr: the count comes with the completion.
    const int result =
        WSARecv(socket, &request.buffer, 1, nullptr, &flags, &request.overlapped, nullptr);
    return classify_wsa_call(result, WSAGetLastError());
}
// [/snippet]

Issued post_send(SOCKET socket, SocketRequest& request, const std::string& text) {
    const std::size_t size = text.copy(request.bytes.data(), request.bytes.size());
    request.buffer.buf = request.bytes.data();
    request.buffer.len = static_cast<ULONG>(size);
    const int result =
        WSASend(socket, &request.buffer, 1, nullptr, 0, &request.overlapped, nullptr);
    return classify_wsa_call(result, WSAGetLastError());
}

// The byte count of a completed request (its event is set), or a throw with its error.
DWORD completed_bytes(SOCKET socket, SocketRequest& request, const char* call) {
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
    if (woke == WSA_WAIT_TIMEOUT) {
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
        return true;
    }
    const int error = WSAGetLastError();
    if (error != WSA_IO_INCOMPLETE) {
        iocp::throw_win32_error("WSAGetOverlappedResult", static_cast<DWORD>(error));
    }
    return false;
}
// [/snippet]

std::string received_text(const SocketRequest& request, DWORD bytes) {
    return std::string(request.bytes.data(), bytes);
}

}  // namespace

Issued receive_on_closed_socket() {
    SocketRequest request;  // made first: its event must not take the closed socket's value
    iocp::UniqueSocket socket = iocp::make_tcp_socket();
    const SOCKET stale = socket.get();
    socket.close();  // `stale` now names no socket
    return post_receive(stale, request);
}

SocketReport run_socket_requests() {
    iocp::SocketPair pair = iocp::make_socket_pair();
    SocketReport report;

    // [snippet:receive_first]
    // The receive is posted before the peer has sent anything: it cannot finish now, so it
    // is accepted and left in flight. Sending afterwards completes it.
    SocketRequest first_receive;
    SocketRequest first_send;
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

    SocketRequest second_receive;
    SocketRequest second_send;
    report.sent_second = "polled, not waited for";
    const Issued second_issued = post_receive(pair.server.get(), second_receive);
    throw_if_failed(second_issued, "WSARecv");
    // [snippet:poll_until_done]
    Issued second_send_issued;
    DWORD polled = 0;
    const auto deadline = std::chrono::steady_clock::now() + poll_deadline;
    while (!poll(pair.server.get(), second_receive, polled)) {
        if (++report.incomplete_polls == 1) {  // certainly "not yet": nothing was sent. Send now.
            second_send_issued = post_send(pair.client.get(), second_send, report.sent_second);
            throw_if_failed(second_send_issued, "WSASend");
        }
        if (std::chrono::steady_clock::now() > deadline) {
            iocp::throw_win32_error("WSAGetOverlappedResult", WAIT_TIMEOUT);
        }
    }
    // [/snippet]
    const DWORD second_sent = wait_for(pair.client.get(), second_send);
    report.received_second = received_text(second_receive, polled);
    report.calls.push_back({"WSARecv, then polled", second_issued,
                            "polled " + std::to_string(report.incomplete_polls + 1) + " times",
                            polled});
    report.calls.push_back({"WSASend", second_send_issued, "waited on its event", second_sent});

    report.calls.push_back({"WSARecv, closed socket", receive_on_closed_socket(), "", 0});
    return report;
}

}  // namespace ch01
