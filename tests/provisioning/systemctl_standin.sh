#!/bin/sh
# A stand-in for systemctl inside the provisioning tests' Debian root (no
# service manager runs in a chroot). It runs stockbridge-agent.service the way
# its unit says: as the stockbridge user, with its state directory made and
# owned by that user (StateDirectory=), started again by restart, stopped with
# SIGTERM. Enabling is the wants symlink deb-systemd-helper also makes. Enough
# for the package's maintainer scripts (through deb-systemd-invoke), enroll
# and fleet-update; nothing else.
wants=/etc/systemd/system/multi-user.target.wants
pidfile=/run/stockbridge-agent.pid
log=/var/log/stockbridge-agent.log
quiet=0 action="" prop="" units=""
while [ $# -gt 0 ]; do
  case "$1" in
    -q|--quiet) quiet=1 ;;
    -p|--property) prop="$2"; shift ;;
    -*) ;;
    *) if [ -z "$action" ]; then action="$1"; else units="$units ${1%.service}"; fi ;;
  esac
  shift
done
running() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
stop() {
  running || return 0
  pid=$(cat "$pidfile")
  kill -TERM "$pid"
  n=0
  while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  kill -KILL "$pid" 2>/dev/null
  rm -f "$pidfile"
}
start() {
  install -d -m 0750 -o stockbridge -g stockbridge /var/lib/stockbridge/agent
  nohup setpriv --reuid=stockbridge --regid=stockbridge --init-groups \
    /usr/bin/stockbridge-agent --config /etc/stockbridge/agent.conf >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}
for unit in $units; do
  [ "$unit" = stockbridge-agent ] || { echo "systemctl stand-in: unknown unit $unit" >&2; exit 5; }
done
case "$action" in
  daemon-reload|reset-failed|mask|unmask) exit 0 ;;
  enable|preset) for u in $units; do mkdir -p "$wants"; ln -sf "/lib/systemd/system/$u.service" "$wants/$u.service"; done ;;
  disable) for u in $units; do rm -f "$wants/$u.service"; done ;;
  is-enabled)
    for u in $units; do
      if [ -L "$wants/$u.service" ]; then [ "$quiet" = 1 ] || echo enabled; else [ "$quiet" = 1 ] || echo disabled; exit 1; fi
    done ;;
  is-active)
    if running; then [ "$quiet" = 1 ] || echo active; else [ "$quiet" = 1 ] || echo inactive; exit 3; fi ;;
  start) running || start ;;
  restart) stop; start ;;
  try-restart) if running; then stop; start; fi ;;
  stop) stop ;;
  show) [ "$prop" = NRestarts ] && echo 0 ;;
  *) echo "systemctl stand-in: '$action' is not supported" >&2; exit 1 ;;
esac
exit 0
