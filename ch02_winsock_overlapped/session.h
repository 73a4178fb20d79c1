// ch02_winsock_overlapped/session.h: one client of an echo server, and its one operation.
//
// A Session starts with its WSAOVERLAPPED, so the OVERLAPPED* a completion hands back is the
// Session* (chapter 4 splits it into PerSocketContext and PerIoContext). Its hEvent holds the
// event model's event, or in the routine model the server (Windows ignores hEvent when a
// completion routine is given, and leaves it to the application). It has one operation in
// flight at a time, so one OVERLAPPED and one buffer are enough: receive up to buffer_size
// bytes, send them all back (in several WSASends if a send moves fewer), receive again.
#pragma once
#include "iocp/handle.h"
#include "iocp/socket.h"

#include <array>
#include <cstdint>

namespace ch02 {

// Small on purpose: a message larger than this arrives in several receives.
inline constexpr DWORD buffer_size = 8 * 1024;

enum class IoType { receive, send };

// [snippet:session]
struct Session {
    WSAOVERLAPPED overlapped{};  // first member: the completion's OVERLAPPED* is this Session*
    iocp::UniqueSocket socket;
    IoType pending = IoType::receive;  // the operation in flight, or the last one
    WSABUF wsabuf{};
    std::array<char, buffer_size> buffer{};
    DWORD received = 0;        // bytes in `buffer` to echo
    DWORD sent = 0;            // of those, sent back so far
    iocp::UniqueHandle event;  // event model only: the event in overlapped.hEvent
};
// [/snippet]

// Issues the session's next operation: a send of what is left to echo, else a receive.
// Returns 0, or the WSA error when the call failed at once: then nothing was started, no
// completion will come, and the caller closes the session itself. `routine` is the completion
// routine (routine model) or nullptr.
int post_next(Session& session, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine);

// Applies a finished operation to the session and returns whether the session goes on: false
// when the operation failed or the peer closed (a receive of 0 bytes).
bool apply_completion(Session& session, DWORD error, DWORD bytes);

}  // namespace ch02
