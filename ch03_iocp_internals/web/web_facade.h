// ch03_iocp_internals/web/web_facade.h: chapter 3's model for the web page, as JSON strings.
//
// Portable (no windows.h, no Emscripten): built natively (native and Windows presets, not
// native-tsan: it has no threads) and unit-tested there (tests/ch03/web_facade_test.cpp);
// web_bindings.cpp hands the two functions to JavaScript in the `web` preset, and site/app.js
// reads it. The JSON:
//
//   scenarios_json()          [{"name":"lifo","title":"...","text":"..."}, ...]  (built-ins)
//   run_json(text, "custom")  {"ok":true,"name":...,"title":...,"header":...,"steps":[...],
//                              "timeline":"<svg...>","failures":[...]}
//                             or {"ok":false,"line":12,"message":"line 12: ..."}
//
// A step is {"step","line","command","row","event","event_line","count","running","limit",
// "over","closed","svg"}. The table's header, rows, event lines and count are
// render_table()'s text (model/render.h), so the page lays out nothing itself; an error's
// message is what `ch03_simulate run` prints after "ch03_simulate: error: ".
#pragma once

#include <string>
#include <string_view>

namespace ch03::web {

// Every built-in scenario, in the built-in order: its name, title and text.
std::string scenarios_json();

// Runs a scenario's text (named `name`, as a file's stem) and returns its steps, or the error
// that stopped it. Never throws for a bad scenario: that is {"ok":false,...}.
std::string run_json(const std::string& text, const std::string& name);

// `text` as a JSON string, quotes included: `"` and `\` escaped, control characters as \n, \t
// or \u00XX; every other byte (UTF-8 included) passes through.
std::string json_string(std::string_view text);

// The line an error message names ("line 12: ..." gives 12), or 0 when it names none.
int error_line(std::string_view message);

}  // namespace ch03::web
