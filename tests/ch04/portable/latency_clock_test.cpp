// tests/ch04/portable/latency_clock_test.cpp: when a message was due
// (ch04_echo_server/portable/latency_clock.h): the first P at their gate, each later one when
// the echo P before it completed, whenever its send really started; and the measured window
// ends at the last measured echo.
#include "latency_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

namespace {

using ch04::LatencyClock;
using ch04::MeasuredWindow;
using namespace std::chrono_literals;
using TimePoint = LatencyClock::Clock::time_point;

const TimePoint t0 = TimePoint{} + 1h;  // any fixed moment: the clock never reads the time

TEST(LatencyClock, TheFirstPipelineOfMessagesIsDueAtTheGate) {
    LatencyClock clock{3};
    for (std::uint64_t sequence = 0; sequence < 3; ++sequence) {
        EXPECT_EQ(clock.due(sequence, t0), t0);
        clock.release(sequence, t0);
    }
    EXPECT_EQ(clock.echoed(0, t0 + 5ms), t0);
    EXPECT_EQ(clock.echoed(1, t0 + 6ms), t0);
}

// Pipeline 1: message 1 is due when message 0's echo completed, even if the client only began
// its send later (its previous send was still in flight): that wait is part of its latency.
TEST(LatencyClock, AMessageIsDueWhenTheEchoBeforeItCompletedNotWhenItsSendBegan) {
    LatencyClock clock{1};
    clock.release(0, t0);
    EXPECT_EQ(clock.echoed(0, t0 + 10ms), t0);
    // The send of message 1 starts 4 ms after the window opened; the gate is long past.
    EXPECT_EQ(clock.due(1, t0), t0 + 10ms);
    clock.release(1, t0);
    const TimePoint due = clock.echoed(1, t0 + 20ms);
    EXPECT_EQ(due, t0 + 10ms);
    EXPECT_EQ((t0 + 20ms) - due, 10ms) << "4 ms of waiting to send + 6 ms on the wire";
}

// Pipeline 2: each message's place is taken by the message two after it, at its echo.
TEST(LatencyClock, EachEchoMakesTheMessagePipelineAfterItDue) {
    LatencyClock clock{2};
    clock.release(0, t0);
    clock.release(1, t0);
    EXPECT_EQ(clock.echoed(0, t0 + 3ms), t0);
    EXPECT_EQ(clock.due(2, t0), t0 + 3ms);
    clock.release(2, t0);
    EXPECT_EQ(clock.echoed(1, t0 + 4ms), t0);
    EXPECT_EQ(clock.due(3, t0), t0 + 4ms);
    clock.release(3, t0);
    EXPECT_EQ(clock.echoed(2, t0 + 9ms), t0 + 3ms);
    EXPECT_EQ(clock.echoed(3, t0 + 9ms), t0 + 4ms);
}

// A gate later than the window (the warm-up's end) moves the due time, and the released due
// time is kept even if the next gate asked about is earlier.
TEST(LatencyClock, AMessageIsNeverDueBeforeItsGate) {
    LatencyClock clock{1};
    clock.release(0, t0);
    clock.echoed(0, t0 + 1ms);  // the warm-up's one message
    const TimePoint warm = t0 + 50ms;
    EXPECT_EQ(clock.due(1, warm), warm);
    clock.release(1, warm);
    EXPECT_EQ(clock.due(1, t0), warm);
    EXPECT_EQ(clock.echoed(1, warm + 2ms), warm);
}

TEST(LatencyClock, APipelineOfZeroIsRejected) {
    EXPECT_THROW(LatencyClock{0}, std::invalid_argument);
}

TEST(MeasuredWindow, EndsAtTheLastMeasuredEchoWhicheverWorkerSawIt) {
    MeasuredWindow first;
    MeasuredWindow second;
    first.echoed(t0 + 300ms);
    first.echoed(t0 + 100ms);  // echoes reach a worker in any order
    second.echoed(t0 + 700ms);
    EXPECT_DOUBLE_EQ(first.seconds_from(t0), 0.3);
    first.merge(second);
    EXPECT_DOUBLE_EQ(first.seconds_from(t0), 0.7);
    first.merge(MeasuredWindow{});
    EXPECT_DOUBLE_EQ(first.seconds_from(t0), 0.7);
}

TEST(MeasuredWindow, IsEmptyWithNoMeasuredMessage) {
    MeasuredWindow window;
    EXPECT_EQ(window.seconds_from(t0), 0.0);
    window.echoed(t0 - 1s);  // before the start: nothing of it is in the window
    EXPECT_EQ(window.seconds_from(t0), 0.0);
}

}  // namespace
