// tests/ch01/socket_requests_test.cpp: overlapped WSARecv/WSASend on a loopback pair, collected by
// event and by polling; a receive posted first completes after the send.
#include "socket_requests.h"

#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <string>
#include <system_error>

namespace {

using ch01::IssueOutcome;

TEST(SocketRequests, AReceivePostedBeforeTheDataIsInFlightAndCompletesAfterTheSend) {
    iocp::WinsockSession winsock;
    const ch01::SocketReport report = ch01::run_socket_requests();
    ASSERT_EQ(report.calls.size(), 5u);
    // Nothing had been sent when the receive was posted: it cannot have completed at once.
    EXPECT_EQ(report.calls[0].issued.outcome, IssueOutcome::in_flight);
    EXPECT_EQ(report.calls[0].issued.error, DWORD{WSA_IO_PENDING});
    EXPECT_EQ(report.received_first, report.sent_first);
    EXPECT_EQ(report.calls[0].bytes, report.sent_first.size());
    EXPECT_NE(report.calls[1].issued.outcome, IssueOutcome::failed);
    EXPECT_EQ(report.calls[1].bytes, report.sent_first.size());
}

TEST(SocketRequests, PollingSaysIncompleteUntilTheDataArrives) {
    iocp::WinsockSession winsock;
    const ch01::SocketReport report = ch01::run_socket_requests();
    ASSERT_EQ(report.calls.size(), 5u);
    EXPECT_EQ(report.calls[2].issued.outcome, IssueOutcome::in_flight);
    // The first poll came before anything was sent, so it answered WSA_IO_INCOMPLETE.
    EXPECT_GE(report.incomplete_polls, 1);
    EXPECT_EQ(report.received_second, report.sent_second);
    EXPECT_EQ(report.calls[2].bytes, report.sent_second.size());
}

TEST(SocketRequests, AReceiveOnAClosedSocketFailsWithWsaenotsock) {
    iocp::WinsockSession winsock;
    const ch01::Issued issued = ch01::receive_on_closed_socket();
    EXPECT_EQ(issued.outcome, IssueOutcome::failed);
    EXPECT_EQ(issued.error, DWORD{WSAENOTSOCK});
    const std::system_error e =
        iocp::testing::thrown_by([&] { ch01::throw_if_failed(issued, "WSARecv"); });
    EXPECT_EQ(e.code().value(), WSAENOTSOCK);
    EXPECT_NE(std::string(e.what()).find("WSARecv failed (error 10038, WSAENOTSOCK)"),
              std::string::npos)
        << e.what();
}

}  // namespace
