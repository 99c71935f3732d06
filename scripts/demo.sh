#!/usr/bin/env bash
# berth's main job, offline: build an image from scratch (a Dockerfile around Debian's
# busybox-static), push it to a registry on 127.0.0.1, delete it locally, pull it back, and run it.
# Everything lives in a temporary directory that is removed at the end.
set -euo pipefail
BERTH="$(cd "$(dirname "$0")/.." && pwd)/bin/berth"
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
reg_pid=""
cleanup() { [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
b() { echo "+ berth $*" >&2; "$BERTH" --root "$work/root" --runroot "$work/run" "$@"; }

# An image from scratch: Debian's static busybox, built by berth from a Dockerfile.
mkdir -p "$work/ctx"
cp /bin/busybox "$work/ctx/busybox"
cat > "$work/ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /etc /tmp && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
ENV GREETING=hello
CMD ["/bin/sh"]
DOCKERFILE

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cat > "$work/registry.yml" <<YML
version: 0.1
storage: { filesystem: { rootdirectory: $work/registry } }
http: { addr: 127.0.0.1:$port }
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

b build -t demo/busybox:1.0 "$work/ctx"
b build -t demo/busybox:1.0 "$work/ctx"    # again: every step is a cache hit
b tag demo/busybox:1.0 "127.0.0.1:$port/demo/busybox:1.0"
b push "127.0.0.1:$port/demo/busybox:1.0"
b rmi "127.0.0.1:$port/demo/busybox:1.0" demo/busybox:1.0
b pull "127.0.0.1:$port/demo/busybox:1.0"
b images
b history "127.0.0.1:$port/demo/busybox:1.0"
b image inspect --format '{{.Id}} {{json .Config.Env}} {{.Os}}/{{.Architecture}}' "127.0.0.1:$port/demo/busybox:1.0"
b run --rm "127.0.0.1:$port/demo/busybox:1.0" sh -c 'echo "$GREETING from a container; $(grep CapEff /proc/self/status)"'
echo "demo done: berth built an image from scratch, pushed, removed and pulled it back, and ran a container from it."
