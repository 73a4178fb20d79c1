// tools/translations/main.cpp: the `translations` program, which keeps the Korean docs and
// figures in step with the English ones (the work is in translations.h and ko_figures.h).
//
//   translations [ROOT]                  check the Korean docs under ROOT (default ".")
//   translations --stamp [ROOT]          refresh the sync stamps after updating both versions
//   translations --anchors [ROOT]        check every link to a section
//   translations --figures [--fix] [ROOT] check (or regenerate) docs/figures/ko
//   translations --help
#include "translations.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    try {
        const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
        return iocp::translations::run(args, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "translations: " << e.what() << '\n';
        return 2;
    }
}
