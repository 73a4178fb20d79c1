// ch03_iocp_internals/experiments.h: the port's machinery measured on the real API.
//
// Each experiment sets up a small situation on a real completion port, asks the model
// (model/port_model.h) what the native rules predict, measures what happened, and reports both
// with "matches" or "differs". Under Wine some rules are not implemented (the concurrency cap,
// LIFO wake order, waking a waiter when its port is closed); an experiment that meets one says
// so and why. docs/port_rules.md states the rules (R1-R8).
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ch03 {

struct Finding {
    std::string what;       // "the key of sock B's completion"
    std::string predicted;  // from the model
    std::string measured;   // on this system
    bool matches = false;
    std::string why;  // when it differs for a known reason: "Wine ignores the concurrency value"
};

struct ExperimentReport {
    std::string name;
    std::string title;
    std::vector<Finding> findings;
    std::vector<std::string> notes;  // measurements with nothing to compare: "packets per worker"
    bool all_match() const;
};

struct Experiment {
    std::string_view name;
    std::string_view summary;
    ExperimentReport (*run)();
};

// device_list, extended_overlapped, pqcs, concurrency, wake_order, blocking, close_port: in that
// order.
std::span<const Experiment> experiments();

// Throws std::invalid_argument for an unknown name, std::system_error when a call fails.
ExperimentReport run_experiment(std::string_view name);

}  // namespace ch03
