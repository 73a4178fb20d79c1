// tests/support/include/iocp/testing.h: helpers shared by the tests of every chapter.
//
// IOCP_SKIP_UNDER_WINE(reason) skips the rest of a test when it runs under Wine, stating the
// reason, for behaviour that Wine does not implement (the concurrency cap, LIFO wake order...).
// Never assert Wine's wrong behaviour instead, and never let such a test pass silently: CTest
// lists a skipped test as "Skipped" with this message.
//
// iocp::testing::thrown_by(call) returns the std::system_error that `call` throws (a failure if
// it throws none), so a test can check the error's code and text; handle_is_open(handle) says
// whether a HANDLE is still open (Windows).
#pragma once

#include <gtest/gtest.h>

#include <system_error>

namespace iocp::testing {

// Runs `call`, expects it to throw std::system_error, and returns it for its code and text.
template <class Call>
std::system_error thrown_by(Call call) {
    try {
        call();
    } catch (const std::system_error& e) {
        return e;
    }
    ADD_FAILURE() << "no std::system_error was thrown";
    return std::system_error(std::error_code{});
}

}  // namespace iocp::testing

#ifdef _WIN32
#include "iocp/error.h"
#include "iocp/wine.h"
#include "iocp/win32.h"

#include <cstddef>
#include <span>
#include <vector>

namespace iocp::testing {

// Sends every byte on a blocking socket (throws std::system_error on failure).
inline void send_all(SOCKET socket, std::span<const std::byte> bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {  // each pass sends at least one byte or throws
        sent += static_cast<std::size_t>(
            iocp::check_wsa(send(socket, reinterpret_cast<const char*>(bytes.data() + sent),
                                 static_cast<int>(bytes.size() - sent), 0),
                            "send"));
    }
}

// Receives exactly `size` bytes from a blocking socket, or fewer if the connection ends (closed,
// reset) or a receive times out (SO_RCVTIMEO): the caller sees the short result.
inline std::vector<std::byte> receive_exactly(SOCKET socket, std::size_t size) {
    std::vector<std::byte> bytes(size);
    std::size_t got = 0;
    while (got < size) {  // each pass receives at least one byte or ends the loop
        const int n = recv(socket, reinterpret_cast<char*>(bytes.data() + got),
                           static_cast<int>(size - got), 0);
        if (n <= 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    return bytes;
}

// Whether `handle` is an open handle of this process; any answer but "invalid handle" fails.
inline bool handle_is_open(HANDLE handle) {
    DWORD flags = 0;
    if (GetHandleInformation(handle, &flags)) {
        return true;
    }
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    return false;
}

}  // namespace iocp::testing

#define IOCP_SKIP_UNDER_WINE(reason)                               \
    do {                                                           \
        if (::iocp::running_under_wine()) {                        \
            GTEST_SKIP() << "Wine " << ::iocp::wine_version()      \
                         << " differs from Windows: " << (reason); \
        }                                                          \
    } while (false)
#endif
