// tests/ch03/web_facade_test.cpp: the web page's facade (ch03_iocp_internals/web) says what the
// simulator says. Its JSON parses; every built-in scenario's header, rows and event lines are
// those of tests/ch03/expected/NAME.txt, byte for byte; a bad scenario gives the line and the
// message that `ch03_simulate run` prints; strings are escaped as JSON wants.
//
// Run: ctest --preset native -R ch03.WebFacade (CH03_EXPECTED_DIR is set by CMake).
#include "web_facade.h"

#include "model/embedded_scenarios.h"
#include "model/scenario.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ch03::web::error_line;
using ch03::web::json_string;
using ch03::web::run_json;
using ch03::web::scenarios_json;

// A small JSON reader of its own, so the facade's writer is checked by another hand: objects,
// arrays, strings (with \uXXXX below U+0800), integers, true and false, without whitespace
// between them (the facade writes none).
struct Json {
    enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
    bool boolean = false;
    long long number = 0;
    std::string string;
    std::vector<Json> items;        // an array's
    std::vector<std::string> keys;  // an object's, in order, with their values
    std::vector<Json> values;

    // A field that is not there throws std::out_of_range: the test fails, naming it.
    const Json& operator[](const std::string& key) const {
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] == key) {
                return values[i];
            }
        }
        throw std::out_of_range("no field \"" + key + "\"");
    }
};

class JsonReader {
public:
    explicit JsonReader(std::string_view text) : text_(text) {}

    // Throws std::runtime_error at the first byte that is not JSON, or at trailing bytes.
    Json document() {
        Json value = read();
        if (pos_ != text_.size()) {
            fail("trailing text");
        }
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw std::runtime_error("JSON: " + why + " at byte " + std::to_string(pos_));
    }
    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    void expect(char c) {
        if (peek() != c) {
            fail(std::string{"expected '"} + c + "'");
        }
        ++pos_;
    }
    bool word(std::string_view w) {
        if (text_.substr(pos_, w.size()) != w) {
            return false;
        }
        pos_ += w.size();
        return true;
    }

    Json read() {
        Json value;
        const char c = peek();
        if (c == '{') {
            value.kind = Json::Kind::object;
            ++pos_;
            while (peek() != '}') {
                if (!value.keys.empty()) {
                    expect(',');
                }
                value.keys.push_back(read_string());
                expect(':');
                value.values.push_back(read());
            }
            ++pos_;
        } else if (c == '[') {
            value.kind = Json::Kind::array;
            ++pos_;
            while (peek() != ']') {
                if (!value.items.empty()) {
                    expect(',');
                }
                value.items.push_back(read());
            }
            ++pos_;
        } else if (c == '"') {
            value.kind = Json::Kind::string;
            value.string = read_string();
        } else if (word("true")) {
            value.kind = Json::Kind::boolean;
            value.boolean = true;
        } else if (word("false")) {
            value.kind = Json::Kind::boolean;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            value.kind = Json::Kind::number;
            const std::size_t start = pos_;
            ++pos_;
            while (peek() >= '0' && peek() <= '9') {
                ++pos_;
            }
            value.number = std::stoll(std::string{text_.substr(start, pos_ - start)});
        } else {
            fail("unexpected byte");
        }
        return value;
    }

    std::string read_string() {
        expect('"');
        std::string out;
        while (peek() != '"') {
            const char c = peek();
            if (c == '\0' && pos_ >= text_.size()) {
                fail("unterminated string");
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                fail("raw control character in a string");
            }
            ++pos_;
            if (c != '\\') {
                out += c;
                continue;
            }
            const char escape = peek();
            ++pos_;
            switch (escape) {
                case '"':
                case '\\':
                case '/':
                    out += escape;
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 'u': {
                    const unsigned code =
                        std::stoul(std::string{text_.substr(pos_, 4)}, nullptr, 16);
                    pos_ += 4;
                    if (code < 0x80) {
                        out += static_cast<char>(code);
                    } else if (code < 0x800) {
                        out += static_cast<char>(0xc0 | (code >> 6));
                        out += static_cast<char>(0x80 | (code & 0x3f));
                    } else {
                        fail("\\u above U+07FF: not needed here");
                    }
                    break;
                }
                default:
                    fail("unknown escape");
            }
        }
        ++pos_;
        return out;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

Json parse(const std::string& text) {
    return JsonReader{text}.document();
}

std::string read_expected(std::string_view name) {
    const std::string path = std::string{CH03_EXPECTED_DIR} + "/" + std::string{name} + ".txt";
    std::ifstream in{path, std::ios::binary};
    EXPECT_TRUE(in) << "cannot read " << path;
    return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in{text};
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    return lines;
}

// What ch03_simulate prints after "ch03_simulate: error: " for this text: the exception's text.
std::string simulator_error(const std::string& text, const std::string& name) {
    try {
        ch03::model::run_scenario(text, name);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(WebFacade, ScenariosJsonListsTheBuiltInsInOrder) {
    const Json list = parse(scenarios_json());
    ASSERT_EQ(list.kind, Json::Kind::array);
    const auto built_in = ch03::model::embedded_scenarios();
    ASSERT_EQ(list.items.size(), built_in.size());
    ASSERT_GE(list.items.size(), 7u);
    for (std::size_t i = 0; i < built_in.size(); ++i) {
        const Json& entry = list.items[i];
        EXPECT_EQ(entry["name"].string, built_in[i].name);
        EXPECT_EQ(entry["text"].string, built_in[i].text);  // newlines and UTF-8 survive
        const auto run = ch03::model::run_scenario(built_in[i].text, std::string{built_in[i].name});
        EXPECT_EQ(entry["title"].string, run.title);
        EXPECT_FALSE(entry["title"].string.empty()) << built_in[i].name;
    }
}

// The page's table is the simulator's: title, header, then each step's row and event line.
TEST(WebFacade, EveryBuiltInScenarioGivesTheSimulatorsTable) {
    for (const auto& scenario : ch03::model::embedded_scenarios()) {
        SCOPED_TRACE(scenario.name);
        const Json run = parse(run_json(std::string{scenario.text}, std::string{scenario.name}));
        ASSERT_TRUE(run["ok"].boolean);
        EXPECT_EQ(run["name"].string, scenario.name);
        std::string table = run["title"].string + "\n" + run["header"].string + "\n";
        for (const Json& step : run["steps"].items) {
            table += step["row"].string + "\n" + step["event_line"].string + "\n";
        }
        EXPECT_EQ(table, read_expected(scenario.name));
        EXPECT_TRUE(run["failures"].items.empty());
    }
}

TEST(WebFacade, EachStepSaysItsStateAndDrawsIt) {
    for (const auto& scenario : ch03::model::embedded_scenarios()) {
        SCOPED_TRACE(scenario.name);
        const Json run = parse(run_json(std::string{scenario.text}, std::string{scenario.name}));
        const std::vector<std::string> expected = lines_of(read_expected(scenario.name));
        ASSERT_EQ(expected.size(), 2 + 2 * run["steps"].items.size());
        long long step_number = 0;
        for (const Json& step : run["steps"].items) {
            ++step_number;
            EXPECT_EQ(step["step"].number, step_number);
            EXPECT_GT(step["line"].number, 0);
            // The row ends with the running count, as "N of M" or "N of M (over)".
            const std::string& row = step["row"].string;
            const std::string count = std::to_string(step["running"].number) + " of " +
                                      std::to_string(step["limit"].number);
            const bool over = step["over"].boolean;
            EXPECT_TRUE(row.ends_with(over ? count + " (over)" : count)) << row;
            EXPECT_TRUE(row.ends_with(step["count"].string)) << row;  // what the page shows
            EXPECT_EQ(step["count"].string, over ? count + " (over)" : count);
            EXPECT_EQ(over, step["running"].number > step["limit"].number);
            EXPECT_NE(row.find(step["command"].string), std::string::npos) << row;
            // The event line is the event, indented under the command.
            const std::string& event_line = step["event_line"].string;
            EXPECT_TRUE(event_line.ends_with(step["event"].string));
            EXPECT_EQ(event_line.find_first_not_of(' '),
                      event_line.size() - step["event"].string.size());
            EXPECT_EQ(step["svg"].string.rfind("<svg ", 0), 0u);
            EXPECT_NE(step["svg"].string.find("after step " + std::to_string(step_number) + ": "),
                      std::string::npos);
        }
        // The built-in scenarios that say `# timeline: no` have no timeline.
        const bool drawn = scenario.text.find("# timeline: no") == std::string_view::npos;
        EXPECT_EQ(run["timeline"].string.rfind("<svg ", 0) == 0, drawn);
        EXPECT_EQ(run["timeline"].string.empty(), !drawn);
    }
}

// paused.txt shows R5: a thread that wakes is counted again, even above the limit.
TEST(WebFacade, PausedGoesOverTheLimit) {
    std::string text;
    for (const auto& scenario : ch03::model::embedded_scenarios()) {
        if (scenario.name == "paused") {
            text = scenario.text;
        }
    }
    ASSERT_FALSE(text.empty());
    const Json run = parse(run_json(text, "paused"));
    bool any_over = false;
    for (const Json& step : run["steps"].items) {
        any_over = any_over || step["over"].boolean;
    }
    EXPECT_TRUE(any_over);
}

TEST(WebFacade, AnUnknownCommandGivesItsLineAndTheSimulatorsMessage) {
    const std::string text = "# title: broken\nport concurrency=1\nwait T1\nfoo T1\n";
    const Json run = parse(run_json(text, "custom"));
    EXPECT_EQ(run.kind, Json::Kind::object);
    EXPECT_FALSE(run["ok"].boolean);
    EXPECT_EQ(run["ok"].kind, Json::Kind::boolean);
    EXPECT_EQ(run["line"].number, 4);
    EXPECT_EQ(run["message"].string, "line 4: unknown command `foo`");
    EXPECT_EQ(run["message"].string, simulator_error(text, "custom"));
    EXPECT_EQ(run.keys.size(), 3u);  // ok, line, message: nothing else
}

TEST(WebFacade, ARuleBrokenGivesItsLine) {
    const std::string text = "port concurrency=1\nwait T1\nwait T1\n";
    const Json run = parse(run_json(text, "custom"));
    EXPECT_FALSE(run["ok"].boolean);
    EXPECT_EQ(run["line"].number, 3);
    EXPECT_EQ(run["message"].string, simulator_error(text, "custom"));
    EXPECT_EQ(run["message"].string.rfind("line 3: ", 0), 0u);
}

TEST(WebFacade, AnErrorThatNamesNoLineGivesLineZero) {
    for (const char* text : {"# nothing but a comment\n", "port concurrency=0 processors=0\n"}) {
        SCOPED_TRACE(text);
        const Json run = parse(run_json(text, "custom"));
        EXPECT_FALSE(run["ok"].boolean);
        EXPECT_EQ(run["line"].number, 0);
        EXPECT_EQ(run["message"].string, simulator_error(text, "custom"));
        EXPECT_FALSE(run["message"].string.empty());
    }
}

TEST(WebFacade, AFailedExpectationIsReportedAndTheRunGoesOn) {
    const std::string text = "port concurrency=1\nwait T1\nexpect waiting=T2\nwait T2\n";
    const Json run = parse(run_json(text, "custom"));
    EXPECT_TRUE(run["ok"].boolean);
    EXPECT_EQ(run["steps"].items.size(), 3u);
    ASSERT_EQ(run["failures"].items.size(), 1u);
    EXPECT_EQ(run["failures"].items[0].string, "line 3: expected waiting=T2, got T1");
}

TEST(WebFacade, JsonStringsEscapeQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(json_string(""), "\"\"");
    EXPECT_EQ(json_string("say \"hi\""), "\"say \\\"hi\\\"\"");
    EXPECT_EQ(json_string("a\\b"), "\"a\\\\b\"");
    EXPECT_EQ(json_string("one\ntwo\tthree"), "\"one\\ntwo\\tthree\"");
    EXPECT_EQ(json_string(std::string{"\r\x01\x1f\0", 4}), "\"\\u000d\\u0001\\u001f\\u0000\"");
    EXPECT_EQ(json_string("3장 über </svg>"), "\"3장 über </svg>\"");  // UTF-8 as it is
    EXPECT_EQ(json_string("\x7f"), "\"\x7f\"");
}

TEST(WebFacade, ATitleWithQuotesBackslashesAndUtf8RoundTrips) {
    const std::string title = "say \"hi\" \\ 한국어 über";
    const std::string text = "# title: " + title + "\nport concurrency=1\nwait \"T1\"\n";
    const Json run = parse(run_json(text, "custom \"name\""));
    ASSERT_TRUE(run["ok"].boolean);
    EXPECT_EQ(run["title"].string, title);
    EXPECT_EQ(run["name"].string, "custom \"name\"");
    EXPECT_EQ(run["steps"].items.at(1)["command"].string, "wait \"T1\"");
}

TEST(WebFacade, ErrorLineReadsTheLineAnErrorNames) {
    EXPECT_EQ(error_line("line 12: unknown command `foo`"), 12);
    EXPECT_EQ(error_line("line 1: x"), 1);
    EXPECT_EQ(error_line("custom: no `port` command"), 0);
    EXPECT_EQ(error_line("line 12"), 0);
    EXPECT_EQ(error_line("line x: y"), 0);
    EXPECT_EQ(error_line("line 0: y"), 0);
    EXPECT_EQ(error_line("line 99999999999999999999: y"), 0);
    EXPECT_EQ(error_line(""), 0);
}

}  // namespace
