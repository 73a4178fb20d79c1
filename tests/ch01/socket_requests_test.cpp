// tests/ch01/socket_requests_test.cpp: overlapped WSARecv/WSASend on a loopback pair, collected by
// event and by polling; a receive posted first completes after the send; an early exit collects
// what is still out.
#include "socket_requests.h"

#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <system_error>
#include <vector>

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

// The third outcome: the call fails at once, and nothing was started. The socket is open but
// was never connected, so the failure is defined. (A closed socket's handle is no test: its value
// may already name another socket, as the closesocket page warns.)
TEST(SocketRequests, AReceiveOnAnUnconnectedSocketFailsAtOnce) {
    iocp::WinsockSession winsock;
    const ch01::Issued issued = ch01::receive_on_unconnected_socket();
    EXPECT_EQ(issued.outcome, IssueOutcome::failed);
    EXPECT_EQ(issued.error, DWORD{WSAENOTCONN});
    const std::system_error e =
        iocp::testing::thrown_by([&] { ch01::throw_if_failed(issued, "WSARecv"); });
    EXPECT_EQ(e.code().value(), WSAENOTCONN);
    EXPECT_NE(std::string(e.what()).find("WSARecv failed (error 10057, WSAENOTCONN)"),
              std::string::npos)
        << e.what();
}

// An early exit must not free a request the kernel still holds. Polling is given no time, so it
// gives up (throws) at its first "not yet", while the second receive is certainly in flight:
// nothing was sent for it. That receive must be cancelled and collected before its memory goes,
// while its socket is still open: then the cancel is what ends it, ERROR_OPERATION_ABORTED. Had
// the sockets closed first (the requests declared before them), it would show a close's code or
// fail on the closed handle; had nothing collected it, it would not be reported at all.
TEST(SocketRequests, AnEarlyExitCancelsAndCollectsTheRequestStillOutBeforeItDies) {
    iocp::WinsockSession winsock;
    std::vector<ch01::CollectedOnExit> collected;
    ch01::SocketOptions options;
    options.poll_limit = std::chrono::milliseconds{0};
    options.on_collected_on_exit = [&](const ch01::CollectedOnExit& request) {
        collected.push_back(request);
    };
    const std::system_error e =
        iocp::testing::thrown_by([&] { ch01::run_socket_requests(options); });
    EXPECT_EQ(e.code().value(), WAIT_TIMEOUT);
    ASSERT_EQ(collected.size(), 1u);  // the first pair was collected; the second send never left
    EXPECT_EQ(collected[0].what, "second WSARecv");
    EXPECT_EQ(collected[0].error, DWORD{WSA_OPERATION_ABORTED});
    EXPECT_EQ(collected[0].bytes, 0u);
}

}  // namespace
