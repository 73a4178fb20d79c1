// tests/web/module_test.js: the WebAssembly module of the web preset, loaded by Node.js as the
// page loads it (createCh03(), then the two JSON functions): every built-in scenario's table
// equals the simulator's (tests/ch03/expected/NAME.txt), and a bad scenario reports its line.
//
// Usage: node tests/web/module_test.js build/web/site/ch03_web.js tests/ch03/expected
// (CTest runs it as web.module.) The module is built for the web only (ENVIRONMENT=web), so
// its .wasm is handed over as bytes instead of fetched. Prints "N passed, N failed".
"use strict";
const fs = require("fs");
const path = require("path");

const [modulePath, expectedDir] = process.argv.slice(2);
if (!modulePath || !expectedDir) {
    console.error("usage: node module_test.js ch03_web.js EXPECTED_DIR");
    process.exit(2);
}

let passed = 0;
let failed = 0;
function check(what, ok, detail) {
    if (ok) {
        passed += 1;
    } else {
        failed += 1;
        console.log(`FAILED: ${what}${detail ? "\n" + detail : ""}`);
    }
}

async function main() {
    const createCh03 = require(path.resolve(modulePath));
    const wasmPath = modulePath.replace(/\.js$/, ".wasm");
    const ch03 = await createCh03({wasmBinary: fs.readFileSync(wasmPath)});

    const scenarios = JSON.parse(ch03.scenarios_json());
    check("scenarios_json lists the 7 built-ins", scenarios.length === 7,
          JSON.stringify(scenarios.map((s) => s.name)));
    for (const scenario of scenarios) {
        const run = JSON.parse(ch03.run_json(scenario.text, scenario.name));
        const expected = fs.readFileSync(path.join(expectedDir, `${scenario.name}.txt`), "utf8");
        let table = `${run.title}\n${run.header}\n`;
        for (const step of run.steps) {
            table += `${step.row}\n${step.event_line}\n`;
        }
        check(`${scenario.name}: ok`, run.ok === true);
        check(`${scenario.name}: the table is the simulator's`, table === expected,
              `got:\n${table}\nexpected:\n${expected}`);
        check(`${scenario.name}: a figure per step`,
              run.steps.every((step) => step.svg.startsWith("<svg ")));
        check(`${scenario.name}: the title of scenarios_json`, run.title === scenario.title);
    }

    const lifo = scenarios.find((s) => s.name === "lifo");
    const run = JSON.parse(ch03.run_json(lifo.text, "lifo"));
    const step6 = run.steps[5];
    check("lifo step 6: the post goes straight to T4",
          step6.command === "post key=1" && step6.running === 1 && step6.limit === 1 &&
              step6.over === false && step6.closed === false &&
              step6.event.endsWith("goes straight to T4, the newest waiter"),
          JSON.stringify({...step6, svg: undefined}));
    check("lifo: a timeline", run.timeline.startsWith("<svg "));
    check("lifo: non-ASCII text survives", lifo.text.includes("3장"));

    const bad = JSON.parse(ch03.run_json("port concurrency=1\nwait T1\nfoo T1\n", "custom"));
    check("a bad scenario: ok false, line 3, the simulator's message",
          bad.ok === false && bad.line === 3 && bad.message === "line 3: unknown command `foo`",
          JSON.stringify(bad));
    const text = '# title: "ü" \\ tab\there\nport concurrency=1\n';
    const quoted = JSON.parse(ch03.run_json(text, "q"));
    check("quotes, backslashes, tabs and UTF-8 round-trip",
          quoted.ok && quoted.title === '"ü" \\ tab\there', JSON.stringify(quoted.title));
}

main().then(
    () => {
        console.log(`${passed} passed, ${failed} failed`);
        process.exit(failed === 0 ? 0 : 1);
    },
    (error) => {
        console.log(`FAILED: ${error && error.stack ? error.stack : error}`);
        console.log(`${passed} passed, ${failed + 1} failed`);
        process.exit(1);
    });
