// common/include/iocp/cli.h: what every chapter program's command line shares (portable).
//
// Each chapter program is a CLI11 app with subcommands (`demo` is the one the tour runs). This
// header adds the options all of them take and runs the app with one error policy:
//   - `--help` prints usage and exits 0;
//   - a bad argument prints CLI11's message and exits non-zero;
//   - an exception from the program (a failed Win32 call, say) prints one line,
//     "<program>: error: <what>", and exits 1.
#pragma once

#include "iocp/log.h"

#include <CLI/CLI.hpp>

#include <iosfwd>

namespace iocp {

struct CommonOptions {
    LogLevel log_level = LogLevel::info;
};

// Adds --log-level debug|info|warn|error|off. Global options may also follow the subcommand.
void add_common_options(CLI::App& app, CommonOptions& options);

// Parses argv (running the chosen subcommand's callback) and returns main()'s exit code.
int run_cli(CLI::App& app, int argc, const char* const* argv, std::ostream& out, std::ostream& err);
int run_cli(CLI::App& app, int argc, const char* const* argv);

}  // namespace iocp
