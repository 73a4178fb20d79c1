// tests/ch04/portable/session_timeouts_test.cpp: the idle and send-stall timeouts
// (ch04_echo_server/portable/session_timeouts.h) on a clock the tests move by hand: every
// transition, each limit exactly at its value and one tick either side, and the reaper's
// deadline agreeing with check() in every state.
#include "session_timeouts.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <random>

namespace {

using ch04::CloseReason;
using ch04::SessionTimeouts;
using ch04::TimeoutOptions;
using std::chrono::milliseconds;
using TimePoint = SessionTimeouts::TimePoint;

constexpr TimePoint::duration tick{1};  // the clock's smallest step
constexpr TimePoint start = TimePoint{} + std::chrono::hours{1};

constexpr TimeoutOptions idle_only{milliseconds{1000}, milliseconds{0}};
constexpr TimeoutOptions stall_only{milliseconds{0}, milliseconds{500}};
constexpr TimeoutOptions both{milliseconds{1000}, milliseconds{500}};

// A session with a send in flight since `at`, as the server leaves it after echoing.
SessionTimeouts sending_since(TimePoint at) {
    SessionTimeouts session{start};
    session.send_started(at);
    return session;
}

TEST(SessionTimeouts, ANewSessionIsHeardAtItsStartWithNothingToSendAndReading) {
    const SessionTimeouts session{start};
    EXPECT_EQ(session.last_heard(), start);
    EXPECT_FALSE(session.send_pending());
    EXPECT_FALSE(session.reading_paused());
    EXPECT_EQ(session.check(start, both), CloseReason::none);
}

TEST(SessionTimeouts, BothLimitsAreOffByDefaultAndOffNeverCloses) {
    const TimeoutOptions defaults;
    EXPECT_EQ(defaults.idle, milliseconds::zero());
    EXPECT_EQ(defaults.send_stall, milliseconds::zero());
    SessionTimeouts session = sending_since(start);
    session.pause_reading();
    const TimePoint much_later = start + std::chrono::hours{24 * 365};
    EXPECT_EQ(session.check(much_later, defaults), CloseReason::none);
    EXPECT_EQ(session.deadline(defaults), std::nullopt);
    session.resume_reading(start);
    EXPECT_EQ(session.check(much_later, defaults), CloseReason::none);
}

TEST(SessionTimeouts, ANegativeLimitIsOff) {
    const TimeoutOptions negative{milliseconds{-1}, milliseconds{-1}};
    const SessionTimeouts session = sending_since(start);
    EXPECT_EQ(session.check(start + std::chrono::hours{1}, negative), CloseReason::none);
    EXPECT_EQ(session.deadline(negative), std::nullopt);
}

TEST(SessionTimeouts, ALimitBeyondTheClocksRangeNeverFiresAndDoesNotOverflow) {
    const TimeoutOptions huge{milliseconds::max(), milliseconds::max()};
    const SessionTimeouts session = sending_since(start);
    EXPECT_EQ(session.check(TimePoint::max(), huge), CloseReason::none);
    EXPECT_EQ(session.deadline(huge), std::nullopt);
}

TEST(SessionTimeouts, IdleFiresExactlyAtTheLimitAndNotOneTickBefore) {
    const SessionTimeouts session{start};
    const TimePoint limit = start + idle_only.idle;
    EXPECT_EQ(session.check(limit - tick, idle_only), CloseReason::none);
    EXPECT_EQ(session.check(limit, idle_only), CloseReason::idle);
    EXPECT_EQ(session.check(limit + tick, idle_only), CloseReason::idle);
}

TEST(SessionTimeouts, HearingTheClientRestartsTheIdleClock) {
    SessionTimeouts session{start};
    const TimePoint heard = start + milliseconds{700};
    session.heard(heard);
    EXPECT_EQ(session.last_heard(), heard);
    EXPECT_EQ(session.check(start + idle_only.idle, idle_only), CloseReason::none);
    EXPECT_EQ(session.check(heard + idle_only.idle - tick, idle_only), CloseReason::none);
    EXPECT_EQ(session.check(heard + idle_only.idle, idle_only), CloseReason::idle);
}

TEST(SessionTimeouts, APausedSessionIsNeverIdleReaped) {
    SessionTimeouts session = sending_since(start);
    session.pause_reading();
    EXPECT_TRUE(session.reading_paused());
    EXPECT_EQ(session.check(start + std::chrono::hours{1}, idle_only), CloseReason::none);
    EXPECT_EQ(session.deadline(idle_only), std::nullopt);
}

TEST(SessionTimeouts, ResumingReadingRestartsTheIdleClockAtTheResume) {
    SessionTimeouts session = sending_since(start);
    session.pause_reading();
    const TimePoint resumed = start + milliseconds{5000};  // far beyond the idle limit
    session.resume_reading(resumed);
    EXPECT_FALSE(session.reading_paused());
    EXPECT_EQ(session.last_heard(), resumed);
    EXPECT_EQ(session.check(resumed + idle_only.idle - tick, idle_only), CloseReason::none);
    EXPECT_EQ(session.check(resumed + idle_only.idle, idle_only), CloseReason::idle);
}

TEST(SessionTimeouts, PausingTwiceIsHarmlessAndOneResumeUndoesIt) {
    SessionTimeouts session = sending_since(start);
    session.pause_reading();
    session.pause_reading();
    session.resume_reading(start);
    EXPECT_FALSE(session.reading_paused());
}

TEST(SessionTimeouts, AStartedSendStartsTheStallClockAndMakesTheSendPending) {
    const TimePoint started = start + milliseconds{200};
    const SessionTimeouts session = sending_since(started);
    EXPECT_TRUE(session.send_pending());
    EXPECT_EQ(session.last_send_progress(), started);
}

TEST(SessionTimeouts, SendStallFiresExactlyAtTheLimitAndNotOneTickBefore) {
    const SessionTimeouts session = sending_since(start);
    const TimePoint limit = start + stall_only.send_stall;
    EXPECT_EQ(session.check(limit - tick, stall_only), CloseReason::none);
    EXPECT_EQ(session.check(limit, stall_only), CloseReason::send_stalled);
    EXPECT_EQ(session.check(limit + tick, stall_only), CloseReason::send_stalled);
}

TEST(SessionTimeouts, APausedSessionWhoseSendStallsIsReaped) {
    SessionTimeouts session = sending_since(start);
    session.pause_reading();
    const TimePoint limit = start + both.send_stall;
    EXPECT_EQ(session.check(limit - tick, both), CloseReason::none);
    EXPECT_EQ(session.check(limit, both), CloseReason::send_stalled);
    EXPECT_EQ(session.deadline(both), limit);
}

TEST(SessionTimeouts, NothingToSendNeverStalls) {
    const SessionTimeouts session{start};
    EXPECT_EQ(session.check(start + std::chrono::hours{1}, stall_only), CloseReason::none);
    EXPECT_EQ(session.deadline(stall_only), std::nullopt);
}

TEST(SessionTimeouts, ACompletionThatSentBytesRestartsTheStallClock) {
    SessionTimeouts session = sending_since(start);
    const TimePoint progress = start + milliseconds{400};
    session.send_completed(progress, 1, true);
    session.send_started(progress);  // the rest of the queue
    EXPECT_EQ(session.last_send_progress(), progress);
    EXPECT_EQ(session.check(start + stall_only.send_stall, stall_only), CloseReason::none);
    EXPECT_EQ(session.check(progress + stall_only.send_stall - tick, stall_only),
              CloseReason::none);
    EXPECT_EQ(session.check(progress + stall_only.send_stall, stall_only),
              CloseReason::send_stalled);
}

TEST(SessionTimeouts, ACompletionOfZeroBytesIsNoProgressEvenWhenTheNextSendStarts) {
    SessionTimeouts session = sending_since(start);
    const TimePoint later = start + milliseconds{400};
    session.send_completed(later, 0, true);
    session.send_started(later);  // still pending: posting the rest moves nothing
    EXPECT_EQ(session.last_send_progress(), start);
    EXPECT_EQ(session.check(start + stall_only.send_stall, stall_only), CloseReason::send_stalled);
}

TEST(SessionTimeouts, AContinuedSendDoesNotRestartTheStallClock) {
    SessionTimeouts session = sending_since(start);
    session.send_started(start + milliseconds{499});  // a second post while pending
    EXPECT_EQ(session.last_send_progress(), start);
    EXPECT_EQ(session.check(start + stall_only.send_stall, stall_only), CloseReason::send_stalled);
}

TEST(SessionTimeouts, ADrainedQueueStopsTheStallClockAndTheNextSendStartsItAfresh) {
    SessionTimeouts session = sending_since(start);
    const TimePoint drained = start + milliseconds{100};
    session.send_completed(drained, 10, false);
    EXPECT_FALSE(session.send_pending());
    EXPECT_EQ(session.check(start + std::chrono::hours{1}, stall_only), CloseReason::none);

    const TimePoint again = start + std::chrono::hours{2};
    session.send_started(again);
    EXPECT_TRUE(session.send_pending());
    EXPECT_EQ(session.last_send_progress(), again);
    EXPECT_EQ(session.check(again + stall_only.send_stall - tick, stall_only), CloseReason::none);
    EXPECT_EQ(session.check(again + stall_only.send_stall, stall_only), CloseReason::send_stalled);
}

TEST(SessionTimeouts, HearingTheClientDoesNotRestartTheStallClock) {
    SessionTimeouts session = sending_since(start);
    session.heard(start + milliseconds{499});  // a client that writes but never reads
    EXPECT_EQ(session.check(start + stall_only.send_stall, stall_only), CloseReason::send_stalled);
}

TEST(SessionTimeouts, WhenBothLimitsAreReachedTheOneReachedFirstIsTheReason) {
    // Stall first: the send started at the start, the client was heard 600 ms later.
    SessionTimeouts stalled = sending_since(start);
    stalled.heard(start + milliseconds{600});
    const TimePoint late = start + std::chrono::hours{1};
    EXPECT_EQ(stalled.check(late, both), CloseReason::send_stalled);
    EXPECT_EQ(stalled.deadline(both), start + both.send_stall);

    // Idle first: silent since the start, the send started 600 ms later.
    const SessionTimeouts silent = sending_since(start + milliseconds{600});
    EXPECT_EQ(silent.check(late, both), CloseReason::idle);
    EXPECT_EQ(silent.deadline(both), start + both.idle);

    // Reached together: idle.
    const SessionTimeouts tie = sending_since(start + milliseconds{500});
    EXPECT_EQ(tie.check(start + both.idle, both), CloseReason::idle);
}

TEST(SessionTimeouts, TheDeadlineIsTheEarlierOfTheLimitsThatApply) {
    SessionTimeouts session{start};
    EXPECT_EQ(session.deadline(both), start + both.idle);  // nothing to send: idle only
    session.send_started(start + milliseconds{100});
    EXPECT_EQ(session.deadline(both), start + milliseconds{600});  // the stall comes first
    session.pause_reading();
    EXPECT_EQ(session.deadline(both), start + milliseconds{600});  // paused: the stall alone
    EXPECT_EQ(session.deadline(idle_only), std::nullopt);
    session.send_completed(start + milliseconds{300}, 5, true);
    EXPECT_EQ(session.deadline(both), start + milliseconds{800});
    session.resume_reading(start + milliseconds{400});
    session.send_completed(start + milliseconds{450}, 5, false);
    EXPECT_EQ(session.deadline(both), start + milliseconds{1400});  // idle from the resume
}

// Invariant 4, in states reached by random events: check() fires exactly from deadline() on.
TEST(SessionTimeouts, CheckFiresExactlyFromTheDeadlineOnInEveryState) {
    std::mt19937 random{15};
    std::uniform_int_distribution<int> event{0, 5};
    std::uniform_int_distribution<int> step_ms{0, 700};
    const TimeoutOptions all_options[] = {idle_only, stall_only, both, TimeoutOptions{}};
    SessionTimeouts session{start};
    TimePoint now = start;
    for (int round = 0; round < 2000; ++round) {
        now += milliseconds{step_ms(random)};
        switch (event(random)) {
            case 0:
                session.heard(now);
                break;
            case 1:
                session.pause_reading();
                break;
            case 2:
                session.resume_reading(now);
                break;
            case 3:
                session.send_started(now);
                break;
            case 4:
                session.send_completed(now, static_cast<std::size_t>(round % 3), round % 2 == 0);
                break;
            default:
                break;  // time passes, nothing happens
        }
        for (const TimeoutOptions& options : all_options) {
            const std::optional<TimePoint> deadline = session.deadline(options);
            if (!deadline) {
                EXPECT_EQ(session.check(now + std::chrono::hours{1}, options), CloseReason::none);
                continue;
            }
            EXPECT_EQ(session.check(*deadline - tick, options), CloseReason::none) << round;
            EXPECT_NE(session.check(*deadline, options), CloseReason::none) << round;
        }
    }
}

}  // namespace
