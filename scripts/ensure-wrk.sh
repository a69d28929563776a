#!/usr/bin/env bash
# The acknowledgement benchmark drives the server with wrk (Debian's package). Install it when
# it is missing; fail with a clear message if that fails.
set -u
if command -v wrk >/dev/null 2>&1; then
  echo "wrk: $(command -v wrk)"
  exit 0
fi
echo "wrk: not found; installing Debian's package"
if "$(dirname "$0")/apt-install.sh" /tmp/loyalty-apt.log wrk; then
  echo "wrk: installed"
  exit 0
fi
echo "ERROR: the benchmarks need wrk and installing it failed (see /tmp/loyalty-apt.log)." >&2
echo "Install it with: apt-get install -y wrk" >&2
exit 1
