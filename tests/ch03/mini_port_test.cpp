// tests/ch03/mini_port_test.cpp: the user-space port keeps the concurrency cap, wakes the
// newest waiter first, lets a waiter run while a worker is blocked, and wakes waiters on close.
// Runs natively under ThreadSanitizer (the native-tsan preset) as well as under Wine.
#include "model/mini_port.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace {

using ch03::model::MiniPort;
using namespace std::chrono_literals;

constexpr auto generous = 10s;  // a wait that only a bug would use up

// Waits until `count` threads are blocked in get(): bounded, and a failure if it never happens.
void wait_for_waiters(const MiniPort& port, std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + generous;
    while (port.waiting() < count) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "waiters never reached " << count;
        std::this_thread::yield();
    }
}

TEST(MiniPort, NoMoreThanTheConcurrencyValueRunAtOnce) {
    constexpr unsigned limit = 2;
    constexpr int workers = 6;
    constexpr int packets = 200;
    MiniPort port(limit, 8);
    std::atomic<int> in_handler{0};
    std::atomic<int> most_in_handler{0};
    std::atomic<int> handled{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) {
        threads.emplace_back([&] {
            for (;;) {
                const auto packet = port.get(generous);
                if (!packet || packet->key == 0) {
                    break;  // the sentinel (or a bug: the test then fails on `handled`)
                }
                const int now = ++in_handler;
                int most = most_in_handler.load();
                while (now > most && !most_in_handler.compare_exchange_weak(most, now)) {
                }
                volatile unsigned work = 0;  // a CPU-bound handler
                for (unsigned k = 0; k < 20'000; ++k) {
                    work = work + k;
                }
                --in_handler;
                ++handled;
            }
            port.leave();
        });
    }
    wait_for_waiters(port, workers);
    for (int i = 0; i < packets; ++i) {
        port.post(static_cast<std::uint64_t>(i + 1));
    }
    for (int i = 0; i < workers; ++i) {
        port.post(0);
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(handled.load(), packets);
    EXPECT_LE(most_in_handler.load(), static_cast<int>(limit));
    // The first two posts each found waiters and room: two ran at once, never a third.
    EXPECT_EQ(port.most_running_seen(), limit);
    EXPECT_EQ(port.running(), 0u);
}

TEST(MiniPort, TheNewestWaiterTakesTheNextPacket) {
    MiniPort port(1, 1);
    std::atomic<int> first_taker{-1};
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
        threads.emplace_back([&, i] {
            for (;;) {
                const auto packet = port.get(generous);
                if (!packet || packet->key == 0) {
                    break;
                }
                int none = -1;
                first_taker.compare_exchange_strong(none, i);
            }
            port.leave();
        });
        wait_for_waiters(port, static_cast<std::size_t>(i + 1));  // started in order 0, 1, 2
    }
    port.post(1);
    for (int i = 0; i < 3; ++i) {
        port.post(0);
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(first_taker.load(), 2);  // the last to start waiting: LIFO
}

TEST(MiniPort, ABlockedWorkerLetsAWaiterRunAndCountsAgainAboveTheLimit) {
    MiniPort port(1, 1);
    std::promise<void> blocked;
    std::promise<void> release;
    std::promise<void> unblocked;
    std::promise<void> finish;
    const std::shared_future<void> finished = finish.get_future().share();
    std::promise<std::uint64_t> second_taken;
    std::thread first([&] {
        const auto packet = port.get(generous);
        EXPECT_TRUE(packet && packet->key == 1);
        {
            const MiniPort::BlockingScope scope{port};  // "about to block on a lock"
            blocked.set_value();
            release.get_future().wait();
        }
        unblocked.set_value();
        finished.wait();
        port.leave();
    });
    wait_for_waiters(port, 1);
    port.post(1);  // to `first`
    blocked.get_future().wait();
    EXPECT_EQ(port.running(), 0u);  // paused threads are not counted
    std::thread second([&] {
        const auto packet = port.get(generous);
        second_taken.set_value(packet ? packet->key : 0);
        finished.wait();
        port.leave();
    });
    wait_for_waiters(port, 1);
    port.post(2);  // `first` is paused, so the count allows `second` to take it
    EXPECT_EQ(second_taken.get_future().get(), 2u);
    release.set_value();
    unblocked.get_future().wait();
    EXPECT_EQ(port.running(), 2u);  // first woke while second runs: 2 of 1, nobody preempted
    finish.set_value();
    first.join();
    second.join();
    EXPECT_EQ(port.most_running_seen(), 2u);
    EXPECT_EQ(port.running(), 0u);
}

TEST(MiniPort, ATimeoutReturnsNothingAndTheThreadRuns) {
    MiniPort port(1, 1);
    EXPECT_FALSE(port.get(0ms));
    EXPECT_EQ(port.running(), 1u);
    EXPECT_FALSE(port.get(10ms));
    EXPECT_EQ(port.running(), 1u);
    port.post(5);
    const auto packet = port.get(0ms);
    ASSERT_TRUE(packet);
    EXPECT_EQ(packet->key, 5u);
    port.leave();
    EXPECT_EQ(port.running(), 0u);
}

TEST(MiniPort, ClosingWakesEveryWaiterWithNothing) {
    MiniPort port(2, 2);
    std::vector<std::future<bool>> results;
    for (int i = 0; i < 2; ++i) {
        results.push_back(
            std::async(std::launch::async, [&] { return port.get(generous).has_value(); }));
    }
    wait_for_waiters(port, 2);
    port.close();
    for (auto& result : results) {
        ASSERT_EQ(result.wait_for(generous), std::future_status::ready);
        EXPECT_FALSE(result.get());
    }
    EXPECT_EQ(port.waiting(), 0u);
}

}  // namespace
