// tests/ch03/port_model_test.cpp: each of the rules R1-R8 (docs/port_rules.md) as the port
// model implements them.
#include "model/port_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using ch03::model::GetResult;
using ch03::model::ModelError;
using ch03::model::PortModel;
using ch03::model::ThreadState;
using Names = std::vector<std::string>;

TEST(PortModelR1, ConcurrencyZeroMeansTheNumberOfProcessors) {
    EXPECT_EQ(PortModel(0, 8).maximum_count(), 8u);
    EXPECT_EQ(PortModel(3, 8).maximum_count(), 3u);
    EXPECT_EQ(PortModel(3, 8).current_count(), 0u);
    EXPECT_THROW(PortModel(0, 0), ModelError);
}

TEST(PortModelR2, APacketGoesStraightToTheNewestWaiterWhenTheCountAllows) {
    PortModel port(1, 1);
    port.get("T1", false);
    port.get("T2", false);
    port.get("T3", false);
    const auto packet = port.post(7, 100, 0);
    EXPECT_TRUE(port.queue().empty());  // never queued
    EXPECT_EQ(port.thread("T3").state, ThreadState::released);
    ASSERT_TRUE(port.thread("T3").packet);
    EXPECT_EQ(port.thread("T3").packet->id, packet.id);
    EXPECT_EQ(port.waiting(), (Names{"T1", "T2"}));
    EXPECT_EQ(port.current_count(), 1u);
}

TEST(PortModelR2, APacketIsQueuedWhenTheCountIsAtTheLimitEvenWithWaiters) {
    PortModel port(1, 1);
    port.get("T1", false);
    port.get("T2", false);
    port.post(1, 0, 0);  // T2 runs: the count is at the limit
    port.post(2, 0, 0);
    ASSERT_EQ(port.queue().size(), 1u);
    EXPECT_EQ(port.queue().front().key, 2u);
    EXPECT_EQ(port.waiting(), (Names{"T1"}));
}

TEST(PortModelR2, PacketsWaitInTheQueueFirstInFirstOut) {
    PortModel port(1, 1);
    for (std::uint64_t key = 1; key <= 3; ++key) {
        port.post(key, 0, 0);
    }
    for (std::uint64_t key = 1; key <= 3; ++key) {
        ASSERT_EQ(port.get("T1", false), GetResult::took_packet);
        EXPECT_EQ(port.thread("T1").packet->key, key);
    }
}

TEST(PortModelR3, ARunningThreadThatAsksTakesTheHeadEvenWithOthersWaiting) {
    PortModel port(1, 1);
    port.get("T1", false);
    port.get("T2", false);
    port.post(1, 0, 0);  // to T2
    port.post(2, 0, 0);  // queued: T2 runs
    // T2 finishes and asks again: the count drops to 0, and T2 takes #2 itself. T1 waits on.
    EXPECT_EQ(port.get("T2", false), GetResult::took_packet);
    EXPECT_EQ(port.thread("T2").packet->key, 2u);
    EXPECT_EQ(port.waiting(), (Names{"T1"}));
    EXPECT_EQ(port.current_count(), 1u);
}

TEST(PortModelR3, AZeroTimeoutReturnsWaitTimeoutAndCountsTheThreadAsRunning) {
    PortModel port(2, 2);
    EXPECT_EQ(port.get("T1", true), GetResult::timed_out);
    EXPECT_EQ(port.thread("T1").returned_error, ch03::model::error_wait_timeout);
    EXPECT_EQ(port.current_count(), 1u);
    EXPECT_EQ(port.get("T1", false), GetResult::waiting);  // it had been running: count -1
    EXPECT_EQ(port.current_count(), 0u);
}

TEST(PortModelR3, AWaiterWhoseTimeoutRunsOutLeavesTheStackAndRuns) {
    PortModel port(2, 2);
    port.get("T1", false);
    port.get("T2", false);
    port.time_out("T1");
    EXPECT_EQ(port.waiting(), (Names{"T2"}));
    EXPECT_EQ(port.thread("T1").state, ThreadState::released);
    EXPECT_EQ(port.thread("T1").returned_error, ch03::model::error_wait_timeout);
    EXPECT_EQ(port.current_count(), 1u);
    EXPECT_THROW(port.time_out("T1"), ModelError);  // it is not waiting any more
}

TEST(PortModelR4, ABlockedThreadLeavesTheCountAndTheNewestWaiterTakesTheHead) {
    PortModel port(1, 1);
    port.get("T1", false);
    port.get("T2", false);
    port.get("T3", false);
    port.post(1, 0, 0);  // to T3
    port.post(2, 0, 0);  // queued
    port.block("T3");
    EXPECT_EQ(port.thread("T3").state, ThreadState::paused);
    EXPECT_EQ(port.thread("T2").state, ThreadState::released);  // T2 was the newest waiter
    EXPECT_EQ(port.thread("T2").packet->key, 2u);
    EXPECT_EQ(port.current_count(), 1u);
    EXPECT_EQ(port.threads_in(ThreadState::paused), (Names{"T3"}));
}

TEST(PortModelR4, BlockingWithAnEmptyQueueWakesNobody) {
    PortModel port(1, 1);
    port.get("T1", false);
    port.get("T2", false);
    port.post(1, 0, 0);  // to T2
    port.block("T2");
    EXPECT_EQ(port.waiting(), (Names{"T1"}));
    EXPECT_EQ(port.current_count(), 0u);
    EXPECT_THROW(port.block("T1"), ModelError);  // a waiting thread cannot block elsewhere
}

TEST(PortModelR5, AnUnblockedThreadCountsAgainEvenAboveTheLimit) {
    PortModel port(1, 1);
    port.get("T1", false);
    port.get("T2", false);
    port.post(1, 0, 0);
    port.post(2, 0, 0);
    port.block("T2");  // T1 takes #2
    port.unblock("T2");
    EXPECT_EQ(port.current_count(), 2u);  // above MaximumCount 1: nothing is preempted
    port.post(3, 0, 0);
    EXPECT_EQ(port.queue().size(), 1u);  // and no waiter may take it while the count is high
    EXPECT_EQ(port.get("T1", false), GetResult::waiting);      // 2 - 1 = 1: still at the limit
    EXPECT_EQ(port.get("T2", false), GetResult::took_packet);  // 1 - 1 = 0: room for one
}

TEST(PortModelR6, AHandleJoinsOnePortOnce) {
    PortModel port(1, 1);
    EXPECT_TRUE(port.associate("sock", 7));
    EXPECT_FALSE(port.associate("sock", 9));  // ERROR_INVALID_PARAMETER on Windows
    EXPECT_NE(port.last_event().find("error 87"), std::string::npos);
    EXPECT_EQ(port.devices().at("sock"), 7u);
}

TEST(PortModelR6, ACompletionCarriesItsDevicesKeyAndAnUnassociatedDeviceQueuesNothing) {
    PortModel port(1, 1);
    port.associate("a", 7);
    port.associate("b", 9);
    EXPECT_EQ(port.complete_io("b", 10, 0, 1)->key, 9u);
    EXPECT_EQ(port.complete_io("a", 20, 64, 2)->key, 7u);
    EXPECT_FALSE(port.complete_io("c", 30, 0, 3));
    ASSERT_EQ(port.queue().size(), 2u);
    EXPECT_EQ(port.queue().back().error, 64u);
}

TEST(PortModelR6, AnExitingThreadLeavesAndFreesItsPlace) {
    PortModel port(1, 1);
    port.get("T1", false);
    port.get("T2", false);
    port.post(1, 0, 0);  // to T2
    port.post(2, 0, 0);  // queued
    port.exit("T2");
    EXPECT_EQ(port.thread("T1").packet->key, 2u);  // its place went to the waiter
    port.exit("T1");
    EXPECT_EQ(port.current_count(), 0u);
    EXPECT_THROW(port.get("T1", false), ModelError);
}

TEST(PortModelR7, AFailedIoKeepsItsErrorAndAPostedPacketIsASuccess) {
    PortModel port(1, 1);
    port.associate("sock", 7);
    port.complete_io("sock", 0, 64, 1);  // a receive that failed: the peer reset the connection
    port.post(9, 0, 0);                  // a posted packet with no OVERLAPPED at all
    ASSERT_EQ(port.get("T1", false), GetResult::took_packet);
    EXPECT_EQ(port.thread("T1").packet->error, 64u);  // GQCS: FALSE, *lpOverlapped not NULL
    EXPECT_EQ(port.thread("T1").packet->overlapped, 1u);
    EXPECT_EQ(port.thread("T1").packet->key, 7u);
    ASSERT_EQ(port.get("T1", false), GetResult::took_packet);
    EXPECT_EQ(port.thread("T1").packet->error, 0u);  // GQCS: TRUE, even with a NULL OVERLAPPED*
    EXPECT_EQ(port.thread("T1").packet->overlapped, 0u);
    EXPECT_FALSE(port.thread("T1").returned_error);  // a packet was taken: the call itself is fine
}

TEST(PortModelR8, ClosingThePortWakesWaitersWith735AndDropsThePackets) {
    PortModel port(1, 1);
    port.associate("sock", 7);
    port.get("T1", false);
    port.get("T2", false);
    port.post(1, 0, 0);  // to T2
    port.post(2, 0, 0);
    port.post(3, 0, 0);
    EXPECT_EQ(port.close(), 2u);  // never delivered
    EXPECT_TRUE(port.waiting().empty());
    EXPECT_EQ(port.thread("T1").returned_error, ch03::model::error_abandoned_wait);
    EXPECT_EQ(port.current_count(), 0u);
    EXPECT_EQ(port.get("T1", false), GetResult::closed);
    EXPECT_EQ(port.thread("T1").returned_error, ch03::model::error_invalid_handle);  // R7
    EXPECT_THROW(port.post(4, 0, 0), ModelError);
}

TEST(PortModelR8, ClosingADeviceKeepsItsQueuedPackets) {
    PortModel port(1, 1);
    port.associate("sock", 7);
    port.complete_io("sock", 1, 0, 0);
    port.close_device("sock");
    EXPECT_EQ(port.queue().size(), 1u);
    EXPECT_FALSE(port.complete_io("sock", 1, 0, 0));
    EXPECT_TRUE(port.associate("sock", 9));  // a new handle may join again
}

TEST(PortModelInvariant, TheCountIsTheNumberOfReleasedThreads) {
    PortModel port(2, 2);
    const auto check = [&] {
        EXPECT_EQ(port.current_count(), port.threads_in(ThreadState::released).size())
            << port.last_event();
    };
    for (const char* name : {"T1", "T2", "T3", "T4"}) {
        port.get(name, false);
        check();
    }
    for (std::uint64_t key = 0; key < 5; ++key) {
        port.post(key, 0, 0);
        check();
    }
    port.block("T4");
    check();
    port.unblock("T4");
    check();
    port.get("T3", false);
    check();
    port.exit("T4");
    check();
}

}  // namespace
