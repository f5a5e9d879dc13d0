#!/usr/bin/env bash
# runcs build entry point.
#   ./build.sh          build out/runcs (static NativeAOT binary)
#   ./build.sh test     install what the tests need, build, run every test
#   ./build.sh demo     build, then run a busybox hello-world container
#   ./build.sh bench    build, then benchmark runcs against runc and crun
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

need_packages() {
    # Installs Debian packages that are missing (a fresh Debian 12 machine has none of them).
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then echo "build.sh: please install: ${missing[*]}" >&2; exit 1; fi
    echo "build.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${APT_INSTALL_FLAGS:-} "${missing[@]}" >/dev/null
}

build() {
    need_packages gcc binutils file
    local commit
    commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
    dotnet publish Runtime.csproj -c Release -o out/publish -p:GitCommit="$commit" -nologo -v:q "$@"
    # A new inode, renamed over the old one: a running container init may still be executing the old.
    cp out/publish/runcs out/runcs.new && mv -f out/runcs.new out/runcs
    echo "build.sh: out/runcs ($(stat -c %s out/runcs) bytes): $(file -b out/runcs | cut -d, -f1-4)"
}

case "${1:-build}" in
    build) shift || true; build "$@" ;;
    test)
        need_packages busybox-static runc crun jq util-linux iproute2 procps containerd umoci mmdebstrap
        # The engine suite (Runtime.Tests/Integration/Engines): docker.io 20.10 with iptables for
        # its bridge; podman 4.3 with conmon, CNI plugins, catatonit (--init, pod infra) and uidmap.
        # Without recommends: no needrestart, apparmor or buildah pulled in.
        APT_INSTALL_FLAGS=--no-install-recommends need_packages docker.io iptables podman conmon containernetworking-plugins catatonit uidmap
        build
        set +e
        RUNCS_BINARY="$ROOT/out/runcs" dotnet test Runtime.Tests/Runtime.Tests.csproj -c Debug --logger "console;verbosity=normal" 2>&1 | tee out/test.log
        status=${PIPESTATUS[0]}
        passed=$(grep -oE '^ +Passed: +[0-9]+' out/test.log | tail -1 | grep -oE '[0-9]+')
        failed=$(grep -oE '^ +Failed: +[0-9]+' out/test.log | tail -1 | grep -oE '[0-9]+')
        skipped=$(grep -oE '^ +Skipped: +[0-9]+' out/test.log | tail -1 | grep -oE '[0-9]+')
        if [ "${skipped:-0}" != 0 ]; then
            echo "build.sh: skipped tests and why:"
            grep -E '^ +Skipped ' -A2 out/test.log | grep -vE '^--$' || true
        fi
        echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
        exit "$status"
        ;;
    demo)
        need_packages busybox-static
        build
        exec bash "$ROOT/bench/demo.sh" "$ROOT/out/runcs"
        ;;
    bench)
        need_packages busybox-static runc crun hyperfine jq util-linux time bc
        build
        exec bash "$ROOT/bench/bench.sh" "$ROOT/out/runcs"
        ;;
    *) echo "usage: ./build.sh [build|test|demo|bench]" >&2; exit 1 ;;
esac
