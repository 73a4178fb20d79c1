// ch04_echo_server: a multi-threaded IOCP echo server and client.
//
// Not written yet: issue #6 fills this chapter. Until then the program has only its shape,
// the shape every chapter program keeps: CLI11 subcommands, of which `demo` is the chapter's
// part of the tour.
//
// Usage:   ch04_echo_server demo
// Try it:  ./tutorial.sh run ch04_echo_server -- demo
#include "iocp/cli.h"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"a multi-threaded IOCP echo server and client (not written yet)",
                 "ch04_echo_server"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);
    app.add_subcommand("demo", "Run the chapter's part of the tour")->callback([] {
        std::cout << "ch04_echo_server: not written yet (issue #6)\n";
    });
    return iocp::run_cli(app, argc, argv);
}
