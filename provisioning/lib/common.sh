# Shared shell functions of the provisioning scripts (sourced, not run).
# Messages go to stderr; only results (paths, listings) go to stdout.
# shellcheck shell=bash

# The program's name in messages, e.g. "fleet-ca".
PROG="${PROG:-$(basename "$0")}"

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

note() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# need_cmd NAME PACKAGE: fail plainly when a tool is missing.
need_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed (Debian package: $2); install it and run again"
}

# An id usable as a certificate identity, an MQTT user name and a topic level:
# letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64.
valid_id() {
  [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]]
}

require_id() {
  local what="$1" value="$2"
  [ -n "$value" ] || die "$what is missing"
  valid_id "$value" || die "$what '$value' is not valid: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)"
}

# usage_die MESSAGE: a mistake in the command line; exits $USAGE_EXIT (1 unless
# the program sets it, e.g. fleet-update's 2).
usage_die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit "${USAGE_EXIT:-1}"
}

# require_value OPTION "$@": the option's argument, or a plain error.
require_value() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then usage_die "$1 needs a value (see --help)"; fi
}

require_uint() {
  if ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -eq 0 ]; then usage_die "$1 must be a positive whole number, not '$2'"; fi
}

# abs_path PATH: PATH made absolute (it need not exist yet).
abs_path() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
  esac
}
