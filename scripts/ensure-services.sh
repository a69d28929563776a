#!/usr/bin/env bash
# Make sure the local services the test suite needs are up: PostgreSQL (storage tests), Redis
# and RabbitMQ (the scale-out tests' brokers). Start each one that is down; fail with a clear
# message (never skip) when one cannot be started. Start commands are the machines' own.
set -u
HOST=127.0.0.1

port_open() {
  python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('$HOST',$1)))"
}

wait_for() {  # name, port, seconds
  for _ in $(seq 1 "$3"); do
    port_open "$2" && { echo "$1: started"; return 0; }
    sleep 1
  done
  return 1
}

ensure() {  # name, port, seconds to wait, how to start it (a shell command), hint
  if port_open "$2"; then
    echo "$1: up at $HOST:$2"
    return 0
  fi
  echo "$1: not answering at $HOST:$2; starting it"
  bash -c "$4" >/tmp/loyalty-start-$1.log 2>&1 || true
  wait_for "$1" "$2" "$3" && return 0
  echo "ERROR: $1 is required by the test suite and is not reachable at $HOST:$2" >&2
  echo "(see /tmp/loyalty-start-$1.log). Start it with: $5" >&2
  exit 1
}

PG_START='for v in $(ls /etc/postgresql); do pg_ctlcluster --skip-systemctl-redirect "$v" main start; done'
REDIS_START='redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log'
RABBIT_START='rabbitmq-server -detached'

ensure postgresql "${PGPORT:-5432}" 30 "$PG_START" \
  "pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start (or point LOYALTY_TEST_POSTGRES_URL at a server where user postgres may create databases)"
ensure redis 6379 20 "$REDIS_START" "$REDIS_START"
ensure rabbitmq 5672 60 "$RABBIT_START" "$RABBIT_START"
