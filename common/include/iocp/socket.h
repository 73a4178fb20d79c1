// common/include/iocp/socket.h: Winsock start-up and a SOCKET that closes itself.
//
// WinsockSession calls WSAStartup(2.2) and, when it goes out of scope, WSACleanup: create one
// in main() before any socket call and keep it alive longer than every socket.
// UniqueSocket owns a SOCKET like UniqueHandle owns a HANDLE (move-only, closesocket once).
// Closing a socket cancels its pending overlapped I/O: the completions still arrive (with an
// error), so the OVERLAPPEDs and buffers must outlive the close until they are dequeued.
#pragma once

#include "iocp/win32.h"

namespace iocp {

class WinsockSession {
public:
    WinsockSession();  // throws std::system_error with WSAStartup's code
    ~WinsockSession();
    WinsockSession(const WinsockSession&) = delete;
    WinsockSession& operator=(const WinsockSession&) = delete;

    const WSADATA& data() const noexcept { return data_; }

private:
    WSADATA data_{};
};

class UniqueSocket {
public:
    UniqueSocket() noexcept = default;
    explicit UniqueSocket(SOCKET socket) noexcept : socket_(socket) {}
    ~UniqueSocket() { reset(); }

    UniqueSocket(UniqueSocket&& other) noexcept : socket_(other.release()) {}
    UniqueSocket& operator=(UniqueSocket&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    UniqueSocket(const UniqueSocket&) = delete;
    UniqueSocket& operator=(const UniqueSocket&) = delete;

    SOCKET get() const noexcept { return socket_; }
    explicit operator bool() const noexcept { return socket_ != INVALID_SOCKET; }

    // Gives up ownership: the caller must close the returned socket.
    SOCKET release() noexcept {
        SOCKET socket = socket_;
        socket_ = INVALID_SOCKET;
        return socket;
    }
    // Closes the socket owned now (reporting, not throwing, on failure) and owns `socket`.
    void reset(SOCKET socket = INVALID_SOCKET) noexcept;
    // Closes the socket now; throws std::system_error if closesocket fails.
    void close();

private:
    SOCKET socket_ = INVALID_SOCKET;
};

}  // namespace iocp
