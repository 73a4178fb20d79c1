// tests/ch02/alertable_test.cpp: a completion routine runs on the issuing thread, and only once
// that thread waits alertably, even when its receive finished long before.
#include "alertable.h"

#include "iocp/socket.h"

#include <gtest/gtest.h>

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

}  // namespace
