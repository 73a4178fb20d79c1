// tests/ch01/outcome_test.cpp: the three outcomes of an overlapped call, told apart correctly,
// and a failed call carried to the caller with its code and name.
#include "file_requests.h"
#include "outcome.h"

#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <string>
#include <system_error>

namespace {

using ch01::IssueOutcome;

TEST(Outcome, FileCallTrueIsDoneNowWhateverTheLastError) {
    EXPECT_EQ(ch01::classify_file_call(TRUE, ERROR_IO_PENDING).outcome, IssueOutcome::done_now);
    EXPECT_EQ(ch01::classify_file_call(TRUE, ERROR_IO_PENDING).error, DWORD{ERROR_SUCCESS});
}

TEST(Outcome, FileCallFalseWithIoPendingIsInFlight) {
    const ch01::Issued issued = ch01::classify_file_call(FALSE, ERROR_IO_PENDING);
    EXPECT_EQ(issued.outcome, IssueOutcome::in_flight);
    EXPECT_EQ(issued.error, DWORD{ERROR_IO_PENDING});
    EXPECT_EQ(ch01::returned_text(issued, false), "FALSE + ERROR_IO_PENDING");
}

TEST(Outcome, FileCallFalseWithAnyOtherErrorFailed) {
    for (const DWORD error : {DWORD{ERROR_HANDLE_EOF}, DWORD{ERROR_INVALID_HANDLE},
                              DWORD{ERROR_IO_INCOMPLETE}, DWORD{ERROR_SUCCESS}}) {
        const ch01::Issued issued = ch01::classify_file_call(FALSE, error);
        EXPECT_EQ(issued.outcome, IssueOutcome::failed) << error;
        EXPECT_EQ(issued.error, error);
    }
}

TEST(Outcome, WsaCallZeroIsDoneNow) {
    const ch01::Issued issued = ch01::classify_wsa_call(0, WSA_IO_PENDING);
    EXPECT_EQ(issued.outcome, IssueOutcome::done_now);
    EXPECT_EQ(ch01::returned_text(issued, true), "0");
}

TEST(Outcome, WsaCallSocketErrorWithIoPendingIsInFlight) {
    const ch01::Issued issued = ch01::classify_wsa_call(SOCKET_ERROR, WSA_IO_PENDING);
    EXPECT_EQ(issued.outcome, IssueOutcome::in_flight);
    EXPECT_EQ(ch01::returned_text(issued, true), "SOCKET_ERROR + WSA_IO_PENDING");
}

TEST(Outcome, WsaCallSocketErrorWithAnyOtherErrorFailed) {
    // Each cast: the Windows SDK defines the WSAE codes as long, MinGW as int.
    for (const int error :
         {static_cast<int>(WSAECONNRESET), static_cast<int>(WSAENOTSOCK),
          static_cast<int>(WSAEWOULDBLOCK), static_cast<int>(WSA_IO_INCOMPLETE)}) {
        const ch01::Issued issued = ch01::classify_wsa_call(SOCKET_ERROR, error);
        EXPECT_EQ(issued.outcome, IssueOutcome::failed) << error;
        EXPECT_EQ(issued.error, static_cast<DWORD>(error));
    }
    EXPECT_EQ(ch01::returned_text(ch01::classify_wsa_call(SOCKET_ERROR, WSAECONNRESET), true),
              "SOCKET_ERROR + WSAECONNRESET");
}

TEST(Outcome, OutcomesHaveReadableNames) {
    EXPECT_EQ(ch01::outcome_name(IssueOutcome::done_now), "done now");
    EXPECT_EQ(ch01::outcome_name(IssueOutcome::in_flight), "in flight");
    EXPECT_EQ(ch01::outcome_name(IssueOutcome::failed), "failed");
}

TEST(Outcome, OnlyAFailedCallThrows) {
    EXPECT_NO_THROW(ch01::throw_if_failed(ch01::classify_file_call(TRUE, 0), "ReadFile"));
    EXPECT_NO_THROW(
        ch01::throw_if_failed(ch01::classify_file_call(FALSE, ERROR_IO_PENDING), "ReadFile"));
    EXPECT_THROW(
        ch01::throw_if_failed(ch01::classify_file_call(FALSE, ERROR_HANDLE_EOF), "ReadFile"),
        std::system_error);
}

TEST(Outcome, ReadOnAnInvalidHandleFailsWithItsCodeThroughTheErrorHelper) {
    OVERLAPPED overlapped{};
    unsigned char buffer[16] = {};
    const ch01::Issued issued = ch01::issue_read(INVALID_HANDLE_VALUE, overlapped, buffer, 0);
    ASSERT_EQ(issued.outcome, IssueOutcome::failed);
    EXPECT_EQ(issued.error, DWORD{ERROR_INVALID_HANDLE});
    const std::system_error e =
        iocp::testing::thrown_by([&] { ch01::throw_if_failed(issued, "ReadFile"); });
    EXPECT_EQ(e.code().value(), ERROR_INVALID_HANDLE);
    EXPECT_NE(std::string(e.what()).find("ReadFile failed (error 6, ERROR_INVALID_HANDLE)"),
              std::string::npos)
        << e.what();
}

}  // namespace
