#!/usr/bin/env bash
# Make sure the local PostgreSQL the test suite needs is up; start it if it is not.
# Fails with a clear message (never skips) when it cannot be started.
set -u
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}

pg_up() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PGHOST" -p "$PGPORT"
  else
    python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('$PGHOST',$PGPORT)))"
  fi
}

if pg_up; then
  echo "postgresql: up at $PGHOST:$PGPORT"
  exit 0
fi
echo "postgresql: not answering at $PGHOST:$PGPORT; starting it"
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
fi
for _ in $(seq 1 30); do
  pg_up && { echo "postgresql: started"; exit 0; }
  sleep 1
done
echo "ERROR: PostgreSQL is required by the test suite and is not reachable at $PGHOST:$PGPORT." >&2
echo "Start it (e.g. 'pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start')" >&2
echo "or point LOYALTY_TEST_POSTGRES_URL at a server where user postgres may create databases." >&2
exit 1
