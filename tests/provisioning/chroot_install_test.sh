#!/usr/bin/env bash
# The packages on a pristine Debian 12, as site IT installs them: a minimal
# Debian 12 root made by debootstrap (from the mirror this machine uses), and
# inside it (chroot) `apt-get install ./stockbridge-agent_*.deb`, which must
# find every dependency the package declares, with the maintainer scripts run
# for real (not under DPKG_ROOT): the `stockbridge` system user made by
# adduser, the unit enabled by deb-systemd-helper. Then the installed agent
# runs there as that user with only what the package pulled in, answers
# /readyz, upgrade keeps user, settings and enablement, and purge removes the
# program, settings, state and enablement. The relay's package installs and
# runs the same way.
#
# No service manager runs in the chroot (the postinst sees no
# /run/systemd/system and starts nothing): the unit's own run under systemd is
# not exercised here (provisioning_units verifies it).
#
# It needs root and the network to reach the Debian mirror (about 30 MB). A
# pristine root (debian_root.sh) is kept beside SCRATCH_DIR and reused by later runs.
#
# usage: chroot_install_test.sh DEBS_DIR SCRATCH_DIR [BASE_DIR]
# shellcheck disable=SC2015,SC2016
set -euo pipefail
debs=$(realpath -m "$1") scratch=$(realpath -m "$2") base=$(realpath -m "${3:-$2.base}")
fail() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "== $*"; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
R=$scratch/root
cleanup() {
  if [ -n "$agent_pid" ]; then kill -KILL "$agent_pid" 2>/dev/null || true; fi
  bash "$here/debian_root.sh" --release "$R"
}
agent_pid=
trap cleanup EXIT
bash "$here/debian_root.sh" "$base" "$R" || fail "no Debian 12 root"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

agent_deb=$(find "$debs/current" -name 'stockbridge-agent_*.deb' | head -n 1)
next_deb=$(find "$debs/next" -name 'stockbridge-agent_*.deb' | head -n 1)
relay_deb=$(find "$debs/current" -name 'stockbridge-relay_*.deb' | head -n 1)
[ -n "$agent_deb" ] && [ -n "$next_deb" ] && [ -n "$relay_deb" ] || fail "the packages are not built in $debs"
mkdir -p "$R/tmp/debs"
cp "$agent_deb" "$next_deb" "$relay_deb" "$R/tmp/debs/"
in_root apt-get update -qq >"$scratch/apt-update.log" 2>&1 || { cat "$scratch/apt-update.log"; fail "apt-get update in the new root"; }

say "apt-get install ./$(basename "$agent_deb") on a pristine Debian 12"
in_root apt-get install -y -q --no-install-recommends "/tmp/debs/$(basename "$agent_deb")" >"$scratch/install.log" 2>&1 ||
  { tail -n 30 "$scratch/install.log"; fail "apt-get install of the agent's package"; }
grep -E "^(Setting up|stockbridge)" "$scratch/install.log"
user=$(in_root getent passwd stockbridge) || fail "the postinst did not create the stockbridge user"
echo "user: $user"
IFS=: read -r _ _ uid _ _ home shell <<<"$user"
[ "$uid" -lt 1000 ] || fail "stockbridge is not a system user (uid $uid)"
[ "$home" = /var/lib/stockbridge ] || fail "the stockbridge user's home is $home"
case "$shell" in */nologin|*/false) ;; *) fail "the stockbridge user can log in (shell $shell)" ;; esac
in_root getent group stockbridge >/dev/null || fail "no stockbridge group"
wants=$R/etc/systemd/system/multi-user.target.wants/stockbridge-agent.service
[ -L "$wants" ] || fail "the unit is not enabled (no $wants)"
[ "$(in_root dpkg-query -W -f='${db:Status-Status}' stockbridge-agent)" = installed ] || fail "the package is not installed"

say "the installed agent runs as stockbridge with only what the package pulled in"
in_root stockbridge-agent --version
conf=$R/etc/stockbridge/agent.conf
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18480)
sed -i -e 's#^site.id =.*#site.id = lyon-1#' -e "s/^# intake.port = .*/intake.port = $port/" \
       -e 's#^\# mqtt.server_uri = .*#mqtt.server_uri = tcp://127.0.0.1:1#' "$conf"
in_root stockbridge-agent --config /etc/stockbridge/agent.conf --check-config || fail "the edited settings fail --check-config"
# What systemd's StateDirectory= would make: the state directory, owned by the user.
install -d -m 0750 "$R/var/lib/stockbridge/agent"
in_root chown stockbridge:stockbridge /var/lib/stockbridge/agent
chroot "$R" env -i PATH=/usr/bin:/bin setpriv --reuid=stockbridge --regid=stockbridge --init-groups \
  /usr/bin/stockbridge-agent --config /etc/stockbridge/agent.conf >"$scratch/agent.log" 2>&1 </dev/null &
agent_pid=$!
ready=0
for _ in $(seq 1 100); do
  if curl -fsS -m 2 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$agent_pid" 2>/dev/null || break
  sleep 0.1
done
[ "$ready" = 1 ] || { tail -n 20 "$scratch/agent.log"; fail "the installed agent did not answer /readyz"; }
curl -fsS "http://127.0.0.1:$port/api/status" | grep -q '"site_id":"lyon-1"' || fail "the agent's status does not name lyon-1"
[ "$(stat -c %u "$R/var/lib/stockbridge/agent/journal/data.mdb")" = "$uid" ] || fail "the journal is not the stockbridge user's"
kill -TERM "$agent_pid"
wait "$agent_pid" || fail "the agent did not stop cleanly"
agent_pid=

say "upgrade to $(basename "$next_deb")"
in_root apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold \
  "/tmp/debs/$(basename "$next_deb")" >"$scratch/upgrade.log" 2>&1 || { tail -n 30 "$scratch/upgrade.log"; fail "the upgrade"; }
[ "$(in_root dpkg-query -W -f='${Version}' stockbridge-agent)" = "$(dpkg-deb -f "$next_deb" Version)" ] || fail "the upgrade did not install the new version"
grep -qx 'site.id = lyon-1' "$conf" || fail "the upgrade lost the edited settings"
[ -L "$wants" ] || fail "the upgrade disabled the unit"
[ "$(in_root getent passwd stockbridge)" = "$user" ] || fail "the upgrade changed the stockbridge user"
[ -f "$R/var/lib/stockbridge/agent/journal/data.mdb" ] || fail "the upgrade lost the journal"

say "the relay's package"
in_root apt-get install -y -q --no-install-recommends "/tmp/debs/$(basename "$relay_deb")" >"$scratch/relay.log" 2>&1 ||
  { tail -n 30 "$scratch/relay.log"; fail "apt-get install of the relay's package"; }
in_root stockbridge-relay --version
[ -L "$R/etc/systemd/system/multi-user.target.wants/stockbridge-relay.service" ] || fail "the relay's unit is not enabled"

say "purge"
in_root apt-get purge -y -q stockbridge-agent >"$scratch/purge.log" 2>&1 || { tail -n 30 "$scratch/purge.log"; fail "purge"; }
[ ! -e "$R/usr/bin/stockbridge-agent" ] || fail "purge left the program"
[ ! -e "$conf" ] || fail "purge left the settings"
[ ! -e "$R/var/lib/stockbridge/agent" ] || fail "purge left the state"
[ ! -e "$wants" ] || fail "purge left the unit enabled"
in_root getent passwd stockbridge >/dev/null || fail "purge removed the stockbridge user, which the relay still uses"
cleanup
trap - EXIT
rm -rf --one-file-system "$scratch"
echo "installed, run, upgraded and purged on a pristine Debian 12"
