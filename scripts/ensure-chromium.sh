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
if "$(dirname "$0")/apt-install.sh" /tmp/loyalty-apt.log chromium; then
  echo "chromium: installed ($("$CHROMIUM" --version 2>/dev/null | head -1))"
  exit 0
fi
echo "ERROR: the browser tests need Debian's chromium at $CHROMIUM and installing it failed" >&2
echo "(see /tmp/loyalty-apt.log). Install it with: apt-get install -y chromium" >&2
exit 1
