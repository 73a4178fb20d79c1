// tests/bench/results_test.cpp: the benchmark's statistics and reports (bench/portable/results.h):
// medians, pair ratios, series summaries, the headline's exact text, the text and markdown
// tables, and the SVG plot (its shape, its escaping, and the same bytes for the same input).
#include "results.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using bench::Configuration;
using bench::Report;
using bench::Sample;
using bench::Series;

// A run that succeeded; its p99.9 and max are twice and four times its p99, and its connections
// completed 10 to 20 messages each.
Sample ok_sample(double rate, double megabytes = 1.0, double p50 = 100, double p99 = 400) {
    Sample sample;
    sample.messages_per_second = rate;
    sample.megabytes_per_second = megabytes;
    sample.p50_us = p50;
    sample.p99_us = p99;
    sample.p999_us = 2 * p99;
    sample.max_us = 4 * p99;
    sample.min_per_connection = 10;
    sample.max_per_connection = 20;
    sample.ok = true;
    return sample;
}

Sample failed_sample(double rate) {
    Sample sample = ok_sample(rate, 0.5, 5, 5);
    sample.ok = false;
    return sample;
}

std::vector<Sample> rates(const std::vector<double>& values) {
    std::vector<Sample> samples;
    for (const double value : values) {
        samples.push_back(ok_sample(value));
    }
    return samples;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

// The line of `text` that contains `needle`, or "" when none does.
std::string line_with(const std::string& text, const std::string& needle) {
    const std::size_t at = text.find(needle);
    if (at == std::string::npos) {
        return "";
    }
    const std::size_t begin =
        text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
    return text.substr(begin, text.find('\n', at) - begin);
}

// A text table's lines as cells: columns are separated by two spaces or more.
using Cells = std::vector<std::string>;
using Rows = std::vector<Cells>;

Rows text_rows(const std::string& text) {
    Rows rows;
    std::size_t begin = 0;
    while (begin < text.size()) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        const std::string line = text.substr(begin, end - begin);
        Cells cells;
        std::size_t at = line.find_first_not_of(' ');
        while (at != std::string::npos) {
            const std::size_t gap = line.find("  ", at);
            cells.push_back(line.substr(at, gap == std::string::npos ? gap : gap - at));
            at = gap == std::string::npos ? gap : line.find_first_not_of(' ', gap);
        }
        rows.push_back(cells);
        begin = end + 1;
    }
    return rows;
}

// The first row whose first two cells are `first` and `second`; empty when there is none.
Cells row_of(const Rows& rows, const std::string& first, const std::string& second) {
    for (const Cells& row : rows) {
        if (row.size() >= 2 && row[0] == first && row[1] == second) {
            return row;
        }
    }
    return {};
}

constexpr Configuration small{128, 64, 1};
constexpr Configuration large{16, 4096, 4};

// Two servers at two configurations, plus a second variant of ours at the first.
// Pair ratios of ours/asio at `small`: 1.1, 1.2, 0.9 → median 1.10, min 0.90, max 1.20.
Report sample_report() {
    Report report;
    report.title_note = "Wine 8.0 on Linux, 2 processors, threads 2, 3 pairs, 2 s per run";
    report.series.push_back({"ours",
                             small,
                             {ok_sample(110000, 7.0, 800, 2400), ok_sample(120000, 7.7, 810, 2500),
                              ok_sample(90000, 5.8, 790, 2300)}});
    report.series.push_back({"asio",
                             small,
                             {ok_sample(100000, 6.4, 900, 2600), ok_sample(100000, 6.4, 910, 2700),
                              ok_sample(100000, 6.4, 920, 2800)}});
    report.series.push_back({"ours --zero-byte-recv", small, rates({50000, 60000, 70000})});
    report.series.push_back({"ours", large, rates({2000, 3000, 2500})});
    report.series.push_back({"asio", large, rates({1000, 1000, 1000})});
    report.bursts.push_back({"ours", 1.25, 1000, 0});
    report.bursts.push_back({"asio", 2.5, 1000, 3});
    report.memory.push_back({"ours", "--zero-byte-recv", 1000, 2000, 3000, 500});
    report.memory.push_back({"asio", "default", 1000, 16384, -1, 100});
    return report;
}

// ---- median ----

TEST(BenchMedian, OfAnOddCountIsTheMiddleValue) {
    EXPECT_DOUBLE_EQ(bench::median({3, 1, 2}), 2);
    EXPECT_DOUBLE_EQ(bench::median({7}), 7);
    EXPECT_DOUBLE_EQ(bench::median({5, -1, 100, 4, 4}), 4);
}

TEST(BenchMedian, OfAnEvenCountIsTheMeanOfTheMiddleTwo) {
    EXPECT_DOUBLE_EQ(bench::median({4, 1, 3, 2}), 2.5);
    EXPECT_DOUBLE_EQ(bench::median({10, 20}), 15);
}

TEST(BenchMedian, OfNothingThrows) {
    EXPECT_THROW(bench::median({}), std::invalid_argument);
}

// ---- pair_ratios ----

TEST(BenchPairRatios, TakesTheMedianMinAndMaxOfRunByRunRatios) {
    const bench::RatioSummary ratios =
        bench::pair_ratios(rates({110, 120, 90}), rates({100, 100, 100}));
    EXPECT_DOUBLE_EQ(ratios.median, 1.1);
    EXPECT_DOUBLE_EQ(ratios.min, 0.9);
    EXPECT_DOUBLE_EQ(ratios.max, 1.2);
    EXPECT_EQ(ratios.pairs, 3u);
}

TEST(BenchPairRatios, PairsRunIWithRunINotMediansWithMedians) {
    // Medians alone would give 200 / 200 = 1; the pairs say ours was 2x, then 0.5x, then 1x.
    const bench::RatioSummary ratios =
        bench::pair_ratios(rates({200, 100, 300}), rates({100, 200, 300}));
    EXPECT_DOUBLE_EQ(ratios.median, 1.0);
    EXPECT_DOUBLE_EQ(ratios.min, 0.5);
    EXPECT_DOUBLE_EQ(ratios.max, 2.0);
}

TEST(BenchPairRatios, UsesOnlyAsManyPairsAsTheShorterSide) {
    const bench::RatioSummary ratios = bench::pair_ratios(rates({30, 40, 50, 60}), rates({10, 10}));
    EXPECT_EQ(ratios.pairs, 2u);
    EXPECT_DOUBLE_EQ(ratios.median, 3.5);
    EXPECT_DOUBLE_EQ(ratios.min, 3.0);
    EXPECT_DOUBLE_EQ(ratios.max, 4.0);
}

TEST(BenchPairRatios, ThrowsWithoutPairsOrOnAZeroDenominator) {
    EXPECT_THROW(bench::pair_ratios({}, rates({1})), std::invalid_argument);
    EXPECT_THROW(bench::pair_ratios(rates({1}), {}), std::invalid_argument);
    EXPECT_THROW(bench::pair_ratios(rates({1, 2}), rates({1, 0})), std::invalid_argument);
    // A zero numerator is a ratio of 0, not an error.
    EXPECT_DOUBLE_EQ(bench::pair_ratios(rates({0}), rates({5})).median, 0.0);
}

// ---- summarize, labels, memory ----

TEST(BenchSummarize, GivesTheMediansOfTheSuccessfulRuns) {
    const Series series{"asio",
                        small,
                        {ok_sample(300, 3.0, 30, 300), ok_sample(100, 1.0, 10, 100),
                         failed_sample(1), ok_sample(200, 2.0, 20, 200)}};
    const bench::SeriesSummary summary = bench::summarize(series);
    EXPECT_EQ(summary.server, "asio");
    EXPECT_EQ(summary.configuration, small);
    EXPECT_DOUBLE_EQ(summary.messages_per_second, 200);
    EXPECT_DOUBLE_EQ(summary.megabytes_per_second, 2.0);
    EXPECT_DOUBLE_EQ(summary.p50_us, 20);
    EXPECT_DOUBLE_EQ(summary.p99_us, 200);
    EXPECT_EQ(summary.runs, 4u);
    EXPECT_EQ(summary.failed_runs, 1u);
}

TEST(BenchSummarize, OfOnlyFailedRunsIsZerosNotAnException) {
    const bench::SeriesSummary summary =
        bench::summarize({"ours", small, {failed_sample(5), failed_sample(6)}});
    EXPECT_EQ(summary.runs, 2u);
    EXPECT_EQ(summary.failed_runs, 2u);
    EXPECT_DOUBLE_EQ(summary.messages_per_second, 0);
    EXPECT_EQ(bench::summarize({"ours", small, {}}).runs, 0u);
}

TEST(BenchConfigurationLabel, NamesConnectionsSizeAndPipeline) {
    EXPECT_EQ(bench::configuration_label(small), "C=128 S=64 D=1");
    EXPECT_EQ(bench::configuration_label(large), "C=16 S=4096 D=4");
}

TEST(BenchMemoryResult, DividesTheGrowthByTheConnections) {
    EXPECT_DOUBLE_EQ(bench::per_connection(10e6, 12e6, 1000), 2000);
    EXPECT_DOUBLE_EQ(bench::per_connection(12e6, 10e6, 1000), -2000);  // it shrank
    EXPECT_DOUBLE_EQ(bench::per_connection(1, 2, 0), 0);
}

// ---- headline ----

TEST(BenchHeadline, HasTheExactContractedText) {
    EXPECT_EQ(bench::headline(sample_report(), small),
              "ratio ours/asio: 1.10 (median of pair ratios, msgs/s, C=128 S=64 D=1)");
    EXPECT_EQ(bench::headline(sample_report(), large),
              "ratio ours/asio: 2.50 (median of pair ratios, msgs/s, C=16 S=4096 D=4)");
}

TEST(BenchHeadline, P99HasTheExactContractedText) {
    // 2400/2600, 2500/2700, 2300/2800: 0.923, 0.926, 0.821.
    EXPECT_EQ(bench::headline_p99(sample_report(), small),
              "p99 ours/asio: 0.92 (median of pair ratios, C=128 S=64 D=1)");
    EXPECT_THROW(bench::headline_p99(sample_report(), Configuration{1000, 64, 1}),
                 std::invalid_argument);
}

TEST(BenchSummarize, KeepsTheWorstStarvationAndTheCallsOfRunsThatKnowThem) {
    Series series{"ours", small, {ok_sample(10), ok_sample(20), ok_sample(30)}};
    series.samples[0].never_served = 3;
    series.samples[0].min_per_connection = 0;
    series.samples[1].calls_per_message = 2.5;
    series.samples[2].calls_per_message = 1.5;
    const bench::SeriesSummary summary = bench::summarize(series);
    EXPECT_EQ(summary.never_served, 3u);  // the worst run's, not a median that hides it
    EXPECT_DOUBLE_EQ(summary.min_per_connection, 10);
    EXPECT_DOUBLE_EQ(summary.calls_per_message, 2.0);  // the first run did not count its calls

    Report report;
    report.series.push_back(series);
    const Rows rows = text_rows(bench::render_text(report));
    const Cells row = row_of(rows, "C=128 S=64 D=1", "ours");
    ASSERT_GE(row.size(), 10u);
    EXPECT_EQ(row[8], "10\u201320 (3 never)");
    EXPECT_EQ(row[9], "2.00");
}

TEST(BenchRenderText, ShowsFiguresTheLoadDoesNotGiveAsDashes) {
    Sample sample = ok_sample(10);
    sample.p999_us = -1;  // chapter 4's client keeps neither
    sample.min_per_connection = -1;
    sample.max_per_connection = -1;
    Report report;
    report.series.push_back({"ours", small, {sample}});
    const Cells row = row_of(text_rows(bench::render_text(report)), "C=128 S=64 D=1", "ours");
    ASSERT_GE(row.size(), 10u);
    EXPECT_EQ(row[6], "-");
    EXPECT_EQ(row[8], "-");
    EXPECT_EQ(row[9], "-");
}

TEST(BenchHeadline, IgnoresOtherVariantsOfOurs) {
    Report report = sample_report();
    report.series.erase(report.series.begin());  // only "ours --zero-byte-recv" is left at small
    EXPECT_THROW(bench::headline(report, small), std::invalid_argument);
}

TEST(BenchHeadline, NamesTheConfigurationWhenASeriesIsMissing) {
    try {
        bench::headline(sample_report(), Configuration{1000, 64, 1});
        FAIL() << "no series at C=1000: expected std::invalid_argument";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("C=1000 S=64 D=1"), std::string::npos)
            << error.what();
    }
    Report without_reference = sample_report();
    without_reference.reference_server = "nginx";
    EXPECT_THROW(bench::headline(without_reference, small), std::invalid_argument);
}

// ---- tables ----

TEST(BenchRenderText, HasARowPerServerWithMediansAndRatios) {
    const std::string text = bench::render_text(sample_report());
    EXPECT_EQ(text.rfind(sample_report().title_note + "\n", 0), 0u) << text;
    const Rows rows = text_rows(text);
    EXPECT_EQ(row_of(rows, "configuration", "server"),
              Cells({"configuration", "server", "msgs/s", "MB/s", "p50 \u00b5s", "p99 \u00b5s",
                     "p99.9 \u00b5s", "max \u00b5s", "msgs per conn", "calls/msg", "runs",
                     "vs asio", "p99 vs asio"}))
        << text;
    // p99 pair ratios: 2400/2600, 2500/2700, 2300/2800: median 0.92.
    EXPECT_EQ(row_of(rows, "C=128 S=64 D=1", "ours"),
              Cells({"C=128 S=64 D=1", "ours", "110000", "7.0", "800", "2400", "4800", "9600",
                     "10\u201320", "-", "3", "1.10 (0.90\u20131.20)", "0.92"}))
        << text;
    // The reference has no ratio of its own.
    EXPECT_EQ(row_of(rows, "C=128 S=64 D=1", "asio"),
              Cells({"C=128 S=64 D=1", "asio", "100000", "6.4", "910", "2700", "5400", "10800",
                     "10\u201320", "-", "3"}))
        << text;
    EXPECT_EQ(row_of(rows, "C=128 S=64 D=1", "ours --zero-byte-recv"),
              Cells({"C=128 S=64 D=1", "ours --zero-byte-recv", "60000", "1.0", "100", "400", "800",
                     "1600", "10\u201320", "-", "3", "0.60 (0.50\u20130.70)", "0.15"}))
        << text;
    EXPECT_EQ(row_of(rows, "C=16 S=4096 D=4", "ours"),
              Cells({"C=16 S=4096 D=4", "ours", "2500", "1.0", "100", "400", "800", "1600",
                     "10\u201320", "-", "3", "2.50 (2.00\u20133.00)", "1.00"}))
        << text;
    EXPECT_NE(text.find("vs asio: median of the pair ratios of msgs/s"), std::string::npos);
}

TEST(BenchRenderText, ListsConfigurationsInFirstAppearanceOrderAndServersInRunOrder) {
    const Rows rows = text_rows(bench::render_text(sample_report()));
    std::vector<std::string> order;
    for (const Cells& row : rows) {
        if (row.size() >= 2 && row[0].rfind("C=", 0) == 0) {
            order.push_back(row[0] + " / " + row[1]);
        }
    }
    EXPECT_EQ(order,
              std::vector<std::string>({"C=128 S=64 D=1 / ours", "C=128 S=64 D=1 / asio",
                                        "C=128 S=64 D=1 / ours --zero-byte-recv",
                                        "C=16 S=4096 D=4 / ours", "C=16 S=4096 D=4 / asio"}));
}

TEST(BenchRenderText, AlignsTheColumns) {
    const std::string text = bench::render_text(sample_report());
    // Every line of the throughput table starts "server" at the same column, and ends the
    // right-aligned msgs/s column where the header's "msgs/s" ends.
    const std::string header = line_with(text, "msgs/s");
    const std::size_t server = header.find("server");
    const std::size_t rate_end = header.find("msgs/s") + std::string("msgs/s").size();
    for (const std::string& row :
         {line_with(text, "110000"), line_with(text, " 2500 "), line_with(text, "60000")}) {
        ASSERT_GT(row.size(), rate_end) << row;
        EXPECT_EQ(row.find("ours"), server) << row;
        EXPECT_EQ(row[rate_end - 1], '0') << row;  // the last digit of the rate
        EXPECT_EQ(row[rate_end], ' ') << row;
    }
    // The rule under the header spans the same columns: "µ" is one column but two bytes, in
    // four headers.
    const std::string rule = line_with(text, "-------------");
    EXPECT_EQ(rule.size(), header.size() - 4) << header << "\n" << rule;
}

TEST(BenchRenderText, ReportsFailedRunsAndMissingRatios) {
    Report report;
    report.series.push_back({"ours", small, {ok_sample(10), failed_sample(3), ok_sample(30)}});
    report.series.push_back({"asio", small, {ok_sample(10), failed_sample(0), ok_sample(10)}});
    report.series.push_back({"ours", large, rates({10})});  // no asio at large
    const Rows rows = text_rows(bench::render_text(report));
    // The failed asio run served nothing: its pair has no ratio, so the row has none.
    EXPECT_EQ(row_of(rows, "C=128 S=64 D=1", "ours"),
              Cells({"C=128 S=64 D=1", "ours", "20", "1.0", "100", "400", "800", "1600",
                     "10\u201320", "-", "3 (1 failed)", "n/a", "1.00"}));
    EXPECT_EQ(row_of(rows, "C=16 S=4096 D=4", "ours").back(), "n/a");
}

TEST(BenchRenderText, HasTheBurstAndMemoryTablesOnlyWhenThereAreResults) {
    const std::string text = bench::render_text(sample_report());
    const Rows rows = text_rows(text);
    EXPECT_EQ(row_of(rows, "server", "connections"),
              Cells({"server", "connections", "seconds to serve all", "never served within 10 s"}))
        << text;
    EXPECT_EQ(row_of(rows, "ours", "1000"), Cells({"ours", "1000", "1.25", "0"})) << text;
    EXPECT_EQ(row_of(rows, "asio", "1000"), Cells({"asio", "1000", "-", "3"})) << text;
    EXPECT_EQ(row_of(rows, "server", "mode"),
              Cells({"server", "mode", "idle connections", "held bytes/conn", "commit bytes/conn",
                     "working set/conn"}))
        << text;
    EXPECT_EQ(row_of(rows, "ours", "--zero-byte-recv"),
              Cells({"ours", "--zero-byte-recv", "1000", "2000", "3000", "500"}))
        << text;
    // A figure the server does not report is a dash, not a zero.
    EXPECT_EQ(row_of(rows, "asio", "default"),
              Cells({"asio", "default", "1000", "16384", "-", "100"}))
        << text;

    Report bare = sample_report();
    bare.bursts.clear();
    bare.memory.clear();
    const std::string bare_text = bench::render_text(bare);
    EXPECT_EQ(bare_text.find("never served"), std::string::npos) << bare_text;
    EXPECT_EQ(bare_text.find("held bytes/conn"), std::string::npos) << bare_text;
}

TEST(BenchRenderMarkdown, HasTheSameRowsAsPipeTables) {
    const std::string markdown = bench::render_markdown(sample_report());
    EXPECT_NE(markdown.find("| configuration | server | msgs/s | MB/s | p50 \u00b5s | p99 \u00b5s |"
                            " p99.9 \u00b5s | max \u00b5s | msgs per conn | calls/msg | runs |"
                            " vs asio | p99 vs asio |"),
              std::string::npos)
        << markdown;
    EXPECT_NE(markdown.find("| :-- | :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: |"
                            " --: | --: |"),
              std::string::npos)
        << markdown;
    EXPECT_NE(markdown.find("| C=128 S=64 D=1 | ours | 110000 | 7.0 | 800 | 2400 | 4800 | 9600 |"
                            " 10\u201320 | - | 3 | 1.10 (0.90\u20131.20) | 0.92 |"),
              std::string::npos)
        << markdown;
    EXPECT_NE(markdown.find("| C=128 S=64 D=1 | asio | 100000 | 6.4 | 910 | 2700 | 5400 | 10800 |"
                            " 10\u201320 | - | 3 |  |  |"),
              std::string::npos)
        << markdown;
    EXPECT_NE(markdown.find("| asio | 1000 | - | 3 |"), std::string::npos) << markdown;
    EXPECT_NE(markdown.find("| ours | --zero-byte-recv | 1000 | 2000 | 3000 | 500 |"),
              std::string::npos)
        << markdown;
}

TEST(BenchRenderMarkdown, EscapesPipesInCells) {
    Report report;
    report.series.push_back({"a|b", small, rates({1})});
    const std::string markdown = bench::render_markdown(report);
    EXPECT_NE(markdown.find("| a\\|b |"), std::string::npos) << markdown;
}

// ---- SVG ----

Report plot_report() {
    Report report;
    report.title_note = "2 pairs";
    for (const std::size_t connections : {1, 16, 128, 1000}) {
        const Configuration configuration{connections, 64, 1};
        const double c = static_cast<double>(connections);
        report.series.push_back({"ours", configuration, rates({1000 * c, 1100 * c})});
        report.series.push_back({"asio", configuration, rates({900 * c, 950 * c})});
    }
    report.series.push_back({"ours", large, rates({5})});  // another size: not plotted
    return report;
}

TEST(BenchRenderSvg, IsOneSvgElementWithALinePerServer) {
    const std::string svg = bench::render_svg(plot_report(), 64, 1);
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u) << svg;
    EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
    EXPECT_EQ(count_of(svg, "<svg"), 1u);
    EXPECT_EQ(count_of(svg, "<polyline"), 2u);
    EXPECT_EQ(count_of(svg, "<circle"), 8u);  // a marker per point
    EXPECT_EQ(count_of(svg, "<script"), 0u);
    EXPECT_EQ(count_of(svg, "@import"), 0u);
    EXPECT_NE(svg.find(">msgs/s vs connections (S=64, D=1)</text>"), std::string::npos) << svg;
    EXPECT_NE(svg.find(">connections (log scale)</text>"), std::string::npos);
    for (const char* tick : {">1</text>", ">16</text>", ">128</text>", ">1000</text>"}) {
        EXPECT_NE(svg.find(tick), std::string::npos) << tick;
    }
    // y from 0 to a round top above the largest median (1,050,000 msgs/s), in steps of 250000.
    EXPECT_NE(svg.find(">0</text>"), std::string::npos);
    EXPECT_NE(svg.find(">1250000</text>"), std::string::npos) << svg;
    // Legend entries, one colour each.
    EXPECT_NE(svg.find(">ours</text>"), std::string::npos);
    EXPECT_NE(svg.find(">asio</text>"), std::string::npos);
    EXPECT_NE(svg.find("stroke=\"#1f77b4\""), std::string::npos);
    EXPECT_NE(svg.find("stroke=\"#d62728\""), std::string::npos);
}

TEST(BenchRenderSvg, PutsConnectionsOnALogScale) {
    // 1, 10, 100: equally spaced ticks on a log scale, from the left of the plot to its right.
    Report report;
    for (const std::size_t connections : {1, 10, 100}) {
        report.series.push_back({"ours", {connections, 64, 1}, rates({100})});
    }
    const std::string svg = bench::render_svg(report, 64, 1);
    const std::size_t start = svg.find("<polyline points=\"");
    ASSERT_NE(start, std::string::npos) << svg;
    const std::size_t from = start + std::string("<polyline points=\"").size();
    const std::string points = svg.substr(from, svg.find('"', from) - from);
    EXPECT_EQ(points, "90.0,64.0 295.0,64.0 500.0,64.0") << svg;
}

TEST(BenchRenderSvg, EscapesTextForXml) {
    Report report = plot_report();
    report.series.push_back({"a<b & \"c\"", {16, 64, 1}, rates({10})});
    report.title_note = "x < y & z";
    const std::string svg = bench::render_svg(report, 64, 1);
    EXPECT_NE(svg.find(">a&lt;b &amp; &quot;c&quot;</text>"), std::string::npos) << svg;
    EXPECT_NE(svg.find(">x &lt; y &amp; z</text>"), std::string::npos) << svg;
    EXPECT_EQ(svg.find("a<b"), std::string::npos);
    EXPECT_EQ(svg.find("& "), std::string::npos);
    EXPECT_EQ(count_of(svg, "<polyline"), 3u);
}

TEST(BenchRenderSvg, WithoutRunsAtThatSizeIsStillADocument) {
    const std::string svg = bench::render_svg(plot_report(), 1, 1);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_EQ(count_of(svg, "<polyline"), 0u);
    EXPECT_NE(svg.find("no successful runs"), std::string::npos);
}

TEST(BenchRender, IsDeterministic) {
    const Report report = sample_report();
    EXPECT_EQ(bench::render_svg(report, 64, 1), bench::render_svg(sample_report(), 64, 1));
    EXPECT_EQ(bench::render_text(report), bench::render_text(sample_report()));
    EXPECT_EQ(bench::render_markdown(report), bench::render_markdown(sample_report()));
    // And the output does not depend on anything but the input: a copy renders the same.
    const Report copy = report;
    EXPECT_EQ(bench::render_svg(copy, 64, 1), bench::render_svg(report, 64, 1));
}

}  // namespace
