// ch03_simulate: runs the completion-port model on a scenario, and keeps the figures current.
//
// Portable (no windows.h): it builds in every preset, runs on Linux, and is what CTest uses to
// check that docs/figures/ch03_*.svg still match the scenarios that draw them.
//
// Usage:   ch03_simulate list
//          ch03_simulate run lifo                    a built-in scenario, as a table
//          ch03_simulate run --file my.txt           your own (or an edited) scenario
//          ch03_simulate svg lifo > lifo.svg         its timeline as SVG
//          ch03_simulate figures docs/figures        check the figures; --write regenerates
//          ch03_simulate tables tests/ch03/expected  check the printed tables the same way
// Try it:  copy ch03_iocp_internals/scenarios/lifo.txt, change `port concurrency=1` to 2, and
//          run it with --file.
#include "model/embedded_scenarios.h"
#include "model/figures.h"
#include "model/render.h"

#include "iocp/cli.h"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"ch03_simulate: the completion port's machinery, step by step", "ch03_simulate"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);

    app.add_subcommand("list", "The built-in scenarios")->callback([] {
        for (const auto& scenario : ch03::model::embedded_scenarios()) {
            std::cout << scenario.name << '\n';
        }
    });

    ch03::model::ScenarioSource run_source;
    CLI::App* run = app.add_subcommand("run", "Run a scenario and print each step");
    ch03::model::add_source_options(*run, run_source);
    run->callback([&] {
        const auto result = ch03::model::run_source(run_source);
        std::cout << ch03::model::render_table(result);
        ch03::model::require_no_failures(result);
    });

    ch03::model::ScenarioSource svg_source;
    CLI::App* svg = app.add_subcommand("svg", "Print a scenario's timeline as SVG");
    ch03::model::add_source_options(*svg, svg_source);
    svg->callback([&] {
        std::cout << ch03::model::render_timeline_svg(ch03::model::run_source(svg_source));
    });

    // figures DIR / tables DIR: check the files the scenarios make; --write regenerates them.
    std::string directory;
    bool write = false;
    const auto add_check = [&](const char* name, const char* help, ch03::model::Output kind) {
        CLI::App* command = app.add_subcommand(name, help);
        command->add_option("directory", directory, "Where the files are kept")->required();
        command->add_flag("--write", write, "Regenerate the stale files instead of failing");
        command->callback([&directory, &write, kind, name] {
            const auto check = ch03::model::check_outputs(kind, directory, write);
            std::cout << check.report;
            if (!check.ok) {
                throw std::runtime_error(std::string{name} + " are stale: run `ch03_simulate " +
                                         name + " " + directory + " --write` and commit them");
            }
        });
    };
    add_check("figures", "Check (or --write) docs/figures/ch03_*.svg",
              ch03::model::Output::figures);
    add_check("tables", "Check (or --write) the expected tables in tests/ch03/expected",
              ch03::model::Output::tables);
    return iocp::run_cli(app, argc, argv);
}
