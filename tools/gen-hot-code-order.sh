#!/usr/bin/env bash
# Regenerates hot-code.order: the methods runcs runs on its everyday paths (run, create, start,
# state, list, exec, ps, kill, delete; the parent and the init), in the order they first ran.
# ILC lays them out first and together (IlcOrderFile in Runtime.csproj), so the kernel's 64 KB
# fault-around maps a few hot windows instead of nearly all of the code: peak RSS of `run`
# 6.4 -> 4.7 MB when it was introduced. A stale list only costs memory (new hot methods land among
# the cold ones; `./build.sh bench` shows it); names it lists that no longer exist are ignored.
#
# How: a cpu-clock sampling profile (perf, every 10 us) of N rounds of those commands on a busybox
# bundle, each sampled address mapped to its symbol in out/publish/runcs.dbg. Sampling misses some
# short methods run once; N rounds (default 300) make that rare.
#   tools/gen-hot-code-order.sh [ROUNDS]   (as root; needs perf, binutils, busybox-static, jq;
#                                          NO_BUILD=1 profiles the out/runcs already built)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rounds=${1:-300}
command -v perf >/dev/null || { echo "gen-hot-code-order: needs perf (Debian: linux-perf)" >&2; exit 1; }
[ -n "${NO_BUILD:-}" ] || ./build.sh build >/dev/null
runcs=$root/out/runcs
work=$(mktemp -d /tmp/runcs-order.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash bench/make-bundle.sh "$work/bundle" "$runcs" >/dev/null
jq '.process.terminal = false | .process.args = ["sleep", "0.05"]' "$work/bundle/config.json" > "$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"

cat > "$work/rounds.sh" <<'ROUNDS'
runcs=$1 state=$2 bundle=$3 rounds=$4
for i in $(seq 1 "$rounds"); do
    "$runcs" --root "$state" run --bundle "$bundle" "r$i" >/dev/null
    "$runcs" --root "$state" create --bundle "$bundle" "c$i" </dev/null >/dev/null 2>&1
    "$runcs" --root "$state" start "c$i"
    "$runcs" --root "$state" state "c$i" >/dev/null
    "$runcs" --root "$state" list >/dev/null
    "$runcs" --root "$state" exec "c$i" true 2>/dev/null || true
    "$runcs" --root "$state" ps "c$i" >/dev/null 2>&1 || true
    "$runcs" --root "$state" kill "c$i" KILL 2>/dev/null || true
    "$runcs" --root "$state" delete --force "c$i"
done
ROUNDS
perf record -q -e cpu-clock -c 10000 -o "$work/perf.data" -- bash "$work/rounds.sh" "$runcs" "$work/state" "$work/bundle" "$rounds"

# Sampled user-space addresses of runcs processes (the init runs from a detached mount or a memfd
# copy, so its dso is not the file's path), each mapped to the symbol holding it, in the order
# they first ran.
perf script -i "$work/perf.data" -F comm,ip,dso 2>/dev/null > "$work/samples"
nm -S --defined-only out/publish/runcs.dbg > "$work/symbols"
python3 - "$work/samples" "$work/symbols" > hot-code.order <<'MAP'
import bisect, sys
symbols = sorted((int(f[0], 16), int(f[1], 16), f[3]) for f in (l.split() for l in open(sys.argv[2]))
                 if len(f) == 4 and f[2] in "tT")
starts = [s[0] for s in symbols]
seen = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 3 or f[0] != "runcs" or any(k in f[2] for k in ("kernel", "vdso", ".so")):
        continue
    ip = int(f[1], 16)
    i = bisect.bisect_right(starts, ip) - 1
    if i >= 0 and ip < symbols[i][0] + symbols[i][1]:
        seen.setdefault(symbols[i][2], len(seen))
print("\n".join(seen))
MAP
echo "gen-hot-code-order: $(wc -l < hot-code.order) methods in hot-code.order"
