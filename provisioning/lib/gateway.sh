# Reaching a gateway: the transport shared by enroll and fleet-update
# (sourced, not run). The caller sets:
#   TRANSPORT  ssh or local
#   GW_HOST    ssh: USER@GATEWAY
#   SSH_OPTS   ssh: an array of extra options (-o OPT ...)
#   SUDO       ssh: "sudo" or empty
#   ROOT       local: the directory that stands for the gateway's root
# With the local transport the "gateway" is a directory on this machine and its
# commands run here: for tests and trials, not for real gateways.
# Scripts run on the gateway are single-quoted on purpose: they expand there.
# shellcheck shell=bash disable=SC2016

# gp PATH: where the gateway's PATH is, as the gateway's programs see it.
gp() {
  if [ "$TRANSPORT" = local ]; then printf '%s%s\n' "$ROOT" "$1"; else printf '%s\n' "$1"; fi
}

# gw_sh SCRIPT [ARG...]: runs a bash script on the gateway with ARGs as $1...
# Its stdin, stdout and stderr are this program's.
gw_sh() {
  local script="$1"
  shift
  if [ "$TRANSPORT" = local ]; then
    bash -c "$script" gateway "$@"
  else
    # The script travels base64-encoded, so that no shell on the way reads it;
    # each argument in single quotes, which every POSIX login shell (dash too)
    # reads back as it was, newlines included.
    local quoted="" a encoded q="'\\''"
    for a in "$@"; do quoted+=" '${a//\'/$q}'"; done
    encoded="$(printf '%s' "$script" | base64 -w0)"
    ssh -o BatchMode=yes -o ConnectTimeout=15 "${SSH_OPTS[@]}" "$GW_HOST" \
      "$SUDO bash -c \"\$(echo $encoded | base64 -d)\" gateway$quoted"
  fi
}

# gw_put LOCAL GWPATH MODE: a file onto the gateway, replaced atomically.
gw_put() {
  gw_sh 'set -e; umask 022; mkdir -p "$(dirname "$1")"; umask 077; cat >"$1.new"; chmod "$2" "$1.new"; mv -f "$1.new" "$1"' \
    "$(gp "$2")" "$3" <"$1"
}

# gw_get GWPATH: a file of the gateway to stdout.
gw_get() { gw_sh 'cat "$1"' "$(gp "$1")"; }

# The local transport's stand-ins for the service manager: the agent's pid
# file and log under the gateway's root.
gw_local_pid_file() { gp /run/stockbridge-agent.pid; }
gw_local_log_file() { gp /var/log/stockbridge-agent.log; }

# gw_local_restart PROGRAM CONFIG: local transport: stops the agent this root
# started (found by its pid file and its settings path) and starts PROGRAM
# --config CONFIG in the background. Prints the new pid; on failure says why
# on stderr and returns 1.
gw_local_restart() {
  local program="$1" config="$2" pid_file log pid tries
  pid_file="$(gw_local_pid_file)"
  log="$(gw_local_log_file)"
  mkdir -p "$(dirname "$pid_file")" "$(dirname "$log")"
  if [ -s "$pid_file" ]; then
    pid="$(cat "$pid_file")"
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$config"; then
      kill "$pid"
      tries=300
      while [ "$tries" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; tries=$((tries - 1)); done
      if kill -0 "$pid" 2>/dev/null; then
        echo "the agent already running (pid $pid) did not stop within 30s" >&2
        return 1
      fi
    fi
    rm -f "$pid_file"
  fi
  nohup "$program" --config "$config" >>"$log" 2>&1 </dev/null &
  pid=$!
  disown "$pid"  # not this shell's job: its end is not reported here
  echo "$pid" >"$pid_file"
  sleep 0.3
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the agent exited at once; its log:" >&2
    tail -n 25 "$log" >&2
    return 1
  fi
  echo "$pid"
}

# gw_local_alive: local transport: the agent of this root runs.
gw_local_alive() {
  local pid
  pid="$(cat "$(gw_local_pid_file)" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# gw_agent_log_tail SERVICE: the agent's last 25 log lines (journald over ssh).
gw_agent_log_tail() {
  if [ "$TRANSPORT" = local ]; then
    tail -n 25 "$(gw_local_log_file)" 2>/dev/null || true
  else
    gw_sh 'journalctl -u "$1" -n 25 --no-pager 2>&1 || true' "$1" 2>&1 || true
  fi
}

# Where the gateway keeps the fleet's release key (enroll --release-pub) and
# the updater's packages (the installed one and the one before it).
# shellcheck disable=SC2034
GW_RELEASE_PUB=/etc/stockbridge/release.pub
# shellcheck disable=SC2034
GW_UPDATE_DIR=/var/lib/stockbridge-update

# --- packages on the gateway ---------------------------------------------------------
# The gateway keeps verified packages in $GW_UPDATE_DIR/packages (root only)
# and takes what is sent in $GW_UPDATE_DIR/incoming (root only, a name per
# sending). Every step below runs there under the gateway's update lock
# ($GW_UPDATE_DIR/lock), so that two rollouts cannot interleave on a gateway.

# gw_send FILE SIG NAME: FILE and its signature SIG sent to the gateway's
# incoming directory under a name of their own; prints that path (as the
# gateway sees it, the signature beside it with .sig).
gw_send() {
  local dir sent
  dir="$(gp "$GW_UPDATE_DIR")"
  sent="$GW_UPDATE_DIR/incoming/$3.$(date +%s).$$.$RANDOM"
  gw_sh 'umask 077; mkdir -p -m 0700 "$1/incoming" "$1/packages"' "$dir" &&
    gw_put "$1" "$sent" 0600 && gw_put "$2" "$sent.sig" 0600 && gp "$sent"
}

# What gw_package runs on the gateway. Exit: 0 done, 1 failed before dpkg
# ran, 4 refused (a signature that does not match, another package), 5 dpkg
# or apt-get failed (the installed package may have changed).
# shellcheck disable=SC2034
GW_PACKAGE_SCRIPT='
  set -u
  action="$1" dir="$2" name="$3" pub="$4" mode="$5" expect="$6" sent="$7"
  umask 077
  mkdir -p -m 0700 "$dir/packages" "$dir/incoming" || exit 1
  exec 9>>"$dir/lock"
  flock -w 600 9 || { echo "another update has held $dir/lock on the gateway for 10 minutes"; exit 1; }
  # verify FILE: FILE.sig is the release key'"'"'s signature of it, and it is stockbridge-agent $expect.
  verify() {
    [ -s "$pub" ] || { echo "the gateway has no release key $pub"; return 1; }
    out=$(openssl dgst -sha256 -verify "$pub" -signature "$1.sig" "$1" 2>&1) ||
      { echo "the signature does not match the release key $pub ($out)"; return 1; }
    [ "$(dpkg-deb -f "$1" Package 2>/dev/null)" = stockbridge-agent ] && [ "$(dpkg-deb -f "$1" Version)" = "$expect" ] ||
      { echo "the signed package is not stockbridge-agent $expect"; return 1; }
  }
  case "$action" in
    keep|install)
      # What was sent is first moved where only this step sees it; that same file is verified and installed.
      work=$(mktemp -d "$dir/incoming/verify.XXXXXX") || exit 1
      if ! mv -f "$sent" "$work/$name" || ! mv -f "$sent.sig" "$work/$name.sig"; then
        rm -rf "$work" "$sent" "$sent.sig"; echo "what was sent is not there"; exit 1
      fi
      if ! why=$(verify "$work/$name"); then rm -rf "$work"; echo "REFUSED: $why"; exit 4; fi
      mv -f "$work/$name" "$dir/packages/$name" && mv -f "$work/$name.sig" "$dir/packages/$name.sig" && rmdir "$work" || exit 1
      echo "signature verified with $pub"
      [ "$action" = install ] || exit 0 ;;
    reinstall)
      [ -s "$dir/packages/$name" ] || { echo "no kept copy $dir/packages/$name"; exit 1; }
      if ! why=$(verify "$dir/packages/$name"); then echo "REFUSED: the kept copy: $why"; exit 4; fi ;;
    *) echo "unknown action $action"; exit 1 ;;
  esac
  cd "$dir/packages" || exit 1
  case "$mode" in
    apt) DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades -o DPkg::Lock::Timeout=120 \
           -o Dpkg::Options::=--force-confold "./$name" 2>&1 || exit 5 ;;
    root=*) dpkg --root="${mode#root=}" --log=/dev/null --force-not-root --force-script-chrootless \
              --force-depends --force-confold --force-downgrade -i "./$name" </dev/null 2>&1 || exit 5 ;;
  esac
  echo "installed $expect"'

# gw_package ACTION NAME VERSION [SENT]: on the gateway, under its update lock:
#   keep       verify SENT (from gw_send) and keep it as packages/NAME
#   install    the same, then install it (settings kept)
#   reinstall  verify the kept packages/NAME again and install it (a rollback)
# VERSION is the version the package must be. The exit status is the script's above.
gw_package() {
  local mode=apt
  if [ "$TRANSPORT" = local ]; then mode="root=$ROOT"; fi
  gw_sh "$GW_PACKAGE_SCRIPT" "$1" "$(gp "$GW_UPDATE_DIR")" "$2" "$(gp "$GW_RELEASE_PUB")" "$mode" "$3" "${4:-}"
}
