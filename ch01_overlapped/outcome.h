// ch01_overlapped/outcome.h: the three outcomes of issuing an overlapped call.
//
// An overlapped call (ReadFile, WriteFile, WSARecv, WSASend with an OVERLAPPED) does not wait for
// I/O that is still in flight, and what it returned says one of three things:
//   - done now:   the I/O already finished (TRUE from ReadFile, 0 from WSARecv);
//   - in flight:  FALSE / SOCKET_ERROR, and the error is ERROR_IO_PENDING (WSA_IO_PENDING): the
//                 request was accepted and will complete later. This is success, not failure;
//   - failed:     FALSE / SOCKET_ERROR with any other error: nothing was started.
// The first two both complete: the OVERLAPPED gets its result and its event is set.
#pragma once
#include "iocp/win32.h"

#include <string>
#include <string_view>

namespace ch01 {

enum class IssueOutcome { done_now, in_flight, failed };

struct Issued {
    IssueOutcome outcome = IssueOutcome::failed;
    DWORD error = ERROR_SUCCESS;  // GetLastError()/WSAGetLastError() when the call said FALSE
};

// [snippet:classify]
// ReadFile/WriteFile: `result` is what the call returned, `last_error` is GetLastError() read
// right after it (only meaningful when result is FALSE).
inline Issued classify_file_call(BOOL result, DWORD last_error) {
    if (result) {
        return {IssueOutcome::done_now, ERROR_SUCCESS};
    }
    if (last_error == ERROR_IO_PENDING) {
        return {IssueOutcome::in_flight, last_error};
    }
    return {IssueOutcome::failed, last_error};
}

// WSARecv/WSASend: 0 or SOCKET_ERROR, then WSAGetLastError().
inline Issued classify_wsa_call(int result, int wsa_error) {
    if (result == 0) {
        return {IssueOutcome::done_now, ERROR_SUCCESS};
    }
    if (wsa_error == WSA_IO_PENDING) {
        return {IssueOutcome::in_flight, static_cast<DWORD>(wsa_error)};
    }
    return {IssueOutcome::failed, static_cast<DWORD>(wsa_error)};
}
// [/snippet]

// "done now", "in flight", "failed".
std::string_view outcome_name(IssueOutcome outcome) noexcept;

// What the call returned, for a table: "TRUE", "FALSE + ERROR_IO_PENDING", "0",
// "SOCKET_ERROR + WSAENOTCONN". `winsock` picks the Winsock spelling.
std::string returned_text(const Issued& issued, bool winsock);

// Throws std::system_error (through iocp::throw_win32_error) when the call failed.
void throw_if_failed(const Issued& issued, std::string_view call);

}  // namespace ch01
