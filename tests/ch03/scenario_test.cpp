// tests/ch03/scenario_test.cpp: the built-in scenarios hold every `expect` they make, bad
// scenarios are rejected with their line, and the output (table, figures) is deterministic.
#include "model/embedded_scenarios.h"
#include "model/render.h"
#include "model/scenario.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using ch03::model::run_scenario;
using ch03::model::ScenarioError;

TEST(Scenarios, EveryBuiltInScenarioRunsAndHoldsItsExpectations) {
    ASSERT_GE(ch03::model::embedded_scenarios().size(), 7u);
    for (const auto& scenario : ch03::model::embedded_scenarios()) {
        const auto result = run_scenario(scenario.text, std::string{scenario.name});
        EXPECT_FALSE(result.title.empty()) << scenario.name;
        EXPECT_GT(result.steps.size(), 3u) << scenario.name;
        for (const std::string& failure : result.failures) {
            ADD_FAILURE() << scenario.name << ": " << failure;
        }
    }
}

TEST(Scenarios, AFailedExpectationIsReportedWithItsLine) {
    const auto result =
        run_scenario("port concurrency=1\nwait T1\nexpect waiting=T2 count=0\n", "bad");
    ASSERT_EQ(result.failures.size(), 1u);
    EXPECT_EQ(result.failures.front(), "line 3: expected waiting=T2, got T1");
}

TEST(Scenarios, MistakesAreErrorsThatNameTheLine) {
    const auto error_of = [](const char* text) {
        try {
            run_scenario(text, "bad");
        } catch (const ScenarioError& e) {
            return std::string{e.what()};
        }
        return std::string{"no error"};
    };
    EXPECT_EQ(error_of("wait T1\n"), "line 1: the first command must be `port concurrency=N`");
    EXPECT_EQ(error_of("port concurrency=1\nfly T1\n"), "line 2: unknown command `fly`");
    EXPECT_EQ(error_of("port concurrency=1\nblock T1\n"),
              "line 2: block T1: it is outside, not released");
    EXPECT_EQ(error_of("port concurrency=x\n"), "line 1: concurrency=x is not a number");
    EXPECT_EQ(error_of("port concurrency=1\npost key=1 bites=3\n"),
              "line 2: unknown argument bites=3");
    EXPECT_EQ(error_of("port concurrency=1\nwait\n"),
              "line 2: wait takes one name, e.g. `wait T1`");
    EXPECT_EQ(error_of("# nothing\n"), "bad: no `port` command");
}

TEST(Scenarios, TheTableShowsEachStepAndWhatHappened) {
    const auto result = run_scenario(
        "# title: two waiters\nport concurrency=1\nwait T1\nwait T2\npost key=5\n", "two");
    const std::string table = ch03::model::render_table(result);
    EXPECT_EQ(table.rfind("two waiters\n", 0), 0u) << table;
    EXPECT_NE(table.find("   4  post key=5"), std::string::npos) << table;
    EXPECT_NE(table.find("packet #1 (key 5) goes straight to T2, the newest waiter"),
              std::string::npos)
        << table;
}

TEST(Scenarios, FiguresAreDeterministicAndNamedAfterTheScenario) {
    const char* text = "# title: t\nport concurrency=1\nwait T1\npost key=1\nfigure snap\n";
    const auto first = ch03::model::figure_files(run_scenario(text, "demo"));
    const auto second = ch03::model::figure_files(run_scenario(text, "demo"));
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].file_name, "ch03_demo.svg");
    EXPECT_EQ(first[1].file_name, "ch03_demo_snap.svg");
    EXPECT_EQ(first[0].content, second[0].content);
    EXPECT_EQ(first[1].content, second[1].content);
    EXPECT_EQ(first[0].content.rfind("<svg ", 0), 0u);
    EXPECT_NE(first[1].content.find("Released Thread List"), std::string::npos);
}

}  // namespace
