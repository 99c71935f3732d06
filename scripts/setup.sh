#!/usr/bin/env bash
# Set up berth on a fresh Debian 12 machine: Debian packages when missing, npm install, build,
# `berth` on PATH; then (unless --no-demo) run berth's main job offline as a demo.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  docker-registry apache2-utils busybox-static skopeo umoci zstd   # images: registry, fixtures, cross-checks
  runc conmon runsc uidmap fuse-overlayfs iproute2 iptables        # containers, rootless
  slirp4netns util-linux passwd                                    # rootless: network, unshare/nsenter, useradd (tests)
  netavark aardvark-dns nftables socat                             # networks (nftables: isolation; socat: UDP tests)
  tini catatonit jq curl ca-certificates                           # --init; pods' infra containers
  docker-compose python3-docker                                     # Engine API clients the API tests drive
  systemd python3                                                   # systemd tests: systemd-analyze verify, systemd-socket-activate, systemd-notify
  openssh-client openssh-server                                     # berth -H ssh://: the tests run their own sshd on loopback
  bzip2 xz-utils                                                    # build contexts piped bzip2'd or xz'd, as docker takes them
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Rootless berth opens /dev/net/tun (slirp4netns) and /dev/fuse (fuse-overlayfs) as the user.
# udev makes both 0666 on a standard install; minimal machines and containers often leave 0600.
for dev in /dev/net/tun /dev/fuse; do
  if [ -c "$dev" ] && [ "$(stat -c %a "$dev")" != 666 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO chmod 0666 "$dev"
  fi
done

# docker-registry's package starts a system service on :5000; berth's tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi

# `npm install`, not `npm ci`: node-unix-socket 0.2.7 lists optional per-platform packages
# that were never published (darwin, arm), and `npm ci` rejects the lock file for lacking
# them. The lock file still pins every version that is installed.
npm install --no-audit --no-fund
npm run build
npm link --no-audit --no-fund >/dev/null 2>&1 || ln -sf "$PWD/bin/berth" /usr/local/bin/berth
echo "berth is on PATH: $(command -v berth)"

if [ "${1:-}" != "--no-demo" ]; then
  exec scripts/demo.sh
fi
