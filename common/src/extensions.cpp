// common/src/extensions.cpp: the Winsock extension helpers (see iocp/extensions.h).
#include "iocp/extensions.h"

#include "iocp/error.h"

#include <string_view>

namespace iocp {
namespace {

// The provider's function for `id`, asked of `socket`: one WSAIoctl, checked twice (the call's
// result, then the pointer it wrote).
template <class Function>
Function extension_function(SOCKET socket, GUID id, std::string_view call) {
    Function function = nullptr;
    DWORD bytes = 0;
    check_wsa(WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &function,
                       sizeof(function), &bytes, nullptr, nullptr),
              call);
    if (function == nullptr) {
        throw_win32_error(call, WSAEOPNOTSUPP);  // succeeded, but no function to call
    }
    return function;
}

}  // namespace

LPFN_ACCEPTEX load_accept_ex(SOCKET socket) {
    return extension_function<LPFN_ACCEPTEX>(
        socket, WSAID_ACCEPTEX, "WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER, WSAID_ACCEPTEX)");
}

LPFN_CONNECTEX load_connect_ex(SOCKET socket) {
    return extension_function<LPFN_CONNECTEX>(
        socket, WSAID_CONNECTEX, "WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER, WSAID_CONNECTEX)");
}

bool has_ifs_handles(SOCKET socket) {
    WSAPROTOCOL_INFOW info{};
    int size = sizeof(info);
    check_wsa(
        getsockopt(socket, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &size),
        "getsockopt(SO_PROTOCOL_INFOW)");
    return (info.dwServiceFlags1 & XP1_IFS_HANDLES) != 0;
}

DWORD skip_completion_port_on_success(SOCKET socket) noexcept {
    if (socket == INVALID_SOCKET) {
        // As a HANDLE, INVALID_SOCKET is INVALID_HANDLE_VALUE, which is also the pseudo-handle
        // of the current process: never hand it to a call that takes any handle.
        return ERROR_INVALID_HANDLE;
    }
    if (!SetFileCompletionNotificationModes(
            reinterpret_cast<HANDLE>(socket),
            FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE)) {
        const DWORD error = GetLastError();
        return error != ERROR_SUCCESS ? error : ERROR_GEN_FAILURE;  // a failure is never "success"
    }
    return ERROR_SUCCESS;
}

}  // namespace iocp
