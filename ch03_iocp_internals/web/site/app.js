// app.js: the page's logic. It asks the C++ model (compiled to WebAssembly, ch03_web.js) to
// run a scenario, then shows one step at a time: the figure, the count, the explanation and
// the table so far. Every picture and every line of text comes from the C++; this file only
// puts them on the page. See index.html for the URL parameters.
"use strict";

const $ = (id) => document.getElementById(id);

const PLAY_INTERVAL_MS = 1200;

// Everything the page knows, in one place.
const state = {
  model: null,      // the WebAssembly module: scenarios_json(), run_json(text, name)
  scenarios: [],    // the built-ins: [{name, title, text}]
  name: "",         // the built-in shown, or "" for text of the reader's own
  run: null,        // what run_json returned for the text shown
  step: 0,          // the step shown, 1..run.steps.length
  timer: null,      // set while playing
};

// Runs `text` and shows step `step` (clamped). `name` is a built-in's name, or "".
function load(text, name, step) {
  stop();
  state.name = name;
  state.run = JSON.parse(state.model.run_json(text, name || "custom"));
  $("editor").value = text;
  $("scenario").value = name;
  const timeline = state.run.ok ? state.run.timeline : "";  // "" if the scenario draws none
  $("timeline").innerHTML = timeline;
  $("timeline").parentElement.hidden = !timeline;
  showError(state.run.ok ? "" : state.run.message, state.run.line);
  showFailures();
  go(step);
}

// Shows the current step, and names it in the address bar.
function show() {
  const run = state.run;
  const steps = run.ok ? run.steps.length : 0;
  const current = run.ok && state.step > 0 ? run.steps[state.step - 1] : null;
  $("title").textContent = !run.ok ? "" : run.title || (state.name || "Your own scenario");
  $("step").textContent = `step ${state.step} of ${steps}`;
  $("now").hidden = !current;
  $("command").textContent = current ? current.command : "";
  $("line").textContent = current ? `(line ${current.line} of the scenario)` : "";
  $("count").textContent = current ? current.count : "";
  $("count").classList.toggle("over", Boolean(current && current.over));
  $("explanation").textContent = current ? current.event : "";
  $("figure").innerHTML = current ? current.svg : "";
  showTable(current);
  $("back").disabled = state.step <= 1;
  $("forward").disabled = state.step >= steps;
  $("reset").disabled = state.step <= 1;
  $("play").disabled = steps < 2;
  updateAddress();
}

// The header and the rows of steps 1..N, each followed by its event line, as render_table
// prints them (the C++ lays them out); the current step is wrapped in <mark>.
function showTable(current) {
  const table = $("table");
  if (!current) {
    table.replaceChildren();
    return;
  }
  const lines = (step) => step.row + "\n" + step.event_line;
  let before = state.run.header + "\n";
  for (const step of state.run.steps.slice(0, state.step - 1)) {
    before += lines(step) + "\n";
  }
  const mark = document.createElement("mark");
  mark.textContent = lines(current);
  table.replaceChildren(before, mark, "\n");
}

// A scenario that does not parse or breaks a rule: its message, and the line it names.
// An empty message hides the box.
function showError(message, line) {
  const error = $("error");
  error.hidden = !message;
  const strong = document.createElement("strong");
  strong.textContent = message;
  error.replaceChildren(strong);
  const source = $("editor").value.split("\n")[line - 1];
  if (message && source !== undefined) {
    const quote = document.createElement("pre");
    quote.textContent = `${line} | ${source.trimEnd()}`;
    error.append(quote);
  }
}

// The `expect` lines that did not hold: the run goes on, but the scenario is wrong.
function showFailures() {
  const failures = $("failures");
  const list = state.run.ok ? state.run.failures : [];
  failures.hidden = list.length === 0;
  const heading = document.createElement("strong");
  heading.textContent = "expect lines that do not hold:";
  const items = document.createElement("ul");
  for (const failure of list) {
    const item = document.createElement("li");
    item.textContent = failure;
    items.append(item);
  }
  failures.replaceChildren(heading, items);
}

// ?scenario=NAME&step=N for a built-in, ?text=...&step=N for the reader's own text.
function updateAddress() {
  const params = state.name
    ? new URLSearchParams({ scenario: state.name, step: state.step })
    : new URLSearchParams({ text: $("editor").value, step: state.step });
  history.replaceState(null, "", "?" + params.toString());
}

// Shows step `step`, clamped to the run's steps.
function go(step) {
  const steps = state.run.ok ? state.run.steps.length : 0;
  state.step = Math.min(Math.max(step, 1), steps);
  show();
}

function stop() {
  clearInterval(state.timer);
  state.timer = null;
  $("play").textContent = "▶ Play";
}

function play() {
  if (state.timer) {
    stop();
    return;
  }
  if (state.step >= state.run.steps.length) {
    go(1);  // from the start again
  }
  $("play").textContent = "Pause";
  state.timer = setInterval(() => {
    go(state.step + 1);
    if (state.step >= state.run.steps.length) {
      stop();
    }
  }, PLAY_INTERVAL_MS);
}

// The editor's text: a built-in's name if it is one unchanged, else the reader's own.
function runEditor() {
  const text = $("editor").value;
  const same = state.scenarios.find((scenario) => scenario.text === text);
  load(text, same ? same.name : "", 1);
}

function byName(name) {
  return state.scenarios.find((scenario) => scenario.name === name);
}

function connect() {
  const picker = $("scenario");
  for (const scenario of state.scenarios) {
    picker.append(new Option(`${scenario.name}: ${scenario.title}`, scenario.name));
  }
  const own = new Option("(your own, from the editor)", "");
  own.disabled = true;  // chosen by Run, not here
  picker.append(own);
  picker.addEventListener("change", () => {
    const scenario = byName(picker.value);
    if (scenario) {
      load(scenario.text, scenario.name, 1);
    }
  });
  $("run").addEventListener("click", runEditor);
  $("back").addEventListener("click", () => { stop(); go(state.step - 1); });
  $("forward").addEventListener("click", () => { stop(); go(state.step + 1); });
  $("reset").addEventListener("click", () => { stop(); go(1); });
  $("play").addEventListener("click", play);
  $("editor").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runEditor();
    }
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLTextAreaElement ||
                   event.target instanceof HTMLInputElement;
    const delta = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (typing || !delta || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();  // on the picker, the arrow would change the scenario
    stop();
    go(state.step + delta);
  });
}

// The first render: from the address, else the first built-in at its first step.
function start() {
  const params = new URLSearchParams(location.search);
  const step = Number.parseInt(params.get("step") || "1", 10) || 1;
  const wanted = params.get("scenario");
  if (params.has("text")) {
    load(params.get("text"), "", step);
  } else if (wanted && !byName(wanted)) {
    load(state.scenarios[0].text, state.scenarios[0].name, 1);
    showError(`no built-in scenario is called "${wanted}": showing the first`, 0);
  } else {
    const scenario = byName(wanted) || state.scenarios[0];
    load(scenario.text, scenario.name, step);
  }
}

async function main() {
  try {
    state.model = await createCh03();
    state.scenarios = JSON.parse(state.model.scenarios_json());
    connect();
    start();
    document.body.dataset.ready = "1";
  } catch (error) {
    const why = location.protocol === "file:"
      ? "pages opened from a file cannot load WebAssembly: serve this folder (./tutorial.sh web)"
      : String(error);
    $("error").textContent = `The model could not be loaded: ${why}`;
    $("error").hidden = false;
    $("step").textContent = "";
    document.body.dataset.ready = "failed";
  }
}

main();
