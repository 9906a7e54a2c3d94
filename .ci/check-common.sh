# Sourced by the .ci/*-check.sh scripts after they set `check` (their name) and pass their arguments:
#   check=consumer-check; source "$(dirname "$0")/check-common.sh" "$@"
# Sets repo (the repository root) and work (the folder given as $1, or a new temporary folder that is removed once
# the check has passed, since it holds GBs of libtorch copies, and kept on failure), and defines fail and step.
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ge 1 ]; then
  work=$1
else
  work=$(mktemp -d "/tmp/qquant-$check.XXXXXX")
  trap '[ $? -eq 0 ] && rm -rf "$work"' EXIT
fi
mkdir -p "$work"
fail() { echo "$check: FAILED: $*" >&2; exit 1; }
step() { echo "$check: $*"; }
