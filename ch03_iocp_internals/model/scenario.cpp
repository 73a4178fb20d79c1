// ch03_iocp_internals/model/scenario.cpp: parsing and running scenarios (see scenario.h).
#include "scenario.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

namespace ch03::model {
namespace {

std::vector<std::string> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::istringstream in{std::string{line}};
    std::string word;
    while (in >> word) {
        words.push_back(word);
    }
    return words;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r");
    return std::string{text.substr(first, last - first + 1)};
}

std::string join(const std::vector<std::string>& names) {
    if (names.empty()) {
        return "-";
    }
    std::string text;
    for (const std::string& name : names) {
        text += (text.empty() ? "" : ",") + name;
    }
    return text;
}

// A line's `name=value` arguments, with the words before them.
class Arguments {
public:
    Arguments(const std::vector<std::string>& words, int line) : line_(line) {
        for (std::size_t i = 1; i < words.size(); ++i) {
            const auto equals = words[i].find('=');
            if (equals == std::string::npos) {
                plain_.push_back(words[i]);
            } else {
                named_[words[i].substr(0, equals)] = words[i].substr(equals + 1);
            }
        }
    }

    const std::string& only_name(const std::string& command) const {
        if (plain_.size() != 1) {
            fail(command + " takes one name, e.g. `" + command + " T1`");
        }
        return plain_.front();
    }

    std::uint64_t number(const std::string& name, std::optional<std::uint64_t> otherwise) {
        const auto found = named_.find(name);
        if (found == named_.end()) {
            if (!otherwise) {
                fail("missing " + name + "=NUMBER");
            }
            return *otherwise;
        }
        std::uint64_t value = 0;
        const std::string& text = found->second;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc{} || end != text.data() + text.size()) {
            fail(name + "=" + text + " is not a number");
        }
        used_.push_back(name);
        return value;
    }

    std::optional<std::string> text(const std::string& name) {
        const auto found = named_.find(name);
        if (found == named_.end()) {
            return std::nullopt;
        }
        used_.push_back(name);
        return found->second;
    }

    // Every name=value given must have been asked for: a typo is an error, not ignored.
    void finish() const {
        for (const auto& [name, value] : named_) {
            if (std::find(used_.begin(), used_.end(), name) == used_.end()) {
                fail("unknown argument " + name + "=" + value);
            }
        }
    }

    [[noreturn]] void fail(const std::string& why) const {
        throw ScenarioError("line " + std::to_string(line_) + ": " + why);
    }

private:
    int line_;
    std::vector<std::string> plain_;
    std::map<std::string, std::string> named_;
    std::vector<std::string> used_;
};

constexpr std::array<std::pair<std::string_view, FigureView>, 3> figure_views{{
    {"structures", FigureView::structures},
    {"queue", FigureView::queue},
    {"stacks", FigureView::stacks},
}};

std::vector<std::string> names_in(const Snapshot& state, ThreadState wanted) {
    std::vector<std::string> names;
    for (const ThreadView& thread : state.threads) {
        if (thread.state == wanted) {
            names.push_back(thread.name);
        }
    }
    return names;
}

std::string taken_text(const Snapshot& state, const std::vector<std::string>& names) {
    std::string text;
    for (const std::string& name : names) {
        int taken = 0;
        for (const ThreadView& thread : state.threads) {
            if (thread.name == name) {
                taken = thread.packets_taken;
            }
        }
        text += (text.empty() ? "" : ",") + name + ":" + std::to_string(taken);
    }
    return text;
}

// `expect`: compares each named part of the state; returns one failure line per mismatch.
std::vector<std::string> check(Arguments& args, const Snapshot& state, int line) {
    std::vector<std::string> failures;
    const auto compare = [&](const std::string& name, const std::string& actual) {
        if (const auto expected = args.text(name); expected && *expected != actual) {
            failures.push_back("line " + std::to_string(line) + ": expected " + name + "=" +
                               *expected + ", got " + actual);
        }
    };
    compare("count", std::to_string(state.current));
    compare("max", std::to_string(state.maximum));
    compare("queue", std::to_string(state.queue.size()));
    compare("waiting", join(state.waiting));
    compare("released", join(names_in(state, ThreadState::released)));
    compare("paused", join(names_in(state, ThreadState::paused)));
    if (const auto taken = args.text("taken")) {
        std::vector<std::string> names;
        std::istringstream in{*taken};
        std::string item;
        while (std::getline(in, item, ',')) {
            names.push_back(item.substr(0, item.find(':')));
        }
        const std::string actual = taken_text(state, names);
        if (actual != *taken) {
            failures.push_back("line " + std::to_string(line) + ": expected taken=" + *taken +
                               ", got " + actual);
        }
    }
    args.finish();
    return failures;
}

// A `# title:` line's title (the line already trimmed).
std::optional<std::string> title_of(const std::string& content) {
    constexpr std::string_view prefix = "# title:";
    if (content.rfind(prefix, 0) != 0) {
        return std::nullopt;
    }
    return trim(std::string_view{content}.substr(prefix.size()));
}

}  // namespace

std::string scenario_title(std::string_view text) {
    std::string title;
    std::istringstream lines{std::string{text}};
    std::string raw;
    while (std::getline(lines, raw)) {
        if (auto found = title_of(trim(raw))) {
            title = std::move(*found);
        }
    }
    return title;
}

Snapshot snapshot(const PortModel& port) {
    Snapshot state;
    state.current = port.current_count();
    state.maximum = port.maximum_count();
    state.closed = port.is_closed();
    state.queue.assign(port.queue().begin(), port.queue().end());
    state.waiting = port.waiting();
    state.devices.assign(port.devices().begin(), port.devices().end());
    state.threads = port.threads();
    return state;
}

ScenarioResult run_scenario(std::string_view text, const std::string& name) {
    ScenarioResult result;
    result.name = name;
    std::unique_ptr<PortModel> port;
    std::istringstream lines{std::string{text}};
    std::string raw;
    int line = 0;
    std::uint64_t ios = 0;  // io lines so far
    while (std::getline(lines, raw)) {
        ++line;
        const std::string content = trim(raw);
        if (auto title = title_of(content)) {
            result.title = std::move(*title);
        }
        if (content.rfind("# timeline:", 0) == 0) {
            const std::string value = trim(content.substr(11));
            if (value != "yes" && value != "no") {
                Arguments{{}, line}.fail("# timeline: takes yes or no, not `" + value + "`");
            }
            result.timeline = value == "yes";
        }
        if (content.empty() || content.front() == '#') {
            continue;
        }
        const std::vector<std::string> words = split_words(content);
        const std::string& command = words.front();
        Arguments args{words, line};
        if (command == "port") {
            if (port) {
                args.fail("the port already exists");
            }
            const auto concurrency = static_cast<unsigned>(args.number("concurrency", 0));
            const auto processors = static_cast<unsigned>(args.number("processors", 2));
            args.finish();
            port = std::make_unique<PortModel>(concurrency, processors);
        } else if (!port) {
            args.fail("the first command must be `port concurrency=N`");
        } else if (command == "expect") {
            const std::vector<std::string> failures = check(args, snapshot(*port), line);
            result.failures.insert(result.failures.end(), failures.begin(), failures.end());
            continue;  // not a step of its own
        } else if (command == "figure") {
            if (result.steps.empty()) {
                args.fail("a figure needs a step before it");
            }
            const std::string view = args.text("view").value_or("structures");
            const auto found = std::find_if(figure_views.begin(), figure_views.end(),
                                            [&](const auto& entry) { return entry.first == view; });
            if (found == figure_views.end()) {
                args.fail("view=" + view + ": a figure's view is structures, queue or stacks");
            }
            result.figures.push_back(
                {args.only_name("figure"), result.steps.size() - 1, found->second});
            args.finish();
            continue;
        } else {
            try {
                if (command == "associate") {
                    const std::string device = args.only_name(command);
                    port->associate(device, args.number("key", std::nullopt));
                } else if (command == "io") {
                    const std::string device = args.only_name(command);
                    // A completion always carries the request's OVERLAPPED (R6): the Nth
                    // io's is &ovN unless the line names one.
                    ++ios;
                    port->complete_io(device, static_cast<std::uint32_t>(args.number("bytes", 0)),
                                      static_cast<std::uint32_t>(args.number("error", 0)),
                                      args.number("overlapped", ios));
                } else if (command == "post") {
                    port->post(args.number("key", std::nullopt),
                               static_cast<std::uint32_t>(args.number("bytes", 0)),
                               args.number("overlapped", 0));
                } else if (command == "wait" || command == "poll") {
                    port->get(args.only_name(command), command == "poll");
                } else if (command == "timeout") {
                    port->time_out(args.only_name(command));
                } else if (command == "block") {
                    port->block(args.only_name(command));
                } else if (command == "unblock") {
                    port->unblock(args.only_name(command));
                } else if (command == "exit") {
                    port->exit(args.only_name(command));
                } else if (command == "close-device") {
                    port->close_device(args.only_name(command));
                } else if (command == "close") {
                    port->close();
                } else {
                    args.fail("unknown command `" + command + "`");
                }
            } catch (const ModelError& e) {
                args.fail(e.what());
            }
            args.finish();
        }
        result.steps.push_back({line, content, port->last_event(), snapshot(*port)});
    }
    if (!port) {
        throw ScenarioError(name + ": no `port` command");
    }
    result.transitions_made = port->transitions_made();
    return result;
}

}  // namespace ch03::model
