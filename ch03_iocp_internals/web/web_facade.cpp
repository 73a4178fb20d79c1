// ch03_iocp_internals/web/web_facade.cpp: the model's runs as JSON (see web_facade.h).
#include "web_facade.h"

#include "model/embedded_scenarios.h"
#include "model/render.h"
#include "model/scenario.h"

#include <charconv>
#include <exception>
#include <utility>
#include <vector>

namespace ch03::web {
namespace {

// Writes one JSON object or array, comma by comma.
class JsonWriter {
public:
    explicit JsonWriter(char open) { out_ += open; }

    JsonWriter& field(std::string_view key, std::string_view raw_value) {
        separate();
        out_ += json_string(key);
        out_ += ':';
        out_ += raw_value;
        return *this;
    }
    JsonWriter& text(std::string_view key, std::string_view value) {
        return field(key, json_string(value));
    }
    JsonWriter& number(std::string_view key, long long value) {
        return field(key, std::to_string(value));
    }
    JsonWriter& boolean(std::string_view key, bool value) {
        return field(key, value ? "true" : "false");
    }
    JsonWriter& item(std::string_view raw_value) {
        separate();
        out_ += raw_value;
        return *this;
    }
    std::string close(char end) {
        out_ += end;
        return std::move(out_);
    }

private:
    void separate() {
        if (!first_) {
            out_ += ',';
        }
        first_ = false;
    }

    std::string out_;
    bool first_ = true;
};

std::string strings_array(const std::vector<std::string>& values) {
    JsonWriter array{'['};
    for (const std::string& value : values) {
        array.item(json_string(value));
    }
    return array.close(']');
}

std::string result_json(const model::ScenarioResult& result) {
    const model::TableLines table = model::table_lines(result);
    JsonWriter steps{'['};
    for (std::size_t i = 0; i < result.steps.size(); ++i) {
        const model::Step& step = result.steps[i];
        const model::Snapshot& state = step.after;
        const model::Figure figure{"step", i, model::FigureView::structures};
        // The event line as render_table prints it, and without its indentation.
        const std::string& event_line = table.events.at(i);
        const auto first = event_line.find_first_not_of(' ');
        const std::string event =
            first == std::string::npos ? std::string{} : event_line.substr(first);
        steps.item(JsonWriter{'{'}
                       .number("step", static_cast<long long>(i + 1))
                       .number("line", step.line)
                       .text("command", step.command)
                       .text("row", table.rows.at(i))
                       .text("event", event)
                       .text("event_line", event_line)
                       .text("count", model::running_text(state))
                       .number("running", state.current)
                       .number("limit", state.maximum)
                       .boolean("over", state.current > state.maximum)
                       .boolean("closed", state.closed)
                       .text("svg", model::render_structures_svg(result, figure))
                       .close('}'));
    }
    return JsonWriter{'{'}
        .boolean("ok", true)
        .text("name", result.name)
        .text("title", result.title)
        .text("header", table.header)
        .field("steps", steps.close(']'))
        .text("timeline", result.timeline ? model::render_timeline_svg(result) : std::string{})
        .field("failures", strings_array(result.failures))
        .close('}');
}

std::string error_json(std::string_view message) {
    return JsonWriter{'{'}
        .boolean("ok", false)
        .number("line", error_line(message))
        .text("message", message)
        .close('}');
}

}  // namespace

std::string json_string(std::string_view text) {
    constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20) {
            out += "\\u00";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

int error_line(std::string_view message) {
    constexpr std::string_view prefix = "line ";
    if (message.substr(0, prefix.size()) != prefix) {
        return 0;
    }
    const std::string_view rest = message.substr(prefix.size());
    int line = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
    if (error != std::errc{} || end == rest.data() + rest.size() || *end != ':' || line < 1) {
        return 0;
    }
    return line;
}

std::string scenarios_json() {
    JsonWriter array{'['};
    for (const model::EmbeddedScenario& scenario : model::embedded_scenarios()) {
        array.item(JsonWriter{'{'}
                       .text("name", scenario.name)
                       .text("title", model::scenario_title(scenario.text))
                       .text("text", scenario.text)
                       .close('}'));
    }
    return array.close(']');
}

std::string run_json(const std::string& text, const std::string& name) {
    // What ch03_simulate's error policy (iocp::run_cli) prints after "<program>: error: " is
    // the exception's what(): a ScenarioError naming its line, or a ModelError.
    try {
        return result_json(model::run_scenario(text, name));
    } catch (const std::exception& e) {
        return error_json(e.what());
    }
}

}  // namespace ch03::web
