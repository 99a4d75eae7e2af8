#!/usr/bin/env bash
# A stand-in for `ssh` in the provisioning tests (installed as `ssh` first on
# PATH). It does what ssh does with its command line once connected: it takes
# its options and the destination off, joins the remaining arguments with
# spaces and has the login shell run that string (sh -c: dash, the strictest a
# gateway may have). With SSH_STANDIN_ROOT set, the "gateway" is that Debian
# root: the string runs there (chroot), with a login's fresh environment.
# With SSH_STANDIN_LOG set, the options and the destination are written there.
# The network hop and authentication are what it leaves out.
log="${SSH_STANDIN_LOG:-/dev/null}"
while [ $# -gt 0 ]; do
  case "$1" in
    -o|-p|-i|-l|-F) printf '%s %s\n' "$1" "$2" >>"$log"; shift 2 ;;
    -*) printf '%s\n' "$1" >>"$log"; shift ;;
    *) break ;;
  esac
done
printf 'destination %s\n' "$1" >>"$log"
shift
if [ -n "${SSH_STANDIN_ROOT:-}" ]; then
  exec chroot "$SSH_STANDIN_ROOT" env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$*"
fi
exec sh -c "$*"
