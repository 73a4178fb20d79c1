// ch04_echo_server/portable/latency.h: a latency histogram for the client (portable).
//
// Records durations in log-linear buckets (every power of two split into 64 linear steps), so
// any percentile is within about 1.6% of the true value while the histogram stays a fixed 29 KiB
// (3712 counters), whatever the number of samples. Histograms of several threads merge.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>

namespace ch04 {

class LatencyHistogram {
public:
    void record(std::chrono::nanoseconds duration) noexcept;  // negative counts as 0
    void merge(const LatencyHistogram& other) noexcept;

    std::uint64_t count() const noexcept { return count_; }
    // The smallest recorded value v such that at least `fraction` (0..1, clamped) of the samples
    // are <= v, to within the bucket width; 0 when empty.
    std::chrono::nanoseconds percentile(double fraction) const noexcept;
    std::chrono::nanoseconds max() const noexcept { return max_; }
    std::chrono::nanoseconds mean() const noexcept;

private:
    static constexpr int sub_buckets = 64;
    static constexpr int magnitudes = 64 - 6;  // enough for any 64-bit nanosecond count
    std::array<std::uint64_t, static_cast<std::size_t>(sub_buckets* magnitudes)> buckets_{};
    std::uint64_t count_ = 0;
    long double sum_ns_ = 0;
    std::chrono::nanoseconds max_{0};
};

}  // namespace ch04
