// ch03_iocp_internals/model/figures.h: what the simulator's commands share with the chapter
// program: choosing a scenario (built in, or a file) and keeping docs/figures current.
#pragma once
#include "scenario.h"

#include <CLI/CLI.hpp>

#include <string>

namespace ch03::model {

struct ScenarioSource {
    std::string name;  // a built-in scenario
    std::string file;  // or a file
};

// Adds `NAME` and `--file PATH` (one of the two) to a subcommand.
void add_source_options(CLI::App& command, ScenarioSource& source);
// Runs the chosen scenario. Throws ScenarioError for an unknown name or a bad line.
ScenarioResult run_source(const ScenarioSource& source);
// Throws ScenarioError listing the failed `expect` lines, if any.
void require_no_failures(const ScenarioResult& result);

// What the scenarios make, to keep in the repository and check: the SVG figures in
// docs/figures (ch03_NAME.svg, ch03_NAME_FIGURE.svg), or the tables of tests/ch03/expected
// (NAME.txt), which pin the simulator's printed output.
enum class Output { figures, tables };

struct OutputCheck {
    bool ok = true;      // every file present and current (or, with write, now written)
    std::string report;  // one line per file: "current", "STALE", "MISSING", "written"...
};
// Compares every file the built-in scenarios make with those in `directory`; with `write`,
// rewrites the ones that differ. A file of the kind that no scenario makes is reported too
// (a scenario was renamed or removed).
OutputCheck check_outputs(Output kind, const std::string& directory, bool write);

}  // namespace ch03::model
