#!/usr/bin/env bash
# The Debian packages build from the built tree (cpack, no rebuild) and hold
# what a gateway or a relay host needs: the program in /usr/bin, its unit, its
# settings as a conffile pointing state at /var/lib/stockbridge, its docs and
# maintainer scripts, and library dependencies found by dpkg-shlibdeps.
# Builds two sets, the project's version and a higher one, into OUT/current
# and OUT/next, for the upgrade test.
#
# usage: packages_test.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$(realpath -m "$1") out=$(realpath -m "$2")
fail() { echo "FAIL: $*" >&2; exit 1; }

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"
rm -rf "$out"
for set in current:$version next:$version+next; do
  dir=$out/${set%%:*} v=${set#*:}
  mkdir -p "$dir"
  # cpack first brings the build up to date (nothing to do after `./run test`'s
  # build), then installs each component and runs dpkg-shlibdeps and dpkg-deb.
  cpack --config "$build/CPackConfig.cmake" -B "$dir" -D CPACK_PACKAGE_VERSION="$v" \
    >"$dir/cpack.log" 2>&1 || { cat "$dir/cpack.log"; fail "cpack ($v)"; }
  rm -rf "$dir/_CPack_Packages"
done
arch=$(dpkg --print-architecture)

check_package() {  # program state_key state_path
  local program=$1 key=$2 state=$3 pkg=stockbridge-$1
  local deb=$out/current/${pkg}_${version}_${arch}.deb
  [ -f "$deb" ] || fail "$deb was not built (built: $(ls "$out/current"))"
  [ -f "$out/next/${pkg}_${version}+next_${arch}.deb" ] || fail "the ${version}+next $pkg was not built"
  echo "== $deb"
  dpkg-deb -I "$deb"
  [ "$(dpkg-deb -f "$deb" Package)" = "$pkg" ] || fail "$deb: Package is not $pkg"
  [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$deb: Version is not $version"
  local depends
  depends=$(dpkg-deb -f "$deb" Depends)
  for d in libc6 adduser init-system-helpers liblmdb0; do
    [[ "$depends" == *"$d"* ]] || fail "$pkg: Depends lacks $d: $depends"
  done
  [[ "$depends" != *mosquitto* ]] || fail "$pkg must not depend on mosquitto: $depends"

  local contents
  contents=$(dpkg-deb -c "$deb")
  echo "$contents"
  for f in ./usr/bin/$pkg ./lib/systemd/system/$pkg.service ./etc/stockbridge/$program.conf \
           ./usr/share/doc/$pkg/$program.conf.example ./usr/share/doc/$pkg/$program.md; do
    grep -q " $f\$" <<<"$contents" || fail "$pkg lacks $f"
  done
  grep -q "^-rwxr-xr-x root/root .* ./usr/bin/$pkg\$" <<<"$contents" || fail "$pkg: /usr/bin/$pkg is not 0755 root:root"

  local x=$out/extract/$pkg
  rm -rf "$x" && mkdir -p "$x"
  dpkg-deb -e "$deb" "$x/DEBIAN"
  dpkg-deb -x "$deb" "$x"
  [ "$(cat "$x/DEBIAN/conffiles")" = "/etc/stockbridge/$program.conf" ] || fail "$pkg: conffiles is: $(cat "$x/DEBIAN/conffiles")"
  for s in postinst prerm postrm; do
    [ -x "$x/DEBIAN/$s" ] || fail "$pkg: $s missing or not executable"
    sh -n "$x/DEBIAN/$s" || fail "$pkg: $s is not valid sh"
    ! grep -q '@PROGRAM@' "$x/DEBIAN/$s" || fail "$pkg: $s was not specialised"
  done
  # The packaged settings: commented, the state path set explicitly, and read by the program itself.
  local conf=$x/etc/stockbridge/$program.conf
  grep -qx "$key = $state" "$conf" || fail "$pkg: $conf does not set $key = $state"
  [ "$(grep -c '^#' "$conf")" -gt 100 ] || fail "$pkg: $conf is not the commented example"
  "$x/usr/bin/$pkg" --version | grep -q "^$pkg " || fail "$pkg: the packaged program does not run"
  # Completed as an operator would (the remaining arguments: key=value), they pass the program's check.
  local completed=$out/extract/$program.conf edits=() kv
  for kv in "${@:4}"; do edits+=(-e "s#^${kv%%=*} =.*#${kv%%=*} = ${kv#*=}#"); done
  sed "${edits[@]}" "$conf" >"$completed"
  "$x/usr/bin/$pkg" --config "$completed" --check-config \
    || fail "$pkg: the packaged settings do not pass --check-config once completed"
  ! readelf -S "$x/usr/bin/$pkg" | grep -q '\.debug_info' || fail "$pkg: the program still carries its debug info"
}

check_package agent journal.path /var/lib/stockbridge/agent/journal site.id=lyon-1
check_package relay ledger.path /var/lib/stockbridge/relay/ledger erp.base_url=https://1234567.suitetalk.api.netsuite.com

# A fresh agent install is not started: its settings lack site.id, which --check-config names.
x=$out/extract/stockbridge-agent
if why=$("$x/usr/bin/stockbridge-agent" --config "$x/etc/stockbridge/agent.conf" --check-config 2>&1); then
  fail "the packaged agent.conf passes --check-config without a site.id"
fi
grep -q "site.id" <<<"$why" || fail "--check-config does not name site.id: $why"
echo "packages OK: $(ls "$out"/current/*.deb "$out"/next/*.deb | xargs -n1 basename | tr '\n' ' ')"
