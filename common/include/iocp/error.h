// common/include/iocp/error.h: Win32 and Winsock failures as std::system_error.
//
// Every Win32/Winsock call in this tutorial has its result checked. A failure becomes a
// std::system_error that names the call and carries the numeric code (error().value()) and the
// system's own text from FormatMessage, so a program can print one line a reader understands:
//
//     CreateFileW failed (error 2, ERROR_FILE_NOT_FOUND): The system cannot find the file
//     specified.
//
// The check_* helpers cover the usual shapes of a result; throw_win32_error covers the rest.
// An overlapped call that returns ERROR_IO_PENDING has NOT failed: chapter 1 shows how to tell.
#pragma once

#include "iocp/win32.h"

#include <exception>
#include <string>
#include <string_view>
#include <system_error>

namespace iocp {

// The category of Win32 and Winsock (WSA*) codes; its message() asks FormatMessage.
const std::error_category& win32_category() noexcept;

// FormatMessage's text for a code, without the trailing line end. Where the system has no text
// (Wine lacks many Winsock messages) a built-in one is used for the codes this tutorial meets.
std::string win32_message(DWORD code);

// The constant's name for the codes this tutorial meets ("WSAECONNRESET"), else "".
std::string_view win32_error_name(DWORD code) noexcept;

[[noreturn]] void throw_win32_error(std::string_view call, DWORD code);
[[noreturn]] void throw_last_error(std::string_view call);      // code from GetLastError()
[[noreturn]] void throw_last_wsa_error(std::string_view call);  // code from WSAGetLastError()

// BOOL results: FALSE means failure, GetLastError() says why.
void check_bool(BOOL result, std::string_view call);

// HANDLE results: NULL (CreateEvent, OpenProcess...) and INVALID_HANDLE_VALUE (CreateFile...)
// both mean failure, GetLastError() says why. Returns the handle.
HANDLE check_handle(HANDLE result, std::string_view call);

// SOCKET results: INVALID_SOCKET means failure, WSAGetLastError() says why.
SOCKET check_socket(SOCKET result, std::string_view call);

// int results of Winsock calls (bind, listen, setsockopt, send...): SOCKET_ERROR means failure,
// WSAGetLastError() says why. Returns the result (e.g. a byte count).
int check_wsa(int result, std::string_view call);

// For destructors, which must not throw: writes one line about a failed clean-up call to stderr.
void report_cleanup_failure(std::string_view call, DWORD code) noexcept;

// The same for an exception caught where it cannot go on (a destructor, a thread that must keep
// serving): writes "iocp: <what>: <error.what()>" to stderr.
void report_cleanup_exception(std::string_view what, const std::exception& error) noexcept;

}  // namespace iocp
