// ch04_echo_server/server/io_calls.h: the calls that can fail at once, in one table a test may
// replace (the fault-injection seam).
//
// The server makes these calls through an IoCalls it was given: calls.wsa_recv(...) is
// WSARecv(...) unless a test put something else there. Real failures of this kind are rare and
// hard to cause on purpose (AcceptEx failing at once when a client resets in the backlog, a
// handle or memory shortage), and Wine reports some of them as completions instead, so tests
// set them up here: tests/ch04/server_faults_test.cpp. The calls are counted (wsarecv_calls
// and the like) where the server makes them, not here: this table is shared by every thread,
// and each counts in its own statistics slot.
#pragma once
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/win32.h"

#include <functional>

namespace ch04 {

struct IoCalls {
    // WSARecv and WSASend, with their own parameters.
    std::function<int(SOCKET, LPWSABUF, DWORD, LPDWORD, LPDWORD, LPWSAOVERLAPPED,
                      LPWSAOVERLAPPED_COMPLETION_ROUTINE)>
        wsa_recv = ::WSARecv;
    std::function<int(SOCKET, LPWSABUF, DWORD, LPDWORD, DWORD, LPWSAOVERLAPPED,
                      LPWSAOVERLAPPED_COMPLETION_ROUTINE)>
        wsa_send = ::WSASend;
    // AcceptEx; left empty, the server loads the listener's provider's own at start.
    std::function<BOOL(SOCKET, SOCKET, PVOID, DWORD, DWORD, DWORD, LPDWORD, LPOVERLAPPED)>
        accept_ex;
    // A new overlapped TCP socket for AcceptEx to fill; throws std::system_error on failure.
    std::function<iocp::UniqueSocket()> make_socket = iocp::make_tcp_socket;
    // Called with a session's lock held just before its received bytes become echo, where the
    // server allocates; a test throws std::bad_alloc from it. Empty: nothing is called.
    std::function<void()> before_echo;
};

}  // namespace ch04
