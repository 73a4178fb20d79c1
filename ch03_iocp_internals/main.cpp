// ch03_iocp_internals: the completion port's machinery, modelled, drawn and measured.
//
// The notes' five structures (device list, completion queue, waiting threads, released and
// paused threads) as a model you can drive step by step, and experiments that measure the same
// rules on a real port, each beside the model's prediction.
//
// Usage:   ch03_iocp_internals simulate lifo             a built-in scenario, step by step
//          ch03_iocp_internals simulate --file my.txt    your own scenario
//          ch03_iocp_internals experiment concurrency    one experiment (or `all`)
//          ch03_iocp_internals demo                      the chapter's part of the tour
// Try it:  ./tutorial.sh run ch03 -- simulate paused
//          ./tutorial.sh run ch03 -- experiment all
#include "experiments.h"
#include "model/figures.h"
#include "model/render.h"

#include "iocp/cli.h"
#include "iocp/wine.h"

#include <iomanip>
#include <iostream>

namespace {

void print_report(std::ostream& out, const ch03::ExperimentReport& report) {
    out << "experiment " << report.name << ": " << report.title << '\n';
    for (const ch03::Finding& finding : report.findings) {
        out << "    " << finding.what << '\n'
            << "        model: " << finding.predicted << "   measured: " << finding.measured
            << "   " << (finding.matches ? "matches" : "DIFFERS") << '\n';
        if (!finding.why.empty()) {
            out << "        why: " << finding.why << '\n';
        }
    }
    for (const std::string& note : report.notes) {
        out << "    " << note << '\n';
    }
}

void run_experiments(std::ostream& out, const std::string& name) {
    if (iocp::running_under_wine()) {
        out << "(running under Wine " << iocp::wine_version()
            << ": it ignores the concurrency value, wakes waiters oldest first and leaves a "
               "waiter asleep when its port is closed, so those experiments differ from the "
               "model, which follows Windows)\n";
    }
    for (const ch03::Experiment& experiment : ch03::experiments()) {
        if (name == "all" || name == experiment.name) {
            print_report(out, experiment.run());
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ch03_iocp_internals: the completion port's machinery", "ch03_iocp_internals"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);

    ch03::model::ScenarioSource source;
    CLI::App* simulate = app.add_subcommand("simulate", "Run a scenario on the port model");
    ch03::model::add_source_options(*simulate, source);
    simulate->callback([&] {
        const auto result = ch03::model::run_source(source);
        std::cout << ch03::model::render_table(result);
        ch03::model::require_no_failures(result);
    });

    std::string experiment_name;
    std::vector<std::string> names{"all"};
    for (const ch03::Experiment& experiment : ch03::experiments()) {
        names.emplace_back(experiment.name);
    }
    CLI::App* experiment = app.add_subcommand("experiment", "Measure a rule on a real port");
    experiment->add_option("name", experiment_name, "The experiment, or all")
        ->required()
        ->check(CLI::IsMember(names));
    experiment->callback([&] { run_experiments(std::cout, experiment_name); });

    app.add_subcommand("demo", "The chapter's part of the tour: a scenario, then the experiments")
        ->callback([] {
            ch03::model::ScenarioSource lifo{"lifo", ""};
            std::cout << ch03::model::render_table(ch03::model::run_source(lifo)) << '\n';
            run_experiments(std::cout, "all");
        });
    return iocp::run_cli(app, argc, argv);
}
