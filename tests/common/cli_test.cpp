// tests/common/cli_test.cpp: the options every chapter shares and run_cli's error policy.
#include "iocp/cli.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Result {
    int exit_code;
    std::string out;
    std::string err;
};

// A chapter-shaped app: common options plus a `demo` subcommand that runs `body`.
template <class Body>
Result run(std::vector<const char*> args, iocp::CommonOptions& options, Body body) {
    CLI::App app{"test program", "prog"};
    iocp::add_common_options(app, options);
    app.require_subcommand(1);
    app.add_subcommand("demo", "the demo")->callback(body);
    args.insert(args.begin(), "prog");
    std::ostringstream out;
    std::ostringstream err;
    const int code = iocp::run_cli(app, static_cast<int>(args.size()), args.data(), out, err);
    return {code, out.str(), err.str()};
}

TEST(Cli, HelpPrintsUsageAndExitsZero) {
    iocp::CommonOptions options;
    bool ran = false;
    const Result result = run({"--help"}, options, [&] { ran = true; });
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_NE(result.out.find("Usage"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("--log-level"), std::string::npos) << result.out;
    EXPECT_FALSE(ran);
}

TEST(Cli, UnknownArgumentIsRejectedWithCli11sMessage) {
    iocp::CommonOptions options;
    bool ran = false;
    const Result result = run({"demo", "--no-such-option"}, options, [&] { ran = true; });
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("--no-such-option"), std::string::npos) << result.err;
    EXPECT_FALSE(ran);
}

TEST(Cli, MissingSubcommandIsAnError) {
    iocp::CommonOptions options;
    const Result result = run({}, options, [] {});
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("subcommand"), std::string::npos) << result.err;
}

TEST(Cli, LogLevelIsParsedBeforeOrAfterTheSubcommand) {
    iocp::CommonOptions before;
    EXPECT_EQ(run({"--log-level", "debug", "demo"}, before, [] {}).exit_code, 0);
    EXPECT_EQ(before.log_level, iocp::LogLevel::debug);

    iocp::CommonOptions after;
    EXPECT_EQ(run({"demo", "--log-level", "error"}, after, [] {}).exit_code, 0);
    EXPECT_EQ(after.log_level, iocp::LogLevel::error);
}

TEST(Cli, BadLogLevelIsRejected) {
    iocp::CommonOptions options;
    const Result result = run({"--log-level", "loud", "demo"}, options, [] {});
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("loud"), std::string::npos) << result.err;
    EXPECT_EQ(options.log_level, iocp::LogLevel::info);
}

TEST(Cli, AnExceptionFromTheProgramBecomesOneLineAndExitCodeOne) {
    iocp::CommonOptions options;
    const Result result =
        run({"demo"}, options, [] { throw std::runtime_error("CreateFileW failed (error 2)"); });
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err, "prog: error: CreateFileW failed (error 2)\n");
}

}  // namespace
