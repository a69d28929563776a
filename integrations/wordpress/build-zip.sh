#!/usr/bin/env bash
# Build the installable plugin: <outdir>/loyalty-connector.zip holding the folder
# loyalty-connector/ (the tests live beside it, in integrations/wordpress/tests, never inside).
# Python's zipfile is used because python3 is on every machine that runs the service.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR   (writes OUTDIR/loyalty-connector.zip)" >&2
  exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)/loyalty-connector.zip
python3 - "$HERE" "$OUT" <<'PY'
import sys
import zipfile
from pathlib import Path

here, out = Path(sys.argv[1]), Path(sys.argv[2])
plugin = here / "loyalty-connector"
files = sorted(p for p in plugin.rglob("*") if p.is_file()
               and not any(part.startswith(".") or part == "tests"
                           for part in p.relative_to(plugin).parts))
tmp = out.with_suffix(".zip.tmp")
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
    for path in files:
        archive.write(path, f"loyalty-connector/{path.relative_to(plugin).as_posix()}")
tmp.replace(out)
print(f"{out}: {len(files)} files")
PY
