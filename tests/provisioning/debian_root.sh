#!/usr/bin/env bash
# A pristine Debian 12 root for the provisioning tests: made once with
# debootstrap (minbase, from the mirror this machine's apt uses) into BASE,
# then copied to ROOT for each test, with the machine's resolv.conf, /proc
# mounted, and the Debian packages named after ROOT installed there.
# Needs root and the mirror. Undo with: debian_root.sh --release ROOT
#
# usage: debian_root.sh BASE ROOT [PACKAGE...]
#        debian_root.sh --release ROOT
set -euo pipefail
fail() { echo "debian_root: $*" >&2; exit 1; }

if [ "${1:-}" = --release ]; then
  R=$(realpath -m "$2")
  if mountpoint -q "$R/proc" 2>/dev/null; then umount "$R/proc"; fi
  exit 0
fi
base=$(realpath -m "$1") R=$(realpath -m "$2")
shift 2
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || fail "debootstrap is not installed (Debian package debootstrap; ./run installs it)"

mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

if [ ! -x "$base/usr/bin/apt-get" ]; then
  echo "debootstrap: a minimal Debian 12 from $mirror into $base"
  ok=0
  for attempt in 1 2; do
    rm -rf "$base.new"
    if debootstrap --variant=minbase bookworm "$base.new" "$mirror" >"$base.log" 2>&1; then ok=1; break; fi
    echo "debootstrap attempt $attempt failed; its last lines:" >&2
    tail -n 5 "$base.log" >&2
  done
  [ "$ok" = 1 ] || fail "debootstrap could not make a Debian 12 root from $mirror"
  rm -rf "$base"
  mv "$base.new" "$base"
fi
# A run stopped half-way may have left /proc mounted in its root.
if mountpoint -q "$R/proc" 2>/dev/null; then umount "$R/proc"; fi
rm -rf --one-file-system "$R"
mkdir -p "$(dirname "$R")"
cp -a "$base" "$R"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$R/proc"
if [ $# -gt 0 ]; then
  chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@" >"$R.apt.log" 2>&1 ||
    { tail -n 20 "$R.apt.log" >&2; fail "apt-get install $* in $R"; }
fi
