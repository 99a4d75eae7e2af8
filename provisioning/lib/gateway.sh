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
