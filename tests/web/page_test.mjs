// tests/web/page_test.mjs: chapter 3's page (build/web/site) in headless Chromium, checked
// against the simulator's pinned tables (tests/ch03/expected/NAME.txt).
//
// Usage: node tests/web/page_test.mjs --site build/web/site --expected tests/ch03/expected
//        [--chromium /usr/bin/chromium]   (or CHROMIUM=...; else chromium found on PATH)
//
// One static server (127.0.0.1, a port the system picks) and one browser for every page. The
// browser is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
// messages ending in NUL on file descriptors 3 and 4), so no port is fixed and nothing but
// Node.js is needed. Every built-in scenario is loaded at its first, a middle and its last
// step, and #step, #count, #explanation, #title and #table are compared with the pinned table;
// then the keys, the buttons, the editor, an invalid scenario and a failing `expect`.
// The page is waited for through body[data-ready], never with a sleep. Prints one line per
// check and "N passed, M failed"; exits 1 if any failed or Chromium is missing.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

const PAGE_TIMEOUT_MS = 20000;  // one page: load the wasm and render, on a busy machine

function parseArguments(argv) {
  const options = { chromium: process.env.CHROMIUM || "" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!["site", "expected", "chromium"].includes(key) || argv[i + 1] === undefined) {
      throw new Error(`unknown or incomplete argument ${argv[i]}`);
    }
    options[key] = argv[i + 1];
  }
  if (!options.site || !options.expected) {
    throw new Error("usage: page_test.mjs --site DIR --expected DIR [--chromium PATH]");
  }
  return options;
}

// The pinned tables: title, header, then each step's row and its event line.
function readExpected(directory) {
  const tables = new Map();
  for (const file of fs.readdirSync(directory).filter((f) => f.endsWith(".txt")).sort()) {
    const lines = fs.readFileSync(path.join(directory, file), "utf8").split("\n");
    if (lines.at(-1) === "") {
      lines.pop();
    }
    const steps = [];
    for (let i = 2; i + 1 < lines.length; i += 2) {
      steps.push({ row: lines[i], event: lines[i + 1] });
    }
    tables.set(file.slice(0, -4), { title: lines[0], header: lines[1], steps });
  }
  return tables;
}

// What the page must show at `step` of a pinned table.
function expectedView(table, step) {
  const current = table.steps[step - 1];
  const lines = [table.header];
  for (const s of table.steps.slice(0, step)) {
    lines.push(s.row, s.event);
  }
  return {
    title: table.title,
    step: `step ${step} of ${table.steps.length}`,
    count: current.row.slice(table.header.indexOf("running")),
    over: current.row.endsWith(" (over)"),
    explanation: current.event.trim(),
    table: lines.join("\n") + "\n",
    mark: current.row + "\n" + current.event,
  };
}

// A static server for the site: its files only, with the types a browser insists on.
function serve(root) {
  const types = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".wasm": "application/wasm", ".svg": "image/svg+xml",
  };
  const server = http.createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url, "http://x").pathname).slice(1);
    const file = path.join(root, name || "index.html");
    if (name.includes("..") || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, {
      "Content-Type": types[path.extname(file)] || "application/octet-stream",
      "Cache-Control": "no-store",
    });
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function findChromium(given) {
  if (given) {
    return fs.existsSync(given) ? given : null;
  }
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
      const candidate = path.join(dir, name);
      if (dir && fs.existsSync(candidate)) {
        return candidate;
      }
    }
  }
  return null;
}

// The browser, and the DevTools protocol over its pipe: send() answers with the result;
// waitFor() with the next event of that name.
class Browser {
  constructor(executable) {
    this.profile = fs.mkdtempSync(path.join(os.tmpdir(), "ch03-web-test-"));
    this.process = spawn(executable, [
      "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
      `--user-data-dir=${this.profile}`, "--no-first-run", "--no-default-browser-check",
      "--disable-extensions", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--disable-dev-shm-usage", "--mute-audio", "about:blank",
    ], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    this.stderr = "";
    this.process.stderr.on("data", (data) => { this.stderr = (this.stderr + data).slice(-4000); });
    this.nextId = 1;
    this.pending = new Map();
    this.waiters = [];
    this.exceptions = [];
    let buffer = "";
    this.process.stdio[4].on("data", (data) => {
      buffer += data.toString("utf8");
      let end;
      while ((end = buffer.indexOf("\0")) >= 0) {
        this.receive(JSON.parse(buffer.slice(0, end)));
        buffer = buffer.slice(end + 1);
      }
    });
    // A browser that cannot start, or dies, fails every request still waiting for an answer.
    this.process.on("error", (error) => { this.stderr += `\n${error.message}`; });
    this.process.stdio[3].on("error", () => {});
    this.exited = new Promise((resolve) => this.process.on("close", resolve));
    this.exited.then(() => {
      for (const { reject } of this.pending.values()) {
        reject(new Error(`chromium exited; its last words:\n${this.stderr}`));
      }
    });
  }

  receive(message) {
    if (message.id !== undefined) {
      const { resolve, reject } = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) {
        reject(new Error(`${message.error.message} (${message.error.code})`));
      } else {
        resolve(message.result);
      }
      return;
    }
    if (message.method === "Runtime.exceptionThrown") {
      this.exceptions.push(message.params.exceptionDetails.exception?.description ||
                           message.params.exceptionDetails.text);
    }
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.method !== message.method) {
        return true;
      }
      waiter.resolve(message.params);
      return false;
    });
  }

  send(method, params = {}) {
    const id = this.nextId++;
    const message = { id, method, params };
    if (this.session) {
      message.sessionId = this.session;
    }
    this.process.stdio[3].write(JSON.stringify(message) + "\0");
    return withTimeout(new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    }), `${method}`);
  }

  waitFor(method) {
    return withTimeout(new Promise((resolve) => {
      this.waiters.push({ method, resolve });
    }), `the event ${method}`);
  }

  // A tab of its own, with the events we need.
  async open() {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    this.session = sessionId;
    await this.send("Page.bringToFront");  // the keys go to the page in front
    await this.send("Page.enable");
    await this.send("Runtime.enable");
  }

  async close() {
    this.session = undefined;
    try {
      await this.send("Browser.close");
    } catch {
      this.process.kill();
    }
    await this.exited;
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in time: ${what}`)), PAGE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Runs in the page: everything the checks read, once body[data-ready] is set.
const READ_PAGE = `(() => {
  const text = (id) => document.getElementById(id).textContent;
  const read = () => ({
    ready: document.body.dataset.ready,
    title: text("title"), step: text("step"), count: text("count"),
    over: document.getElementById("count").classList.contains("over"),
    explanation: text("explanation"), table: text("table"),
    mark: document.querySelector("#table mark")?.textContent ?? null,
    svg: document.querySelector("#figure svg") !== null,
    error: document.getElementById("error").hidden ? null : text("error"),
    failures: document.getElementById("failures").hidden ? null : text("failures"),
    options: [...document.querySelectorAll("#scenario option")].map((o) => o.value)
                                                            .filter((v) => v !== "").sort(),
    editor: document.getElementById("editor").value,
    search: location.search, play: text("play"),
  });
  if (document.body.dataset.ready !== undefined) {
    return read();
  }
  return new Promise((resolve) => {
    new MutationObserver((_, observer) => {
      observer.disconnect();
      resolve(read());
    }).observe(document.body, { attributes: true, attributeFilter: ["data-ready"] });
  });
})()`;

async function readPage(browser) {
  const { result, exceptionDetails } = await browser.send("Runtime.evaluate", {
    expression: READ_PAGE, awaitPromise: true, returnByValue: true,
  });
  if (exceptionDetails) {
    throw new Error(`reading the page failed: ${exceptionDetails.text}`);
  }
  return result.value;
}

async function visit(browser, url) {
  browser.exceptions = [];
  const loaded = browser.waitFor("Page.loadEventFired");
  const { errorText } = await browser.send("Page.navigate", { url });
  if (errorText) {
    throw new Error(`${url}: ${errorText}`);
  }
  await loaded;
  return readPage(browser);
}

async function evaluate(browser, expression) {
  await browser.send("Runtime.evaluate", { expression });
  return readPage(browser);
}

async function press(browser, key, code) {
  for (const type of ["keyDown", "keyUp"]) {
    await browser.send("Input.dispatchKeyEvent", {
      type, key, code: key, windowsVirtualKeyCode: code, nativeVirtualKeyCode: code,
    });
  }
  return readPage(browser);
}

// The checks: each compares named fields of what the page shows with what it should show (a
// value, or a function that says whether the field is right).
const results = { passed: 0, failed: 0 };

function check(what, page, want, browser) {
  const wrong = [];
  if (page.ready !== "1") {
    wrong.push(`body[data-ready] is ${page.ready}, not 1; #error: ${page.error}`);
  } else {
    for (const [field, value] of Object.entries(want)) {
      const got = JSON.stringify(page[field]);
      const wanted = typeof value === "function" ? String(value) : JSON.stringify(value);
      if (typeof value === "function" ? !value(page[field]) : got !== wanted) {
        wrong.push(`#${field}: got ${got}\n    want ${wanted}`);
      }
    }
  }
  if (browser.exceptions.length > 0) {
    wrong.push(`uncaught in the page: ${browser.exceptions.join("; ")}`);
  }
  if (wrong.length === 0) {
    results.passed++;
    console.log(`ok: ${what}`);
  } else {
    results.failed++;
    console.log(`FAILED: ${what}\n  ${wrong.join("\n  ")}`);
  }
}

async function checkScenarios(browser, base, tables) {
  for (const [name, table] of tables) {
    const last = table.steps.length;
    for (const step of [...new Set([1, Math.ceil(last / 2), last])]) {
      const page = await visit(browser, `${base}?scenario=${name}&step=${step}`);
      check(`${name} at step ${step} of ${last}`, page, {
        ...expectedView(table, step), svg: true, error: null, failures: null,
        options: [...tables.keys()], search: `?scenario=${name}&step=${step}`,
      }, browser);
    }
  }
}

// ← →, the buttons, and the address that follows them, on `paused` (its count goes over).
// Play is checked only for starting and stopping: its pace is real time, and no test sleeps.
async function checkStepping(browser, base, tables) {
  const table = tables.get("paused");
  let page = await visit(browser, `${base}?scenario=paused&step=6`);
  check("paused opens at step 6", page, expectedView(table, 6), browser);
  page = await press(browser, "ArrowRight", 39);
  check("→ steps forward, the count goes over, the address follows", page,
        { ...expectedView(table, 7), search: "?scenario=paused&step=7" }, browser);
  page = await press(browser, "ArrowLeft", 37);
  page = await press(browser, "ArrowLeft", 37);
  check("← ← steps back twice", page,
        { ...expectedView(table, 5), search: "?scenario=paused&step=5" }, browser);
  page = await evaluate(browser, "document.getElementById('forward').click()");
  check("Forward", page, expectedView(table, 6), browser);
  page = await evaluate(browser, "document.getElementById('reset').click()");
  check("Reset", page, expectedView(table, 1), browser);
  page = await evaluate(browser, "document.getElementById('back').click()");
  check("Back at the first step stays there", page, expectedView(table, 1), browser);
  page = await evaluate(browser, "document.getElementById('play').click()");
  check("Play starts (its button says Pause)", page, { play: "Pause" }, browser);
  page = await evaluate(browser, "document.getElementById('play').click()");
  check("and Pause stops it", page, { play: "▶ Play" }, browser);
  page = await visit(browser, `${base}?scenario=paused&step=99`);
  check("a step past the end shows the last", page, expectedView(table, 10), browser);
  const lifo = tables.get("lifo");
  page = await evaluate(browser, `(() => {
    const picker = document.getElementById("scenario");
    picker.value = "lifo";
    picker.dispatchEvent(new Event("change"));
  })()`);
  check("picking lifo shows its first step", page,
        { ...expectedView(lifo, 1), search: "?scenario=lifo&step=1" }, browser);
}

// The editor, an invalid scenario, and one whose `expect` fails.
async function checkOwnText(browser, base) {
  const encode = (text) => encodeURIComponent(text);
  const bad = "port concurrency=1\nwait T1\nfrobnicate T1\n";
  let page = await visit(browser, `${base}?text=${encode(bad)}`);
  check("an invalid scenario shows its line and message", page, {
    error: "line 3: unknown command `frobnicate`3 | frobnicate T1", editor: bad,
    step: "step 0 of 0", table: "", svg: false,
  }, browser);
  const broken = "port concurrency=1\nwait T1\nunblock T1\n";
  page = await visit(browser, `${base}?text=${encode(broken)}`);
  check("a scenario that breaks a rule names its line", page, {
    error: (error) => error?.startsWith("line 3: "), table: "",
  }, browser);
  const failing = "port concurrency=1\nwait T1\nexpect waiting=T2\npost key=1\n";
  page = await visit(browser, `${base}?text=${encode(failing)}&step=2`);
  check("a failing expect is listed; the run goes on", page, {
    failures: "expect lines that do not hold:line 3: expected waiting=T2, got T1",
    error: null, step: "step 2 of 3", count: "0 of 1", svg: true,
  }, browser);
  page = await evaluate(browser, `(() => {
    document.getElementById("editor").value = "port concurrency=2\\nwait T1\\npost key=4\\n";
    document.getElementById("run").click();
  })()`);
  check("Run runs the editor's text, and the address carries it", page, {
    step: "step 1 of 3", count: "0 of 2", error: null,
    search: "?" + new URLSearchParams({
      text: "port concurrency=2\nwait T1\npost key=4\n", step: 1 }).toString(),
  }, browser);
  page = await press(browser, "ArrowRight", 39);
  page = await press(browser, "ArrowRight", 39);
  check("and steps through it", page, { step: "step 3 of 3", count: "1 of 2" }, browser);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const tables = readExpected(options.expected);
  if (tables.size === 0 || !fs.existsSync(path.join(options.site, "index.html"))) {
    throw new Error(`no tables in ${options.expected}, or no index.html in ${options.site}`);
  }
  for (const file of ["app.js", "style.css", "ch03_web.js", "ch03_web.wasm"]) {
    if (!fs.existsSync(path.join(options.site, file))) {
      throw new Error(`${options.site} has no ${file}: build the web preset first`);
    }
  }
  const chromium = findChromium(options.chromium);
  if (!chromium) {
    const where = options.chromium ? `${options.chromium} does not exist`
                                   : "no chromium, chromium-browser or google-chrome on PATH";
    throw new Error(`Chromium not found (${where}): install Debian's chromium package ` +
                    "(apt-get install chromium), or name the browser with CHROMIUM=PATH");
  }
  const server = await serve(options.site);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const started = Date.now();
  const browser = new Browser(chromium);
  try {
    await browser.open();
    await checkScenarios(browser, base, tables);
    await checkStepping(browser, base, tables);
    await checkOwnText(browser, base);
  } finally {
    await browser.close();
    server.close();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${results.passed} passed, ${results.failed} failed (${seconds} s in ${chromium})`);
  return results.failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error) => {
  console.log(`FAILED: ${error.message}`);
  console.log(`${results.passed} passed, ${results.failed + 1} failed`);
  process.exit(1);
});
