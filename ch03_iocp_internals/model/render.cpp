// ch03_iocp_internals/model/render.cpp: tables and SVG figures of a scenario (see render.h).
#include "render.h"

#include "iocp/xml.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace ch03::model {
namespace {

// The palette of the hand-drawn figures (docs/figures/ch01_overlapped.svg).
constexpr const char* ink = "#222";
constexpr const char* grey = "#888";
constexpr const char* waiting_fill = "#d9d9d9";
constexpr const char* released_fill = "#4a78c2";
constexpr const char* paused_fill = "#e8a33d";
constexpr const char* over_fill = "#c0392b";

std::string names_text(const std::vector<std::string>& names) {
    if (names.empty()) {
        return "-";
    }
    std::string text;
    for (const std::string& name : names) {
        text += (text.empty() ? "" : " ") + name;
    }
    return text;
}

std::vector<std::string> in_state(const Snapshot& state, ThreadState wanted) {
    std::vector<std::string> names;
    for (const ThreadView& thread : state.threads) {
        if (thread.state == wanted) {
            names.push_back(thread.name);
        }
    }
    return names;
}

std::string queue_text(const std::vector<Packet>& queue) {
    if (queue.empty()) {
        return "-";
    }
    if (queue.size() > 4) {
        return "#" + std::to_string(queue.front().id) + "..#" + std::to_string(queue.back().id) +
               " (" + std::to_string(queue.size()) + ")";
    }
    std::string text;
    for (const Packet& packet : queue) {
        text += (text.empty() ? "#" : " #") + std::to_string(packet.id);
    }
    return text;
}

// Every thread that appears in any step, in order of first use.
std::vector<std::string> all_threads(const ScenarioResult& result) {
    std::vector<std::string> names;
    for (const Step& step : result.steps) {
        for (const ThreadView& thread : step.after.threads) {
            if (std::find(names.begin(), names.end(), thread.name) == names.end()) {
                names.push_back(thread.name);
            }
        }
    }
    return names;
}

const ThreadView* find_thread(const Snapshot& state, const std::string& name) {
    for (const ThreadView& thread : state.threads) {
        if (thread.name == name) {
            return &thread;
        }
    }
    return nullptr;
}

void svg_open(std::ostringstream& svg, int width, int height, const std::string& title) {
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" viewBox=\"0 0 " << width << ' ' << height
        << "\" font-family=\"sans-serif\" font-size=\"12\" fill=\"" << ink << "\">\n"
        << "<title>" << iocp::xml_escape(title) << "</title>\n"
        << "<rect width=\"" << width << "\" height=\"" << height << "\" fill=\"#fff\"/>\n";
}

void text_at(std::ostringstream& svg, int x, int y, const std::string& text,
             const char* anchor = "start", int size = 12, const char* weight = "normal") {
    svg << "<text x=\"" << x << "\" y=\"" << y << "\" text-anchor=\"" << anchor << "\" font-size=\""
        << size << "\" font-weight=\"" << weight << "\">" << iocp::xml_escape(text) << "</text>\n";
}

void box(std::ostringstream& svg, int x, int y, int w, int h, const char* fill,
         const char* stroke = "none") {
    svg << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
        << "\" fill=\"" << fill << "\" stroke=\"" << stroke << "\"/>\n";
}

}  // namespace

std::string render_table(const ScenarioResult& result) {
    // Each step's cells first, so every column can be as wide as its widest cell.
    std::vector<std::vector<std::string>> rows;
    rows.push_back(
        {"step", "command", "queue", "waiting (newest last)", "released", "paused", "running"});
    for (std::size_t i = 0; i < result.steps.size(); ++i) {
        const Snapshot& state = result.steps[i].after;
        rows.push_back({std::to_string(i + 1), result.steps[i].command, queue_text(state.queue),
                        names_text(state.waiting),
                        names_text(in_state(state, ThreadState::released)),
                        names_text(in_state(state, ThreadState::paused)),
                        std::to_string(state.current) + " of " + std::to_string(state.maximum) +
                            (state.current > state.maximum ? " (over)" : "")});
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            widths[c] = std::max(widths[c], row[c].size());
        }
    }
    std::ostringstream out;
    if (!result.title.empty()) {
        out << result.title << '\n';
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t c = 0; c < rows[r].size(); ++c) {
            const bool last = c + 1 == rows[r].size();
            out << (c == 0 ? std::right : std::left)
                << std::setw(last ? 0 : static_cast<int>(widths[c])) << rows[r][c]
                << (last ? "" : "  ");
        }
        out << '\n';
        if (r > 0) {
            out << std::string(widths[0] + 2, ' ') << result.steps[r - 1].event << '\n';
        }
    }
    return out.str();
}

std::string render_timeline_svg(const ScenarioResult& result) {
    const std::vector<std::string> threads = all_threads(result);
    const int steps = static_cast<int>(result.steps.size());
    const int left = 90;
    const int column = std::max(24, std::min(56, 760 / std::max(steps, 1)));
    const int row = 26;
    const int top = 70;
    const int width = left + column * steps + 20;
    const int rows_end = top + row * static_cast<int>(threads.size());
    const int height = rows_end + 2 * row + 70;
    std::ostringstream svg;
    svg_open(svg, width, height, result.title.empty() ? result.name : result.title);
    text_at(svg, 10, 22, result.title.empty() ? result.name : result.title, "start", 15, "bold");
    text_at(svg, 10, 40, "scenario " + result.name + ".txt: each column is one step", "start", 12);
    for (int i = 0; i < steps; ++i) {
        text_at(svg, left + column * i + column / 2, top - 8, std::to_string(i + 1), "middle");
    }
    for (std::size_t t = 0; t < threads.size(); ++t) {
        const int y = top + row * static_cast<int>(t);
        text_at(svg, 10, y + 17, threads[t], "start", 13, "bold");
        for (int i = 0; i < steps; ++i) {
            const ThreadView* thread = find_thread(result.steps[i].after, threads[t]);
            const int x = left + column * i;
            if (thread == nullptr) {
                continue;
            }
            const char* fill = thread->state == ThreadState::waiting    ? waiting_fill
                               : thread->state == ThreadState::released ? released_fill
                               : thread->state == ThreadState::paused   ? paused_fill
                                                                        : nullptr;
            if (fill != nullptr) {
                box(svg, x + 1, y + 3, column - 2, row - 6, fill);
            }
            const ThreadView* before =
                i > 0 ? find_thread(result.steps[i - 1].after, threads[t]) : nullptr;
            const bool new_packet = thread->packet && (before == nullptr || !before->packet ||
                                                       before->packet->id != thread->packet->id);
            if (new_packet) {
                svg << "<text x=\"" << x + column / 2 << "\" y=\"" << y + 17
                    << "\" text-anchor=\"middle\" fill=\"#fff\" font-weight=\"bold\">#"
                    << thread->packet->id << "</text>\n";
            }
        }
    }
    // The queue's depth, and the running count against the limit.
    text_at(svg, 10, rows_end + 17, "queue", "start", 12, "bold");
    text_at(svg, 10, rows_end + row + 17, "running", "start", 12, "bold");
    for (int i = 0; i < steps; ++i) {
        const Snapshot& state = result.steps[i].after;
        const int x = left + column * i + column / 2;
        text_at(svg, x, rows_end + 17, std::to_string(state.queue.size()), "middle");
        const bool over = state.current > state.maximum;
        svg << "<text x=\"" << x << "\" y=\"" << rows_end + row + 17
            << "\" text-anchor=\"middle\" fill=\"" << (over ? over_fill : ink) << "\""
            << (over ? " font-weight=\"bold\"" : "") << ">" << state.current << "/" << state.maximum
            << "</text>\n";
    }
    // The legend.
    const int legend = rows_end + 2 * row + 24;
    box(svg, 10, legend, 14, 14, waiting_fill);
    text_at(svg, 30, legend + 12, "waiting in GQCS");
    box(svg, 150, legend, 14, 14, released_fill);
    text_at(svg, 170, legend + 12, "released: running (#n: packet just taken)");
    box(svg, 440, legend, 14, 14, paused_fill);
    text_at(svg, 460, legend + 12, "paused: blocked elsewhere");
    text_at(svg, 10, legend + 34, "running = CurrentCount / MaximumCount; red when above it",
            "start", 12);
    svg << "</svg>\n";
    return svg.str();
}

std::string render_structures_svg(const ScenarioResult& result, const Figure& figure) {
    const Step& step = result.steps.at(figure.step);
    const Snapshot& state = step.after;
    const int width = 860;
    const int height = 330;
    std::ostringstream svg;
    const std::string title =
        "The five structures after step " + std::to_string(figure.step + 1) + ": " + step.command;
    svg_open(svg, width, height, title);
    text_at(svg, 10, 22, title, "start", 15, "bold");
    text_at(svg, 10, 40, "scenario " + result.name + ".txt", "start", 12);

    // 1. Device list: device -> key.
    text_at(svg, 10, 70, "Device List", "start", 13, "bold");
    int y = 80;
    for (const auto& [device, key] : state.devices) {
        box(svg, 10, y, 150, 22, "#fff", grey);
        text_at(svg, 18, y + 15, device + "  ->  key " + std::to_string(key));
        y += 26;
    }
    if (state.devices.empty()) {
        text_at(svg, 10, y + 15, "(empty)", "start", 12);
    }

    // 2. I/O completion queue: head on the left.
    text_at(svg, 190, 70, "I/O Completion Queue (FIFO: head on the left)", "start", 13, "bold");
    int x = 190;
    for (const Packet& packet : state.queue) {
        if (x > width - 110) {
            text_at(svg, x + 4, 100, "...");
            break;
        }
        box(svg, x, 80, 96, 40, paused_fill);
        text_at(svg, x + 48, 96,
                "#" + std::to_string(packet.id) + " key " + std::to_string(packet.key), "middle");
        text_at(svg, x + 48, 112,
                std::to_string(packet.bytes) + " B, err " + std::to_string(packet.error), "middle");
        x += 102;
    }
    if (state.queue.empty()) {
        text_at(svg, 190, 100, "(empty)");
    }

    // 3-5. Waiting (a stack, newest on top), released, paused.
    text_at(svg, 190, 150, "Waiting Thread Queue (LIFO)", "start", 13, "bold");
    y = 160;
    for (auto it = state.waiting.rbegin(); it != state.waiting.rend(); ++it) {
        box(svg, 190, y, 80, 22, waiting_fill);
        text_at(svg, 230, y + 15, *it, "middle");
        if (it == state.waiting.rbegin()) {
            text_at(svg, 278, y + 15, "<- woken next");
        }
        y += 26;
    }
    if (state.waiting.empty()) {
        text_at(svg, 190, 175, "(empty)");
    }
    text_at(svg, 420, 150, "Released Thread List", "start", 13, "bold");
    y = 160;
    for (const std::string& name : in_state(state, ThreadState::released)) {
        box(svg, 420, y, 80, 22, released_fill);
        svg << "<text x=\"460\" y=\"" << y + 15 << "\" text-anchor=\"middle\" fill=\"#fff\">"
            << iocp::xml_escape(name) << "</text>\n";
        y += 26;
    }
    text_at(svg, 420, std::max(y, 186) + 14,
            "CurrentCount " + std::to_string(state.current) + " / MaximumCount " +
                std::to_string(state.maximum));
    text_at(svg, 640, 150, "Paused Thread List", "start", 13, "bold");
    y = 160;
    for (const std::string& name : in_state(state, ThreadState::paused)) {
        box(svg, 640, y, 80, 22, paused_fill);
        text_at(svg, 680, y + 15, name, "middle");
        y += 26;
    }
    text_at(svg, 10, height - 14, "After this step: " + step.event, "start", 12);
    svg << "</svg>\n";
    return svg.str();
}

std::vector<FigureFile> figure_files(const ScenarioResult& result) {
    std::vector<FigureFile> files;
    files.push_back({"ch03_" + result.name + ".svg", render_timeline_svg(result)});
    for (const Figure& figure : result.figures) {
        files.push_back({"ch03_" + result.name + "_" + figure.name + ".svg",
                         render_structures_svg(result, figure)});
    }
    return files;
}

}  // namespace ch03::model
