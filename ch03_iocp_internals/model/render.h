// ch03_iocp_internals/model/render.h: a scenario's run as a table, and as SVG figures.
//
// The output is deterministic (integers only, fixed order), so the figures in docs/figures can
// be regenerated and compared byte for byte: CTest fails when one is stale.
#pragma once
#include "scenario.h"

#include <string>
#include <vector>

namespace ch03::model {

// Every step: the command, then the state (queue, waiters, released, paused, running count)
// and, on the next line, what happened.
std::string render_table(const ScenarioResult& result);

// The same table's lines, without their '\n' and without the title: what render_table prints
// is the title (if any), the header, then each step's row and event line. The web page
// (web/web_facade.h) shows these, so its table is the simulator's, byte for byte.
struct TableLines {
    std::string header;               // "step  command  queue ..."
    std::vector<std::string> rows;    // one per step: "   1  port concurrency=1  -  ..."
    std::vector<std::string> events;  // one per step, indented under its command
};
TableLines table_lines(const ScenarioResult& result);
// The table's running column for one state: "1 of 1", or "2 of 1 (over)" above the limit.
std::string running_text(const Snapshot& state);

// Each thread's state over the steps, the queue's depth, and the running count against the
// limit.
std::string render_timeline_svg(const ScenarioResult& result);

// The notes' five structures as they stand after one step.
std::string render_structures_svg(const ScenarioResult& result, const Figure& figure);
// The completion queue's records after one step: the four fields a dequeue hands back.
std::string render_queue_svg(const ScenarioResult& result, const Figure& figure);
// Each thread's stack after one step: in use by the packets it took, or untouched since it
// began to wait (the LIFO order's memory advantage).
std::string render_stacks_svg(const ScenarioResult& result, const Figure& figure);
// The state diagram of a thread on a port, drawn from transitions(): an arrow per row.
std::string render_thread_states_svg();

// The figures a scenario makes for docs/figures: ch03_NAME.svg (the timeline, unless the
// scenario says `# timeline: no`) and ch03_NAME_FIGURE.svg for each `figure` line.
struct FigureFile {
    std::string file_name;
    std::string content;
};
std::vector<FigureFile> figure_files(const ScenarioResult& result);
// The figures of no one scenario: ch03_thread_states.svg.
std::vector<FigureFile> model_figure_files();

}  // namespace ch03::model
