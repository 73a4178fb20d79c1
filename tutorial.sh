#!/usr/bin/env bash
# tutorial.sh: the tutorial's commands, on a Debian or Ubuntu machine.
#
#   ./tutorial.sh run [CHAPTER] [-- ARGS...]   set up and build, then take the tour: every
#                                              chapter's demo in order. With CHAPTER (ch01 or
#                                              ch01_overlapped), run that program with ARGS
#                                              (default: demo).
#   ./tutorial.sh test [CTEST ARGS...]         set up and build every Linux preset, then run
#                                              every test, under Wine, natively and in the
#                                              browser (headless Chromium). Arguments go to
#                                              ctest: -R ch03, -L slow, -E docs.
#   ./tutorial.sh web [--port N]               set up and build chapter 3's model as
#                                              WebAssembly (the web preset), then serve its
#                                              page on http://127.0.0.1 (a free port, or N)
#                                              until Ctrl+C.
#   ./tutorial.sh bench [--quick] [ARGS...]    set up and build, then measure chapter 4's
#                                              server against asio (bench/echo_bench.cpp;
#                                              about 10 minutes, --quick 2) and write
#                                              bench/results/ (--quick: build/bench-quick/).
#                                              ARGS go to echo_bench.
#   ./tutorial.sh stress [--runs N] [--jobs J] [--no-busy] [CTEST ARGS...]
#                                              the flake hunt: every test N times (default 5)
#                                              in random order, J at once (default twice the
#                                              cores), one core kept busy; every failure listed.
#                                              Not part of `test`: about 2 minutes a run.
#
# Set-up installs the packages that are missing (as root, or with sudo), configures each
# CMake preset once and builds incrementally, so a second run is quick. Windows programs run
# under Wine with the prefix inside build/mingw-wine; the wineserver started here is stopped
# when this script exits. No display is needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

readonly packages=(cmake ninja-build clang clang-format googletest libcli11-dev libasio-dev
                   g++-mingw-w64-x86-64-posix wine wine64)
# The web preset: Debian's Emscripten, the acorn its optimiser needs from Debian's Node.js
# modules (CMakePresets.json sets NODE_PATH), Node.js to test the module, Python to serve the
# page. Its tests (tests/web) drive a headless Chromium.
readonly build_packages=(cmake ninja-build)
readonly web_packages=(emscripten node-acorn nodejs python3)
readonly web_test_packages=(chromium)
# The tour, in order: program and one-line title.
readonly chapters=(
    "ch01_overlapped|Overlapped I/O from the ground up"
    "ch02_winsock_overlapped|Winsock overlapped I/O, three ways to hear of completion"
    "ch03_iocp_internals|The completion port's machinery, modelled and measured"
    "ch04_echo_server|A multi-threaded IOCP echo server and client"
)
readonly wine_prefix=build/mingw-wine/wineprefix
wine_started=false

usage() {
    sed -n '2,30s/^# \{0,1\}//p' "$0"
}

# Bold headings on a terminal, plain text in logs.
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '%s==> %s%s\n' "$bold" "$*" "$plain"; }
die() {
    printf 'tutorial.sh: %s\n' "$*" >&2
    exit 1
}

# --- set-up -------------------------------------------------------------------------------

# Installs those of the named packages that are missing.
install_missing_packages() {
    local wanted=("$@")
    command -v dpkg-query >/dev/null 2>&1 ||
        die "this script needs Debian or Ubuntu (dpkg); elsewhere install: ${wanted[*]}"
    local missing=() package
    for package in "${wanted[@]}"; do
        if [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null) != ii* ]]; then
            missing+=("$package")
        fi
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0

    local sudo=()
    if [[ $EUID -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo)
        else
            die "missing packages: ${missing[*]}
  install them as root:  apt-get install ${missing[*]}"
        fi
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q ||
        die "apt-get update failed; install by hand: ${missing[*]}"
    "${sudo[@]}" apt-get install -y -q "${missing[@]}" ||
        die "apt-get install failed; install by hand: ${missing[*]}"
}

build_preset() {
    local preset=$1
    if [[ ! -f build/$preset/CMakeCache.txt ]]; then
        say "configuring $preset"
        cmake --preset "$preset" >"build/configure-$preset.log" 2>&1 || {
            cat "build/configure-$preset.log" >&2
            die "configuring preset $preset failed"
        }
    fi
    say "building $preset"
    cmake --build --preset "$preset" || die "building preset $preset failed"
}

start_wine() {
    tools/wine.sh "$wine_prefix" start || die "could not start Wine in $wine_prefix"
    wine_started=true
}

stop_wine() {
    if [[ $wine_started == true ]]; then
        tools/wine.sh "$wine_prefix" stop
        wine_started=false
    fi
}
cleanup() {
    stop_busy
    stop_wine
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- run ----------------------------------------------------------------------------------

find_chapter() {
    local wanted=$1 entry
    for entry in "${chapters[@]}"; do
        local name=${entry%%|*}
        if [[ $name == "$wanted" || $name == "$wanted"_* ]]; then
            printf '%s\n' "$name"
            return 0
        fi
    done
    return 1
}

run_program() {
    local name=$1
    shift
    tools/wine.sh "$wine_prefix" run "build/mingw-wine/bin/$name.exe" "$@"
}

command_run() {
    local chapter="" args=()
    if [[ $# -gt 0 && $1 != -- ]]; then
        chapter=$(find_chapter "$1") || die "no chapter '$1'; chapters: ${chapters[*]%%|*}"
        shift
    fi
    [[ $# -gt 0 && $1 == -- ]] && shift
    args=("$@")

    mkdir -p build
    install_missing_packages "${packages[@]}"
    build_preset mingw-wine
    start_wine

    if [[ -n $chapter ]]; then
        [[ ${#args[@]} -eq 0 ]] && args=(demo)
        run_program "$chapter" "${args[@]}"
        return
    fi
    local entry failed=()
    for entry in "${chapters[@]}"; do
        local name=${entry%%|*} title=${entry#*|}
        printf '\n%s━━ %s: %s ━━%s\n' "$bold" "$name" "$title" "$plain"
        run_program "$name" demo || failed+=("$name")
    done
    echo
    [[ ${#failed[@]} -eq 0 ]] || die "the demo of ${failed[*]} failed"
    say "tour done: ${#chapters[@]} chapters"
}

# --- test ---------------------------------------------------------------------------------

# Reads CTest's JUnit report: prints "tests failures skipped" from its <testsuite> element.
junit_counts() {
    local report=$1
    [[ -f $report ]] || { echo "0 0 0"; return; }
    local head
    head=$(tr '\n' ' ' <"$report" | grep -o '<testsuite [^>]*>' | head -n 1)
    local name value counts=()
    for name in tests failures skipped; do
        value=$(sed -n "s/.*[[:space:]]$name=\"\([0-9]*\)\".*/\1/p" <<<"$head")
        counts+=("${value:-0}")
    done
    echo "${counts[*]}"
}

# web last: it is built after the others, which do not need it.
readonly test_presets=(mingw-wine native native-tsan web)

prepare_tests() {
    mkdir -p build
    install_missing_packages "${packages[@]}" "${web_packages[@]}" "${web_test_packages[@]}"
    local preset
    for preset in "${test_presets[@]}"; do
        build_preset "$preset"
    done
    start_wine
}

# Failed tests in a JUnit report that say why loudly: those that wine.sh found cut off by a
# crash of Wine's server, and those that printed nothing at all. "KIND NAME" lines.
loud_failures() {
    [[ -f $1 ]] || return 0
    awk 'BEGIN { RS = "<testcase " }
         /status="fail"/ && match($0, /name="[^"]*"/) {
             name = substr($0, RSTART + 6, RLENGTH - 7)
             if ($0 ~ /wine\.sh: .* was cut off/) { print "cut-off " name; next }
             out = $0
             if (!sub(/.*<system-out>/, "", out)) out = ""
             sub(/<\/system-out>.*/, "", out)
             if (out ~ /--- stdout ---/) {  # cmake/CheckCommand.cmake: the program output only
                 sub(/.*--- stdout ---/, "", out)
                 sub(/--- exit code:.*/, "", out)
                 sub(/--- stderr ---/, "", out)
             }
             gsub(/[ \t\r\n]/, "", out)
             if (out == "") print "silent " name
         }' "$1"
}

# Says loudly which tests a crash of Wine's server cut off and which printed nothing at all.
report_loud_failures() {
    local kind name
    while read -r kind name; do
        case $kind in
        cut-off)
            printf '%s\n' "tutorial.sh: $name was cut off by a crash of Wine's server" \
                "  (wine.sh saw the wineserver end while it ran: a Wine 8 bug," \
                "  see docs/reliability.md); it counts as failed." >&2
            ;;
        silent)
            printf '%s\n' "tutorial.sh: $name failed without printing anything at all:" \
                "  its program never got as far as its first line (see docs/reliability.md)." >&2
            ;;
        esac
    done < <(loud_failures "$1")
}

# Runs CTest once in every test preset with the given arguments, adding to the totals below.
# The names of failed tests are appended to $failures_file, each after the words in $1.
total=0 failed=0 skipped=0 status=0
failures_file=/dev/null
run_suites() {
    local label=$1 preset
    shift
    for preset in "${test_presets[@]}"; do
        say "testing $preset${label:+ ($label)}"
        local report="build/$preset/ctest-junit.xml"
        local failed_log="build/$preset/Testing/Temporary/LastTestsFailed.log"
        rm -f "$report" "$failed_log"
        ctest --preset "$preset" --no-tests=ignore --output-junit "$PWD/$report" "$@" ||
            status=1
        local counts
        read -r -a counts <<<"$(junit_counts "$report")"
        total=$((total + counts[0]))
        failed=$((failed + counts[1]))
        skipped=$((skipped + counts[2]))
        report_loud_failures "$report"
        if [[ -f $failed_log ]]; then
            sed "s/^[0-9]*:/${label:+$label: }$preset: /" "$failed_log" >>"$failures_file"
        fi
    done
}

command_test() {
    prepare_tests
    run_suites "" -j "$(nproc)" "$@"
    stop_wine

    if [[ $total -eq 0 ]]; then
        die "no test matched: $*"
    fi
    echo
    echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
    if [[ $status -ne 0 || $failed -ne 0 ]]; then
        die "some tests failed (see above)"
    fi
}

# --- stress -------------------------------------------------------------------------------

busy_pid=""
stop_busy() {
    if [[ -n $busy_pid ]]; then
        kill "$busy_pid" 2>/dev/null || true
        wait "$busy_pid" 2>/dev/null || true
        busy_pid=""
    fi
}

command_stress() {
    local runs=5 jobs=$((2 * $(nproc))) busy=true
    while [[ $# -gt 0 ]]; do
        case $1 in
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
        --no-busy) busy=false; shift ;;
        *) break ;;
        esac
    done
    [[ $runs =~ ^[1-9][0-9]*$ && $jobs =~ ^[1-9][0-9]*$ ]] ||
        die "--runs and --jobs take a positive whole number"
    prepare_tests

    mkdir -p build/stress
    failures_file=build/stress/failures.txt
    : >"$failures_file"
    local started=$SECONDS
    if [[ $busy == true ]]; then
        # One core kept busy the whole time, so every test meets a machine short of processor
        # time. Bounded: it ends with this script, or after 4 hours at most.
        local pin=()
        command -v taskset >/dev/null 2>&1 && pin=(taskset -c 0)
        timeout 4h "${pin[@]}" bash -c 'while :; do :; done' &
        busy_pid=$!
    fi
    local run
    for ((run = 1; run <= runs; ++run)); do
        run_suites "run $run of $runs" -j "$jobs" --schedule-random "$@"
    done
    stop_busy
    stop_wine

    [[ $total -eq 0 ]] && die "no test matched: $*"
    local minutes=$(((SECONDS - started + 30) / 60))
    local summary
    summary="stress: $runs runs of $((total / runs)) tests, $jobs at once, busy core: $busy,"
    summary+=" $minutes min: $((total - failed - skipped)) passed, $failed failed,"
    summary+=" $skipped skipped"
    echo
    [[ -s $failures_file ]] && { echo "failed:"; sed 's/^/  /' "$failures_file"; }
    echo "$summary" | tee build/stress/summary.txt
    [[ $status -eq 0 && $failed -eq 0 ]] || die "the stress run found failures (listed above)"
}

# --- bench --------------------------------------------------------------------------------

command_bench() {
    local results=bench/results arg
    for arg in "$@"; do
        # A quick run is a look, not the record: it never replaces the committed full results.
        [[ $arg == --quick ]] && results=build/bench-quick
    done
    mkdir -p build
    install_missing_packages "${packages[@]}"
    build_preset mingw-wine
    local bin=build/mingw-wine/bin
    [[ -f $bin/ch04_echo_server.exe && -f $bin/asio_echo_server.exe ]] ||
        die "the servers were not built: is libasio-dev installed? (see build/configure-mingw-wine.log)"
    # The load comes from a native program outside Wine, optimised and without sanitizers:
    # only the servers pay Wine's cost (docs/performance.md).
    build_preset bench
    start_wine
    say "echo_bench $*"
    build/bench/bin/echo_bench --results "$results" \
        --ours "$bin/ch04_echo_server.exe" --asio "$bin/asio_echo_server.exe" \
        --launcher "tools/wine.sh $wine_prefix run" "$@"
}

# --- web ----------------------------------------------------------------------------------

# Serves build/web/site on 127.0.0.1: on a port the system picks (a free one), or on --port N.
# Python's http.server, with .wasm served as application/wasm so the browser compiles the
# module while it loads.
command_web() {
    local port=0
    while [[ $# -gt 0 ]]; do
        case $1 in
        --port) port=${2:?--port needs a number}; shift 2 ;;
        *) die "web: unknown argument '$1' (see ./tutorial.sh help)" ;;
        esac
    done
    [[ $port =~ ^[1-9][0-9]{0,4}$ && $port -le 65535 ]] || [[ $port == 0 ]] ||
        die "--port takes a port number (1-65535)"

    mkdir -p build
    install_missing_packages "${build_packages[@]}" "${web_packages[@]}"
    build_preset web
    local site=build/web/site
    [[ -f $site/index.html && -f $site/ch03_web.wasm ]] ||
        die "the web build made no page in $site (see build/configure-web.log)"
    say "serving $site (Ctrl+C stops)"
    python3 - "$site" "$port" <<'PYTHON' || die "the web server stopped with an error"
import functools, http.server, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript"}

site, port = sys.argv[1], int(sys.argv[2])
try:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                             functools.partial(Handler, directory=site))
except OSError as error:
    sys.exit(f"tutorial.sh: cannot listen on 127.0.0.1:{port}: {error.strerror}")
with server:
    url = f"http://127.0.0.1:{server.server_port}"
    print(f"open {url}/?scenario=lifo&step=5  (or {url}/)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
PYTHON
}

# --- main ---------------------------------------------------------------------------------

[[ $(uname -s) == Linux ]] ||
    die "this script is for Linux hosts; on Windows use the presets (see README.md)"
case ${1:-} in
run)
    shift
    command_run "$@"
    ;;
test)
    shift
    command_test "$@"
    ;;
bench)
    shift
    command_bench "$@"
    ;;
stress)
    shift
    command_stress "$@"
    ;;
web)
    shift
    command_web "$@"
    ;;
-h | --help | help)
    usage
    ;;
*)
    usage >&2
    exit 2
    ;;
esac
