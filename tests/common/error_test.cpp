// tests/common/error_test.cpp: failed Win32/Winsock calls become std::system_error with the
// right code, the call's name and FormatMessage's text.
#include "iocp/error.h"
#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

using iocp::testing::thrown_by;

TEST(Error, MessageComesFromFormatMessageWithoutTheLineEnd) {
    const std::string text = iocp::win32_message(ERROR_FILE_NOT_FOUND);
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.find("unknown error"), std::string::npos) << text;
    EXPECT_NE(text.back(), '\n');
    EXPECT_NE(text.back(), '\r');
    EXPECT_EQ(iocp::win32_category().message(ERROR_FILE_NOT_FOUND), text);
    EXPECT_STREQ(iocp::win32_category().name(), "win32");
}

TEST(Error, UnknownCodeSaysSo) {
    EXPECT_EQ(iocp::win32_message(0xDEADBEEF), "unknown error 3735928559");
    EXPECT_EQ(iocp::win32_error_name(0xDEADBEEF), "");
    // Not through thrown_by: with a call that never returns inlined into it, MSVC /W4 finds
    // thrown_by's last lines unreachable (C4702).
    bool thrown = false;
    try {
        iocp::throw_win32_error("Frobnicate", 0xDEADBEEF);
    } catch (const std::system_error& e) {
        thrown = true;
        EXPECT_STREQ(e.what(), "Frobnicate failed (error 3735928559): unknown error 3735928559");
    }
    EXPECT_TRUE(thrown);
}

TEST(Error, CodesTheTutorialMeetsHaveNamesAndText) {
    // Wine's FormatMessage lacks these; the built-in table must cover them everywhere.
    for (DWORD code : {DWORD{WAIT_TIMEOUT}, DWORD{ERROR_ABANDONED_WAIT_0}, DWORD{WSAENOTSOCK},
                       DWORD{WSAEADDRINUSE}, DWORD{WSAECONNABORTED}, DWORD{WSAETIMEDOUT}}) {
        EXPECT_FALSE(iocp::win32_error_name(code).empty()) << code;
        EXPECT_EQ(iocp::win32_message(code).find("unknown error"), std::string::npos) << code;
    }
    EXPECT_EQ(iocp::win32_error_name(WSAECONNRESET), "WSAECONNRESET");
    EXPECT_EQ(iocp::win32_error_name(ERROR_IO_PENDING), "ERROR_IO_PENDING");
}

TEST(Error, FailedCreateFileThrowsWithItsCodeAndName) {
    const auto e = thrown_by([] {
        iocp::check_handle(CreateFileW(L"C:\\no-such-dir-iocp\\file.txt", GENERIC_READ, 0, nullptr,
                                       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr),
                           "CreateFileW");
    });
    EXPECT_EQ(e.code().value(), ERROR_PATH_NOT_FOUND);
    EXPECT_EQ(&e.code().category(), &iocp::win32_category());
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("CreateFileW failed (error 3, ERROR_PATH_NOT_FOUND): ", 0), 0u) << what;
    EXPECT_NE(what.find(iocp::win32_message(ERROR_PATH_NOT_FOUND)), std::string::npos) << what;
}

TEST(Error, NullHandleFromCreateEventCountsAsFailure) {
    // An event name with a backslash names a namespace that does not exist.
    const auto e = thrown_by([] {
        iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, L"NoSuchNamespace\\iocp"),
                           "CreateEventW");
    });
    EXPECT_EQ(e.code().value(), ERROR_PATH_NOT_FOUND);
}

TEST(Error, ValidResultsPassThrough) {
    HANDLE event = iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW");
    EXPECT_NE(event, nullptr);
    EXPECT_NO_THROW(iocp::check_bool(SetEvent(event), "SetEvent"));
    EXPECT_NO_THROW(iocp::check_bool(CloseHandle(event), "CloseHandle"));
    EXPECT_EQ(iocp::check_wsa(5, "recv"), 5);
}

TEST(Error, FalseFromABoolCallThrowsGetLastError) {
    const auto e = thrown_by([] { iocp::check_bool(SetEvent(nullptr), "SetEvent"); });
    EXPECT_EQ(e.code().value(), ERROR_INVALID_HANDLE);
    EXPECT_EQ(std::string(e.what()).rfind("SetEvent failed (error 6, ERROR_INVALID_HANDLE)", 0), 0u)
        << e.what();
}

TEST(Error, SocketCallOnAnInvalidSocketThrowsNotASocket) {
    // INVALID_SOCKET, not a closed socket's value: closesocket's page warns that a closed value
    // may be reused at once, so a call on it could reach some other socket and succeed.
    iocp::WinsockSession winsock;
    const auto e = thrown_by([] {
        const char byte = 'x';
        iocp::check_wsa(send(INVALID_SOCKET, &byte, 1, 0), "send");
    });
    EXPECT_EQ(e.code().value(), WSAENOTSOCK);
    EXPECT_EQ(std::string(e.what()).rfind("send failed (error 10038, WSAENOTSOCK): ", 0), 0u)
        << e.what();
}

TEST(Error, InvalidSocketFromWSASocketThrowsTheWsaCode) {
    iocp::WinsockSession winsock;
    const auto e = thrown_by([] {
        // 12345 is no address family.
        iocp::check_socket(WSASocketW(12345, SOCK_STREAM, 0, nullptr, 0, WSA_FLAG_OVERLAPPED),
                           "WSASocketW");
    });
    EXPECT_EQ(e.code().value(), WSAEAFNOSUPPORT);
    EXPECT_EQ(iocp::win32_message(WSAEAFNOSUPPORT).find("unknown error"), std::string::npos);
}

TEST(Error, WinsockSessionStartsVersionTwoTwo) {
    iocp::WinsockSession winsock;
    EXPECT_EQ(winsock.data().wVersion, MAKEWORD(2, 2));
}

TEST(Error, CleanUpFailuresAreReportedOnOneLineOfStderr) {
    testing::internal::CaptureStderr();
    iocp::report_cleanup_failure("CloseHandle", ERROR_INVALID_HANDLE);
    iocp::report_cleanup_exception("stopping the server", std::runtime_error("it broke"));
    const std::string text = testing::internal::GetCapturedStderr();
    EXPECT_NE(text.find("iocp: CloseHandle failed during clean-up (error 6): "), std::string::npos)
        << text;
    EXPECT_NE(text.find("\niocp: stopping the server: it broke\n"), std::string::npos) << text;
}

}  // namespace
