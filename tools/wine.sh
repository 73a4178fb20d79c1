#!/usr/bin/env bash
# tools/wine.sh: the one place that knows how this project runs Windows programs under Wine.
#
#   tools/wine.sh PREFIX init             create the Wine prefix PREFIX if it does not exist yet
#   tools/wine.sh PREFIX start            init, then start a persistent wineserver (wineserver -p)
#   tools/wine.sh PREFIX stop             stop that wineserver and every Wine process in PREFIX
#   tools/wine.sh PREFIX run EXE [ARGS]   run a Windows program (CTest's CROSSCOMPILING_EMULATOR)
#
# PREFIX lives inside a build tree (build/mingw-wine/wineprefix), never in ~/.wine. The
# environment is quiet and needs no display: WINEDEBUG=-all hides Wine's own diagnostics and
# WINEDLLOVERRIDES stops Wine from offering to install Mono and Gecko. A persistent wineserver
# cuts each program's start from about 2 s to 0.3 s; whoever starts it must stop it.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi
prefix=$1
action=$2
shift 2

mkdir -p "$(dirname "$prefix")"
WINEPREFIX=$(cd "$(dirname "$prefix")" && pwd)/$(basename "$prefix")
export WINEPREFIX
export WINEARCH=win64
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY

ready_marker="$WINEPREFIX/.iocp-tutorial-ready"

init_prefix() {
    [[ -f $ready_marker ]] && return 0
    # Parallel CTest jobs may all find the prefix missing: one creates it, the others wait.
    exec 9>"$WINEPREFIX.lock"
    flock 9
    if [[ ! -f $ready_marker ]]; then
        # wineboot's own services get /dev/null too (see boot_services), and
        # wineserver -w waits until all of them are gone.
        echo "wine.sh: creating the Wine prefix $WINEPREFIX (once, about 20 s)" >&2
        # Once seen on a busy machine: wineboot failed and a second try from scratch worked.
        # So one retry, with the half-made prefix and its server gone first; then give up.
        if ! wine wineboot --init </dev/null >/dev/null 2>&1; then
            echo "wine.sh: 'wine wineboot --init' failed; trying once more from scratch" >&2
            wineserver -k 2>/dev/null || true
            wineserver -w 2>/dev/null || true
            rm -rf "$WINEPREFIX"
            wine wineboot --init </dev/null >/dev/null 2>&1 || {
                echo "wine.sh: 'wine wineboot --init' failed twice for $WINEPREFIX" >&2
                exit 1
            }
        fi
        wineserver -w
        touch "$ready_marker"
    fi
    flock -u 9
    exec 9>&-
}

# Wine's background services (services.exe, winedevice.exe, ...) are started by the first Wine
# program and inherit its stdout and stderr. If that program's output is a pipe, say CTest's,
# the services keep the pipe open and the reader waits for them to exit. So when no wineserver
# is running for this prefix, boot the services first with their output on /dev/null.
boot_services() {
    wine wineboot </dev/null >/dev/null 2>&1 || {
        echo "wine.sh: 'wine wineboot' failed for $WINEPREFIX" >&2
        exit 1
    }
}
server_running() { wineserver -k0 2>/dev/null; }  # signal 0: only asks whether it exists

case $action in
init)
    init_prefix
    ;;
start)
    init_prefix
    # A server left by an earlier run, or started by hand, is used as it is: a second
    # `wineserver -p` for the same prefix would fail.
    if ! server_running; then
        wineserver -p
        boot_services
    fi
    ;;
stop)
    # -k kills the server and every process attached to it; -w waits until it is gone.
    wineserver -k 2>/dev/null || true
    wineserver -w 2>/dev/null || true
    ;;
run)
    if [[ $# -lt 1 ]]; then
        echo "wine.sh: run needs a program" >&2
        exit 2
    fi
    init_prefix
    server_running || boot_services
    exec wine "$@"
    ;;
*)
    echo "wine.sh: unknown action '$action' (init, start, stop or run)" >&2
    exit 2
    ;;
esac
