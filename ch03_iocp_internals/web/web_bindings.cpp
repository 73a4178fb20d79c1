// ch03_iocp_internals/web/web_bindings.cpp: the facade (web_facade.h) handed to JavaScript.
//
// Built only by the `web` preset, into ch03_web.js + ch03_web.wasm (an ES5 factory, MODULARIZE):
//
//   const ch03 = await createCh03();
//   const scenarios = JSON.parse(ch03.scenarios_json());
//   const run = JSON.parse(ch03.run_json(scenarios[0].text, scenarios[0].name));
//
// Strings cross as UTF-8 both ways (embind's std::string).
#include "web_facade.h"

#include <emscripten/bind.h>

EMSCRIPTEN_BINDINGS(ch03_web) {
    emscripten::function("scenarios_json", &ch03::web::scenarios_json);
    emscripten::function("run_json", &ch03::web::run_json);
}
