from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    @cli.command()
    @click.pass_obj
    def demo(ctx) -> None:
        """Seed a demo store with the example program and the captured WooCommerce deliveries."""
        from connector.demo import run_demo

        run_demo(ctx.services, click.echo)
