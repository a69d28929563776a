"""The scale-out mode: web processes record deliveries, Dramatiq workers process them, and a
scheduler re-sends what no worker took. The inbox and outbox tables stay the source of truth:
a message only says "row N is ready", is sent after the transaction that wrote the row commits,
and a worker that gets it claims the row with a lock, so a lost message delays work and a
repeated one does nothing. Chosen by LOYALTY_BROKER_URL (connector.fleet_config)."""
