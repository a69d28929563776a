from __future__ import annotations

import json

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from connector.models import Shop
from connector.shops import add_shop, webhook_path


def _shop_json(shop: Shop, public_url: str) -> dict:
    return {"id": shop.id, "platform": shop.platform, "ref": shop.ref, "status": shop.status,
            "program_id": shop.program_id, "webhook_url": public_url + webhook_path(shop)}


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
            click.echo(f"{row['id']:>4}  {row['platform']:<12} {row['status']:<8} {row['ref']}  "
                       f"-> {row['webhook_url']}")
