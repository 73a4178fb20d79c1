// tools/snippets/main.cpp: the `snippets` program, which keeps the docs' code blocks equal to
// the source regions they name (the work is in snippets.h).
//
//   snippets [ROOT]        check every doc under ROOT (default "."); exit 1 on any problem
//   snippets --fix [ROOT]  rewrite the blocks that differ, then report what is left
//   snippets --help
#include "snippets.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    try {
        const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
        return iocp::snippets::run(args, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "snippets: " << e.what() << '\n';
        return 2;
    }
}
