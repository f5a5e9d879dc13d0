#!/usr/bin/env bash
# bench.sh RUNCS: runcs, runc and crun side by side in one hyperfine run, on the same
# busybox bundle and the same cgroup layout. crun 1.8.1 refuses this host's hybrid
# cgroup layout, so all three run inside a private mount namespace where /sys/fs/cgroup
# holds the v1 hierarchies alone. Prints a markdown table of medians and ratios.
set -euo pipefail
runcs=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-30}

if [ "${RUNCS_BENCH_INSIDE:-}" != 1 ]; then
    exec unshare -m env RUNCS_BENCH_INSIDE=1 BENCH_RUNS="$runs" bash "$0" "$runcs"
fi

mount --make-rprivate /
# A tmpfs with binds of the v1 hierarchies, moved over /sys/fs/cgroup (hiding cgroup2).
staging=$(mktemp -d /tmp/runcs-bench-cg.XXXXXX)
mount -t tmpfs -o mode=755 cgroup-v1-only "$staging"
for dir in $(awk '$9 == "cgroup" && $5 ~ "^/sys/fs/cgroup/" { print $5 }' /proc/self/mountinfo); do
    mkdir -p "$staging/${dir#/sys/fs/cgroup/}"
    mount --bind "$dir" "$staging/${dir#/sys/fs/cgroup/}"
done
mount --move "$staging" /sys/fs/cgroup
rmdir "$staging"

work=$(mktemp -d /tmp/runcs-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# crun 1.8.1 refuses ociVersion 1.2.0: all three run the bundle runc spec makes.
bash "$here/make-bundle.sh" "$work/bundle" runc >/dev/null
cd "$work/bundle"
jq '.process.terminal = false | .process.args = ["/bin/true"]' config.json > c && mv c config.json
cp -r "$work/bundle" "$work/sleep-bundle"
jq '.process.args = ["sleep", "1"]' "$work/sleep-bundle/config.json" > c && mv c "$work/sleep-bundle/config.json"

names=(runcs runc crun)
bins=("$runcs" "$(command -v runc)" "$(command -v crun)")
run_cmds=() cycle_cmds=()
for i in 0 1 2; do
    r="${bins[$i]} --root $work/root-${names[$i]}"
    run_cmds+=(-n "${names[$i]} run" "$r run -b $work/bundle b-${names[$i]}")
    cycle_cmds+=(-n "${names[$i]} create+start+delete" "$r create -b $work/bundle c-${names[$i]} && $r start c-${names[$i]} && $r delete -f c-${names[$i]}")
done
hyperfine -N -w 5 -r "$runs" --export-json "$work/run.json" "${run_cmds[@]}" >&2
hyperfine -S bash -w 5 -r "$runs" --export-json "$work/cycle.json" "${cycle_cmds[@]}" >&2

# Peak RSS: the largest resident set of the runtime and its children (`run` of `sleep 1`).
rss() {
    local best=() kb
    for _ in 1 2 3 4 5; do
        /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1
        kb=$(tail -1 "$work/rss")
        best+=("$kb")
    done
    printf '%s\n' "${best[@]}" | sort -n | sed -n 3p
}

printf '| runtime | run /bin/true (ms) | CPU user+sys (ms) | create+start+delete (ms) | peak RSS, run sleep 1 (MB) |\n'
printf '|---|---|---|---|---|\n'
base_run=""; base_cycle=""
for i in 0 1 2; do
    n=${names[$i]}
    run_med=$(jq -r --arg n "$n run" '.results[] | select(.command == $n) | .median * 1000' "$work/run.json")
    run_cpu=$(jq -r --arg n "$n run" '.results[] | select(.command == $n) | (.user + .system) * 1000' "$work/run.json")
    cyc_med=$(jq -r --arg n "$n create+start+delete" '.results[] | select(.command == $n) | .median * 1000' "$work/cycle.json")
    kb=$(rss "${bins[$i]}" --root "$work/rss-$n" run -b "$work/sleep-bundle" "r-$n")
    [ -z "$base_run" ] && base_run=$run_med && base_cycle=$cyc_med
    printf '| %s | %.1f (x%.2f) | %.1f | %.1f (x%.2f) | %.1f |\n' "$n" "$run_med" "$(echo "$run_med / $base_run" | bc -l)" \
        "$run_cpu" "$cyc_med" "$(echo "$cyc_med / $base_cycle" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
done
echo
echo "Ratios are relative to runcs (x2.00 = twice runcs's time). Binary: $(stat -c %s "$runcs") bytes, static."
