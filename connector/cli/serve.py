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
        click.echo(f"loyalty: serving on http://{host}:{port} "
                   f"(database {services.config.database_url.split('@')[-1]}); Ctrl-C stops")
        services.close()
        LoyaltyServer(services.config, host, port, run_worker=not no_worker,
                      processes=processes).run()

    @cli.command()
    @click.option("--once", is_flag=True, help="drain what is waiting, then exit")
    @click.pass_obj
    def worker(ctx, once: bool) -> None:
        """Process received deliveries into the ledger (stops cleanly on SIGTERM)."""
        from connector import pipeline, pushing

        services = ctx.ready_services()
        if once:
            click.echo(f"processed {pipeline.drain(services.db)} deliveries, "
                       f"ran {pushing.drain(services)} push jobs")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        worker_loop.run(services, stop)
