// ch01_overlapped: overlapped I/O from the ground up.
//
// Not written yet: issue #3 fills this chapter. Until then the program has only its shape,
// the shape every chapter program keeps: CLI11 subcommands, of which `demo` is the chapter's
// part of the tour.
//
// Usage:   ch01_overlapped demo
// Try it:  ./tutorial.sh run ch01_overlapped -- demo
#include "iocp/cli.h"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"overlapped I/O from the ground up (not written yet)", "ch01_overlapped"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);
    app.add_subcommand("demo", "Run the chapter's part of the tour")->callback([] {
        std::cout << "ch01_overlapped: not written yet (issue #3)\n";
    });
    return iocp::run_cli(app, argc, argv);
}
