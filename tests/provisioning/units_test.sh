#!/usr/bin/env bash
# The systemd units, as packaged, pass `systemd-analyze verify`, carry the
# sandboxing and restart policy the gateway issue asks for, and the programs
# can live with MemoryDenyWriteExecute (no executable stack in them or in any
# library they load, which the loader would otherwise have to mprotect).
#
# usage: units_test.sh EXTRACT_DIR SCRATCH_DIR   (EXTRACT_DIR: the packages
# unpacked by packages_test.sh, one directory per package)
set -euo pipefail
extract=$(realpath -m "$1") scratch=$(realpath -m "$2")
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (Debian package systemd; ./run deps installs it)"
rm -rf "$scratch" && mkdir -p "$scratch"

for program in agent relay; do
  pkg=stockbridge-$program
  root=$extract/$pkg
  unit=$root/lib/systemd/system/$pkg.service
  [ -f "$unit" ] || fail "no unit in the unpacked $pkg"
  for want in "Type=notify" "NotifyAccess=main" "User=stockbridge" "Group=stockbridge" "StateDirectory=stockbridge" \
      "ConfigurationDirectory=stockbridge" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
      "PrivateDevices=yes" "NoNewPrivileges=yes" "ProtectKernelTunables=yes" "ProtectKernelModules=yes" \
      "ProtectKernelLogs=yes" "ProtectControlGroups=yes" "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
      "RestrictNamespaces=yes" "LockPersonality=yes" "MemoryDenyWriteExecute=yes" "SystemCallArchitectures=native" \
      "CapabilityBoundingSet=" "Restart=on-failure" "ExecStart=/usr/bin/$pkg --config /etc/stockbridge/$program.conf"; do
    grep -qx "$want" "$unit" || fail "$pkg.service lacks '$want'"
  done
  grep -q '^RestartSec=' "$unit" && grep -q '^TimeoutStopSec=' "$unit" && grep -q '^LimitNOFILE=' "$unit" \
    || fail "$pkg.service lacks RestartSec, TimeoutStopSec or LimitNOFILE"

  # verify checks that ExecStart's program exists: point it at the unpacked one.
  sed "s#^ExecStart=/usr/bin/#ExecStart=$root/usr/bin/#" "$unit" >"$scratch/$pkg.service"
  out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$scratch/$pkg.service" 2>&1) \
    || fail "systemd-analyze verify $pkg.service: $out"
  # Only what concerns our unit counts (the host's own units may draw remarks in a container).
  ours=$(grep -E "$pkg|$scratch" <<<"$out" || true)
  [ -z "$ours" ] || fail "systemd-analyze verify $pkg.service complains: $ours"
  echo "$pkg.service: systemd-analyze verify OK"

  bin=$root/usr/bin/$pkg
  for f in "$bin" $(ldd "$bin" | awk '/=> \// { print $3 }'); do
    readelf -lW "$f" | awk '$1 == "GNU_STACK" { print $7 }' | grep -q E \
      && fail "$f has an executable stack: $pkg would not start under MemoryDenyWriteExecute=yes"
  done
  echo "$pkg: no executable stack in it or its $(ldd "$bin" | grep -c '=> /') libraries"
done
