from __future__ import annotations

import json

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from connector.models import Shop
from connector.shops import add_shop, webhook_path


def _shop_json(shop: Shop, public_url: str) -> dict:
    return {"id": shop.id, "platform": shop.platform, "ref": shop.ref, "status": shop.status,
            "status_note": shop.status_note, "program_id": shop.program_id,
            "webhook_url": public_url + webhook_path(shop)}


def register(cli: click.Group) -> None:
    @cli.group()
    def shop() -> None:
        """Connected stores."""

    @shop.command("add")
    @click.argument("platform", type=click.Choice(["woocommerce"]))
    @click.option("--url", required=True, help="the store's home URL")
    @click.option("--consumer-key", required=True)
    @click.option("--consumer-secret", required=True)
    @click.option("--webhook-secret", required=True,
                  help="the secret set on the store's webhooks (url-safe characters)")
    @click.option("--program", "program_id", type=int, default=None,
                  help="share an existing program (same merchant) instead of a new one")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def add(ctx, platform, url, consumer_key, consumer_secret, webhook_secret, program_id,
            as_json) -> None:
        """Add a store; prints its id and the webhook URL to give the store."""
        if len(webhook_secret) < 8:
            raise click.BadParameter("at least 8 characters: anyone could sign with a short "
                                     "secret", param_hint="--webhook-secret")
        services = ctx.ready_services()
        ref = url.strip().rstrip("/") + "/"
        try:
            with services.db.transaction() as session:
                created = add_shop(session, services.box, platform, ref,
                                   webhook_secret=webhook_secret, api_key=consumer_key,
                                   api_secret=consumer_secret, program_id=program_id)
                info = _shop_json(created, services.config.public_url)
        except IntegrityError:
            raise click.ClickException(f"a {platform} shop for {ref} already exists "
                                       "(see `loyalty shop list`)") from None
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        if as_json:
            click.echo(json.dumps({"id": info["id"], "webhook_url": info["webhook_url"]}))
        else:
            click.echo(f"shop {info['id']} added; webhook URL: {info['webhook_url']}")

    register_connect(shop)

    @shop.command("list")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def list_shops(ctx, as_json: bool) -> None:
        """List stores with their webhook URLs."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            rows = [_shop_json(s, services.config.public_url)
                    for s in session.scalars(select(Shop).order_by(Shop.id))]
        if as_json:
            click.echo(json.dumps(rows))
            return
        if not rows:
            click.echo("no shops yet: add one with `loyalty shop add woocommerce ...`")
        for row in rows:
            click.echo(f"{row['id']:>4}  {row['platform']:<12} {row['status']:<12} {row['ref']}  "
                       f"-> {row['webhook_url']}")
            if row["status_note"]:
                click.echo(f"      {row['status_note']}")


def register_connect(shop: click.Group) -> None:
    @shop.command("connect")
    @click.argument("platform", type=click.Choice(["woocommerce"]))
    @click.option("--store-url", required=True, help="the store's home URL")
    @click.option("--program", "program_id", type=int, default=None,
                  help="run an existing program instead of a new one")
    @click.pass_obj
    def connect(ctx, platform: str, store_url: str, program_id: int | None) -> None:
        """Print the link that lets the store's admin approve the connection (wc-auth)."""
        from connector.woo_connect import ConnectRefused, start_connect

        try:
            started = start_connect(ctx.ready_services(), store_url, program_id)
        except ConnectRefused as exc:
            raise click.ClickException(str(exc)) from None
        for problem in started.problems:
            click.echo(f"warning: {problem}", err=True)
        click.echo("Open this link while logged in to the store's admin (valid for one hour):")
        click.echo(started.authorize_url)

    @shop.command("doctor")
    @click.argument("shop_id", type=int)
    @click.option("--fix", is_flag=True, help="re-register missing or disabled webhooks first")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def doctor(ctx, shop_id: int, fix: bool, as_json: bool) -> None:
        """Check a store's connection, keys, webhooks and delivery URL; exit 1 on a failure."""
        from adapters import TransportError
        from connector.doctor import diagnose
        from connector.woo_connect import register_webhooks

        services = ctx.ready_services()
        if fix:
            try:
                for topic, action in register_webhooks(services, shop_id).items():
                    click.echo(f"webhook {topic}: {action}", err=True)
            except TransportError as exc:
                click.echo(f"could not re-register webhooks: {exc}", err=True)
        checks = diagnose(services, shop_id)
        if as_json:
            click.echo(json.dumps([check.__dict__ for check in checks]))
        else:
            for check in checks:
                click.echo(f"{check.status.upper():<5} {check.subject}: {check.detail}")
        if any(check.status == "fail" for check in checks):
            raise SystemExit(1)
