// common/src/error.cpp: Win32/Winsock error codes as std::system_error (see iocp/error.h).
#include "iocp/error.h"

#include <array>
#include <cstdio>
#include <string>

namespace iocp {
namespace {

struct KnownError {
    DWORD code;
    std::string_view name;
    std::string_view text;  // used only when FormatMessage has none (Wine lacks many)
};

// The codes this tutorial meets, so that every message names its constant, and reads well even
// where FormatMessage has no text for it.
constexpr std::array<KnownError, 41> known_errors{{
    {ERROR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND", "The system cannot find the file specified."},
    {ERROR_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND", "The system cannot find the path specified."},
    {ERROR_ACCESS_DENIED, "ERROR_ACCESS_DENIED", "Access is denied."},
    {ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE", "The handle is invalid."},
    {ERROR_HANDLE_EOF, "ERROR_HANDLE_EOF", "Reached the end of the file."},
    {ERROR_NETNAME_DELETED, "ERROR_NETNAME_DELETED",
     "The specified network name is no longer available."},
    {ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER", "The parameter is incorrect."},
    {ERROR_INSUFFICIENT_BUFFER, "ERROR_INSUFFICIENT_BUFFER",
     "The data area passed to a system call is too small."},
    {WAIT_TIMEOUT, "WAIT_TIMEOUT", "The wait operation timed out."},
    {ERROR_ABANDONED_WAIT_0, "ERROR_ABANDONED_WAIT_0",
     "The I/O completion port was closed while a thread was waiting on it."},
    {ERROR_OPERATION_ABORTED, "ERROR_OPERATION_ABORTED",
     "The I/O operation has been aborted because of either a thread exit or an application "
     "request."},
    {ERROR_IO_INCOMPLETE, "ERROR_IO_INCOMPLETE",
     "Overlapped I/O event is not in a signaled state."},
    {ERROR_IO_PENDING, "ERROR_IO_PENDING", "Overlapped I/O operation is in progress."},
    {ERROR_NOT_FOUND, "ERROR_NOT_FOUND", "Element not found."},
    {ERROR_CONNECTION_ABORTED, "ERROR_CONNECTION_ABORTED",
     "The network connection was aborted by the local system."},
    {WSAEINTR, "WSAEINTR", "A blocking operation was interrupted."},
    {WSAEACCES, "WSAEACCES", "Permission denied: the socket's access rights forbid this."},
    {WSAEFAULT, "WSAEFAULT", "The system detected an invalid pointer address."},
    {WSAEINVAL, "WSAEINVAL", "An invalid argument was supplied."},
    {WSAEMFILE, "WSAEMFILE", "Too many open sockets."},
    {WSAEWOULDBLOCK, "WSAEWOULDBLOCK",
     "A non-blocking socket operation could not be completed immediately."},
    {WSAEINPROGRESS, "WSAEINPROGRESS", "A blocking operation is currently executing."},
    {WSAEALREADY, "WSAEALREADY", "An operation is already in progress on this socket."},
    {WSAENOTSOCK, "WSAENOTSOCK", "An operation was attempted on something that is not a socket."},
    {WSAEMSGSIZE, "WSAEMSGSIZE", "The message was larger than the buffer or a limit."},
    {WSAEOPNOTSUPP, "WSAEOPNOTSUPP", "The operation is not supported for this type of socket."},
    {WSAEAFNOSUPPORT, "WSAEAFNOSUPPORT",
     "An address incompatible with the requested protocol was used."},
    {WSAEADDRINUSE, "WSAEADDRINUSE",
     "Only one usage of each socket address (protocol/network address/port) is normally "
     "permitted."},
    {WSAEADDRNOTAVAIL, "WSAEADDRNOTAVAIL", "The requested address is not valid in its context."},
    {WSAENETDOWN, "WSAENETDOWN", "The network is down."},
    {WSAENETUNREACH, "WSAENETUNREACH", "The network cannot be reached."},
    {WSAENETRESET, "WSAENETRESET", "The connection was broken by keep-alive activity."},
    {WSAECONNABORTED, "WSAECONNABORTED",
     "An established connection was aborted by the software in your host machine."},
    {WSAECONNRESET, "WSAECONNRESET",
     "An existing connection was forcibly closed by the remote host."},
    {WSAENOBUFS, "WSAENOBUFS", "No buffer space was available for a socket operation."},
    {WSAENOTCONN, "WSAENOTCONN", "The socket is not connected."},
    {WSAESHUTDOWN, "WSAESHUTDOWN", "The socket has been shut down in that direction."},
    {WSAETIMEDOUT, "WSAETIMEDOUT", "The connection attempt timed out."},
    {WSAECONNREFUSED, "WSAECONNREFUSED",
     "No connection could be made because the target machine actively refused it."},
    {WSAEHOSTUNREACH, "WSAEHOSTUNREACH", "The host cannot be reached."},
    {WSANOTINITIALISED, "WSANOTINITIALISED", "WSAStartup has not been called successfully."},
}};

const KnownError* find_known_error(DWORD code) {
    for (const KnownError& known : known_errors) {
        if (known.code == code) {
            return &known;
        }
    }
    return nullptr;
}

class Win32Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "win32"; }
    std::string message(int code) const override { return win32_message(static_cast<DWORD>(code)); }
};

std::string to_utf8(const wchar_t* text, int length) {
    const int size = WideCharToMultiByte(CP_UTF8, 0, text, length, nullptr, 0, nullptr, nullptr);
    if (size <= 0) {
        return {};
    }
    std::string utf8(static_cast<size_t>(size), '\0');
    const int written =
        WideCharToMultiByte(CP_UTF8, 0, text, length, utf8.data(), size, nullptr, nullptr);
    return written == size ? utf8 : std::string{};
}

}  // namespace

const std::error_category& win32_category() noexcept {
    static const Win32Category category;
    return category;
}

std::string win32_message(DWORD code) {
    wchar_t buffer[1024];
    const DWORD length =
        FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code, 0,
                       buffer, static_cast<DWORD>(std::size(buffer)), nullptr);
    std::string text = length == 0 ? std::string{} : to_utf8(buffer, static_cast<int>(length));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.pop_back();
    }
    if (!text.empty()) {
        return text;
    }
    const KnownError* known = find_known_error(code);
    return known != nullptr ? std::string(known->text) : "unknown error " + std::to_string(code);
}

std::string_view win32_error_name(DWORD code) noexcept {
    const KnownError* known = find_known_error(code);
    return known != nullptr ? known->name : std::string_view{};
}

void throw_win32_error(std::string_view call, DWORD code) {
    std::string what(call);
    what += " failed (error " + std::to_string(code);
    if (const std::string_view name = win32_error_name(code); !name.empty()) {
        what += ", ";
        what += name;
    }
    what += ")";
    throw std::system_error(static_cast<int>(code), win32_category(), what);
}

void throw_last_error(std::string_view call) {
    throw_win32_error(call, GetLastError());
}

void throw_last_wsa_error(std::string_view call) {
    throw_win32_error(call, static_cast<DWORD>(WSAGetLastError()));
}

void check_bool(BOOL result, std::string_view call) {
    if (!result) {
        throw_last_error(call);
    }
}

HANDLE check_handle(HANDLE result, std::string_view call) {
    if (result == nullptr || result == INVALID_HANDLE_VALUE) {
        throw_last_error(call);
    }
    return result;
}

SOCKET check_socket(SOCKET result, std::string_view call) {
    if (result == INVALID_SOCKET) {
        throw_last_wsa_error(call);
    }
    return result;
}

int check_wsa(int result, std::string_view call) {
    if (result == SOCKET_ERROR) {
        throw_last_wsa_error(call);
    }
    return result;
}

namespace {

void write_line_to_stderr(const std::string& line) noexcept {
    // Nothing more can be done if stderr itself fails.
    if (std::fputs(line.c_str(), stderr) == EOF) {
        return;
    }
}

}  // namespace

void report_cleanup_failure(std::string_view call, DWORD code) noexcept {
    try {
        write_line_to_stderr("iocp: " + std::string(call) + " failed during clean-up (error " +
                             std::to_string(code) + "): " + win32_message(code) + "\n");
    } catch (...) {
        // Out of memory while building the line: stay silent rather than terminate.
        return;
    }
}

void report_cleanup_exception(std::string_view what, const std::exception& error) noexcept {
    try {
        write_line_to_stderr("iocp: " + std::string(what) + ": " + error.what() + "\n");
    } catch (...) {
        return;  // as above
    }
}

}  // namespace iocp
