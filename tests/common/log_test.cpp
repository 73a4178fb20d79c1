// tests/common/log_test.cpp: the logger's line format, level filter and thread safety.
#include "iocp/log.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

// "[   0.012] " : seconds since the logger was made, three decimals.
const std::string stamp = R"(\[ *[0-9]+\.[0-9]{3}\] )";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

TEST(Log, ParsesEveryLevelNameAndRejectsOthers) {
    for (auto level : {iocp::LogLevel::debug, iocp::LogLevel::info, iocp::LogLevel::warn,
                       iocp::LogLevel::error, iocp::LogLevel::off}) {
        EXPECT_EQ(iocp::parse_log_level(iocp::log_level_name(level)), level);
    }
    EXPECT_EQ(iocp::parse_log_level("loud"), std::nullopt);
    EXPECT_EQ(iocp::parse_log_level(""), std::nullopt);
}

TEST(Log, WritesOneLineWithTimeThreadAndLevel) {
    std::ostringstream out;
    iocp::Logger log(out, iocp::LogLevel::debug);
    log.info("accepted ", 3, " clients");
    log.error("bad packet: size=", 0);
    const auto lines = lines_of(out.str());
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(std::regex_match(lines[0], std::regex(stamp + "T1 info  accepted 3 clients")))
        << lines[0];
    EXPECT_TRUE(std::regex_match(lines[1], std::regex(stamp + "T1 error bad packet: size=0")))
        << lines[1];
}

TEST(Log, DropsLinesBelowTheLevel) {
    std::ostringstream out;
    iocp::Logger log(out, iocp::LogLevel::warn);
    log.debug("hidden");
    log.info("hidden");
    log.warn("shown");
    EXPECT_FALSE(log.enabled(iocp::LogLevel::info));
    EXPECT_TRUE(log.enabled(iocp::LogLevel::error));
    log.set_level(iocp::LogLevel::off);
    log.error("hidden too");
    const auto lines = lines_of(out.str());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("warn  shown"), std::string::npos);
}

TEST(Log, NumbersThreadsInTheOrderTheyFirstLog) {
    std::ostringstream out;
    iocp::Logger log(out);
    EXPECT_EQ(log.thread_number(), 1);
    int other = 0;
    std::thread worker([&] { other = log.thread_number(); });
    worker.join();
    EXPECT_EQ(other, 2);
    EXPECT_EQ(log.thread_number(), 1);
}

TEST(Log, LinesFromManyThreadsNeverInterleave) {
    constexpr int thread_count = 4;
    constexpr int lines_per_thread = 200;
    std::ostringstream out;
    iocp::Logger log(out);
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
        threads.emplace_back([&log, t] {
            for (int i = 0; i < lines_per_thread; ++i) {
                log.info("thread ", t, " line ", i, " ", std::string(40, 'x'));
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const std::regex shape(stamp + "T([0-9]+) info  thread [0-9] line [0-9]+ x{40}");
    std::map<std::string, int> per_thread_number;
    const auto lines = lines_of(out.str());
    ASSERT_EQ(lines.size(), size_t{thread_count * lines_per_thread});
    for (const auto& line : lines) {
        std::smatch match;
        ASSERT_TRUE(std::regex_match(line, match, shape)) << line;
        ++per_thread_number[match[1].str()];
    }
    EXPECT_EQ(per_thread_number.size(), size_t{thread_count});
    for (const auto& [number, count] : per_thread_number) {
        EXPECT_EQ(count, lines_per_thread) << "T" << number;
    }
}

}  // namespace
