// ch03_iocp_internals: the completion port's machinery, modelled and measured.
//
// Not written yet: issue #5 fills this chapter. Until then the program has only its shape,
// the shape every chapter program keeps: CLI11 subcommands, of which `demo` is the chapter's
// part of the tour.
//
// Usage:   ch03_iocp_internals demo
// Try it:  ./tutorial.sh run ch03_iocp_internals -- demo
#include "iocp/cli.h"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"the completion port's machinery, modelled and measured (not written yet)",
                 "ch03_iocp_internals"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);
    app.add_subcommand("demo", "Run the chapter's part of the tour")->callback([] {
        std::cout << "ch03_iocp_internals: not written yet (issue #5)\n";
    });
    return iocp::run_cli(app, argc, argv);
}
