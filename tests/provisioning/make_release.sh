#!/usr/bin/env bash
# A "next release" of the agent's package for the fleet-update test: the
# built package with its program replaced by PROGRAM (the agent built again
# with VERSION as its version, so that it reports that version) and VERSION as
# the package's version. With "tamper" the package also gets one changed
# byte-range (a line added to a doc file) after the fact: a well-formed package
# whose signature of the untampered one no longer matches.
#
# usage: make_release.sh PACKAGE.deb PROGRAM VERSION OUT.deb [tamper]
set -euo pipefail
deb=$1 program=$2 version=$3 out=$4 tamper=${5:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/make-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
dpkg-deb -R "$deb" "$work/pkg"
install -m 0755 "$program" "$work/pkg/usr/bin/stockbridge-agent"
strip --strip-unneeded "$work/pkg/usr/bin/stockbridge-agent"
sed -i "s/^Version: .*/Version: $version/" "$work/pkg/DEBIAN/control"
if [ "$tamper" = tamper ]; then
  echo "# added after signing" >>"$work/pkg/usr/share/doc/stockbridge-agent/agent.conf.example"
fi
(cd "$work/pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
dpkg-deb --root-owner-group -Zxz -b "$work/pkg" "$out" >/dev/null
