// tests/ch04/portable/latency_test.cpp: the client's latency histogram
// (ch04_echo_server/portable/latency.h): exact small values, percentiles within the bucket
// width, max, mean, and merging the histograms of several threads.
#include "latency.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace {

using ch04::LatencyHistogram;
using std::chrono::nanoseconds;

// |actual - expected| within 2% of expected (the buckets promise about 1.6%).
::testing::AssertionResult within_two_percent(nanoseconds actual, nanoseconds expected) {
    const double error = std::abs(static_cast<double>(actual.count() - expected.count()));
    if (error <= 0.02 * static_cast<double>(expected.count())) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << actual.count() << " ns is not within 2% of " << expected.count() << " ns";
}

TEST(LatencyHistogram, AnEmptyHistogramReportsZeros) {
    const LatencyHistogram histogram;
    EXPECT_EQ(histogram.count(), 0u);
    EXPECT_EQ(histogram.percentile(0.0), nanoseconds{0});
    EXPECT_EQ(histogram.percentile(0.5), nanoseconds{0});
    EXPECT_EQ(histogram.percentile(1.0), nanoseconds{0});
    EXPECT_EQ(histogram.max(), nanoseconds{0});
    EXPECT_EQ(histogram.mean(), nanoseconds{0});
}

TEST(LatencyHistogram, ValuesBelow64NanosecondsAreExact) {
    LatencyHistogram histogram;
    for (int value = 1; value <= 63; ++value) {
        histogram.record(nanoseconds{value});
    }
    ASSERT_EQ(histogram.count(), 63u);
    for (int rank = 1; rank <= 63; ++rank) {
        // Half a sample below the rank, so rounding in fraction * count cannot move it up.
        const double fraction = (rank - 0.5) / 63.0;
        EXPECT_EQ(histogram.percentile(fraction), nanoseconds{rank}) << "rank " << rank;
    }
    EXPECT_EQ(histogram.percentile(0.0), nanoseconds{1});  // the smallest sample
    EXPECT_EQ(histogram.max(), nanoseconds{63});
    EXPECT_EQ(histogram.mean(), nanoseconds{32});
}

TEST(LatencyHistogram, ASingleValueIsEveryPercentile) {
    LatencyHistogram histogram;
    histogram.record(nanoseconds{17});
    EXPECT_EQ(histogram.percentile(0.0), nanoseconds{17});
    EXPECT_EQ(histogram.percentile(0.5), nanoseconds{17});
    EXPECT_EQ(histogram.percentile(1.0), nanoseconds{17});
}

TEST(LatencyHistogram, PercentilesOfAUniformSetAreWithinTwoPercent) {
    constexpr int samples = 100'000;
    LatencyHistogram histogram;
    for (int i = 1; i <= samples; ++i) {
        histogram.record(nanoseconds{i} * 10);  // 10 ns .. 1 ms, evenly
    }
    for (const double fraction : {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0}) {
        const auto rank = static_cast<std::int64_t>(std::ceil(fraction * samples));
        EXPECT_TRUE(within_two_percent(histogram.percentile(fraction), nanoseconds{rank * 10}))
            << "fraction " << fraction;
    }
    EXPECT_EQ(histogram.percentile(1.0), histogram.max());
}

TEST(LatencyHistogram, LargeDurationsKeepTheirPrecision) {
    using namespace std::chrono_literals;
    for (const nanoseconds value : {nanoseconds{1'000'003}, nanoseconds{3s} + nanoseconds{7},
                                    nanoseconds{std::chrono::hours{24 * 365}}}) {
        LatencyHistogram histogram;
        histogram.record(value);
        histogram.record(value / 3);
        EXPECT_TRUE(within_two_percent(histogram.percentile(0.5), value / 3));
        EXPECT_EQ(histogram.percentile(1.0), value);  // never above the largest sample
        EXPECT_EQ(histogram.max(), value);
    }
}

TEST(LatencyHistogram, TheLargestRepresentableDurationFitsTheLastBucket) {
    LatencyHistogram histogram;
    histogram.record(nanoseconds::max());
    histogram.record(nanoseconds::max() / 2);
    EXPECT_EQ(histogram.max(), nanoseconds::max());
    EXPECT_EQ(histogram.percentile(1.0), nanoseconds::max());
    EXPECT_TRUE(within_two_percent(histogram.percentile(0.5), nanoseconds::max() / 2));
    EXPECT_TRUE(within_two_percent(histogram.mean(), nanoseconds::max() / 4 * 3));
}

TEST(LatencyHistogram, MaxIsExactWhilePercentilesAreBucketed) {
    LatencyHistogram histogram;
    for (const std::int64_t value : {5'000, 123'457, 99'999}) {
        histogram.record(nanoseconds{value});
    }
    EXPECT_EQ(histogram.max(), nanoseconds{123'457});
    EXPECT_TRUE(within_two_percent(histogram.percentile(0.6), nanoseconds{99'999}));
}

TEST(LatencyHistogram, MeanIsTheAverageOfTheSamples) {
    LatencyHistogram histogram;
    histogram.record(nanoseconds{10});
    histogram.record(nanoseconds{20});
    histogram.record(nanoseconds{60});
    EXPECT_EQ(histogram.mean(), nanoseconds{30});
    // The mean is kept exactly, not from the buckets.
    LatencyHistogram big;
    big.record(nanoseconds{1'000'000'001});
    big.record(nanoseconds{3'000'000'003});
    EXPECT_EQ(big.mean(), nanoseconds{2'000'000'002});
}

TEST(LatencyHistogram, ANegativeDurationCountsAsZero) {
    LatencyHistogram histogram;
    histogram.record(nanoseconds{-5});
    histogram.record(nanoseconds::min());  // negating it would overflow
    EXPECT_EQ(histogram.count(), 2u);
    EXPECT_EQ(histogram.percentile(1.0), nanoseconds{0});
    EXPECT_EQ(histogram.max(), nanoseconds{0});
    EXPECT_EQ(histogram.mean(), nanoseconds{0});
    histogram.record(nanoseconds{40});
    EXPECT_EQ(histogram.percentile(0.5), nanoseconds{0});
    EXPECT_EQ(histogram.mean(), nanoseconds{13});  // 40 / 3, rounded
}

TEST(LatencyHistogram, FractionsOutsideZeroToOneAreClamped) {
    LatencyHistogram histogram;
    for (int i = 1; i <= 1000; ++i) {
        histogram.record(nanoseconds{i * 1000});
    }
    EXPECT_EQ(histogram.percentile(-1.0), histogram.percentile(0.0));
    EXPECT_EQ(histogram.percentile(2.0), histogram.percentile(1.0));
    EXPECT_EQ(histogram.percentile(std::numeric_limits<double>::infinity()), histogram.max());
    EXPECT_EQ(histogram.percentile(std::numeric_limits<double>::quiet_NaN()),
              histogram.percentile(0.0));
    EXPECT_TRUE(within_two_percent(histogram.percentile(0.0), nanoseconds{1000}));
}

TEST(LatencyHistogram, MergingEqualsRecordingEverythingInOne) {
    LatencyHistogram all;
    LatencyHistogram even;
    LatencyHistogram odd;
    for (std::int64_t i = 0; i < 5000; ++i) {
        const nanoseconds value{i * i * 37 + 11};  // spread over many octaves
        all.record(value);
        (i % 2 == 0 ? even : odd).record(value);
    }
    LatencyHistogram merged;
    merged.merge(even);
    merged.merge(LatencyHistogram{});  // merging an empty one changes nothing
    merged.merge(odd);
    EXPECT_EQ(merged.count(), all.count());
    EXPECT_EQ(merged.max(), all.max());
    EXPECT_EQ(merged.mean(), all.mean());
    for (int permille = 0; permille <= 1000; ++permille) {
        EXPECT_EQ(merged.percentile(permille / 1000.0), all.percentile(permille / 1000.0))
            << permille << "/1000";
    }
}

// The client's pattern: one histogram per thread, merged once the threads are joined.
TEST(LatencyHistogram, PerThreadHistogramsMergeAfterJoin) {
    constexpr int threads = 4;
    constexpr int per_thread = 10'000;
    std::vector<LatencyHistogram> histograms(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&histogram = histograms[static_cast<std::size_t>(t)], t] {
            for (int i = 1; i <= per_thread; ++i) {
                histogram.record(nanoseconds{i + t * per_thread});
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    LatencyHistogram total;
    for (const auto& histogram : histograms) {
        total.merge(histogram);
    }
    EXPECT_EQ(total.count(), std::uint64_t{threads * per_thread});
    EXPECT_EQ(total.max(), nanoseconds{threads * per_thread});
    EXPECT_TRUE(within_two_percent(total.percentile(0.5), nanoseconds{threads * per_thread / 2}));
}

}  // namespace
