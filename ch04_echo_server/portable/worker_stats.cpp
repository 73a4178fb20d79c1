// ch04_echo_server/portable/worker_stats.cpp: per-worker statistics (see worker_stats.h).
#include "worker_stats.h"

#include <algorithm>
#include <stdexcept>

namespace ch04 {
namespace {

constexpr std::size_t position(Counter which) noexcept {
    return static_cast<std::size_t>(which);
}
constexpr std::size_t position(Gauge which) noexcept {
    return static_cast<std::size_t>(which);
}
constexpr std::size_t position(Maximum which) noexcept {
    return static_cast<std::size_t>(which);
}

}  // namespace

// A load and a store, not fetch_add: this slot has one writer at a time (its worker, or the
// holder of the shared slot's lock), so no other write can fall between the two and nothing
// is lost, and a locked read-modify-write instruction would cost for nothing.
void StatsSlot::add(Counter which, std::uint64_t amount) noexcept {
    std::atomic<std::uint64_t>& value = counters_[position(which)];
    value.store(value.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}

void StatsSlot::adjust(Gauge which, std::int64_t delta) noexcept {
    std::atomic<std::int64_t>& value = gauges_[position(which)];
    value.store(value.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

// Single writer again: no compare-exchange loop, nobody else can raise it meanwhile.
void StatsSlot::raise(Maximum which, std::uint64_t value) noexcept {
    std::atomic<std::uint64_t>& most = maxima_[position(which)];
    if (value > most.load(std::memory_order_relaxed)) {
        most.store(value, std::memory_order_relaxed);
    }
}

std::uint64_t StatsSlot::get(Counter which) const noexcept {
    return counters_[position(which)].load(std::memory_order_relaxed);
}

std::int64_t StatsSlot::get(Gauge which) const noexcept {
    return gauges_[position(which)].load(std::memory_order_relaxed);
}

std::uint64_t StatsSlot::get(Maximum which) const noexcept {
    return maxima_[position(which)].load(std::memory_order_relaxed);
}

WorkerStats::WorkerStats(std::size_t workers) : workers_(workers) {
    if (workers == 0) {
        throw std::invalid_argument("WorkerStats: at least one worker");
    }
    slots_ = std::make_unique<StatsSlot[]>(workers + 1);  // over-aligned new: each on its lines
}

StatsSlot& WorkerStats::worker(std::size_t index) {
    if (index >= workers_) {
        throw std::out_of_range("WorkerStats::worker: no such worker");
    }
    return slots_[index];
}

StatsTotals WorkerStats::total() const noexcept {
    StatsTotals totals;
    for (std::size_t slot = 0; slot <= workers_; ++slot) {
        for (std::size_t i = 0; i < counter_count; ++i) {
            totals.counters[i] += slots_[slot].get(static_cast<Counter>(i));
        }
        for (std::size_t i = 0; i < gauge_count; ++i) {
            totals.gauges[i] += slots_[slot].get(static_cast<Gauge>(i));
        }
        for (std::size_t i = 0; i < maximum_count; ++i) {
            totals.maxima[i] =
                std::max(totals.maxima[i], slots_[slot].get(static_cast<Maximum>(i)));
        }
    }
    return totals;
}

}  // namespace ch04
