// ch02_winsock_overlapped/alertable.cpp: a completion routine waits for an alertable wait.
#include "alertable.h"

#include "iocp/error.h"
#include "iocp/loopback.h"

#include <array>
#include <chrono>
#include <memory>

namespace ch02 {
namespace {

constexpr auto finish_limit = std::chrono::seconds{10};

// The OVERLAPPED first: the routine gets nothing else to find its way back.
struct Probe {
    WSAOVERLAPPED overlapped{};
    WSABUF wsabuf{};
    std::array<char, 64> buffer{};
    int routines = 0;
    DWORD thread = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD bytes = 0;
};

void CALLBACK on_receive(DWORD error, DWORD bytes, LPWSAOVERLAPPED overlapped, DWORD /*flags*/) {
    Probe& probe = *reinterpret_cast<Probe*>(overlapped);
    ++probe.routines;
    probe.thread = GetCurrentThreadId();
    probe.error = error;
    probe.bytes = bytes;
}

}  // namespace

AlertableReport show_alertable_wait() {
    iocp::SocketPair pair = iocp::make_socket_pair();
    // On the heap, not the stack: if its routine never ran, it must be leaked, not unwound.
    auto owned = std::make_unique<Probe>();
    Probe& probe = *owned;
    probe.wsabuf.buf = probe.buffer.data();
    probe.wsabuf.len = static_cast<ULONG>(probe.buffer.size());
    DWORD flags = 0;
    if (WSARecv(pair.server.get(), &probe.wsabuf, 1, nullptr, &flags, &probe.overlapped,
                &on_receive) == SOCKET_ERROR &&
        WSAGetLastError() != WSA_IO_PENDING) {
        iocp::throw_last_wsa_error("WSARecv");
    }
    const char ping[] = "ping";
    iocp::check_wsa(send(pair.client.get(), ping, 4, 0), "send");

    // [snippet:not_yet_alertable]
    // The receive finishes in the kernel; its routine waits as an APC for this thread. The
    // thread keeps busy, with an ordinary (non-alertable) wait in between: the routine waits.
    AlertableReport report;
    const auto deadline = std::chrono::steady_clock::now() + finish_limit;
    while (!HasOverlappedIoCompleted(&probe.overlapped) &&
           std::chrono::steady_clock::now() < deadline) {
        static_cast<void>(SleepEx(1, FALSE));  // not alertable: no routine may run here
    }
    report.io_finished_first = HasOverlappedIoCompleted(&probe.overlapped);
    report.routines_before = probe.routines;
    // [/snippet]

    // [snippet:alertable_now]
    // Now an alertable wait: Windows runs the queued routine on this thread, then returns
    // WAIT_IO_COMPLETION instead of waiting out the time.
    report.alertable_wait = SleepEx(0, TRUE);
    // [/snippet]
    if (probe.routines == 0) {
        // Not finished within the limit: cancel it, and wait (alertably) for its routine. The
        // results do not matter here: whether the routine then runs is what is checked.
        static_cast<void>(
            CancelIoEx(reinterpret_cast<HANDLE>(pair.server.get()), &probe.overlapped));
        static_cast<void>(
            SleepEx(static_cast<DWORD>(finish_limit / std::chrono::milliseconds{1}), TRUE));
        if (probe.routines == 0) {
            static_cast<void>(owned.release());  // still the kernel's: leaked, never freed
            iocp::throw_win32_error("WSARecv with a completion routine", WAIT_TIMEOUT);
        }
    }
    report.routines_after = probe.routines;
    report.ran_on_issuing_thread = probe.thread == GetCurrentThreadId();
    report.error = probe.error;
    report.received.assign(probe.buffer.data(), probe.bytes);
    return report;
}

}  // namespace ch02
