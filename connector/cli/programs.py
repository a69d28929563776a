from __future__ import annotations

from pathlib import Path

import click

from connector import programs as program_store
from connector.models import Shop
from rules.program import ProgramError, load_program


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def shop_or_fail(session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise click.ClickException(f"no shop with id {shop_id} (see `loyalty shop list`)")
    return shop


def register(cli: click.Group) -> None:
    @cli.group()
    def program() -> None:
        """Loyalty programs (TOML files) and their published versions."""

    @program.command()
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def validate(file: str) -> None:
        """Check a program file; prints what is wrong, with the key."""
        try:
            loaded = load_program(_read(file), source=file)
        except ProgramError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{file}: ok ({loaded.name}, {len(loaded.tiers)} tiers, "
                   f"{len(loaded.rewards)} rewards)")

    @program.command()
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.pass_obj
    def publish(ctx, shop_id: int, file: str) -> None:
        """Publish FILE as the next immutable version of the shop's program."""
        services = ctx.ready_services()
        try:
            with services.db.transaction() as session:
                shop = shop_or_fail(session, shop_id)
                version = program_store.publish(session, shop.program_id, _read(file), file)
                number = version.version
        except ProgramError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"published version {number} of program {shop.program_id} (shop {shop_id})")

    @program.command()
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.pass_obj
    def show(ctx, shop_id: int) -> None:
        """Print the live version of the shop's program."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            shop = shop_or_fail(session, shop_id)
            version = program_store.live_version(session, shop.program_id)
            if version is None:
                raise click.ClickException(f"shop {shop_id} has no published program yet")
            published = version.published_at.strftime("%Y-%m-%d %H:%M")
            click.echo(f"# version {version.version}, published {published} UTC by {version.actor}")
            click.echo(version.source_text)
