#!/usr/bin/env bash
# make-bundle.sh DIR [RUNTIME]: an OCI bundle with a busybox-static rootfs, config from `RUNTIME spec`.
set -euo pipefail
dir=$1 runtime=${2:-runc}
busybox=$(command -v busybox)
mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc" "$dir/rootfs/tmp" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev"
cp "$busybox" "$dir/rootfs/bin/busybox"
for applet in $("$busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$dir/rootfs/bin/$applet"; done
echo "root:x:0:0:root:/root:/bin/sh" > "$dir/rootfs/etc/passwd"
echo "root:x:0:" > "$dir/rootfs/etc/group"
rm -f "$dir/config.json"
(cd "$dir" && "$runtime" spec)
