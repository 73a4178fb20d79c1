#!/usr/bin/env bash
# tools/wine.sh: the one place that knows how this project runs Windows programs under Wine.
#
#   tools/wine.sh PREFIX init             create the Wine prefix PREFIX if it does not exist yet
#   tools/wine.sh PREFIX start            init, then start a persistent wineserver (wineserver -p)
#   tools/wine.sh PREFIX stop             stop that wineserver and every Wine process in PREFIX
#   tools/wine.sh PREFIX trace LOG        init, then start a persistent wineserver that writes
#                                         every request it serves to LOG (wineserver -d1); none
#                                         may run for PREFIX yet (bench/wine_requests.sh uses it)
#   tools/wine.sh PREFIX run EXE [ARGS]   run a Windows program (CTest's CROSSCOMPILING_EMULATOR);
#                                         with no server running, it starts one that ends 30 s
#                                         after the last Wine program in PREFIX
#
# PREFIX lives inside a build tree (build/mingw-wine/wineprefix), never in ~/.wine. The
# environment is quiet and needs no display: WINEDEBUG=-all hides Wine's own diagnostics and
# WINEDLLOVERRIDES stops Wine from offering to install Mono and Gecko. A persistent wineserver
# cuts each program's start from about 2 s to 0.3 s; whoever starts it must stop it.
#
# Wine 8's wineserver can crash (SIGSEGV): it did when a test listed every process's handles
# while another process was starting (docs/reliability.md tells the story). Every program
# connected to it is then cut off: it exits with status 0 and no output (ntdll ends a process
# whose server connection closes with status 0), or it hangs. `run` therefore watches the server
# it started the program with: if that server ends while the program runs, the program is
# stopped and `run` fails (125) with a message that says so. A test cut off this way never
# passes, and never fails in silence.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    sed -n '2,17s/^# \{0,1\}//p' "$0" >&2
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

# Whether process `pid` is the wineserver serving PREFIX: the server works in a folder named
# after the prefix's device and inode (server-DEV-INODE), and /proc shows that as its cwd, except
# while it saves the registry, which it does from PREFIX itself.
serves_prefix() {
    local folder cwd
    folder=$(printf 'server-%x-%x' $(stat -c '%d %i' "$WINEPREFIX"))
    cwd=$(readlink "/proc/$1/cwd" 2>/dev/null) || return 1
    [[ $cwd == */"$folder" || $cwd == "$WINEPREFIX" ]]
}

# Whether process `pid` still lives: a process that ended, zombie or gone, has no exe in /proc.
alive() { readlink "/proc/$1/exe" >/dev/null 2>&1; }

# The pid of the wineserver serving PREFIX, if one runs.
server_pid() {
    local pid
    for pid in $(pgrep -x 'wineserver(32|64)?' || true); do
        if serves_prefix "$pid"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# A persistent server and Wine's services, unless a server already runs for PREFIX. The server
# outlives this script and keeps the stderr it is given: /dev/null, not a pipe someone reads
# to its end (CTest's, a `| grep`), which would then never end. $1 is how long it stays once
# no Wine program runs: -p (until `stop`) for `start`; -p30 for `run`, so that a server no one
# started on purpose (ctest run by hand) serves the next tests quickly, then goes by itself.
ensure_server() {
    local persistence=$1
    if ! server_running; then
        wineserver "$persistence" </dev/null >/dev/null 2>&1 || {
            echo "wine.sh: 'wineserver $persistence' failed for $WINEPREFIX" >&2
            exit 1
        }
        boot_services
    fi
}

# Runs in the background while a program runs: if `server` ends, stops the program (this
# script's other child), which would otherwise hang until its time limit.
watch_server() {
    local server=$1 parent=$2
    while alive "$server"; do
        sleep 0.5
    done
    local child
    for child in $(pgrep -P "$parent" || true); do
        [[ $child != "$BASHPID" ]] && kill -KILL "$child" 2>/dev/null
    done
    return 0
}

# Every process of PREFIX that is left: the children of a server that crashed are no longer
# that server's, so `wineserver -k` cannot reach them. Wine's processes carry WINEPREFIX.
kill_orphans() {
    local pid
    for pid in $(pgrep -f 'wine|\.exe' || true); do
        # Windows programs only: not this script or a shell (they may carry WINEPREFIX too),
        # nor a wineserver (a `wineserver -k` or `-w` of another command may be running).
        local exe
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
        [[ $exe == */wine/* && $exe != */wineserver* ]] || continue
        if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" |
            grep -qxF "WINEPREFIX=$WINEPREFIX"; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}

case $action in
init)
    init_prefix
    ;;
start)
    init_prefix
    # A server left by an earlier run, or started by hand, is used as it is: a second
    # `wineserver -p` for the same prefix would fail.
    ensure_server -p
    ;;
trace)
    if [[ $# -ne 1 ]]; then
        echo "wine.sh: trace needs the log's path" >&2
        exit 2
    fi
    init_prefix
    if server_running; then
        echo "wine.sh: a wineserver already runs for $WINEPREFIX; stop it first" >&2
        exit 1
    fi
    # -f keeps it in the foreground, so its trace (standard error) goes to LOG; & leaves it
    # running. Stop it as any other: tools/wine.sh PREFIX stop.
    wineserver -d1 -f -p </dev/null >/dev/null 2>"$1" &
    for _ in $(seq 100); do
        server_pid >/dev/null && exit 0
        sleep 0.1
    done
    echo "wine.sh: the traced wineserver did not start for $WINEPREFIX" >&2
    exit 1
    ;;
stop)
    # -k kills the server and every process attached to it; -w waits until it is gone.
    wineserver -k 2>/dev/null || true
    wineserver -w 2>/dev/null || true
    kill_orphans
    ;;
run)
    if [[ $# -lt 1 ]]; then
        echo "wine.sh: run needs a program" >&2
        exit 2
    fi
    init_prefix
    ensure_server -p30
    server=$(server_pid) || {
        echo "wine.sh: no wineserver runs for $WINEPREFIX after starting one" >&2
        exit 1
    }
    # The watcher's output goes nowhere: its last `sleep` may outlive it, and must not hold
    # the program's output pipe open (CTest reads until every writer is gone).
    watch_server "$server" "$$" </dev/null >/dev/null 2>&1 &
    watcher=$!
    # In the foreground, so the program gets Ctrl+C itself (a background job would ignore it).
    status=0
    wine "$@" || status=$?
    kill "$watcher" 2>/dev/null || true
    wait "$watcher" 2>/dev/null || true
    if ! alive "$server"; then
        cat >&2 <<EOF_CRASH
wine.sh: ${1##*/} was cut off (exit status $status): the wineserver (pid $server)
wine.sh: ended while it ran. Wine's server crashed, and what the program printed or returned
wine.sh: proves nothing. A bug of Wine 8 under heavy parallel load, not of the program.
EOF_CRASH
        exit 125
    fi
    exit "$status"
    ;;
*)
    echo "wine.sh: unknown action '$action' (init, start, trace, stop or run)" >&2
    exit 2
    ;;
esac
