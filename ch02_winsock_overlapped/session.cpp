// ch02_winsock_overlapped/session.cpp: the echo steps every model shares (see session.h).
#include "session.h"

namespace ch02 {

// [snippet:post_next]
int post_next(Session& session, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) {
    const HANDLE kept = session.overlapped.hEvent;  // its event, or the routine model's server
    session.overlapped = WSAOVERLAPPED{};  // reusable: its previous operation has completed
    session.overlapped.hEvent = kept;
    int result = 0;
    if (session.sent < session.received) {
        session.pending = IoType::send;
        session.wsabuf.buf = session.buffer.data() + session.sent;
        session.wsabuf.len = session.received - session.sent;
        result = WSASend(session.socket.get(), &session.wsabuf, 1, nullptr, 0, &session.overlapped,
                         routine);
    } else {
        session.pending = IoType::receive;
        session.received = 0;
        session.sent = 0;
        session.wsabuf.buf = session.buffer.data();
        session.wsabuf.len = buffer_size;
        DWORD flags = 0;
        result = WSARecv(session.socket.get(), &session.wsabuf, 1, nullptr, &flags,
                         &session.overlapped, routine);
    }
    // From here on the operation may already have completed, and with a completion port
    // another thread may be handling the session: this function touches it no more.
    if (result == SOCKET_ERROR) {
        const int error = WSAGetLastError();
        if (error != WSA_IO_PENDING) {
            return error;  // failed at once: no completion will come
        }
    }
    return 0;  // done now or in flight: either way, a completion will come
}
// [/snippet]

bool apply_completion(Session& session, DWORD error, DWORD bytes) {
    if (error != ERROR_SUCCESS) {
        return false;
    }
    if (session.pending == IoType::receive) {
        if (bytes == 0) {
            return false;  // the peer closed its side: the session is over
        }
        session.received = bytes;
        session.sent = 0;
    } else {
        session.sent += bytes;
    }
    return true;
}

}  // namespace ch02
