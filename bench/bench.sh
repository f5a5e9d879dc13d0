#!/usr/bin/env bash
# bench.sh RUNCS: runcs, runc and crun side by side, on the same busybox bundle and the
# same cgroup layout. crun 1.8.1 refuses this host's hybrid cgroup layout, so all three run
# inside a private mount namespace where /sys/fs/cgroup holds the v1 hierarchies alone.
# Measures, per runtime:
#   - `run` of /bin/true, create+start+delete, and `exec /bin/true` into a running
#     container: hyperfine, the three runtimes in one hyperfine run each (medians, CPU);
#   - peak RSS of `run` of `sleep 1`;
#   - the smallest memory limit a container starts under (bisection);
#   - what is charged to the container's memory cgroup once `create` returns.
# Prints one markdown table; ratios are relative to runc (the issue's targets are
# "at most 0.5 of runc's"). A step a runtime fails for its own reasons shows "n/a" and
# the reason under the table instead of aborting the run. BENCH_RUNS (default 30) runs
# per hyperfine command.
set -euo pipefail
runcs=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-30}

if [ "${RUNCS_BENCH_INSIDE:-}" != 1 ]; then
    exec unshare -m env RUNCS_BENCH_INSIDE=1 BENCH_RUNS="$runs" bash "$0" "$runcs"
fi

# A tmpfs with binds of the v1 hierarchies, moved over /sys/fs/cgroup (hiding cgroup2).
v1_only_cgroupfs() {
    local staging dir
    mount --make-rprivate /
    staging=$(mktemp -d /tmp/runcs-bench-cg.XXXXXX)
    mount -t tmpfs -o mode=755 cgroup-v1-only "$staging"
    for dir in $(awk '$9 == "cgroup" && $5 ~ "^/sys/fs/cgroup/" { print $5 }' /proc/self/mountinfo); do
        mkdir -p "$staging/${dir#/sys/fs/cgroup/}"
        mount --bind "$dir" "$staging/${dir#/sys/fs/cgroup/}"
    done
    mount --move "$staging" /sys/fs/cgroup
    rmdir "$staging"
}
v1_only_cgroupfs

names=(runcs runc crun)
bins=("$runcs" "$(command -v runc)" "$(command -v crun)")
base=1 # ratios are relative to runc
work=$(mktemp -d /tmp/runcs-bench.XXXXXX)
# State roots on a tmpfs, as in production (/run/runc, /run/containerd): on a disk file system
# a mkdir or rename of the state may wait for the journal and measure the disk, not the runtime.
mkdir "$work/state"
mount -t tmpfs -o mode=700 runcs-bench-state "$work/state"

# rt I ARGS...: runtime I on its own state root.
rt() { local i=$1; shift; "${bins[$i]}" --root "$work/state/root-${names[$i]}" "$@"; }

# Every container id this script may leave behind, "I ID" a line: a failing step (or ^C)
# must not leave containers running, or state and cgroups behind, so all are deleted on exit.
track() { echo "$1 $2" >> "$work/ids"; }
cleanup() {
    local i id
    if [ -f "$work/ids" ]; then
        while read -r i id; do rt "$i" delete -f "$id" >/dev/null 2>&1 || true; done < "$work/ids"
    fi
    umount "$work/state" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Errors go to files, never to a $(...) pipe: a detached container inherits the runtime's
# stdio and would hold the pipe open for as long as it runs.

# Why runtime I could not do a step, printed under the table. A file, not a variable: steps
# run in $(...) subshells.
note() { echo "${names[$1]}: $2" >> "$work/notes"; }
# The first line of an error message, for the notes.
first_line() { printf '%s' "${1%%$'\n'*}"; }

# Bundles: "base" from `runc spec` (crun 1.8.1 refuses ociVersion 1.2.0, so all three run
# the bundle runc spec makes); the others share its rootfs and differ in config.json only.
make_bundles() {
    bash "$here/make-bundle.sh" "$work/base" runc >/dev/null
    jq --arg root "$work/base/rootfs" '.process.terminal = false | .root.path = $root' \
        "$work/base/config.json" > "$work/base.json"
    variant true '.process.args = ["/bin/true"]'
    variant sleep '.process.args = ["sleep", "1"]'
    variant daemon '.process.args = ["sleep", "1000"]'
}
# variant NAME JQ-FILTER [JQ-ARGS...]: bundle $work/NAME, the base config with the filter applied.
variant() {
    local name=$1 filter=$2
    shift 2
    mkdir -p "$work/$name"
    jq "$@" "$filter" "$work/base.json" > "$work/$name/config.json"
}

# --- Time and CPU: hyperfine -------------------------------------------------------------

# runs_true I: can runtime I `run` the /bin/true bundle at all? One that cannot is left out
# of the hyperfine runs (which would abort on its first failure) with a note.
runs_true() {
    local i=$1
    track "$i" "p-${names[$i]}"
    if rt "$i" run -b "$work/true" "p-${names[$i]}" >/dev/null 2>"$work/err"; then return 0; fi
    note "$i" "run, create+start+delete n/a: run of /bin/true failed: $(first_line "$(cat "$work/err")")"
    rt "$i" delete -f "p-${names[$i]}" >/dev/null 2>&1 || true
    return 1
}

bench_run_and_cycle() {
    local i r run_cmds=() cycle_cmds=()
    for i in 0 1 2; do
        runs_true "$i" || continue
        r="${bins[$i]} --root $work/state/root-${names[$i]}"
        track "$i" "b-${names[$i]}"; track "$i" "c-${names[$i]}"
        run_cmds+=(-n "${names[$i]}" "$r run -b $work/true b-${names[$i]}")
        cycle_cmds+=(-n "${names[$i]}" "$r create -b $work/true c-${names[$i]} && $r start c-${names[$i]} && $r delete -f c-${names[$i]}")
    done
    [ ${#run_cmds[@]} -gt 0 ] || return 0
    hyperfine -N -w 5 -r "$runs" --export-json "$work/run.json" "${run_cmds[@]}" >&2
    # A shell for the && chain; hyperfine subtracts the shell's own start from time and CPU.
    hyperfine -S bash -w 5 -r "$runs" --export-json "$work/cycle.json" "${cycle_cmds[@]}" >&2
}

# `exec /bin/true` into a container already running `sleep 1000` (create, then start:
# detached). A runtime whose container does not start is left out of the hyperfine run.
bench_exec() {
    local i id cmds=()
    for i in 0 1 2; do
        id=e-${names[$i]}
        track "$i" "$id"
        if { rt "$i" create -b "$work/daemon" "$id" && rt "$i" start "$id"; } >/dev/null 2>"$work/err"; then
            cmds+=(-n "${names[$i]}" "${bins[$i]} --root $work/state/root-${names[$i]} exec $id /bin/true")
        else
            note "$i" "exec n/a: the sleep container did not start: $(first_line "$(cat "$work/err")")"
        fi
    done
    if [ ${#cmds[@]} -gt 0 ]; then
        hyperfine -N -w 5 -r "$runs" --export-json "$work/exec.json" "${cmds[@]}" >&2
    fi
    for i in 0 1 2; do rt "$i" delete -f "e-${names[$i]}" >/dev/null 2>&1 || true; done
}

# hyperfine_ms FILE NAME FIELD: jq expression FIELD (seconds) of command NAME in hyperfine
# export FILE, in ms; empty when the file or the command is missing.
hyperfine_ms() {
    [ -f "$1" ] || return 0
    jq -r --arg n "$2" ".results[] | select(.command == \$n) | ($3) * 1000" "$1"
}

# --- Memory --------------------------------------------------------------------------------

# Peak RSS: the largest resident set of the runtime and its children (`run` of `sleep 1`),
# median of 5, in KiB.
peak_rss_kib() {
    local i=$1 k all=()
    track "$i" "r-${names[$i]}"
    for k in 1 2 3 4 5; do
        if ! /usr/bin/time -f %M -o "$work/rss" "${bins[$i]}" --root "$work/state/root-${names[$i]}" \
            run -b "$work/sleep" "r-${names[$i]}" >/dev/null 2>"$work/err"; then
            note "$i" "peak RSS n/a: run of sleep 1 failed: $(first_line "$(cat "$work/err")")"
            echo n/a; return
        fi
        all+=("$(tail -1 "$work/rss")")
    done
    median "${all[@]}"
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# With memsw accounting, swap is limited to the same value, so that swap cannot hide usage.
if [ -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
    limit_filter='.linux.resources.memory = {limit: $b, swap: $b}'
else
    limit_filter='.linux.resources.memory = {limit: $b}'
fi
attempt=0

# starts_under I BYTES: does `run` of /bin/true exit 0 under a memory limit of BYTES?
# A fresh id each attempt, deleted afterwards: a failed run may leave state behind.
# On failure, the runtime's message is in $work/why.
starts_under() {
    local i=$1 id="m-${names[$1]}-$((++attempt))" rc=0
    variant limit "$limit_filter | .process.args = [\"/bin/true\"]" --argjson b "$2"
    track "$i" "$id"
    timeout 30 "${bins[$i]}" --root "$work/state/root-${names[$i]}" run -b "$work/limit" "$id" \
        >/dev/null 2>"$work/why" || rc=$?
    [ "$rc" = 124 ] && echo "timed out after 30 s" >> "$work/why"
    [ "$rc" = 0 ] || [ -s "$work/why" ] || echo "exit status $rc, no message" > "$work/why"
    rt "$i" delete -f "$id" >/dev/null 2>&1 || true
    return "$rc"
}

# smallest_limit_kib I: bisection over multiples of 64 KiB in [64 KiB, 16 MiB], assuming
# that a container which starts under N also starts under more. Prints the KiB, or "n/a"
# when even 16 MiB is not enough. Notes why the limit just below failed.
smallest_limit_kib() {
    local i=$1 unit=65536 lo=0 hi=256 mid why=""
    if ! starts_under "$i" $((hi * unit)); then
        note "$i" "smallest memory limit n/a: fails at 16 MiB: $(first_line "$(cat "$work/why")")"
        echo n/a; return
    fi
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(( (lo + hi) / 2 ))
        if starts_under "$i" $((mid * unit)); then
            hi=$mid
        else
            lo=$mid why=$(first_line "$(cat "$work/why")")
        fi
    done
    [ "$lo" -gt 0 ] && note "$i" "at $((lo * 64)) KiB: $why"
    echo $((hi * 64))
}

# charged_at_create_kib I: memory.usage_in_bytes (and max_usage_in_bytes, the peak while
# creating) of the container's memory cgroup once `create` returned, before the user process
# runs: the runtime's init is all that lives there. Median of 5; prints "USAGE PEAK" in KiB.
charged_at_create_kib() {
    local i=$1 k id pid cg usage=() peak=()
    for k in 1 2 3 4 5; do
        id="a-${names[$i]}-$k"
        track "$i" "$id"
        if ! rt "$i" create -b "$work/daemon" "$id" >/dev/null 2>"$work/err"; then
            note "$i" "charged at create n/a: $(first_line "$(cat "$work/err")")"
            echo "n/a n/a"; return
        fi
        pid=$(rt "$i" state "$id" | jq -r .pid)
        cg=/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" { print $3 }' "/proc/$pid/cgroup")
        usage+=($(( $(cat "$cg/memory.usage_in_bytes") / 1024 )))
        peak+=($(( $(cat "$cg/memory.max_usage_in_bytes") / 1024 )))
        rt "$i" delete -f "$id" >/dev/null
    done
    echo "$(median "${usage[@]}") $(median "${peak[@]}")"
}

# --- Table ---------------------------------------------------------------------------------

# ratio VALUE BASE: " (x0.45)", VALUE / BASE; nothing when either is not a number.
ratio() {
    case "$1/$2" in
        [0-9]*/[0-9]*) printf ' (x%.2f)' "$(echo "$1 / $2" | bc -l)" ;;
    esac
}
# ms_cell VALUE BASE: "12.3 (x0.45)"; "n/a" without a value.
ms_cell() {
    if [ -z "$1" ]; then printf 'n/a'; else printf '%.1f%s' "$1" "$(ratio "$1" "$2")"; fi
}
# kib_cell KIB BASE: "1280 KiB = 1.25 MB (x0.53)", or the n/a text as is.
kib_cell() {
    case $1 in
        [0-9]*) printf '%s KiB = %.2f MB%s' "$1" "$(echo "$1 / 1024" | bc -l)" "$(ratio "$1" "$2")" ;;
        *) printf '%s' "$1" ;;
    esac
}

make_bundles
bench_run_and_cycle
bench_exec
declare -A v
for i in 0 1 2; do
    n=${names[$i]}
    v[run,$i]=$(hyperfine_ms "$work/run.json" "$n" .median)
    v[run_cpu,$i]=$(hyperfine_ms "$work/run.json" "$n" '.user + .system')
    v[cycle,$i]=$(hyperfine_ms "$work/cycle.json" "$n" .median)
    v[cycle_cpu,$i]=$(hyperfine_ms "$work/cycle.json" "$n" '.user + .system')
    v[exec,$i]=$(hyperfine_ms "$work/exec.json" "$n" .median)
    v[exec_cpu,$i]=$(hyperfine_ms "$work/exec.json" "$n" '.user + .system')
    v[rss,$i]=$(peak_rss_kib "$i")
    v[limit,$i]=$(smallest_limit_kib "$i")
    v[charged,$i]=$(charged_at_create_kib "$i")
done

read -r base_usage base_peak <<< "${v[charged,$base]}"
printf '| runtime | run /bin/true ms | CPU ms | create+start+delete ms | CPU ms | exec /bin/true ms | CPU ms '
printf '| peak RSS, run sleep 1 | smallest memory limit | charged at create | peak charged while creating |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for i in 0 1 2; do
    read -r usage peak <<< "${v[charged,$i]}"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${names[$i]}" \
        "$(ms_cell "${v[run,$i]}" "${v[run,$base]}")" "$(ms_cell "${v[run_cpu,$i]}" "${v[run_cpu,$base]}")" \
        "$(ms_cell "${v[cycle,$i]}" "${v[cycle,$base]}")" "$(ms_cell "${v[cycle_cpu,$i]}" "${v[cycle_cpu,$base]}")" \
        "$(ms_cell "${v[exec,$i]}" "${v[exec,$base]}")" "$(ms_cell "${v[exec_cpu,$i]}" "${v[exec_cpu,$base]}")" \
        "$(kib_cell "${v[rss,$i]}" "${v[rss,$base]}")" "$(kib_cell "${v[limit,$i]}" "${v[limit,$base]}")" \
        "$(kib_cell "$usage" "$base_usage")" "$(kib_cell "$peak" "$base_peak")"
done
echo
echo "Times are hyperfine medians of $runs runs, CPU is user+sys (means); ratios are relative to runc"
echo "(x0.50 = half of runc's). Peak RSS: of the runtime and its children, median of 5. Memory limit:"
echo "the smallest multiple of 64 KiB under which \`run\` of /bin/true exits 0$( [ -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] && echo ", swap limited to the same")."
echo "Charged: memory.usage_in_bytes and max_usage_in_bytes of the container's memory cgroup once"
echo "\`create\` returned (only the runtime's init is in it), median of 5."
echo "Binary: $(stat -c %s "$runcs") bytes, static."
if [ -f "$work/notes" ]; then
    echo
    echo "Why the next smaller limit failed, and steps that could not run:"
    sed 's/^/- /' "$work/notes"
fi
