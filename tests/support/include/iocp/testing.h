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
#include "iocp/wine.h"
#include "iocp/win32.h"

namespace iocp::testing {

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
