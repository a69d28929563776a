#!/usr/bin/env bash
# apt-install.sh LOG PACKAGE...: install Debian packages without questions (sudo unless root),
# once more after `apt-get update` if the package lists are stale. Output goes to LOG.
# APT_OPTIONS adds apt-get options (e.g. --no-install-recommends).
set -u
log=$1; shift
if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
install() {
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q ${APT_OPTIONS:-} "$@" >"$log" 2>&1
}
install "$@" || { $SUDO apt-get update -q >/dev/null 2>&1 && install "$@"; }
