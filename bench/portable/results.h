// bench/portable/results.h: the echo benchmark's statistics and reports (portable: no windows.h).
//
// The benchmark (bench/echo_bench.cpp) runs each server once per pair, A B A B ..., at every
// configuration. Here the runs become medians, the paired runs become ratios (run i of one server
// against run i of the reference: the two ran back to back, so a machine that slows down for a
// while slows both), and the whole becomes a text table, a markdown table and an SVG plot.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace bench {

struct Configuration {
    std::size_t connections = 0;  // C
    std::size_t size = 0;         // S: bytes per message
    std::size_t pipeline = 0;     // D: messages in flight per connection

    friend bool operator==(const Configuration&, const Configuration&) = default;
};

// One timed run of one server. Latency runs from when a message was sent to its echo's last
// byte; the per-connection counts are of messages completed in the measured window.
struct Sample {
    double messages_per_second = 0;
    double megabytes_per_second = 0;
    double p50_us = 0;
    double p99_us = 0;
    double p999_us = 0;  // < 0: the load does not give it
    double max_us = 0;
    double min_per_connection = 0;  // the fewest messages one connection completed: starvation
    double max_per_connection = 0;  // the most (both < 0: the load does not count them)
    std::size_t never_served = 0;   // connections that completed none in the window
    double calls_per_message = -1;  // the server's Win32 calls per echoed message; < 0: unknown
    bool ok = false;
};

// Every run of one server at one configuration.
struct Series {
    std::string server;  // "ours", "ours --zero-byte-recv", "asio", ...
    Configuration configuration;
    std::vector<Sample> samples;
};

// Throws std::invalid_argument when empty; an even count gives the mean of the middle two.
double median(std::vector<double> values);

struct RatioSummary {
    double median = 0;
    double min = 0;
    double max = 0;
    std::size_t pairs = 0;
};

// Pair i's ratio is ours[i].*field / theirs[i].*field (msgs/s unless told), for the first
// min(sizes) pairs. Throws std::invalid_argument when there are no pairs or a denominator is 0.
RatioSummary pair_ratios(const std::vector<Sample>& ours, const std::vector<Sample>& theirs,
                         double Sample::*field = &Sample::messages_per_second);

// Medians over the runs that succeeded (ok); the numbers are 0 when none did.
struct SeriesSummary {
    std::string server;
    Configuration configuration;
    double messages_per_second = 0;
    double megabytes_per_second = 0;
    double p50_us = 0;
    double p99_us = 0;
    double p999_us = 0;
    double max_us = 0;
    double min_per_connection = 0;
    double max_per_connection = 0;
    std::size_t never_served = 0;   // the most of any run: starvation is not averaged away
    double calls_per_message = -1;  // the median of the runs that know it; < 0: none did
    std::size_t runs = 0;           // every sample
    std::size_t failed_runs = 0;    // samples with ok == false
};

SeriesSummary summarize(const Series& series);

// "C=128 S=64 D=1" (S in bytes).
std::string configuration_label(const Configuration& configuration);

// Many connections opened at once: how long until every one had been served.
struct BurstResult {
    std::string server;
    double seconds_to_serve_all = 0;  // shown as "-" when some were never served
    std::size_t connections = 0;
    std::size_t never_served = 0;  // within 10 s
};

// What `connections` idle connections (connected, never sending) cost a server: each figure is
// (with them - before them) / connections, from the server's own report. A negative figure:
// the server does not report it.
struct MemoryResult {
    std::string server;
    std::string mode;  // "default", "--zero-byte-recv"
    std::size_t connections = 0;
    double held_bytes = -1;    // buffers, queues and session contexts, as the server counts them
    double commit_bytes = -1;  // committed memory (what the process has allocated)
    double working_set = -1;   // resident: the pages touched so far (see docs/performance.md)
};

// (after - before) / connections; 0 when there are no connections.
double per_connection(double before, double after, std::size_t connections);

struct Report {
    std::string title_note;  // "Wine 8.0 on Linux, 2 processors, threads 2, 5 pairs, 2 s per run"
    std::vector<Series> series;             // every server x configuration, in run order
    std::string reference_server = "asio";  // ratios are of each other server to this one
    std::vector<BurstResult> bursts;
    std::vector<MemoryResult> memory;
};

std::string render_text(const Report& report);      // aligned columns, for a terminal
std::string render_markdown(const Report& report);  // the same tables, GitHub markdown
// Median msgs/s against connections (log scale) at one size and pipeline depth, one line per
// server. Self-contained (no scripts, no external fonts) and deterministic.
std::string render_svg(const Report& report, std::size_t size, std::size_t pipeline);

// Exactly "ratio ours/asio: 1.12 (median of pair ratios, msgs/s, C=128 S=64 D=1)", "asio" being
// the reference server. Throws std::invalid_argument, naming the configuration, when "ours" or
// the reference has no series at that configuration (or pair_ratios() throws).
std::string headline(const Report& report, const Configuration& configuration);
// Exactly "p99 ours/asio: 0.91 (median of pair ratios, C=128 S=64 D=1)"; throws as headline().
std::string headline_p99(const Report& report, const Configuration& configuration);

}  // namespace bench
