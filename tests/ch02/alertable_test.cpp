// tests/ch02/alertable_test.cpp: a completion routine runs on the issuing thread, and only once
// that thread waits alertably, even when its receive finished long before; a receive whose
// scope an exception leaves is cancelled, and its routine run, before its memory goes.
#include "alertable.h"

#include "iocp/loopback.h"
#include "iocp/socket.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

TEST(Alertable, TheRoutineWaitsForAnAlertableWaitOnTheIssuingThread) {
    iocp::WinsockSession winsock;
    const ch02::AlertableReport report = ch02::show_alertable_wait();
    ASSERT_TRUE(report.io_finished_first) << "the receive did not finish within 10 s";
    EXPECT_EQ(report.routines_before, 0);
    EXPECT_EQ(report.alertable_wait, DWORD{WAIT_IO_COMPLETION});
    EXPECT_EQ(report.routines_after, 1);
    EXPECT_TRUE(report.ran_on_issuing_thread);
    EXPECT_EQ(report.error, DWORD{ERROR_SUCCESS});
    EXPECT_EQ(report.received, "ping");
}

// Posts a receive nobody sends to, and throws while it is in flight. The receive is declared
// after its sockets, so it goes first, and its destructor cancels it on the open socket.
void throw_with_a_receive_in_flight(ch02::ReceiveOutcome& outcome, bool& was_in_flight) {
    iocp::SocketPair pair = iocp::make_socket_pair();
    ch02::RoutineReceive receive{pair.server.get(), outcome};
    was_in_flight = !receive.finished();
    throw std::runtime_error{"thrown mid-flight"};
}

// Were the receive freed without waiting for its routine, `collected` would be false (and the
// kernel would write the result into freed memory). Were it destroyed after its sockets, the
// close would end the receive first, with another error than 995.
TEST(Alertable, AReceiveLeftByAnExceptionIsCancelledAndItsRoutineRunBeforeItsMemoryGoes) {
    iocp::WinsockSession winsock;
    ch02::ReceiveOutcome outcome;
    bool was_in_flight = false;
    EXPECT_THROW(throw_with_a_receive_in_flight(outcome, was_in_flight), std::runtime_error);
    ASSERT_TRUE(was_in_flight);
    EXPECT_TRUE(outcome.collected) << "the receive was freed before its routine ran";
    EXPECT_EQ(outcome.routines, 1);
    EXPECT_EQ(outcome.error, DWORD{ERROR_OPERATION_ABORTED});
    EXPECT_EQ(outcome.thread, GetCurrentThreadId());
    EXPECT_EQ(SleepEx(0, TRUE), DWORD{0}) << "a routine was still queued to this thread";
}

}  // namespace
