// ch02_winsock_overlapped/alertable.h: when, and on which thread, a completion routine runs.
//
// show_alertable_wait() posts a WSARecv with a completion routine, lets the data arrive, and
// shows that the finished receive's routine does not run while the thread is busy or in an
// ordinary wait, only when the thread that issued it waits alertably, and then on that thread.
#pragma once
#include "iocp/win32.h"

#include <string>

namespace ch02 {

struct AlertableReport {
    bool io_finished_first = false;  // the receive was complete before any alertable wait
    int routines_before = 0;         // routines run before the alertable wait (expected: 0)
    DWORD alertable_wait = 0;        // what SleepEx(0, TRUE) returned: WAIT_IO_COMPLETION
    int routines_after = 0;          // routines run after it (expected: 1)
    bool ran_on_issuing_thread = false;
    DWORD error = ERROR_SUCCESS;  // the routine's error argument
    std::string received;         // what the routine saw in the buffer
};

// Throws std::system_error when a call fails.
AlertableReport show_alertable_wait();

}  // namespace ch02
