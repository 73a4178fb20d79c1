#!/usr/bin/env bash
# tutorial.sh: the tutorial's commands, on a Debian or Ubuntu machine.
#
#   ./tutorial.sh run [CHAPTER] [-- ARGS...]   set up and build, then take the tour: every
#                                              chapter's demo in order. With CHAPTER (ch01 or
#                                              ch01_overlapped), run that program with ARGS
#                                              (default: demo).
#   ./tutorial.sh test [CTEST ARGS...]         set up and build every Linux preset, then run
#                                              every test, under Wine and natively. Arguments
#                                              go to ctest: -R ch03, -L slow, -E docs.
#   ./tutorial.sh bench [--quick] [ARGS...]    set up and build, then measure chapter 4's
#                                              server against asio (bench/echo_bench.cpp;
#                                              about 11 minutes, --quick 2) and write
#                                              bench/results/. ARGS go to echo_bench.
#
# Set-up installs the packages that are missing (as root, or with sudo), configures each
# CMake preset once and builds incrementally, so a second run is quick. Windows programs run
# under Wine with the prefix inside build/mingw-wine; the wineserver started here is stopped
# when this script exits. No display is needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

readonly packages=(cmake ninja-build clang clang-format googletest libcli11-dev libasio-dev
                   g++-mingw-w64-x86-64-posix wine wine64)
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
    sed -n '2,20s/^# \{0,1\}//p' "$0"
}

# Bold headings on a terminal, plain text in logs.
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '%s==> %s%s\n' "$bold" "$*" "$plain"; }
die() {
    printf 'tutorial.sh: %s\n' "$*" >&2
    exit 1
}

# --- set-up -------------------------------------------------------------------------------

install_missing_packages() {
    command -v dpkg-query >/dev/null 2>&1 ||
        die "this script needs Debian or Ubuntu (dpkg); elsewhere install: ${packages[*]}"
    local missing=() package
    for package in "${packages[@]}"; do
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
trap stop_wine EXIT
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
    install_missing_packages
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

command_test() {
    local presets=(mingw-wine native native-tsan)
    mkdir -p build
    install_missing_packages
    local preset
    for preset in "${presets[@]}"; do
        build_preset "$preset"
    done
    start_wine

    local total=0 failed=0 skipped=0 status=0
    for preset in "${presets[@]}"; do
        say "testing $preset"
        local report="build/$preset/ctest-junit.xml"
        rm -f "$report"
        ctest --preset "$preset" -j "$(nproc)" --no-tests=ignore --output-junit "$PWD/$report" \
            "$@" || status=1
        local counts
        read -r -a counts <<<"$(junit_counts "$report")"
        total=$((total + counts[0]))
        failed=$((failed + counts[1]))
        skipped=$((skipped + counts[2]))
    done
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

# --- bench --------------------------------------------------------------------------------

command_bench() {
    mkdir -p build
    install_missing_packages
    build_preset mingw-wine
    [[ -f build/mingw-wine/bin/echo_bench.exe ]] ||
        die "echo_bench was not built: is libasio-dev installed? (see build/configure-mingw-wine.log)"
    start_wine
    say "echo_bench $*"
    run_program echo_bench --results bench/results "$@"
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
-h | --help | help)
    usage
    ;;
*)
    usage >&2
    exit 2
    ;;
esac
