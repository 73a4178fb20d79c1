// ch01_overlapped/socket_requests.h: WSASend and WSARecv with an OVERLAPPED, on a loopback pair.
//
// run_socket_requests() shows the three outcomes of an overlapped Winsock call and the two ways
// to learn, without a completion port, that a request is done: waiting on its event, and polling
// WSAGetOverlappedResult(fWait = FALSE). Whatever ends it early (an error, a timeout), no request
// is freed while the kernel still holds it: each one is cancelled and collected first.
#pragma once
#include "outcome.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ch01 {

// One overlapped call and how it ended.
struct SocketCall {
    std::string what;       // "WSARecv, posted before any data"
    Issued issued;          // what the call returned
    std::string collected;  // "waited on its event", "polled 3 times", "" (never started)
    DWORD bytes = 0;
};

struct SocketReport {
    std::vector<SocketCall> calls;
    std::string sent_first, received_first;    // a receive posted before the data existed
    std::string sent_second, received_second;  // the same, collected by polling
    int incomplete_polls = 0;                  // WSA_IO_INCOMPLETE answers before it was done
};

// A request that an early exit (an exception) had to cancel and collect before its memory went,
// and how its completion ended: ERROR_OPERATION_ABORTED when the cancel caught it, or its own
// result (success, another error) when it finished first.
struct CollectedOnExit {
    std::string what;  // "second WSARecv"
    DWORD error = ERROR_SUCCESS;
    DWORD bytes = 0;
};

struct SocketOptions {
    // How long polling waits for the second message before it gives up with WAIT_TIMEOUT.
    std::chrono::milliseconds poll_limit{10'000};
    // Told of each request collected on the way out of an early exit. May be empty.
    std::function<void(const CollectedOnExit&)> on_collected_on_exit;
};

// Throws std::system_error when a call fails that should not (the failed call it shows on
// purpose is recorded, not thrown), after collecting every request still out.
SocketReport run_socket_requests(const SocketOptions& options = {});

// Posts an overlapped WSARecv on a TCP socket that was never connected and returns what it
// said: failed at once (WSAENOTCONN), so nothing was started. Exposed for the tests.
Issued receive_on_unconnected_socket();

}  // namespace ch01
