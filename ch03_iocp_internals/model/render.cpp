// ch03_iocp_internals/model/render.cpp: tables and SVG figures of a scenario (see render.h).
#include "render.h"

#include "iocp/xml.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace ch03::model {
namespace {

// The palette of the hand-drawn figures (docs/figures/ch01_overlapped.svg).
constexpr const char* ink = "#222";
constexpr const char* grey = "#888";
constexpr const char* waiting_fill = "#d9d9d9";
constexpr const char* released_fill = "#4a78c2";
constexpr const char* paused_fill = "#e8a33d";
constexpr const char* over_fill = "#c0392b";
constexpr const char* packet_fill = "#d4ecd0";  // records: green, unlike any thread's state
constexpr const char* packet_stroke = "#3d7a45";
constexpr const char* cold_fill = "#f2f2f2";

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

// Opens a figure: the svg element, its bold title, and the line under it naming the scenario.
void figure_open(std::ostringstream& svg, int width, int height, const std::string& title,
                 const std::string& subtitle) {
    svg_open(svg, width, height, title);
    text_at(svg, 10, 22, title, "start", 15, "bold");
    text_at(svg, 10, 40, subtitle, "start", 12);
}

void box(std::ostringstream& svg, int x, int y, int w, int h, const char* fill,
         const char* stroke = "none") {
    svg << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
        << "\" fill=\"" << fill << "\" stroke=\"" << stroke << "\"/>\n";
}

}  // namespace

std::string running_text(const Snapshot& state) {
    return std::to_string(state.current) + " of " + std::to_string(state.maximum) +
           (state.current > state.maximum ? " (over)" : "");
}

TableLines table_lines(const ScenarioResult& result) {
    // Each step's cells first, so every column can be as wide as its widest cell.
    std::vector<std::vector<std::string>> rows;
    rows.push_back(
        {"step", "command", "queue", "waiting (newest last)", "released", "paused", "running"});
    for (std::size_t i = 0; i < result.steps.size(); ++i) {
        const Snapshot& state = result.steps[i].after;
        rows.push_back({std::to_string(i + 1), result.steps[i].command, queue_text(state.queue),
                        names_text(state.waiting),
                        names_text(in_state(state, ThreadState::released)),
                        names_text(in_state(state, ThreadState::paused)), running_text(state)});
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            widths[c] = std::max(widths[c], row[c].size());
        }
    }
    // The one place a row is laid out: the step number right-aligned, the rest left-aligned,
    // the last cell unpadded.
    const auto line_of = [&widths](const std::vector<std::string>& row) {
        std::ostringstream out;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const bool last = c + 1 == row.size();
            out << (c == 0 ? std::right : std::left)
                << std::setw(last ? 0 : static_cast<int>(widths[c])) << row[c]
                << (last ? "" : "  ");
        }
        return out.str();
    };
    TableLines lines;
    lines.header = line_of(rows.front());
    for (std::size_t r = 1; r < rows.size(); ++r) {
        lines.rows.push_back(line_of(rows[r]));
        lines.events.push_back(std::string(widths[0] + 2, ' ') + result.steps[r - 1].event);
    }
    return lines;
}

std::string render_table(const ScenarioResult& result) {
    const TableLines lines = table_lines(result);
    std::string out;
    if (!result.title.empty()) {
        out += result.title + '\n';
    }
    out += lines.header + '\n';
    for (std::size_t i = 0; i < lines.rows.size(); ++i) {
        out += lines.rows[i] + '\n' + lines.events[i] + '\n';
    }
    return out;
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
    const int height = rows_end + 2 * row + 88;
    std::ostringstream svg;
    figure_open(svg, width, height, result.title.empty() ? result.name : result.title,
                "scenario " + result.name + ".txt: each column is one step");
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
    text_at(svg, 10, legend + 34, "running = CurrentCount / MaximumCount; red when above it");
    text_at(svg, 10, legend + 52, "no box: not on the port (not yet, left it, or ended)");
    svg << "</svg>\n";
    return svg.str();
}

namespace {

std::string overlapped_text(std::uint64_t overlapped) {
    return overlapped == 0 ? "NULL" : "&ov" + std::to_string(overlapped);
}

// What a record means to the thread that dequeues it.
std::string meaning(const Packet& packet) {
    if (packet.error != 0) {
        return "the I/O failed: GQCS returns FALSE, error " + std::to_string(packet.error);
    }
    if (packet.device.empty()) {
        return "posted: always a success";
    }
    if (packet.bytes == 0) {
        return "0 bytes on a receive with room: the peer's FIN";
    }
    return std::to_string(packet.bytes) + " bytes transferred";
}

// Words of `text` in lines of at most `width` characters.
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            lines.push_back(line);
            line.clear();
        }
        line += (line.empty() ? "" : " ") + std::string{word};
        start = end + 1;
    }
    if (!line.empty()) {
        lines.push_back(line);
    }
    return lines;
}

// One record of the completion queue, its four fields under its number.
void record_card(std::ostringstream& svg, int x, int y, const Packet& packet) {
    svg << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"132\" height=\"88\" rx=\"3\" fill=\""
        << packet_fill << "\" stroke=\"" << packet_stroke << "\"/>\n";
    text_at(svg, x + 8, y + 16,
            "#" + std::to_string(packet.id) +
                (packet.device.empty() ? " posted" : " from " + packet.device),
            "start", 12, "bold");
    text_at(svg, x + 8, y + 32, "bytes " + std::to_string(packet.bytes));
    text_at(svg, x + 8, y + 48, "key " + std::to_string(packet.key));
    text_at(svg, x + 8, y + 64, "pOverlapped " + overlapped_text(packet.overlapped));
    text_at(svg, x + 8, y + 80, "error " + std::to_string(packet.error));
}

// A row of colour keys at `y`: every figure names its colours.
void legend(std::ostringstream& svg, int y, bool packets) {
    int x = 10;
    const auto key = [&](const char* fill, const char* stroke, const std::string& text, int width) {
        box(svg, x, y, 14, 14, fill, stroke);
        text_at(svg, x + 20, y + 12, text);
        x += width;
    };
    if (packets) {
        key(packet_fill, packet_stroke, "a queued record (packet)", 200);
    }
    key(waiting_fill, "none", "waiting in GQCS", 140);
    key(released_fill, "none", "released: running, counted", 210);
    key(paused_fill, "none", "paused: blocked elsewhere, not counted", 300);
}

}  // namespace

std::string render_structures_svg(const ScenarioResult& result, const Figure& figure) {
    const Step& step = result.steps.at(figure.step);
    const Snapshot& state = step.after;
    const std::vector<std::string> released = in_state(state, ThreadState::released);
    const std::vector<std::string> paused = in_state(state, ThreadState::paused);
    const std::size_t longest =
        std::max({state.waiting.size(), released.size(), paused.size(), std::size_t{1}});
    const int lists_top = 210;
    const int lists_end = lists_top + 26 * static_cast<int>(longest) + 30;
    const int width = 860;
    const int height = lists_end + 74;
    std::ostringstream svg;
    const std::string title =
        "The five structures after step " + std::to_string(figure.step + 1) + ": " + step.command;
    figure_open(svg, width, height, title, "scenario " + result.name + ".txt");

    // 1. Device list: device -> key.
    text_at(svg, 10, 70, "Device List", "start", 13, "bold");
    int y = 80;
    for (const auto& [device, key] : state.devices) {
        box(svg, 10, y, 150, 22, "#fff", grey);
        text_at(svg, 18, y + 15, device + " -> key " + std::to_string(key));
        y += 26;
    }
    if (state.devices.empty()) {
        text_at(svg, 10, y + 15, "(empty)", "start", 12);
    }

    // 2. I/O completion queue: head on the left, each record with its four fields.
    text_at(svg, 190, 70, "I/O Completion Queue (FIFO: head on the left)", "start", 13, "bold");
    int x = 190;
    for (const Packet& packet : state.queue) {
        if (x > width - 140) {
            text_at(svg, x + 4, 124, "...");
            break;
        }
        record_card(svg, x, 80, packet);
        x += 138;
    }
    if (state.queue.empty()) {
        text_at(svg, 190, 100, "(empty)");
    }

    // 3-5. Waiting (a stack, newest on top), released, paused.
    text_at(svg, 190, lists_top - 10, "Waiting Thread Queue (LIFO)", "start", 13, "bold");
    y = lists_top;
    for (auto it = state.waiting.rbegin(); it != state.waiting.rend(); ++it) {
        box(svg, 190, y, 80, 22, waiting_fill);
        text_at(svg, 230, y + 15, *it, "middle");
        if (it == state.waiting.rbegin()) {
            text_at(svg, 278, y + 15, "<- woken next");
        }
        y += 26;
    }
    if (state.waiting.empty()) {
        text_at(svg, 190, lists_top + 15, "(empty)");
    }
    text_at(svg, 420, lists_top - 10, "Released Thread List", "start", 13, "bold");
    y = lists_top;
    for (const std::string& name : released) {
        box(svg, 420, y, 80, 22, released_fill);
        svg << "<text x=\"460\" y=\"" << y + 15 << "\" text-anchor=\"middle\" fill=\"#fff\">"
            << iocp::xml_escape(name) << "</text>\n";
        y += 26;
    }
    text_at(svg, 420, std::max(y, lists_top + 26) + 14,
            "CurrentCount " + std::to_string(state.current) + " / MaximumCount " +
                std::to_string(state.maximum));
    text_at(svg, 640, lists_top - 10, "Paused Thread List", "start", 13, "bold");
    y = lists_top;
    for (const std::string& name : paused) {
        box(svg, 640, y, 80, 22, paused_fill);
        text_at(svg, 680, y + 15, name, "middle");
        y += 26;
    }
    text_at(svg, 10, lists_end + 16, "After this step: " + step.event, "start", 12);
    legend(svg, lists_end + 38, true);
    svg << "</svg>\n";
    return svg.str();
}

std::string render_queue_svg(const ScenarioResult& result, const Figure& figure) {
    const Step& step = result.steps.at(figure.step);
    const Snapshot& state = step.after;
    const int card_w = 200;
    const int gap = 16;
    const int shown = std::min(static_cast<int>(state.queue.size()), 4);
    const int width = std::max(880, 20 + shown * (card_w + gap) + 20);
    const int height = 450;
    std::ostringstream svg;
    const std::string title = "The I/O completion queue after step " +
                              std::to_string(figure.step + 1) + ": " + step.command;
    figure_open(svg, width, height, title,
                "scenario " + result.name +
                    ".txt: each finished I/O (or post) adds a record at the tail; GQCS takes the "
                    "head");
    if (state.queue.empty()) {
        text_at(svg, 20, 100, "(empty)");
    }
    const int top = 90;
    for (int i = 0; i < shown; ++i) {
        const Packet& packet = state.queue[static_cast<std::size_t>(i)];
        const int x = 20 + i * (card_w + gap);
        if (i == 0) {
            text_at(svg, x, top - 10, "head: dequeued first", "start", 12, "bold");
        } else if (i + 1 == static_cast<int>(state.queue.size())) {
            text_at(svg, x, top - 10, "tail: the newest", "start", 12, "bold");
        }
        svg << "<rect x=\"" << x << "\" y=\"" << top << "\" width=\"" << card_w
            << "\" height=\"118\" rx=\"4\" fill=\"" << packet_fill << "\" stroke=\""
            << packet_stroke << "\"/>\n";
        text_at(svg, x + 10, top + 20,
                "record #" + std::to_string(packet.id) +
                    (packet.device.empty() ? " (posted)" : " (" + packet.device + ")"),
                "start", 13, "bold");
        const std::pair<const char*, std::string> fields[] = {
            {"bytes", std::to_string(packet.bytes)},
            {"key", std::to_string(packet.key)},
            {"pOverlapped", overlapped_text(packet.overlapped)},
            {"error", std::to_string(packet.error)},
        };
        int y = top + 44;
        for (const auto& [name, value] : fields) {
            text_at(svg, x + 10, y, name);
            text_at(svg, x + 110, y, value, "start", 13, "bold");
            y += 22;
        }
        int line_y = top + 138;
        for (const std::string& line : wrap(meaning(packet), 26)) {
            text_at(svg, x, line_y, line);
            line_y += 16;
        }
    }
    if (static_cast<int>(state.queue.size()) > shown) {
        text_at(svg, 20 + shown * (card_w + gap), top + 70, "...");
    }
    // What a dequeue hands back: the four fields of the head, as GQCS's out parameters.
    const int out = 280;
    box(svg, 20, out, width - 40, 96, "#fff", grey);
    text_at(svg, 30, out + 22,
            "GetQueuedCompletionStatus(port, &bytes, &key, &pOverlapped, timeout) removes the "
            "head and hands back its fields:",
            "start", 12, "bold");
    text_at(svg, 30, out + 44, "*lpNumberOfBytesTransferred = bytes");
    text_at(svg, 310, out + 44, "*lpCompletionKey = key");
    text_at(svg, 510, out + 44, "*lpOverlapped = pOverlapped");
    text_at(svg, 30, out + 64,
            "It returns TRUE when error is 0. For a failed I/O it returns FALSE, still fills all "
            "three, and");
    text_at(svg, 30, out + 82,
            "GetLastError() gives the error: the request's pOverlapped "
            "says which one failed.");
    text_at(svg, 10, out + 124,
            "&ovN: the address of request N's OVERLAPPED (the program's own). NULL: none; "
            "PostQueuedCompletionStatus may pass NULL.");
    text_at(svg, 10, out + 144,
            "A posted record is always a success. The key is the one its device was associated "
            "with, or what the post passed.");
    svg << "</svg>\n";
    return svg.str();
}

std::string render_stacks_svg(const ScenarioResult& result, const Figure& figure) {
    const Step& step = result.steps.at(figure.step);
    const std::vector<std::string> threads = all_threads(result);
    const int column = 210;
    const int width = std::max(880, 20 + column * static_cast<int>(threads.size()));
    const int height = 560;
    std::ostringstream svg;
    const std::string title = "Each thread's stack after step " + std::to_string(figure.step + 1) +
                              ": the hot ones are in use";
    figure_open(svg, width, height, title,
                "scenario " + result.name +
                    ".txt: the packets each thread took, and since when it has waited untouched");
    const int top = 130;
    const int stack_h = 230;
    const int used_h = 96;
    for (std::size_t t = 0; t < threads.size(); ++t) {
        const int x = 20 + column * static_cast<int>(t);
        const ThreadView* thread = find_thread(step.after, threads[t]);
        const int taken = thread != nullptr ? thread->packets_taken : 0;
        // The step at which it last began to wait: since then it has touched nothing.
        std::size_t since = 0;
        for (std::size_t i = 0; i <= figure.step; ++i) {
            const ThreadView* now = find_thread(result.steps[i].after, threads[t]);
            const ThreadView* before =
                i > 0 ? find_thread(result.steps[i - 1].after, threads[t]) : nullptr;
            if (now != nullptr && now->state == ThreadState::waiting &&
                (before == nullptr || before->state != ThreadState::waiting)) {
                since = i + 1;
            }
        }
        const bool hot = taken > 0;
        text_at(svg, x, top - 50, threads[t] + (hot ? ": hot" : ": cold"), "start", 14, "bold");
        text_at(svg, x, top - 32,
                "took " + std::to_string(taken) + (taken == 1 ? " packet" : " packets"));
        if (since != 0) {
            text_at(svg, x, top - 14, "waiting since step " + std::to_string(since));
        }
        // The reserved region: address space, whether or not it is touched.
        svg << "<rect x=\"" << x << "\" y=\"" << top << "\" width=\"180\" height=\"" << stack_h
            << "\" fill=\"#fff\" stroke=\"" << grey << "\" stroke-dasharray=\"6 4\"/>\n";
        text_at(svg, x + 10, top + 20, "reserved stack");
        text_at(svg, x + 10, top + 36, "(address space)");
        const int used_y = top + stack_h - used_h;
        if (hot) {
            box(svg, x, used_y, 180, used_h, released_fill);
            int y = used_y + 22;
            for (const char* line :
                 {"pages in use:", "touched by every packet,", "they stay in", "the working set"}) {
                svg << "<text x=\"" << x + 10 << "\" y=\"" << y << "\" fill=\"#fff\">" << line
                    << "</text>\n";
                y += 18;
            }
        } else {
            svg << "<rect x=\"" << x << "\" y=\"" << used_y << "\" width=\"180\" height=\""
                << used_h << "\" fill=\"" << cold_fill << "\" stroke=\"" << grey << "\"/>\n";
            int y = used_y + 22;
            for (const char* line : {"pages untouched", "since it began to wait:",
                                     "they can be trimmed", "from the working set"}) {
                text_at(svg, x + 10, y, line);
                y += 18;
            }
        }
    }
    const int notes = top + stack_h + 34;
    const char* lines[] = {
        "The newest waiter takes each packet, so the same few threads run, and their stack "
        "pages stay resident.",
        "A waiter that is never woken touches nothing: when memory is short, the memory manager "
        "can trim",
        "its untouched pages from the process's working set. That saves physical memory, not "
        "threads:",
        "each thread still has its kernel objects and kernel stack, and its user stack keeps its "
        "reserved",
        "address space (1 MB with Microsoft's linker, 2 MB with MinGW's) and its committed pages, "
        "which count",
        "against the commit limit.",
    };
    int y = notes;
    for (const char* line : lines) {
        text_at(svg, 10, y, line);
        y += 18;
    }
    y += 10;
    box(svg, 10, y, 14, 14, released_fill);
    text_at(svg, 30, y + 12, "in use: resident");
    box(svg, 180, y, 14, 14, cold_fill, grey);
    text_at(svg, 200, y + 12, "untouched: may be trimmed");
    svg << "<rect x=\"400\" y=\"" << y << "\" width=\"14\" height=\"14\" fill=\"#fff\" stroke=\""
        << grey << "\" stroke-dasharray=\"3 2\"/>\n";
    text_at(svg, 420, y + 12, "reserved address space");
    svg << "</svg>\n";
    return svg.str();
}

namespace {

struct Point {
    int x;
    int y;
};

// Where the diagram puts each state.
struct NodeLayout {
    ThreadState state;
    int x, y, w, h;
    const char* subtitle;
};

constexpr int row = 360;  // the y of the three lists' boxes

constexpr NodeLayout node_layouts[] = {
    {ThreadState::outside, 400, 80, 200, 60, "not on this port"},
    {ThreadState::waiting, 30, row, 200, 60, "Waiting Thread Queue (LIFO)"},
    {ThreadState::released, 400, row, 200, 60, "Released Thread List"},
    {ThreadState::paused, 770, row, 200, 60, "Paused Thread List"},
    {ThreadState::exited, 770, row + 250, 200, 50, "the thread has ended"},
};

// Where the diagram draws each arrow, and its labels. Only the geometry lives here: which
// arrows exist, and what they say, comes from transitions().
struct EdgeLayout {
    ThreadState from;
    ThreadState to;
    std::vector<Point> path;
    Point label;  // the first line's anchor point
    const char* anchor;
    std::size_t wrap_at;  // characters a label line may hold
};

std::vector<EdgeLayout> edge_layouts() {
    using enum ThreadState;
    const int in = row + 14;     // arrows into a list box, left to right
    const int back = row + 46;   // and back, right to left
    const int below = row + 60;  // under the boxes
    const int end = row + 275;   // the exited box's middle
    return {
        {outside, waiting, {{400, 100}, {100, 100}, {100, row}}, {110, 92}, "start", 48},
        {waiting, outside, {{170, row}, {170, 128}, {400, 128}}, {180, 150}, "start", 28},
        {outside, released, {{470, 140}, {470, row}}, {462, 170}, "end", 22},
        {released, outside, {{530, row}, {530, 140}}, {538, 250}, "start", 26},
        {paused, outside, {{870, row}, {870, 110}, {600, 110}}, {860, 104}, "end", 40},
        {waiting, released, {{230, in}, {400, in}}, {315, in - 82}, "middle", 26},
        {released, waiting, {{400, back}, {230, back}}, {315, back + 22}, "middle", 24},
        {released, paused, {{600, in}, {770, in}}, {685, in - 42}, "middle", 24},
        {paused, released, {{770, back}, {600, back}}, {685, back + 22}, "middle", 24},
        {released,
         released,
         {{430, below}, {430, below + 70}, {480, below + 70}, {480, below}},
         {455, below + 92},
         "middle",
         30},
        {released, exited, {{570, below}, {570, end}, {770, end}}, {580, end - 35}, "start", 28},
        {outside,
         exited,
         {{560, 80}, {560, 60}, {990, 60}, {990, end}, {970, end}},
         {980, end - 55},
         "end",
         20},
    };
}

const NodeLayout& node_of(ThreadState state) {
    for (const NodeLayout& node : node_layouts) {
        if (node.state == state) {
            return node;
        }
    }
    throw std::logic_error("the state diagram has no place for state " +
                           std::string{state_name(state)});
}

}  // namespace

std::string render_thread_states_svg() {
    const int width = 1010;
    const int height = 760;
    std::ostringstream svg;
    const std::string title = "A thread's life on a completion port";
    svg_open(svg, width, height, title);
    svg << "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
           "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
           "<path d=\"M0,0 L10,5 L0,10 z\" fill=\""
        << ink << "\"/></marker></defs>\n";
    text_at(svg, 10, 22, title, "start", 15, "bold");
    text_at(svg, 10, 40,
            "Each arrow is a row of transitions() in model/port_model.cpp, the only moves the "
            "model makes (rules R1-R8).",
            "start", 12);

    for (const EdgeLayout& edge : edge_layouts()) {
        std::vector<std::string> lines;
        for (const Transition& move : transitions()) {
            if (move.from != edge.from || move.to != edge.to) {
                continue;
            }
            const std::string label = std::string{move.label} + " (" + std::string{move.rule} + ")";
            if (!lines.empty()) {
                lines.emplace_back("or");
            }
            for (const std::string& line : wrap(label, edge.wrap_at)) {
                lines.push_back(line);
            }
        }
        if (lines.empty()) {
            throw std::logic_error("the state diagram draws an arrow " +
                                   std::string{state_name(edge.from)} + " -> " +
                                   std::string{state_name(edge.to)} + " that no row makes");
        }
        svg << "<polyline points=\"";
        for (const Point& point : edge.path) {
            svg << point.x << ',' << point.y << ' ';
        }
        svg << "\" fill=\"none\" stroke=\"" << ink
            << "\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n";
        int y = edge.label.y;
        for (const std::string& line : lines) {
            const bool joiner = line == "or";
            svg << "<text x=\"" << edge.label.x << "\" y=\"" << y << "\" text-anchor=\""
                << edge.anchor << "\"" << (joiner ? " font-style=\"italic\" fill=\"#555\"" : "")
                << ">" << iocp::xml_escape(line) << "</text>\n";
            y += 15;
        }
    }
    // Every row needs an arrow: a move the model makes must show.
    const std::vector<EdgeLayout> edges = edge_layouts();
    for (const Transition& move : transitions()) {
        node_of(move.from);  // and both its states need a place
        node_of(move.to);
        const bool drawn = std::any_of(edges.begin(), edges.end(), [&](const EdgeLayout& edge) {
            return edge.from == move.from && edge.to == move.to;
        });
        if (!drawn) {
            throw std::logic_error("the state diagram has no arrow " +
                                   std::string{state_name(move.from)} + " -> " +
                                   std::string{state_name(move.to)});
        }
    }

    for (const NodeLayout& node : node_layouts) {
        const bool dark = node.state == ThreadState::released;
        const char* fill = node.state == ThreadState::waiting    ? waiting_fill
                           : node.state == ThreadState::released ? released_fill
                           : node.state == ThreadState::paused   ? paused_fill
                                                                 : "#fff";
        svg << "<rect x=\"" << node.x << "\" y=\"" << node.y << "\" width=\"" << node.w
            << "\" height=\"" << node.h << "\" rx=\"8\" fill=\"" << fill << "\" stroke=\"" << ink
            << "\"/>\n";
        const char* text_fill = dark ? "#fff" : ink;
        svg << "<text x=\"" << node.x + node.w / 2 << "\" y=\"" << node.y + 24
            << "\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" fill=\""
            << text_fill << "\">" << state_name(node.state) << "</text>\n";
        svg << "<text x=\"" << node.x + node.w / 2 << "\" y=\"" << node.y + 44
            << "\" text-anchor=\"middle\" fill=\"" << text_fill << "\">"
            << iocp::xml_escape(node.subtitle) << "</text>\n";
    }
    const char* notes[] = {
        "CurrentCount is the number of released threads; GQCS and a waiter's wake-up hand a thread "
        "a packet only while the count is below",
        "MaximumCount (the concurrency value). A paused thread is not counted; when its wait ends "
        "it is counted again, even above",
        "the limit: nothing is preempted. GQCS = GetQueuedCompletionStatus; 735 = "
        "ERROR_ABANDONED_WAIT_0; WAIT_TIMEOUT = 258.",
    };
    int y = row + 336;
    for (const char* line : notes) {
        text_at(svg, 10, y, line);
        y += 18;
    }
    svg << "</svg>\n";
    return svg.str();
}

std::vector<FigureFile> figure_files(const ScenarioResult& result) {
    std::vector<FigureFile> files;
    if (result.timeline) {
        files.push_back({"ch03_" + result.name + ".svg", render_timeline_svg(result)});
    }
    for (const Figure& figure : result.figures) {
        const std::string file = "ch03_" + result.name + "_" + figure.name + ".svg";
        switch (figure.view) {
            case FigureView::structures:
                files.push_back({file, render_structures_svg(result, figure)});
                break;
            case FigureView::queue:
                files.push_back({file, render_queue_svg(result, figure)});
                break;
            case FigureView::stacks:
                files.push_back({file, render_stacks_svg(result, figure)});
                break;
        }
    }
    return files;
}

std::vector<FigureFile> model_figure_files() {
    return {{"ch03_thread_states.svg", render_thread_states_svg()}};
}

}  // namespace ch03::model
