// ch02_winsock_overlapped/alertable.h: when, and on which thread, a completion routine runs.
//
// show_alertable_wait() posts a WSARecv with a completion routine, lets the data arrive, and
// shows that the finished receive's routine does not run while the thread is busy or in an
// ordinary wait, only when the thread that issued it waits alertably, and then on that thread.
// RoutineReceive is that receive: it owns the OVERLAPPED and buffer the kernel writes to, and
// on every way out (an exception too) collects the receive before that memory goes.
#pragma once
#include "iocp/win32.h"

#include <memory>
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

// What a receive's completion routine saw. It must outlive the RoutineReceive that writes it.
struct ReceiveOutcome {
    int routines = 0;             // how often the routine ran: 0, then 1
    DWORD thread = 0;             // the thread it ran on
    DWORD error = ERROR_SUCCESS;  // its error argument
    std::string received;         // the bytes it found in the buffer
    bool collected = false;       // set when the request is freed: its routine had run by then
};

// One WSARecv with a completion routine. Its OVERLAPPED and buffer belong to the kernel until
// the routine has run, so the destructor waits for that: if the routine has not run, it cancels
// the receive (CancelIoEx) and waits alertably, up to 10 s, for the routine; if none comes, the
// memory is leaked, never freed. Declare it after its socket: it must go while the socket is
// still open, so the cancel reaches the receive (a closed socket's receive fails another way).
class RoutineReceive {
public:
    // Posts the receive on `socket`; throws std::system_error if WSARecv fails at once.
    RoutineReceive(SOCKET socket, ReceiveOutcome& outcome);
    ~RoutineReceive();
    RoutineReceive(const RoutineReceive&) = delete;
    RoutineReceive& operator=(const RoutineReceive&) = delete;

    // Whether the receive has finished in the kernel; its routine may still be waiting to run.
    bool finished() const noexcept;

private:
    struct Request;
    static void CALLBACK on_receive(DWORD error, DWORD bytes, LPWSAOVERLAPPED overlapped,
                                    DWORD flags);

    SOCKET socket_;
    std::unique_ptr<Request> request_;
};

}  // namespace ch02
