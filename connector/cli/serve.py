from __future__ import annotations

import signal
import threading

import click

from connector import worker as worker_loop


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8000, show_default=True, type=int)
    @click.option("--processes", type=int, default=None,
                  help="web processes (default 1 on SQLite, 2 on PostgreSQL)")
    @click.option("--no-worker", is_flag=True, help="do not run the worker inside the web process")
    @click.pass_obj
    def serve(ctx, host: str, port: int, processes: int | None, no_worker: bool) -> None:
        """Serve webhooks and the app (gunicorn), with the worker in-process."""
        from connector.serve import LoyaltyServer

        services = ctx.ready_services()
        fleet = services.config.fleet
        mode = (f"; scale-out on {fleet.kind}: run `loyalty worker` and `loyalty scheduler` "
                "beside it" if fleet else "")
        click.echo(f"loyalty: serving on http://{host}:{port} "
                   f"(database {services.config.database_url.split('@')[-1]}{mode}); "
                   "Ctrl-C stops")
        services.close()
        LoyaltyServer(services.config, host, port, run_worker=not (no_worker or fleet),
                      processes=processes).run()

    @cli.command()
    @click.option("--once", is_flag=True, help="drain what is waiting, then exit")
    @click.pass_obj
    def worker(ctx, once: bool) -> None:
        """Process received deliveries into the ledger and run push jobs: polling the tables
        (embedded), or as a Dramatiq worker with LOYALTY_BROKER_URL. Stops cleanly on SIGTERM."""
        from connector import pipeline, pushing

        services = ctx.ready_services()
        if once:
            click.echo(f"processed {pipeline.drain(services.db)} deliveries, "
                       f"ran {pushing.drain(services)} push jobs")
            return
        stop = _stop_on_signals()
        if services.config.fleet is None:
            worker_loop.run(services, stop)
            return
        from connector.fleet.processes import run_worker

        run_worker(services, stop)

    @cli.command()
    @click.pass_obj
    def scheduler(ctx) -> None:
        """Scale-out only: re-send rows no worker took, and run the periodic chores (expiry,
        referrals, birthdays, tier reviews, reconcile). One is enough; a second is harmless."""
        from connector.fleet.processes import run_scheduler

        services = ctx.ready_services()
        if services.config.fleet is None:
            raise click.ClickException("the scheduler is for the scale-out mode: set "
                                       "LOYALTY_BROKER_URL (the embedded worker does its work)")
        run_scheduler(services, _stop_on_signals())


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop
