#!/usr/bin/env bash
# Run the frozen smoke test on a bare Debian 12 (a debootstrap minbase root) holding only the
# system packages the README lists for the packaged app. Needs root; downloads ~100 MB once.
#   bash build_scripts/bare_system_test.sh [ROOTFS]      (default /var/tmp/bare-bookworm)
# The smoke driver runs here; every command of the app runs inside the bare root (chroot),
# with /tmp and this checkout bind-mounted at the same paths so file arguments just work.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
ROOTFS="${1:-/var/tmp/bare-bookworm}"
RUNTIME_PACKAGES="libgl1 libegl1 libfontconfig1"   # what the app needs beyond minbase

[ -x dist/installer-app/installer-app ] || { echo "build first: python build_scripts/build.py" >&2; exit 2; }
if [ ! -x "$ROOTFS/bin/sh" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
  debootstrap --variant=minbase bookworm "$ROOTFS" http://deb.debian.org/debian
fi
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends $RUNTIME_PACKAGES >/dev/null
rm -rf "$ROOTFS/opt/installer-app"
cp -a dist/installer-app "$ROOTFS/opt/installer-app"
mkdir -p "$ROOTFS$REPO"
cleanup() {
  for m in "$ROOTFS$REPO" "$ROOTFS/tmp" "$ROOTFS/dev" "$ROOTFS/proc"; do
    umount -R "$m" 2>/dev/null || true
  done
}
trap cleanup EXIT
mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
mountpoint -q "$ROOTFS/dev" || mount --rbind /dev "$ROOTFS/dev"
mountpoint -q "$ROOTFS/tmp" || mount --bind /tmp "$ROOTFS/tmp"
mountpoint -q "$ROOTFS$REPO" || mount --bind -o ro "$REPO" "$ROOTFS$REPO"
wrapper="$(mktemp /tmp/bare-installer-app.XXXXXX)"
printf '#!/bin/sh\nexec chroot %s /opt/installer-app/installer-app "$@"\n' "$ROOTFS" > "$wrapper"
chmod +x "$wrapper"
echo "bare root: $ROOTFS ($(chroot "$ROOTFS" dpkg-query -f '.' -W | wc -c) Debian packages)"
python3 build_scripts/smoke_frozen.py "$wrapper"
