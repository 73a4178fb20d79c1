// ch02_winsock_overlapped: Winsock overlapped I/O and the first completion port.
//
// Not written yet: issue #4 fills this chapter. Until then the program has only its shape,
// the shape every chapter program keeps: CLI11 subcommands, of which `demo` is the chapter's
// part of the tour.
//
// Usage:   ch02_winsock_overlapped demo
// Try it:  ./tutorial.sh run ch02_winsock_overlapped -- demo
#include "iocp/cli.h"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"Winsock overlapped I/O and the first completion port (not written yet)",
                 "ch02_winsock_overlapped"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);
    app.add_subcommand("demo", "Run the chapter's part of the tour")->callback([] {
        std::cout << "ch02_winsock_overlapped: not written yet (issue #4)\n";
    });
    return iocp::run_cli(app, argc, argv);
}
