// common/src/cli.cpp: shared command-line options and the error policy (see iocp/cli.h).
#include "iocp/cli.h"

#include <exception>
#include <iostream>
#include <string>

namespace iocp {

void add_common_options(CLI::App& app, CommonOptions& options) {
    // IsMember has already rejected anything parse_log_level would not know.
    app.add_option_function<std::string>(
           "--log-level",
           [&options](const std::string& name) {
               options.log_level = parse_log_level(name).value_or(options.log_level);
           },
           "How much to log (to stderr)")
        ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}, CLI::ignore_case))
        ->type_name("LEVEL")
        ->default_str(std::string(log_level_name(options.log_level)));
    app.fallthrough();
}

// [snippet:run_cli]
int run_cli(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
            std::ostream& err) {
    try {
        app.parse(argc, argv);
        return 0;
    } catch (const CLI::ParseError& e) {
        return app.exit(e, out, err);
    } catch (const std::exception& e) {
        err << app.get_name() << ": error: " << e.what() << '\n';
        return 1;
    }
}
// [/snippet]

int run_cli(CLI::App& app, int argc, const char* const* argv) {
    return run_cli(app, argc, argv, std::cout, std::cerr);
}

}  // namespace iocp
