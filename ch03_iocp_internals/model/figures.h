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

struct FigureCheck {
    bool ok = true;      // every figure present and current (or, with write, now written)
    std::string report;  // one line per figure: "current", "stale", "missing", "written"...
};
// Compares every figure the built-in scenarios make with the files in `directory`; with
// `write`, rewrites the ones that differ. Files named ch03_*.svg that no scenario makes are
// reported too: a scenario was renamed or removed.
FigureCheck check_figures(const std::string& directory, bool write);

}  // namespace ch03::model
