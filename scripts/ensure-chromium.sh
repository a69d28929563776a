#!/usr/bin/env bash
# The browser tests drive Debian's chromium through Playwright (Playwright cannot download its
# own browser here). Install it when it is missing; fail with a clear message if that fails.
set -u
CHROMIUM=${LOYALTY_TEST_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -1)"
  exit 0
fi
echo "chromium: not found at $CHROMIUM; installing Debian's package"
if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
if DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/tmp/loyalty-apt.log 2>&1 \
   || { $SUDO apt-get update -q >/dev/null 2>&1 && \
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/tmp/loyalty-apt.log 2>&1; }; then
  echo "chromium: installed ($("$CHROMIUM" --version 2>/dev/null | head -1))"
  exit 0
fi
echo "ERROR: the browser tests need Debian's chromium at $CHROMIUM and installing it failed" >&2
echo "(see /tmp/loyalty-apt.log). Install it with: apt-get install -y chromium" >&2
exit 1
