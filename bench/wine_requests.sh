#!/usr/bin/env bash
# bench/wine_requests.sh: what one echoed message costs a Windows echo server under Wine, counted
# in wineserver requests (docs/performance.md, "What a message costs under Wine").
#
#   bench/wine_requests.sh [OPTIONS] -- SERVER.exe [SERVER ARGS...]
#
#   --connections C   connections of the load (default 1)
#   --pipeline D      messages in flight on each (default 1)
#   --messages N      messages each connection sends, then closes (default 1000)
#   --driver PATH     the native load driver (default build/bench/bin/load_driver)
#   --prefix DIR      the Wine prefix, created on first use (default build/wine-requests/prefix)
#
# It starts a wineserver of its own that logs every request (tools/wine.sh PREFIX trace), starts
# SERVER.exe --port 0 ARGS under it, sends C x N messages with the native driver (every echoed
# byte checked), and prints each kind of request the server made while the driver ran, per
# echoed message, then the total. Tracing slows Wine down: read the counts, not the speed.
#
# Example, chapter 4's server against asio, as the benchmark runs them:
#   bench/wine_requests.sh --connections 128 --messages 20 -- \
#       build/mingw-wine/bin/ch04_echo_server.exe server --threads 2 --concurrency 2
#   bench/wine_requests.sh --connections 128 --messages 20 -- \
#       build/mingw-wine/bin/asio_echo_server.exe --threads 2 --concurrency 2
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

connections=1 pipeline=1 messages=1000
driver=$root/build/bench/bin/load_driver
prefix=$root/build/wine-requests/prefix
die() {
    printf 'wine_requests.sh: %s\n' "$*" >&2
    exit 1
}
while [[ $# -gt 0 ]]; do
    case $1 in
    --connections) connections=$2 ;;
    --pipeline) pipeline=$2 ;;
    --messages) messages=$2 ;;
    --driver) driver=$2 ;;
    --prefix) prefix=$2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    [[ $# -ge 2 ]] || die "$1 needs a value"
    shift 2
done
[[ $# -ge 1 ]] || die "no server: give -- SERVER.exe [ARGS...] (see --help)"
[[ -f $1 ]] || die "no such program: $1"
[[ -x $driver ]] || die "no load driver at $driver (build it: cmake --build --preset bench)"

work=$(mktemp -d)
trace=$work/wineserver.log
output=$work/server.out
cleanup() {
    "$root/tools/wine.sh" "$prefix" stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

"$root/tools/wine.sh" "$prefix" trace "$trace"
"$root/tools/wine.sh" "$prefix" run "$@" --port 0 </dev/null >"$output" 2>&1 &
port=""
for _ in $(seq 300); do  # the server's first line, within 30 s
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$output")
    [[ -n $port ]] && break
    kill -0 $! 2>/dev/null || die "the server exited: $(head -c 500 "$output")"
    sleep 0.1
done
[[ -n $port ]] || die "the server printed no 'listening on 127.0.0.1:PORT' within 30 s"

# The requests between these two marks are the load's: connecting, echoing, closing.
before=$(wc -l <"$trace")
report=$("$driver" --port "$port" --connections "$connections" --pipeline "$pipeline" \
    --messages "$messages" 2>&1) || die "the load driver failed: $report"
after=$(wc -l <"$trace")
echoed=$(sed -n 's/.*(\([0-9]*\) msgs in .*/\1/p' <<<"$report")
[[ ${echoed:-0} -gt 0 ]] || die "no message was echoed: $report"

echo "${1##*/} ${*:2}: C=$connections D=$pipeline, $echoed messages echoed"
echo "wineserver requests per echoed message:"
# A request's line is "TID: name( args )"; its reply's, "TID: name() = ...". Only the server's
# requests count, not those of Wine's own services starting in the same prefix: the server is
# the process whose threads made recv_socket requests (a thread's first request, init_thread or
# init_first_thread, names its Unix process), and all its threads count.
awk -v first="$((before + 1))" -v last="$after" -v n="$echoed" '
    NR <= last && match($0, /^[0-9a-f]+: init_(first_)?thread\( unix_pid=[0-9]+/) {
        split($0, parts, /[:=,]/)
        process[$1] = parts[3] + 0
    }
    NR >= first && NR <= last && match($0, /^[0-9a-f]+: [a-z_]+\( /) {
        name = substr($2, 1, length($2) - 1)
        requests[NR] = $1 " " name
        if (name == "recv_socket") server[process[$1]] = 1
    }
    END {
        for (line in requests) {
            split(requests[line], request, " ")
            if (process[request[1]] in server) { count[request[2]]++; total++ }
        }
        for (name in count) printf "  %-24s %6.2f\n", name, count[name] / n | "sort -k2,2nr -k1,1"
        close("sort -k2,2nr -k1,1")
        printf "  %-24s %6.2f\n", "total", total / n
    }' "$trace"
