// tests/tools/tools_testing.h: what the tests of the documentation tools (tests/tools/*_test.cpp)
// share: text() builds a file's contents from its lines, and TempTree is a fixture with a
// temporary directory to write files in and run a tool on.
//
// Their fixtures are built in memory or in a temporary directory, never committed: the
// repository's own checks would read them as docs and sources.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace iocp::tools_testing {

// The lines joined, each ending in `eol`.
inline std::string text(std::initializer_list<std::string_view> lines,
                        std::string_view eol = "\n") {
    std::string result;
    for (const std::string_view line : lines) {
        result += line;
        result += eol;
    }
    return result;
}

// A directory under the system's temporary directory, unique to each test, removed afterwards;
// its name starts with the prefix the derived fixture gives.
class TempTree : public ::testing::Test {
protected:
    explicit TempTree(std::string prefix) : prefix_(std::move(prefix)) {}

    void SetUp() override {
        std::random_device random;
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        for (int attempt = 0; attempt < 100 && root_.empty(); ++attempt) {
            const std::filesystem::path candidate =
                std::filesystem::temp_directory_path() /
                (prefix_ + std::to_string(stamp) + "-" + std::to_string(random()));
            if (std::filesystem::create_directory(candidate)) {
                root_ = candidate;
            }
        }
        ASSERT_FALSE(root_.empty());
    }

    void TearDown() override {
        if (!root_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(root_, ignored);
        }
    }

    // Writes `contents` to the file at `relative` (UTF-8, '/' separators), making its folders.
    void write(const std::string& relative, const std::string& contents) const {
        const std::filesystem::path path =
            root_ / std::filesystem::path(std::u8string(relative.begin(), relative.end()));
        std::filesystem::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::binary);
        out << contents;
        ASSERT_TRUE(out.good()) << relative;
    }

    std::string read(const std::string& relative) const {
        std::ifstream in(root_ / relative, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    // What a program's run(args, out, err) returned and printed.
    struct Result {
        int exit_code = -1;
        std::string out;
        std::string err;
    };

    template <class Run>
    static Result run_program(Run run, const std::vector<std::string>& args) {
        std::ostringstream out;
        std::ostringstream err;
        const int code = run(std::span<const std::string>(args), out, err);
        return {code, out.str(), err.str()};
    }

    std::filesystem::path root_;

private:
    std::string prefix_;
};

}  // namespace iocp::tools_testing
