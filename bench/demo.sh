#!/usr/bin/env bash
# demo.sh RUNCS: the main job on an embedded default: a busybox bundle made from the
# host's busybox-static, a hello-world container run through create/start/state/delete.
set -euo pipefail
runcs=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/runcs-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash "$here/make-bundle.sh" "$work/bundle" "$runcs" >/dev/null
cd "$work/bundle"
jq '.process.terminal = false | .hostname = "runcs-demo"
    | .process.args = ["sh", "-c", "echo Hello from a runcs container: pid $$, host $(hostname), user $(id -un); exit 0"]' \
    config.json > c && mv c config.json
echo "+ runcs run demo"
"$runcs" --root "$work/root" run demo
echo "+ runcs create / state / start / delete"
jq '.process.args = ["sleep", "5"]' config.json > c && mv c config.json
"$runcs" --root "$work/root" create demo2
"$runcs" --root "$work/root" state demo2 | jq -c '{id, status, pid}'
"$runcs" --root "$work/root" start demo2
"$runcs" --root "$work/root" list
"$runcs" --root "$work/root" kill demo2 KILL
sleep 0.2
"$runcs" --root "$work/root" delete demo2
echo "demo: ok"
