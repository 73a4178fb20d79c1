// bench/portable/results.cpp: the benchmark's statistics, tables and plot (see results.h).
//
// Numbers are printed with snprintf in the C locale, never iostreams, so the same report gives
// the same bytes on every platform the tests run on (and the SVG can be compared byte for byte).
#include "results.h"

#include "iocp/xml.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace bench {
namespace {

std::string fixed(double value, int decimals) {
    // + 0.0 turns -0.0 into 0.0, so a rounded zero never prints as "-0".
    std::array<char, 64> buffer{};
    const int printed = std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, value + 0.0);
    if (printed < 0) {
        return "?";
    }
    return std::string(buffer.data());  // snprintf truncates a huge value rather than overflows
}

std::string format_rate(double messages_per_second) {
    return fixed(messages_per_second, 0);
}
std::string format_ratio(double ratio) {
    return fixed(ratio, 2);
}

// "1.12 (0.98–1.20)": the median pair ratio, then the smallest and largest.
std::string format_ratio_summary(const RatioSummary& ratios) {
    return format_ratio(ratios.median) + " (" + format_ratio(ratios.min) + "\u2013" +
           format_ratio(ratios.max) + ")";
}

const Series* find_series(const Report& report, const std::string& server,
                          const Configuration& configuration) {
    for (const Series& series : report.series) {
        if (series.server == server && series.configuration == configuration) {
            return &series;
        }
    }
    return nullptr;
}

std::vector<Configuration> configurations_in_order(const Report& report) {
    std::vector<Configuration> configurations;
    for (const Series& series : report.series) {
        if (std::find(configurations.begin(), configurations.end(), series.configuration) ==
            configurations.end()) {
            configurations.push_back(series.configuration);
        }
    }
    return configurations;
}

// ---- Tables: built once, rendered as aligned text or as markdown ----

struct Table {
    std::vector<std::string> headers;
    std::vector<bool> right_aligned;  // numbers align right, names left
    std::vector<std::vector<std::string>> rows;
};

// The pair ratios of one field against the reference: msgs/s as "1.10 (0.90–1.20)", the median
// and its range; other fields (p99) as the median alone. Empty for the reference itself.
std::string ratio_cell(const Report& report, const Series& series,
                       double Sample::*field = &Sample::messages_per_second) {
    if (series.server == report.reference_server) {
        return "";
    }
    const Series* reference = find_series(report, report.reference_server, series.configuration);
    if (reference == nullptr) {
        return "n/a";
    }
    try {
        const RatioSummary ratios = pair_ratios(series.samples, reference->samples, field);
        return field == &Sample::messages_per_second ? format_ratio_summary(ratios)
                                                     : format_ratio(ratios.median);
    } catch (const std::invalid_argument&) {
        return "n/a";  // no pairs, or a reference run that served nothing
    }
}

// "12–1030": the fewest and most messages one connection completed, "(3 never)" appended
// when some completed none.
std::string per_connection_cell(const SeriesSummary& summary) {
    if (summary.min_per_connection < 0) {
        return "-";  // a load that does not count per connection (chapter 4's client)
    }
    std::string cell =
        fixed(summary.min_per_connection, 0) + "\u2013" + fixed(summary.max_per_connection, 0);
    if (summary.never_served > 0) {
        cell += " (" + std::to_string(summary.never_served) + " never)";
    }
    return cell;
}

// A figure the load or the server does not give (negative) shows as a dash, not a number.
std::string known(double value) {
    return value < 0 ? std::string{"-"} : fixed(value, 0);
}

std::string calls_cell(const SeriesSummary& summary) {
    return summary.calls_per_message < 0 ? std::string{"-"} : fixed(summary.calls_per_message, 2);
}

Table throughput_table(const Report& report) {
    Table table{{"configuration", "server", "msgs/s", "MB/s", "p50 \u00b5s", "p99 \u00b5s",
                 "p99.9 \u00b5s", "max \u00b5s", "msgs per conn", "calls/msg", "runs",
                 "vs " + report.reference_server, "p99 vs " + report.reference_server},
                {false, false, true, true, true, true, true, true, true, true, true, true, true},
                {}};
    // Grouped by configuration, servers in the order they were named within each group.
    for (const Configuration& configuration : configurations_in_order(report)) {
        for (const Series& series : report.series) {
            if (!(series.configuration == configuration)) {
                continue;
            }
            const SeriesSummary summary = summarize(series);
            std::string runs = std::to_string(summary.runs);
            if (summary.failed_runs > 0) {
                runs += " (" + std::to_string(summary.failed_runs) + " failed)";
            }
            table.rows.push_back(
                {configuration_label(configuration), series.server,
                 format_rate(summary.messages_per_second), fixed(summary.megabytes_per_second, 1),
                 fixed(summary.p50_us, 0), fixed(summary.p99_us, 0), known(summary.p999_us),
                 fixed(summary.max_us, 0), per_connection_cell(summary), calls_cell(summary), runs,
                 ratio_cell(report, series), ratio_cell(report, series, &Sample::p99_us)});
        }
    }
    return table;
}

Table burst_table(const Report& report) {
    Table table{{"server", "connections", "seconds to serve all", "never served within 10 s"},
                {false, true, true, true},
                {}};
    for (const BurstResult& burst : report.bursts) {
        table.rows.push_back(
            {burst.server, std::to_string(burst.connections),
             // Not all served: there is no time to serve all.
             burst.never_served > 0 ? std::string{"-"} : fixed(burst.seconds_to_serve_all, 2),
             std::to_string(burst.never_served)});
    }
    return table;
}

std::string bytes_cell(double bytes) {
    return bytes < 0 ? std::string{"-"} : fixed(bytes, 0);
}

Table memory_table(const Report& report) {
    Table table{{"server", "mode", "idle connections", "held bytes/conn", "commit bytes/conn",
                 "working set/conn"},
                {false, false, true, true, true, true},
                {}};
    for (const MemoryResult& memory : report.memory) {
        table.rows.push_back({memory.server, memory.mode, std::to_string(memory.connections),
                              bytes_cell(memory.held_bytes), bytes_cell(memory.commit_bytes),
                              bytes_cell(memory.working_set)});
    }
    return table;
}

std::string ratio_note(const Report& report) {
    return "vs " + report.reference_server +
           ": median of the pair ratios of msgs/s (min\u2013max); p99 vs " +
           report.reference_server +
           ": the same of p99 (below 1 is better); pair i: run i of each, in one random order; "
           "msgs per conn: the fewest\u2013most one connection completed; calls/msg: the "
           "server's own count of its Win32 calls per echoed message";
}

// Display width of UTF-8 text: one column per code point ("µ" and "–" are two bytes each).
std::size_t display_width(const std::string& text) {
    std::size_t width = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) {  // not a continuation byte
            ++width;
        }
    }
    return width;
}

std::string pad(const std::string& text, std::size_t width, bool right_aligned) {
    const std::string spaces(width - std::min(width, display_width(text)), ' ');
    return right_aligned ? spaces + text : text + spaces;
}

std::string text_table(const Table& table) {
    std::vector<std::size_t> widths;
    for (const std::string& header : table.headers) {
        widths.push_back(display_width(header));
    }
    for (const auto& row : table.rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            out += (i == 0 ? "" : "  ") + pad(cells[i], widths[i], table.right_aligned[i]);
        }
        // An empty last cell (the reference's ratio) would leave trailing spaces.
        out.erase(out.find_last_not_of(' ') + 1);
        return out + "\n";
    };
    std::string out = line(table.headers);
    std::vector<std::string> rule;
    for (const std::size_t width : widths) {
        rule.emplace_back(width, '-');
    }
    out += line(rule);
    for (const auto& row : table.rows) {
        out += line(row);
    }
    return out;
}

std::string markdown_cell(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '|') {
            out += '\\';  // a bare pipe would end the cell
        }
        out += c;
    }
    return out;
}

std::string markdown_table(const Table& table) {
    const auto line = [](const std::vector<std::string>& cells) {
        std::string out = "|";
        for (const std::string& cell : cells) {
            out += " " + markdown_cell(cell) + " |";
        }
        return out + "\n";
    };
    std::string out = line(table.headers);
    out += "|";
    for (const bool right : table.right_aligned) {
        out += right ? " --: |" : " :-- |";
    }
    out += "\n";
    for (const auto& row : table.rows) {
        out += line(row);
    }
    return out;
}

// ---- SVG ----

std::string coordinate(double value) {
    return fixed(value, 1);
}

// The y axis: 0 up to a round top, in steps of 1, 2, 2.5 or 5 times a power of ten (5 or so).
struct Axis {
    double top = 1;
    double step = 0.2;
};

Axis round_axis(double largest) {
    if (!(largest > 0) || !std::isfinite(largest)) {
        return {};
    }
    const double rough = largest / 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
    double step = 10 * magnitude;
    for (const double multiple : {1.0, 2.0, 2.5, 5.0}) {
        if (multiple * magnitude >= rough) {
            step = multiple * magnitude;
            break;
        }
    }
    return {std::ceil(largest / step) * step, step};
}

std::string tick_label(double value, double step) {
    // As many decimals as the step has (0.25 needs two), none for whole steps.
    int decimals = 0;
    for (double scaled = step;
         decimals < 6 && std::abs(scaled - std::round(scaled)) > 1e-9 * scaled; scaled *= 10) {
        ++decimals;
    }
    return fixed(value, decimals);
}

struct Point {
    std::size_t connections = 0;
    double messages_per_second = 0;
};

struct Line {
    std::string server;
    std::vector<Point> points;  // by connections
};

std::vector<Line> plot_lines(const Report& report, std::size_t size, std::size_t pipeline) {
    std::vector<Line> lines;
    for (const Series& series : report.series) {
        if (series.configuration.size != size || series.configuration.pipeline != pipeline) {
            continue;
        }
        const SeriesSummary summary = summarize(series);
        if (summary.failed_runs == summary.runs) {
            continue;  // no run succeeded: no median to plot
        }
        auto line = std::find_if(lines.begin(), lines.end(),
                                 [&](const Line& l) { return l.server == series.server; });
        if (line == lines.end()) {
            lines.push_back({series.server, {}});
            line = std::prev(lines.end());
        }
        const bool seen = std::any_of(
            line->points.begin(), line->points.end(),
            [&](const Point& p) { return p.connections == series.configuration.connections; });
        if (!seen) {  // a repeated configuration keeps its first series, as the tables' ratios do
            line->points.push_back({series.configuration.connections, summary.messages_per_second});
        }
    }
    for (Line& line : lines) {
        std::stable_sort(
            line.points.begin(), line.points.end(),
            [](const Point& a, const Point& b) { return a.connections < b.connections; });
    }
    return lines;
}

constexpr std::array<const char*, 8> palette = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                                "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

}  // namespace

double median(std::vector<double> values) {
    if (values.empty()) {
        throw std::invalid_argument("median of no values");
    }
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    if (values.size() % 2 == 1) {
        return values[middle];
    }
    return (values[middle - 1] + values[middle]) / 2;
}

RatioSummary pair_ratios(const std::vector<Sample>& ours, const std::vector<Sample>& theirs,
                         double Sample::*field) {
    const std::size_t pairs = std::min(ours.size(), theirs.size());
    if (pairs == 0) {
        throw std::invalid_argument("pair ratios of no pairs");
    }
    std::vector<double> ratios;
    for (std::size_t i = 0; i < pairs; ++i) {
        if (theirs[i].*field == 0) {
            throw std::invalid_argument("pair ratio " + std::to_string(i) +
                                        ": the reference run has 0 there");
        }
        ratios.push_back(ours[i].*field / theirs[i].*field);
    }
    const auto [min, max] = std::minmax_element(ratios.begin(), ratios.end());
    return {median(ratios), *min, *max, pairs};
}

SeriesSummary summarize(const Series& series) {
    SeriesSummary summary;
    summary.server = series.server;
    summary.configuration = series.configuration;
    summary.runs = series.samples.size();
    std::vector<double> rates, megabytes, p50, p99, p999, max, fewest, most, calls;
    for (const Sample& sample : series.samples) {
        if (!sample.ok) {
            ++summary.failed_runs;  // a failed run's numbers describe a broken run: left out
            continue;
        }
        rates.push_back(sample.messages_per_second);
        megabytes.push_back(sample.megabytes_per_second);
        p50.push_back(sample.p50_us);
        p99.push_back(sample.p99_us);
        p999.push_back(sample.p999_us);
        max.push_back(sample.max_us);
        fewest.push_back(sample.min_per_connection);
        most.push_back(sample.max_per_connection);
        summary.never_served = std::max(summary.never_served, sample.never_served);
        if (sample.calls_per_message >= 0) {
            calls.push_back(sample.calls_per_message);
        }
    }
    if (!rates.empty()) {
        summary.messages_per_second = median(std::move(rates));
        summary.megabytes_per_second = median(std::move(megabytes));
        summary.p50_us = median(std::move(p50));
        summary.p99_us = median(std::move(p99));
        summary.p999_us = median(std::move(p999));
        summary.max_us = median(std::move(max));
        summary.min_per_connection = median(std::move(fewest));
        summary.max_per_connection = median(std::move(most));
    }
    if (!calls.empty()) {
        summary.calls_per_message = median(std::move(calls));
    }
    return summary;
}

std::string configuration_label(const Configuration& configuration) {
    return "C=" + std::to_string(configuration.connections) +
           " S=" + std::to_string(configuration.size) +
           " D=" + std::to_string(configuration.pipeline);
}

double per_connection(double before, double after, std::size_t connections) {
    if (connections == 0) {
        return 0;
    }
    return (after - before) / static_cast<double>(connections);
}

std::string render_text(const Report& report) {
    std::string out;
    if (!report.title_note.empty()) {
        out += report.title_note + "\n\n";
    }
    out += text_table(throughput_table(report));
    out += ratio_note(report) + "\n";
    if (!report.bursts.empty()) {
        out += "\nConnection bursts:\n" + text_table(burst_table(report));
    }
    if (!report.memory.empty()) {
        out += "\nMemory:\n" + text_table(memory_table(report));
    }
    return out;
}

std::string render_markdown(const Report& report) {
    std::string out;
    if (!report.title_note.empty()) {
        out += report.title_note + "\n\n";
    }
    out += markdown_table(throughput_table(report));
    out += "\n" + ratio_note(report) + "\n";
    if (!report.bursts.empty()) {
        out += "\nConnection bursts:\n\n" + markdown_table(burst_table(report));
    }
    if (!report.memory.empty()) {
        out += "\nMemory:\n\n" + markdown_table(memory_table(report));
    }
    return out;
}

std::string render_svg(const Report& report, std::size_t size, std::size_t pipeline) {
    constexpr double width = 720;
    constexpr double height = 420;
    constexpr double left = 90;    // room for the y tick labels and the axis label
    constexpr double right = 500;  // and room on the right for a legend of long server names
    constexpr double top = 64;
    constexpr double bottom = 360;
    constexpr double legend_x = 516;

    const std::vector<Line> lines = plot_lines(report, size, pipeline);
    std::vector<std::size_t> connections;
    double largest = 0;
    for (const Line& line : lines) {
        for (const Point& point : line.points) {
            connections.push_back(point.connections);
            largest = std::max(largest, point.messages_per_second);
        }
    }
    std::sort(connections.begin(), connections.end());
    connections.erase(std::unique(connections.begin(), connections.end()), connections.end());

    // x: log10 of the connection count (at least 1), spread over the plot's width.
    const auto log_of = [](std::size_t count) {
        return std::log10(static_cast<double>(std::max<std::size_t>(count, 1)));
    };
    const double log_low = connections.empty() ? 0 : log_of(connections.front());
    const double log_high = connections.empty() ? 0 : log_of(connections.back());
    const auto x_of = [&](std::size_t count) {
        if (log_high <= log_low) {
            return (left + right) / 2;  // a single connection count: the middle
        }
        return left + (log_of(count) - log_low) / (log_high - log_low) * (right - left);
    };
    const Axis axis = round_axis(largest);
    const auto y_of = [&](double value) { return bottom - value / axis.top * (bottom - top); };

    const std::string title = "msgs/s vs connections (S=" + std::to_string(size) +
                              ", D=" + std::to_string(pipeline) + ")";
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fixed(width, 0) +
                      "\" height=\"" + fixed(height, 0) + "\" viewBox=\"0 0 " + fixed(width, 0) +
                      " " + fixed(height, 0) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    out += "<text x=\"" + coordinate((left + right) / 2) +
           "\" y=\"26\" text-anchor=\"middle\" font-size=\"16\">" + iocp::xml_escape(title) +
           "</text>\n";
    if (!report.title_note.empty()) {
        out += "<text x=\"" + coordinate((left + right) / 2) +
               "\" y=\"44\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555555\">" +
               iocp::xml_escape(report.title_note) + "</text>\n";
    }

    // y: grid lines and tick labels from 0 to the round top.
    for (int i = 0; i * axis.step <= axis.top * (1 + 1e-9); ++i) {
        const double value = i * axis.step;
        const std::string y = coordinate(y_of(value));
        out += "<line x1=\"" + coordinate(left) + "\" y1=\"" + y + "\" x2=\"" + coordinate(right) +
               "\" y2=\"" + y + "\" stroke=\"#dddddd\"/>\n";
        out += "<text x=\"" + coordinate(left - 8) + "\" y=\"" + coordinate(y_of(value) + 4) +
               "\" text-anchor=\"end\">" + tick_label(value, axis.step) + "</text>\n";
    }
    // x: a tick at every connection count measured.
    for (const std::size_t count : connections) {
        const std::string x = coordinate(x_of(count));
        out += "<line x1=\"" + x + "\" y1=\"" + coordinate(top) + "\" x2=\"" + x + "\" y2=\"" +
               coordinate(bottom) + "\" stroke=\"#eeeeee\"/>\n";
        out += "<text x=\"" + x + "\" y=\"" + coordinate(bottom + 18) +
               "\" text-anchor=\"middle\">" + std::to_string(count) + "</text>\n";
    }
    if (lines.empty()) {
        out += "<text x=\"" + coordinate((left + right) / 2) + "\" y=\"" +
               coordinate((top + bottom) / 2) + "\" text-anchor=\"middle\">no successful runs" +
               "</text>\n";
    }
    // The axes and their labels.
    out += "<path d=\"M" + coordinate(left) + " " + coordinate(top) + " V" + coordinate(bottom) +
           " H" + coordinate(right) + "\" fill=\"none\" stroke=\"#333333\"/>\n";
    out += "<text x=\"" + coordinate((left + right) / 2) + "\" y=\"" + coordinate(bottom + 44) +
           "\" text-anchor=\"middle\">connections (log scale)</text>\n";
    out += "<text x=\"22\" y=\"" + coordinate((top + bottom) / 2) +
           "\" text-anchor=\"middle\" transform=\"rotate(-90 22 " + coordinate((top + bottom) / 2) +
           ")\">msgs/s (median of runs)</text>\n";

    // One line, its markers and a legend entry per server.
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string colour = palette[i % palette.size()];
        std::string points;
        std::string markers;
        for (const Point& point : lines[i].points) {
            const std::string x = coordinate(x_of(point.connections));
            const std::string y = coordinate(y_of(point.messages_per_second));
            points += (points.empty() ? "" : " ") + x + "," + y;
            markers +=
                "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"3.5\" fill=\"" + colour + "\"/>\n";
        }
        out += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + colour +
               "\" stroke-width=\"2\"/>\n" + markers;
        const double y = top + 10 + 20 * static_cast<double>(i);
        out += "<line x1=\"" + coordinate(legend_x) + "\" y1=\"" + coordinate(y) + "\" x2=\"" +
               coordinate(legend_x + 20) + "\" y2=\"" + coordinate(y) + "\" stroke=\"" + colour +
               "\" stroke-width=\"2\"/>\n";
        out += "<text x=\"" + coordinate(legend_x + 26) + "\" y=\"" + coordinate(y + 4) +
               "\" font-size=\"11\">" + iocp::xml_escape(lines[i].server) + "</text>\n";
    }
    out += "</svg>\n";
    return out;
}

namespace {

RatioSummary headline_ratios(const Report& report, const Configuration& configuration,
                             double Sample::*field) {
    const std::string label = configuration_label(configuration);
    const Series* ours = find_series(report, "ours", configuration);
    const Series* reference = find_series(report, report.reference_server, configuration);
    if (ours == nullptr || reference == nullptr) {
        throw std::invalid_argument(
            "headline: no series for \"" +
            std::string(ours == nullptr ? "ours" : report.reference_server) + "\" at " + label);
    }
    try {
        return pair_ratios(ours->samples, reference->samples, field);
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument("headline at " + label + ": " + error.what());
    }
}

}  // namespace

std::string headline(const Report& report, const Configuration& configuration) {
    const RatioSummary ratios =
        headline_ratios(report, configuration, &Sample::messages_per_second);
    return "ratio ours/" + report.reference_server + ": " + format_ratio(ratios.median) +
           " (median of pair ratios, msgs/s, " + configuration_label(configuration) + ")";
}

std::string headline_p99(const Report& report, const Configuration& configuration) {
    const RatioSummary ratios = headline_ratios(report, configuration, &Sample::p99_us);
    return "p99 ours/" + report.reference_server + ": " + format_ratio(ratios.median) +
           " (median of pair ratios, " + configuration_label(configuration) + ")";
}

}  // namespace bench
