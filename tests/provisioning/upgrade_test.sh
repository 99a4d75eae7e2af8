#!/usr/bin/env bash
# Install, upgrade, downgrade and purge of stockbridge-agent on a scratch root,
# with events buffered in its journal throughout.
#
# dpkg really installs into the scratch root (--root: its own dpkg database,
# conffile handling, version comparison, the maintainer scripts). They run
# chrootless with DPKG_ROOT set, the way image builders run them, so their
# user and systemd steps are skipped (there is no service manager for that
# root): those are not exercised here, nor is the unit itself run (the units
# test verifies it). The agent is the installed binary, run from the root with
# the installed settings file, edited as an operator would, and no relay (the
# broker address is a port where nothing listens), so every event stays buffered.
#
#   1. install the current package; buffer events; stop (SIGTERM)
#   2. turn the journal into the first release's format 1 (as that agent left it)
#   3. upgrade to a higher version: the edited settings survive; the agent
#      migrates the journal to format 2, and every buffered event is still there
#      (journal verify --json counts, /api/status backlog)
#   4. downgrade to the lower version, facing a journal of a format newer than
#      it supports: it refuses with a clear message, exits non-zero, and the
#      journal's data file is byte-identical afterwards
#   5. remove keeps settings and journal; purge removes both
#
# usage: upgrade_test.sh DEBS_DIR SCRATCH_DIR
set -euo pipefail
debs=$(realpath -m "$1") scratch=$(realpath -m "$2")
fail() { echo "FAIL: $*" >&2; [ -f "$scratch/agent.log" ] && tail -n 20 "$scratch/agent.log" >&2; exit 1; }
say() { echo "== $*"; }
command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null || fail "mdb_dump/mdb_load missing (Debian package lmdb-utils)"

R=$scratch/root
rm -rf "$scratch" && mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
dpkg_root() {
  # </dev/null: dpkg never waits on a question. depends: the scratch root has no libc6 or adduser of its own (the host's serve the binary).
  dpkg --root="$R" --log=/dev/null --force-not-root --force-script-chrootless --force-depends \
    --force-confold --force-downgrade "$@" </dev/null
}
deb_of() { ls "$debs/$1"/stockbridge-agent_*.deb; }
installed_version() { dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Version}' stockbridge-agent; }

conf=$R/etc/stockbridge/agent.conf
journal=$R/var/lib/stockbridge/agent/journal
agent=$R/usr/bin/stockbridge-agent
url=

pid=
# An agent left running would hold the test's output open and hang it: stop it on any exit.
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; true' EXIT
start_agent() {  # starts the installed agent in the background; sets url and pid
  : >"$scratch/agent.log"  # exists before the agent runs: the loop below reads it at once
  "$agent" --config "$conf" >"$scratch/agent.out" 2>"$scratch/agent.log" </dev/null &
  pid=$!
  for _ in $(seq 1 100); do
    url=$(sed -n 's#.*"intake":"\(http://[^/]*\)/v1/events".*#\1#p' "$scratch/agent.log" | head -n1)
    [ -n "$url" ] && return 0
    kill -0 "$pid" 2>/dev/null || fail "the agent exited at start"
    sleep 0.1
  done
  fail "the agent did not start within 10 s"
}
stop_agent() {
  kill -TERM "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "the agent did not stop within 30 s of SIGTERM"; }
  wait "$pid" || fail "the agent did not stop cleanly (exit $?)"
  pid=
}
backlog() { curl -fsS --max-time 10 "$url/api/status" | grep -o '"backlog":"\?[0-9]*' | head -n1 | grep -o '[0-9]*$'; }
verify_json() { "$agent" journal verify --config "$conf" --json; }
json_field() { grep -o "\"$1\":\"\?[^\",}]*" | head -n1 | sed 's/.*:"\{0,1\}//'; }

# Rewrites the journal's meta record with standard LMDB tools, as if another
# agent version had written it: format = $1; the recorded site dropped when $2 = drop-site.
set_journal_format() {
  local fresh=$journal.rewrite
  rm -rf "$fresh" && mkdir "$fresh"
  mdb_dump -a -p "$journal" | awk -v fmt="$1" -v drop="$2" '
    /^database=/ { db = substr($0, 10) }
    /^HEADER=END$/ { data = 1; k = ""; print; next }
    /^DATA=END$/ { data = 0; print; next }
    !data { print; next }
    k == "" { k = $0; next }
    { v = $0
      if (db == "meta" && k == " format") v = " " fmt
      if (!(db == "meta" && k == " site" && drop == "drop-site")) { print k; print v }
      k = "" }' | mdb_load "$fresh" 2>"$scratch/mdb_load.err" || { cat "$scratch/mdb_load.err" >&2; fail "mdb_load"; }
  rm -rf "$journal" && mv "$fresh" "$journal"
}

say "1. install $(basename "$(deb_of current)")"
dpkg_root -i "$(deb_of current)"
current=$(installed_version)
[ -x "$agent" ] && [ -f "$R/lib/systemd/system/stockbridge-agent.service" ] || fail "the package's files are not installed"
dpkg --root="$R" -s stockbridge-agent | grep -q "^ /etc/stockbridge/agent.conf [0-9a-f]\{32\}\$" \
  || fail "dpkg does not know /etc/stockbridge/agent.conf as a conffile"
# What an operator does: complete the settings (and, here, keep everything inside the scratch root).
sed -i -e 's#^site.id =.*#site.id = lyon-1#' \
       -e "s#^journal.path = .*#journal.path = $journal#" \
       -e 's/^# intake.port = .*/intake.port = 0/' \
       -e 's#^\# mqtt.server_uri = .*#mqtt.server_uri = tcp://127.0.0.1:1#' "$conf"
"$agent" --config "$conf" --check-config >/dev/null || fail "the edited settings do not pass --check-config"
start_agent
events='{"events": ['
for i in $(seq 1 25); do
  [ "$i" -gt 1 ] && events+=','
  events+="{\"event_id\": \"clarus:lyon-1:adj:$i\", \"occurred_at\": \"2026-11-26T10:42:00Z\",
    \"stock_adjustment\": {\"sku\": \"SKU-0001\", \"warehouse\": \"WH1\", \"location\": \"A-01-01\",
    \"quantity_delta\": -1, \"unit\": \"EA\", \"reason_code\": \"DAMAGED\"}}"
done
events+=']}'
code=$(curl -sS --max-time 30 -o "$scratch/intake.json" -w '%{http_code}' -X POST "$url/v1/events" -H 'Content-Type: application/json' -d "$events")
[ "$code" = 201 ] || fail "intake answered $code: $(cat "$scratch/intake.json")"
[ "$(backlog)" = 25 ] || fail "backlog after intake is $(backlog), not 25"
stop_agent

say "2. the journal as the first release's agent left it (format 1, no site recorded)"
set_journal_format 1 drop-site
verify_json | json_field format | grep -qx 1 || fail "the journal is not of format 1: $(verify_json)"

say "3. upgrade to $(basename "$(deb_of next)")"
dpkg_root -i "$(deb_of next)"
next=$(installed_version)
dpkg --compare-versions "$next" gt "$current" || fail "installed $next is not above $current"
grep -qx 'site.id = lyon-1' "$conf" || fail "the upgrade did not keep the edited settings"
[ ! -e "$conf.dpkg-new" ] && [ ! -e "$conf.dpkg-dist" ] || fail "dpkg left a new conffile beside the edited one"
start_agent
grep -q '"migrated the journal from format 1 to 2"' "$scratch/agent.log" || fail "no migration in the log"
[ "$(backlog)" = 25 ] || fail "backlog after the upgrade is $(backlog), not 25"
stop_agent
report=$(verify_json) || fail "journal verify after the upgrade: $report"
echo "$report"
[ "$(json_field format <<<"$report")" = 2 ] || fail "the journal was not migrated to format 2"
[ "$(json_field site <<<"$report")" = lyon-1 ] || fail "the journal does not record site lyon-1"
[ "$(json_field unacknowledged <<<"$report")" = 25 ] || fail "journal verify does not count 25 unacknowledged events"

say "4. downgrade to $current, facing a journal of a newer format"
dpkg_root -i "$(deb_of current)"
[ "$(installed_version)" = "$current" ] || fail "the downgrade did not install $current"
set_journal_format 3 keep-site
state() { (cd "$journal" && ls && sha256sum data.mdb && stat -c '%n %s %Y' data.mdb); }
before=$(state)
set +e
timeout 30 "$agent" --config "$conf" >"$scratch/refused.out" 2>"$scratch/refused.err" </dev/null
code=$?
set -e
cat "$scratch/refused.err"
[ "$code" = 3 ] || fail "the agent on a journal of a newer format exits $code, not 3 (refused for good: not restarted)"
grep -q "it is of format 3, this agent supports formats 1 to 2" "$scratch/refused.err" \
  || fail "the refusal does not name the versions"
grep -q "leaving the journal untouched" "$scratch/refused.err" || fail "the refusal does not say the journal is untouched"
# The same files, and data.mdb byte for byte with its mtime. (lock.mdb holds
# only reader slots, which every open of the environment rewrites.)
[ "$(state)" = "$before" ] || fail "the journal changed although the agent refused: $(diff <(echo "$before") <(state))"
set +e
verify_json >/dev/null
code=$?
set -e
[ "$code" = 4 ] || fail "journal verify on a newer format exits $code, not 4"

say "5. remove keeps settings and journal; purge removes them"
dpkg_root -r stockbridge-agent
[ ! -e "$agent" ] || fail "remove left the program"
[ -f "$conf" ] && [ -f "$journal/data.mdb" ] || fail "remove took the settings or the journal"
dpkg_root -P stockbridge-agent
[ ! -e "$conf" ] || fail "purge left $conf"
[ ! -e "$R/var/lib/stockbridge/agent" ] || fail "purge left the state directory"
echo "install, upgrade, downgrade and purge OK"
