#!/usr/bin/env bash
# The ssh transport of the provisioning scripts (provisioning/lib/gateway.sh):
# scripts and arguments reach the gateway's shell intact, files go and come
# back byte for byte, and fleet-update's checks run through it.
#
# `ssh` here is a stand-in on PATH (ssh_standin.sh) that does what ssh does
# with its command line once connected: it drops its options and the
# destination, joins the remaining arguments with spaces and runs that string
# with the login shell (sh -c: dash, the strictest a gateway may have), here
# on this machine. So the quoting and encoding the scripts rely on are tested
# for real; the network hop and authentication are not (no sshd runs in the
# tests). fleet_update_test runs enroll and fleet-update over it into a Debian root.
#
# usage: ssh_transport_test.sh DEBS_DIR SCRATCH_DIR
# shellcheck disable=SC2016,SC2015,SC2034
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scripts="$here/../../provisioning"
debs=$(realpath -m "$1") scratch=$(realpath -m "$2")
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$scratch" && mkdir -p "$scratch/bin" "$scratch/remote"

cp "$here/ssh_standin.sh" "$scratch/bin/ssh"
chmod +x "$scratch/bin/ssh"
export PATH="$scratch/bin:$PATH" SSH_STANDIN_LOG="$scratch/ssh.log"

# shellcheck source=/dev/null
. "$scripts/lib/gateway.sh"
TRANSPORT=ssh GW_HOST="admin@gw-leeds-1" SUDO="" SSH_OPTS=(-o Port=2222 -o "IdentityFile=/keys/fleet key")

echo "== arguments reach the gateway's script intact"
tricky=(plain 'two words' "it's" '$(touch '"$scratch"'/pwned)' '`id`' 'a;b|c&d' $'line1\nline2' '' '*' '\back\slash' '"quoted"')
out=$(gw_sh 'for a in "$@"; do printf "<%s>\n" "$a"; done' "${tricky[@]}")
want=$(for a in "${tricky[@]}"; do printf '<%s>\n' "$a"; done)
[ "$out" = "$want" ] || fail "arguments changed on the way: $(diff <(echo "$want") <(echo "$out"))"
[ ! -e "$scratch/pwned" ] || fail "an argument was run as a command on the gateway"
grep -qx -- '-o Port=2222' "$SSH_STANDIN_LOG" && grep -qx -- '-o IdentityFile=/keys/fleet key' "$SSH_STANDIN_LOG" \
  || fail "the ssh options did not reach ssh: $(cat "$SSH_STANDIN_LOG")"
grep -qx -- '-o BatchMode=yes' "$SSH_STANDIN_LOG" || fail "ssh is not run in batch mode (it could wait for a password)"
grep -qx 'destination admin@gw-leeds-1' "$SSH_STANDIN_LOG" || fail "not sent to the gateway: $(cat "$SSH_STANDIN_LOG")"

echo "== a script with quotes, a here-document and its exit status"
set +e
gw_sh 'cat <<X
it'"'"'s "here" $1
X
exit 7' "arg one" >"$scratch/heredoc.out"
code=$?
set -e
[ "$code" = 7 ] || fail "the script's exit status came back as $code, not 7"
[ "$(cat "$scratch/heredoc.out")" = "it's \"here\" arg one" ] || fail "the here-document came back as: $(cat "$scratch/heredoc.out")"

echo "== files go and come back byte for byte"
head -c 300000 /dev/urandom >"$scratch/blob"
gw_put "$scratch/blob" "$scratch/remote/dir with space/blob" 0640
[ "$(stat -c %a "$scratch/remote/dir with space/blob")" = 640 ] || fail "gw_put did not set the mode"
cmp "$scratch/blob" "$scratch/remote/dir with space/blob" || fail "gw_put changed the file"
gw_get "$scratch/remote/dir with space/blob" >"$scratch/blob.back"
cmp "$scratch/blob" "$scratch/blob.back" || fail "gw_get changed the file"

echo "== fleet-update's checks over ssh"
# The "gateway" is this machine, which has no stockbridge-agent installed by
# dpkg: the check must reach it, read its architecture and say so.
deb=$(find "$debs/current" -name 'stockbridge-agent_*.deb' 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then fail "no stockbridge-agent package built (the packages test makes it)"; fi
cp "$deb" "$scratch/agent.deb"
"$scripts/fleet-update" keygen "$scratch/release" >/dev/null 2>&1
"$scripts/fleet-update" sign --key "$scratch/release/release.key" "$scratch/agent.deb" >/dev/null 2>&1
printf 'leeds-1 admin@gw-leeds-1 canary port=1\n' >"$scratch/fleet.txt"
: >"$SSH_STANDIN_LOG"
set +e
"$scripts/fleet-update" --inventory "$scratch/fleet.txt" --package "$scratch/agent.deb" --dry-run \
  --ssh-option Port=2222 >"$scratch/dry-run.out" 2>&1
code=$?
set -e
cat "$scratch/dry-run.out"
[ "$code" = 1 ] || fail "the dry run exits $code, not 1 (a blocked gateway)"
grep -q "leeds-1 .*BLOCKED: stockbridge-agent is not installed" "$scratch/dry-run.out" || fail "the check did not read the gateway over ssh"
grep -qx 'destination admin@gw-leeds-1' "$SSH_STANDIN_LOG" && grep -qx -- '-o Port=2222' "$SSH_STANDIN_LOG" \
  || fail "fleet-update did not go through ssh with its options: $(cat "$SSH_STANDIN_LOG")"
echo "ssh transport OK"
