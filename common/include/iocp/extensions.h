// common/include/iocp/extensions.h: the Winsock extensions chapter 4's server and client share,
// and the two casts every completion handler makes.
//
// AcceptEx and ConnectEx are Microsoft extensions: mswsock exports no ConnectEx at all, and the
// AcceptEx it exports goes through a lookup on every call. A program asks the socket's provider
// for its own function (WSAIoctl, SIO_GET_EXTENSION_FUNCTION_POINTER) and keeps the pointer; it
// serves every socket of that provider (here: IPv4 TCP). has_ifs_handles and
// skip_completion_port_on_success go together: the second is only safe where the first is true.
//
// A completion hands back two numbers: the completion key set by associate() and the OVERLAPPED*
// given to the I/O call. key_as and context_of turn them back into the objects they stand for,
// and refuse the 0 and nullptr that a posted packet (a sentinel) may carry.
#pragma once

#include "iocp/win32.h"

#include <cstddef>
#include <stdexcept>
#include <type_traits>

namespace iocp {

// AcceptEx / ConnectEx for sockets of `socket`'s provider. Throws std::system_error when
// WSAIoctl fails (WSAENOTSOCK for INVALID_SOCKET) and when it gives a null pointer.
LPFN_ACCEPTEX load_accept_ex(SOCKET socket);
LPFN_CONNECTEX load_connect_ex(SOCKET socket);

// Whether `socket`'s provider hands out IFS handles (kernel file handles: XP1_IFS_HANDLES in
// its WSAPROTOCOL_INFOW). Throws std::system_error when getsockopt fails.
// Skipping the port on success is safe only when the socket's provider hands out IFS handles:
// the SetFileCompletionNotificationModes page says the mode is only compatible with those. A
// layered, non-IFS provider completes I/O itself, in user mode. libuv checks this flag too;
// asio 1.22 neither checks it nor ever skips the port.
bool has_ifs_handles(SOCKET socket);

// SetFileCompletionNotificationModes(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS |
// FILE_SKIP_SET_EVENT_ON_HANDLE): from here a WSARecv or WSASend on `socket` that completes at
// once queues no packet, and its caller must handle the completion itself. Set it before the
// socket's first I/O, and only where has_ifs_handles(socket). Returns ERROR_SUCCESS or the Win32
// error; never throws, because a caller may go on without the mode (every completion then still
// comes as a packet).
[[nodiscard]] DWORD skip_completion_port_on_success(SOCKET socket) noexcept;

// The request context a completion's OVERLAPPED* belongs to. `Context` must be standard-layout
// with its OVERLAPPED (or WSAOVERLAPPED, the same type) as its first member, named `overlapped`:
// then the context and that member share one address. Throws std::invalid_argument for nullptr.
template <class Context>
Context& context_of(OVERLAPPED* overlapped) {
    static_assert(std::is_standard_layout_v<Context>, "a context must be standard-layout");
    static_assert(std::is_same_v<decltype(Context::overlapped), OVERLAPPED>,
                  "a context's `overlapped` must be an OVERLAPPED");
    static_assert(offsetof(Context, overlapped) == 0, "a context's OVERLAPPED must come first");
    if (overlapped == nullptr) {
        throw std::invalid_argument("context_of: a null OVERLAPPED* belongs to no request");
    }
    // Valid only by the three checks above: a first member is pointer-interconvertible with
    // its standard-layout object.
    return *reinterpret_cast<Context*>(overlapped);
}

// The object a completion key was set to: associate(socket, reinterpret_cast<ULONG_PTR>(&object)).
// Throws std::invalid_argument for 0, which no object's address is.
template <class T>
T& key_as(ULONG_PTR key) {
    if (key == 0) {
        throw std::invalid_argument("key_as: completion key 0 is no object's address");
    }
    return *reinterpret_cast<T*>(key);
}

}  // namespace iocp
