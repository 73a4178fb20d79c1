// ch03_iocp_internals/model/figures.cpp: scenario sources and the figures' check (figures.h).
#include "figures.h"

#include "embedded_scenarios.h"
#include "render.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>
#include <sstream>

namespace ch03::model {
namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        throw ScenarioError("cannot read " + path.string());
    }
    return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

void write_file(const std::filesystem::path& path, const std::string& content) {
    std::ofstream out{path, std::ios::binary};
    out << content;
    if (!out.flush()) {
        throw ScenarioError("cannot write " + path.string());
    }
}

}  // namespace

void add_source_options(CLI::App& command, ScenarioSource& source) {
    auto* name = command.add_option("name", source.name, "A built-in scenario (see `list`)");
    auto* file = command.add_option("--file", source.file, "A scenario file of your own");
    name->excludes(file);
    command.require_option(1);
}

ScenarioResult run_source(const ScenarioSource& source) {
    if (!source.file.empty()) {
        const std::filesystem::path path{source.file};
        return run_scenario(read_file(path), path.stem().string());
    }
    for (const EmbeddedScenario& scenario : embedded_scenarios()) {
        if (scenario.name == source.name) {
            return run_scenario(scenario.text, std::string{scenario.name});
        }
    }
    throw ScenarioError("no built-in scenario named '" + source.name + "' (see `list`)");
}

void require_no_failures(const ScenarioResult& result) {
    if (result.failures.empty()) {
        return;
    }
    std::string text =
        result.name + ": " + std::to_string(result.failures.size()) + " expectation(s) failed";
    for (const std::string& failure : result.failures) {
        text += "; " + failure;
    }
    throw ScenarioError(text);
}

namespace {

std::vector<FigureFile> outputs_of(Output kind, const ScenarioResult& result) {
    if (kind == Output::figures) {
        return figure_files(result);
    }
    return {{result.name + ".txt", render_table(result)}};
}

// Whether `file` is of the kind: files a scenario would make, not others kept beside them.
bool of_kind(Output kind, const std::filesystem::path& file) {
    const std::string name = file.filename().string();
    return kind == Output::figures ? name.rfind("ch03_", 0) == 0 && file.extension() == ".svg"
                                   : file.extension() == ".txt";
}

}  // namespace

OutputCheck check_outputs(Output kind, const std::string& directory, bool write) {
    OutputCheck check;
    std::ostringstream report;
    std::set<std::string> made;
    std::vector<FigureFile> files;
    for (const EmbeddedScenario& scenario : embedded_scenarios()) {
        const ScenarioResult result = run_scenario(scenario.text, std::string{scenario.name});
        require_no_failures(result);  // the output of a wrong scenario is worth nothing
        for (FigureFile& file : outputs_of(kind, result)) {
            files.push_back(std::move(file));
        }
    }
    if (kind == Output::figures) {
        for (FigureFile& file : model_figure_files()) {  // drawn from the model, not a run
            files.push_back(std::move(file));
        }
    }
    for (const FigureFile& file : files) {
        made.insert(file.file_name);
        const std::filesystem::path path = std::filesystem::path{directory} / file.file_name;
        const bool exists = std::filesystem::exists(path);
        if (exists && read_file(path) == file.content) {
            report << "current  " << file.file_name << '\n';
        } else if (write) {
            write_file(path, file.content);
            report << "written  " << file.file_name << '\n';
        } else {
            report << (exists ? "STALE    " : "MISSING  ") << file.file_name << '\n';
            check.ok = false;
        }
    }
    for (const auto& entry : std::filesystem::directory_iterator{directory}) {
        const std::string name = entry.path().filename().string();
        if (of_kind(kind, entry.path()) && !made.contains(name)) {
            report << "ORPHAN   " << name << " (no scenario makes it: remove it)\n";
            check.ok = false;
        }
    }
    check.report = report.str();
    return check;
}

}  // namespace ch03::model
