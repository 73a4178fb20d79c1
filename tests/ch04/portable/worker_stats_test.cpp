// tests/ch04/portable/worker_stats_test.cpp: per-worker statistics
// (ch04_echo_server/portable/worker_stats.h): slots on cache lines of their own, and totals
// summed exactly over real threads (run under TSan in the native-tsan preset), with gauges that
// rise on one thread and fall on another, maxima, and the locked slot for non-worker threads.
#include "worker_stats.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using ch04::Counter;
using ch04::Gauge;
using ch04::Maximum;
using ch04::StatsSlot;
using ch04::StatsTotals;
using ch04::WorkerStats;

constexpr std::size_t cache_line = 64;
constexpr std::size_t threads = 8;
constexpr std::uint64_t rounds = 20000;  // updates per thread

static_assert(alignof(StatsSlot) % cache_line == 0, "a slot starts a cache line");
static_assert(sizeof(StatsSlot) % cache_line == 0, "a slot ends where a cache line ends");

// Runs body(i) on `count` threads and joins them: join makes every write visible to total().
template <class Body>
void on_threads(std::size_t count, Body body) {
    std::vector<std::thread> running;
    running.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        running.emplace_back(body, i);
    }
    for (std::thread& thread : running) {
        thread.join();
    }
}

TEST(WorkerStats, EveryTotalStartsAtZero) {
    const WorkerStats stats{3};
    const StatsTotals totals = stats.total();
    for (const std::uint64_t value : totals.counters) {
        EXPECT_EQ(value, 0u);
    }
    for (const std::int64_t value : totals.gauges) {
        EXPECT_EQ(value, 0);
    }
    for (const std::uint64_t value : totals.maxima) {
        EXPECT_EQ(value, 0u);
    }
}

TEST(WorkerStats, ZeroWorkersAndAWorkerBeyondTheLastAreRefused) {
    EXPECT_THROW(WorkerStats{0}, std::invalid_argument);
    WorkerStats stats{2};
    EXPECT_EQ(stats.workers(), 2u);
    EXPECT_NO_THROW(static_cast<void>(stats.worker(1)));
    EXPECT_THROW(static_cast<void>(stats.worker(2)), std::out_of_range);
}

TEST(WorkerStats, EachWorkersSlotStartsItsOwnCacheLines) {
    WorkerStats stats{threads};
    for (std::size_t i = 0; i < threads; ++i) {
        const auto address = reinterpret_cast<std::uintptr_t>(&stats.worker(i));
        EXPECT_EQ(address % ch04::slot_alignment, 0u) << "slot " << i;
        if (i > 0) {
            const auto previous = reinterpret_cast<std::uintptr_t>(&stats.worker(i - 1));
            EXPECT_GE(address - previous, ch04::slot_alignment) << "slot " << i;
        }
    }
}

TEST(WorkerStats, ASlotAddsAdjustsAndRaisesWhatItIsTold) {
    WorkerStats stats{1};
    StatsSlot& slot = stats.worker(0);
    slot.add(Counter::accepted);
    slot.add(Counter::bytes_received, 1500);
    slot.add(Counter::bytes_received, 20);
    slot.adjust(Gauge::io_in_flight, 2);
    slot.adjust(Gauge::io_in_flight, -3);
    slot.raise(Maximum::most_queued, 70);
    slot.raise(Maximum::most_queued, 40);  // lower: ignored
    EXPECT_EQ(slot.get(Counter::accepted), 1u);
    EXPECT_EQ(slot.get(Counter::bytes_received), 1520u);
    EXPECT_EQ(slot.get(Counter::closed), 0u);
    EXPECT_EQ(slot.get(Gauge::io_in_flight), -1);  // a share may be negative
    EXPECT_EQ(slot.get(Maximum::most_queued), 70u);
    const StatsTotals totals = stats.total();
    EXPECT_EQ(totals[Counter::bytes_received], 1520u);
    EXPECT_EQ(totals[Gauge::io_in_flight], -1);
    EXPECT_EQ(totals[Maximum::most_queued], 70u);
}

TEST(WorkerStats, CountersFromManyThreadsSumExactly) {
    WorkerStats stats{threads};
    on_threads(threads, [&stats](std::size_t worker) {
        StatsSlot& slot = stats.worker(worker);
        for (std::uint64_t round = 0; round < rounds; ++round) {
            slot.add(Counter::receives);
            slot.add(Counter::bytes_received, worker + 1);
        }
    });
    const StatsTotals totals = stats.total();
    EXPECT_EQ(totals[Counter::receives], threads * rounds);
    // Worker w added w + 1 each round: rounds * (1 + 2 + ... + threads).
    EXPECT_EQ(totals[Counter::bytes_received], rounds * threads * (threads + 1) / 2);
    EXPECT_EQ(totals[Counter::bytes_sent], 0u);
}

TEST(WorkerStats, AGaugeRaisedOnOneThreadAndLoweredOnAnotherSumsBackToZero) {
    WorkerStats stats{threads};
    // Even workers start sessions, odd workers end as many, as when a session starts on one
    // worker and ends on another: no slot comes back to zero, their sum does.
    on_threads(threads, [&stats](std::size_t worker) {
        StatsSlot& slot = stats.worker(worker);
        for (std::uint64_t round = 0; round < rounds; ++round) {
            slot.adjust(Gauge::sessions_alive, worker % 2 == 0 ? +1 : -1);
            slot.adjust(Gauge::io_in_flight, +1);  // an I/O started and ended on one worker
            slot.adjust(Gauge::io_in_flight, -1);
        }
    });
    EXPECT_EQ(stats.total()[Gauge::sessions_alive], 0);
    EXPECT_EQ(stats.total()[Gauge::io_in_flight], 0);
    EXPECT_EQ(stats.worker(0).get(Gauge::sessions_alive), static_cast<std::int64_t>(rounds));
    EXPECT_EQ(stats.worker(1).get(Gauge::sessions_alive), -static_cast<std::int64_t>(rounds));
}

TEST(WorkerStats, TheTotalMaximumIsTheLargestOfTheWorkersMaxima) {
    WorkerStats stats{threads};
    on_threads(threads, [&stats](std::size_t worker) {
        StatsSlot& slot = stats.worker(worker);
        for (std::uint64_t round = 0; round < rounds; ++round) {
            slot.raise(Maximum::largest_batch, worker * rounds + round);
            slot.raise(Maximum::most_queued, round % 100);
        }
    });
    for (std::size_t worker = 0; worker < threads; ++worker) {
        EXPECT_EQ(stats.worker(worker).get(Maximum::largest_batch), worker * rounds + rounds - 1);
    }
    EXPECT_EQ(stats.total()[Maximum::largest_batch], threads * rounds - 1);
    EXPECT_EQ(stats.total()[Maximum::most_queued], 99u);
}

TEST(WorkerStats, TheSharedSlotTakesWritesFromManyThreadsWithoutLosingAny) {
    WorkerStats stats{1};
    on_threads(threads, [&stats](std::size_t thread) {
        for (std::uint64_t round = 0; round < rounds; ++round) {
            stats.shared().add(Counter::refused);
            auto writer = stats.shared();  // several updates under one lock
            writer.adjust(Gauge::sessions_alive, +1);
            writer.raise(Maximum::most_queued, thread * rounds + round);
        }
    });
    const StatsTotals totals = stats.total();
    EXPECT_EQ(totals[Counter::refused], threads * rounds);
    EXPECT_EQ(totals[Gauge::sessions_alive], static_cast<std::int64_t>(threads * rounds));
    EXPECT_EQ(totals[Maximum::most_queued], threads * rounds - 1);
}

TEST(WorkerStats, TheTotalIncludesTheSharedSlot) {
    WorkerStats stats{2};
    stats.worker(0).add(Counter::accepted, 3);
    stats.shared().add(Counter::accepted, 4);
    stats.worker(1).adjust(Gauge::sessions_alive, -1);  // a session accepted by the acceptor
    stats.shared().adjust(Gauge::sessions_alive, +1);   // and ended on worker 1
    stats.shared().raise(Maximum::largest_batch, 9);
    stats.worker(0).raise(Maximum::largest_batch, 5);
    const StatsTotals totals = stats.total();
    EXPECT_EQ(totals[Counter::accepted], 7u);
    EXPECT_EQ(totals[Gauge::sessions_alive], 0);
    EXPECT_EQ(totals[Maximum::largest_batch], 9u);
}

// A reader sums while the workers write (TSan: no data race); each slot only grows, so each
// total is at least the one before, and the last one, after the join, is exact.
TEST(WorkerStats, TotalsReadWhileWorkersWriteNeverGoBackwards) {
    WorkerStats stats{threads};
    std::uint64_t previous = 0;
    bool backwards = false;
    on_threads(threads + 1, [&](std::size_t thread) {
        if (thread == threads) {
            for (std::uint64_t read = 0; read < rounds / 10; ++read) {
                const std::uint64_t now = stats.total()[Counter::bytes_sent];
                backwards = backwards || now < previous;
                previous = now;
            }
            return;
        }
        StatsSlot& slot = stats.worker(thread);
        for (std::uint64_t round = 0; round < rounds; ++round) {
            slot.add(Counter::bytes_sent, 2);
        }
    });
    EXPECT_FALSE(backwards) << "a total went back";
    EXPECT_EQ(stats.total()[Counter::bytes_sent], 2 * threads * rounds);
}

}  // namespace
