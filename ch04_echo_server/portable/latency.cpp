// ch04_echo_server/portable/latency.cpp: the log-linear latency histogram (see latency.h).
//
// Bucket layout, for a duration of v nanoseconds:
//   v < 128           bucket v: one value per bucket, exact (64 + the first 64-step octave)
//   2^m<=v<2^(m+1)    64 buckets of width 2^(m-6) each, so a bucket spans at most 1/64 (1.6%)
//                     of any value in it. m = 62 is the last octave a signed 64-bit count reaches.
// The index is continuous: index(v) = (m - 5) * 64 + (v >> (m - 6)) - 64, which is v for v < 128.
#include "latency.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ch04 {
namespace {

constexpr int linear_limit = 64;  // below it every value has its own bucket

std::size_t bucket_of(std::uint64_t value) noexcept {
    if (value < linear_limit) {
        return static_cast<std::size_t>(value);
    }
    const int octave = std::bit_width(value) - 1;      // 2^octave <= value, octave >= 6
    const std::uint64_t step = value >> (octave - 6);  // 64..127: the step within the octave
    return static_cast<std::size_t>(octave - 5) * linear_limit +
           static_cast<std::size_t>(step - linear_limit);
}

// The largest value that lands in `bucket`: a percentile read from it is never optimistic.
std::uint64_t highest_in(std::size_t bucket) noexcept {
    if (bucket < linear_limit) {
        return bucket;
    }
    const std::size_t magnitude = bucket / linear_limit;  // octave - 5, so 1..57
    const std::uint64_t step = linear_limit + bucket % linear_limit;
    const std::uint64_t lowest = step << (magnitude - 1);
    // The last bucket ends at 2^63 - 1: no overflow, as lowest + width <= 2^63.
    return lowest + ((std::uint64_t{1} << (magnitude - 1)) - 1);
}

}  // namespace

void LatencyHistogram::record(std::chrono::nanoseconds duration) noexcept {
    static_assert(sub_buckets == linear_limit && magnitudes * sub_buckets == 3712,
                  "bucket_of() and highest_in() assume 58 rows of 64 buckets");
    // A clock that steps back can yield a negative duration; count it rather than drop it.
    const std::chrono::nanoseconds value = std::max(duration, std::chrono::nanoseconds{0});
    ++buckets_[bucket_of(static_cast<std::uint64_t>(value.count()))];
    ++count_;
    sum_ns_ += static_cast<long double>(value.count());
    max_ = std::max(max_, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        buckets_[i] += other.buckets_[i];
    }
    count_ += other.count_;
    sum_ns_ += other.sum_ns_;
    max_ = std::max(max_, other.max_);
}

std::chrono::nanoseconds LatencyHistogram::percentile(double fraction) const noexcept {
    if (count_ == 0) {
        return std::chrono::nanoseconds{0};
    }
    // !(fraction > 0) also catches NaN, which std::clamp would pass through.
    fraction = !(fraction > 0.0) ? 0.0 : std::min(fraction, 1.0);
    // The rank of the sample wanted, 1..count: "at least fraction of the samples are <= it".
    const double wanted = std::ceil(fraction * static_cast<double>(count_));
    std::uint64_t rank = wanted >= static_cast<double>(count_)
                             ? count_  // also where rounding overshoots, for huge counts
                             : static_cast<std::uint64_t>(wanted);
    rank = std::max<std::uint64_t>(rank, 1);
    std::uint64_t seen = 0;
    for (std::size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
        seen += buckets_[bucket];
        if (seen >= rank) {
            // The bucket's top, but never above the largest value actually recorded.
            const auto top = static_cast<std::chrono::nanoseconds::rep>(highest_in(bucket));
            return std::min(std::chrono::nanoseconds{top}, max_);
        }
    }
    return max_;  // unreachable: the buckets hold count_ samples
}

std::chrono::nanoseconds LatencyHistogram::mean() const noexcept {
    if (count_ == 0) {
        return std::chrono::nanoseconds{0};
    }
    const long double mean = sum_ns_ / static_cast<long double>(count_);
    // Never above max_. This check also keeps llround in range where long double is only a
    // double (MSVC), in which 2^63 - 1 rounds up to 2^63.
    if (mean >= static_cast<long double>(max_.count())) {
        return max_;
    }
    return std::chrono::nanoseconds{std::llround(mean)};
}

}  // namespace ch04
