// tests/ch03/scenario_test.cpp: the built-in scenarios hold every `expect` they make, bad
// scenarios are rejected with their line, the output (table, figures) is deterministic, and
// the figures draw what the model does: every transition, every field of a record.
#include "model/embedded_scenarios.h"
#include "model/render.h"
#include "model/scenario.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

using ch03::model::FigureFile;
using ch03::model::run_scenario;
using ch03::model::ScenarioError;
using ch03::model::ScenarioResult;

ScenarioResult built_in(std::string_view name) {
    for (const auto& scenario : ch03::model::embedded_scenarios()) {
        if (scenario.name == name) {
            return run_scenario(scenario.text, std::string{scenario.name});
        }
    }
    ADD_FAILURE() << "no built-in scenario " << name;
    return {};
}

std::string figure_named(const ScenarioResult& result, const std::string& file_name) {
    for (const FigureFile& file : ch03::model::figure_files(result)) {
        if (file.file_name == file_name) {
            return file.content;
        }
    }
    return {};
}

// The text of an SVG's <text> elements, joined by spaces: wrapped lines read as one.
std::string svg_text(const std::string& svg) {
    static const std::regex element{"<text[^>]*>([^<]*)</text>"};
    std::string text;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), element);
         it != std::sregex_iterator(); ++it) {
        text += (text.empty() ? "" : " ") + (*it)[1].str();
    }
    return text;
}

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
    EXPECT_EQ(error_of("port concurrency=1\nwait T1\nfigure f view=pie\n"),
              "line 3: view=pie: a figure's view is structures, queue or stacks");
    EXPECT_EQ(error_of("# timeline: maybe\nport concurrency=1\n"),
              "line 1: # timeline: takes yes or no, not `maybe`");
    // Only a running thread can end itself: not one blocked in GQCS, nor a paused one.
    EXPECT_EQ(error_of("port concurrency=1\nwait T1\nexit T1\n"),
              "line 3: exit T1: it is waiting, and only a running thread can exit");
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

TEST(Transitions, TheScenariosMakeEveryRowOfTheTableAndNothingElse) {
    // The model changes a thread's state only through the table (anything else throws), so
    // a run's counts cover all it did. Every row must be made by some built-in scenario: the
    // state diagram then shows no arrow that the scenarios, and their figures, never take.
    const auto table = ch03::model::transitions();
    std::vector<int> made(table.size(), 0);
    for (const auto& scenario : ch03::model::embedded_scenarios()) {
        const auto result = run_scenario(scenario.text, std::string{scenario.name});
        ASSERT_EQ(result.transitions_made.size(), table.size()) << scenario.name;
        for (std::size_t row = 0; row < table.size(); ++row) {
            made[row] += result.transitions_made[row];
        }
    }
    for (std::size_t row = 0; row < table.size(); ++row) {
        EXPECT_GT(made[row], 0) << "no scenario makes: " << table[row].label;
    }
}

TEST(Transitions, EachRowIsOneMoveAndNamesItsRule) {
    std::set<std::pair<int, int>> seen;
    for (const auto& move : ch03::model::transitions()) {
        const auto key = std::pair{static_cast<int>(move.from) * 16 + static_cast<int>(move.to),
                                   static_cast<int>(move.cause)};
        EXPECT_TRUE(seen.insert(key).second) << "a row twice: " << move.label;
        EXPECT_FALSE(move.label.empty());
        EXPECT_EQ(move.rule.front(), 'R') << move.label;
    }
}

TEST(Transitions, ARunCountsTheMovesItMade) {
    const auto result = run_scenario("port concurrency=1\nwait T1\npost key=1\nblock T1\n", "t");
    const auto table = ch03::model::transitions();
    std::vector<std::string> made;
    for (std::size_t row = 0; row < table.size(); ++row) {
        for (int i = 0; i < result.transitions_made[row]; ++i) {
            made.emplace_back(table[row].label);
        }
    }
    // outside -> waiting, waiting -> released (the post), released -> paused.
    ASSERT_EQ(made.size(), 3u);
    EXPECT_NE(std::find(made.begin(), made.end(), "GQCS: nothing it may take, so it waits"),
              made.end());
}

TEST(Figures, TheStateDiagramDrawsAnArrowAndALabelForEachRow) {
    const std::string svg = ch03::model::render_thread_states_svg();
    const std::string text = svg_text(svg);
    std::set<std::pair<int, int>> arrows;
    for (const auto& move : ch03::model::transitions()) {
        arrows.insert({static_cast<int>(move.from), static_cast<int>(move.to)});
        const std::string label = std::string{move.label} + " (" + std::string{move.rule} + ")";
        EXPECT_NE(text.find(label), std::string::npos) << label;
    }
    std::size_t polylines = 0;
    for (auto at = svg.find("<polyline"); at != std::string::npos;
         at = svg.find("<polyline", at + 1)) {
        ++polylines;
    }
    EXPECT_EQ(polylines, arrows.size());
    const auto files = ch03::model::model_figure_files();
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].file_name, "ch03_thread_states.svg");
    EXPECT_EQ(files[0].content, svg);
}

TEST(Figures, TheRecordFigureShowsAllFourFieldsOfEachRecord) {
    const ScenarioResult result = built_in("completion_queue");
    const std::string text = svg_text(figure_named(result, "ch03_completion_queue_record.svg"));
    ASSERT_FALSE(text.empty());
    for (const char* field : {"record #1 (sock) bytes 10 key 7 pOverlapped &amp;ov1 error 0",
                              "record #3 (sock) bytes 0 key 7 pOverlapped &amp;ov3 error 64",
                              "record #4 (posted) bytes 0 key 0 pOverlapped NULL error 0"}) {
        EXPECT_NE(text.find(field), std::string::npos) << field << "\n" << text;
    }
    // One thread takes every record: the scenario draws no timeline.
    EXPECT_TRUE(figure_named(result, "ch03_completion_queue.svg").empty());
}

TEST(Figures, QueuedRecordsAreColouredApartFromEveryThreadState) {
    const ScenarioResult result = built_in("device_list");
    const std::string svg = figure_named(result, "ch03_device_list_structures.svg");
    const std::string text = svg_text(svg);
    EXPECT_NE(text.find("#2 from sock1 bytes 10 key 7 pOverlapped &amp;ov2 error 0"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("a queued record (packet)"), std::string::npos) << text;
    const std::regex record{"<rect x=\"190\" y=\"80\"[^>]*fill=\"([^\"]+)\""};
    std::smatch fill;
    ASSERT_TRUE(std::regex_search(svg, fill, record)) << svg;
    for (const char* thread_fill : {"#d9d9d9", "#4a78c2", "#e8a33d"}) {
        EXPECT_NE(fill[1].str(), thread_fill);
    }
}

TEST(Figures, TheMemoryFigureShowsWhichThreadsTookPackets) {
    const ScenarioResult result = built_in("lifo");
    const std::string text = svg_text(figure_named(result, "ch03_lifo_memory.svg"));
    EXPECT_NE(text.find("T1: cold took 0 packets waiting since step 2"), std::string::npos) << text;
    EXPECT_NE(text.find("T4: hot took 3 packets"), std::string::npos) << text;
    // It must not say the cold threads cost nothing.
    EXPECT_NE(text.find("That saves physical memory, not threads"), std::string::npos) << text;
}

}  // namespace
