#!/usr/bin/env bash
# berth's main job, offline: make an image from scratch (a busybox-static root filesystem),
# push it to a registry on 127.0.0.1, delete it locally, pull it back, and look at it.
# Everything lives in a temporary directory that is removed at the end.
set -euo pipefail
BERTH="$(cd "$(dirname "$0")/.." && pwd)/bin/berth"
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
reg_pid=""
cleanup() { [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
b() { echo "+ berth $*" >&2; "$BERTH" --root "$work/root" --runroot "$work/run" "$@"; }

mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for app in sh ls cat echo; do ln -s busybox "$work/rootfs/bin/$app"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
tar -C "$work/rootfs" -czf "$work/rootfs.tar.gz" .

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cat > "$work/registry.yml" <<YML
version: 0.1
storage: { filesystem: { rootdirectory: $work/registry } }
http: { addr: 127.0.0.1:$port }
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

b import -c 'CMD ["/bin/sh"]' -c 'ENV GREETING=hello' -m 'made by the berth demo' "$work/rootfs.tar.gz" demo/busybox:1.0
b tag demo/busybox:1.0 "127.0.0.1:$port/demo/busybox:1.0"
b push "127.0.0.1:$port/demo/busybox:1.0"
b rmi "127.0.0.1:$port/demo/busybox:1.0" demo/busybox:1.0
b pull "127.0.0.1:$port/demo/busybox:1.0"
b images
b history "127.0.0.1:$port/demo/busybox:1.0"
b image inspect --format '{{.Id}} {{json .Config.Env}} {{.Os}}/{{.Architecture}}' "127.0.0.1:$port/demo/busybox:1.0"
b run --rm "127.0.0.1:$port/demo/busybox:1.0" sh -c 'echo "$GREETING from a container; $(grep CapEff /proc/self/status)"'
echo "demo done: berth made an image from scratch, pushed, removed and pulled it back, and ran a container from it."
