// common/src/handle.cpp: UniqueHandle, UniqueSocket and WinsockSession (see their headers).
#include "iocp/handle.h"

#include "iocp/error.h"
#include "iocp/socket.h"

namespace iocp {

void UniqueHandle::reset(HANDLE handle) noexcept {
    HANDLE old = handle_;
    handle_ = handle == INVALID_HANDLE_VALUE ? nullptr : handle;
    if (old != nullptr && !CloseHandle(old)) {
        report_cleanup_failure("CloseHandle", GetLastError());
    }
}

void UniqueHandle::close() {
    HANDLE old = release();
    if (old != nullptr) {
        check_bool(CloseHandle(old), "CloseHandle");
    }
}

void UniqueSocket::reset(SOCKET socket) noexcept {
    SOCKET old = socket_;
    socket_ = socket;
    if (old != INVALID_SOCKET && closesocket(old) == SOCKET_ERROR) {
        report_cleanup_failure("closesocket", static_cast<DWORD>(WSAGetLastError()));
    }
}

void UniqueSocket::close() {
    SOCKET old = release();
    if (old != INVALID_SOCKET) {
        check_wsa(closesocket(old), "closesocket");
    }
}

WinsockSession::WinsockSession() {
    // WSAStartup returns its error code instead of setting WSAGetLastError().
    const int code = WSAStartup(MAKEWORD(2, 2), &data_);
    if (code != 0) {
        throw_win32_error("WSAStartup", static_cast<DWORD>(code));
    }
    if (LOBYTE(data_.wVersion) != 2 || HIBYTE(data_.wVersion) != 2) {
        if (WSACleanup() == SOCKET_ERROR) {
            report_cleanup_failure("WSACleanup", static_cast<DWORD>(WSAGetLastError()));
        }
        throw_win32_error("WSAStartup (version 2.2)", WSAVERNOTSUPPORTED);
    }
}

WinsockSession::~WinsockSession() {
    if (WSACleanup() == SOCKET_ERROR) {
        report_cleanup_failure("WSACleanup", static_cast<DWORD>(WSAGetLastError()));
    }
}

}  // namespace iocp
