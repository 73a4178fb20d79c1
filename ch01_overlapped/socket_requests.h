// ch01_overlapped/socket_requests.h: WSASend and WSARecv with an OVERLAPPED, on a loopback pair.
//
// run_socket_requests() shows the three outcomes of an overlapped Winsock call and the two ways
// to learn, without a completion port, that a request is done: waiting on its event, and polling
// WSAGetOverlappedResult(fWait = FALSE).
#pragma once
#include "outcome.h"

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

// Throws std::system_error when a call fails that should not (the failed call it shows on
// purpose is recorded, not thrown).
SocketReport run_socket_requests();

// Posts an overlapped WSARecv on a socket that was closed and returns what it said: failed,
// with WSAENOTSOCK. Exposed for the tests.
Issued receive_on_closed_socket();

}  // namespace ch01
