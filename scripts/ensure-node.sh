#!/usr/bin/env bash
# The store-side JavaScript tests (integrations/) need Node.js 18 or newer: install Debian's
# nodejs when it is missing or older; fail with a clear message if that fails.
set -u
major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
if [ "$(major)" -ge 18 ]; then
  echo "node: $(node --version)"
  exit 0
fi
echo "node: Node.js 18 or newer not found; installing Debian's nodejs"
if "$(dirname "$0")/apt-install.sh" /tmp/loyalty-apt-node.log nodejs && [ "$(major)" -ge 18 ]; then
  echo "node: installed ($(node --version))"
  exit 0
fi
echo "ERROR: the integration tests need Node.js 18 or newer and installing Debian's nodejs" >&2
echo "failed or gave an older one (see /tmp/loyalty-apt-node.log): apt-get install -y nodejs" >&2
exit 1
