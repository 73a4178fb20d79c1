// tests/ch03/experiments_test.cpp: the experiments on a real port agree with the model, for
// every rule this system implements. Wine lacks the concurrency cap, LIFO wake order and the
// wake-up of a waiter whose port is closed: those assertions are skipped there, with the reason,
// after asserting what Wine does do.
#include "experiments.h"

#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

void expect_all_match(const ch03::ExperimentReport& report) {
    ASSERT_FALSE(report.findings.empty()) << report.name;
    for (const ch03::Finding& finding : report.findings) {
        EXPECT_TRUE(finding.matches) << report.name << ": " << finding.what << ": model "
                                     << finding.predicted << ", measured " << finding.measured;
    }
}

TEST(Experiments, DeviceListEachCompletionCarriesItsDevicesKey) {
    expect_all_match(ch03::run_experiment("device_list"));
}

TEST(Experiments, ExtendedOverlappedLeadsBackToItsContext) {
    expect_all_match(ch03::run_experiment("extended_overlapped"));
}

TEST(Experiments, PostedPacketsArriveInOrderAndSentinelsStopEveryWorker) {
    expect_all_match(ch03::run_experiment("pqcs"));
}

TEST(Experiments, NoMoreThanTheConcurrencyValueRunAtOnce) {
    const ch03::ExperimentReport report = ch03::run_experiment("concurrency");
    IOCP_SKIP_UNDER_WINE("it ignores NumberOfConcurrentThreads, so every worker runs");
    expect_all_match(report);
}

TEST(Experiments, TheNewestWaiterGetsTheNextPacket) {
    const ch03::ExperimentReport report = ch03::run_experiment("wake_order");
    IOCP_SKIP_UNDER_WINE("it wakes waiting threads oldest first (FIFO), not LIFO");
    expect_all_match(report);
}

TEST(Experiments, ABlockedHandlerLetsAnotherThreadRun) {
    const ch03::ExperimentReport report = ch03::run_experiment("blocking");
    ASSERT_EQ(report.findings.size(), 2u);
    // Both run once the blocked handler wakes: true under Wine too (there for want of any cap).
    EXPECT_TRUE(report.findings[1].matches) << report.findings[1].measured;
    IOCP_SKIP_UNDER_WINE(
        "it ignores the concurrency value, so the second packet need not wait for the block");
    EXPECT_TRUE(report.findings[0].matches) << report.findings[0].measured;
}

TEST(Experiments, ClosingThePortWakesItsWaiterWith735) {
    const ch03::ExperimentReport report = ch03::run_experiment("close_port");
    IOCP_SKIP_UNDER_WINE("it does not wake a thread waiting on a port that is closed");
    expect_all_match(report);
}

TEST(Experiments, AnUnknownNameIsRejected) {
    EXPECT_THROW(ch03::run_experiment("no_such_experiment"), std::invalid_argument);
}

}  // namespace
