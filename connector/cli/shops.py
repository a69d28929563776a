from __future__ import annotations

import json
import re

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from connector.models import Shop
from connector.shops import add_shop, webhook_path


def _shop_json(shop: Shop, public_url: str) -> dict:
    return {"id": shop.id, "platform": shop.platform, "ref": shop.ref, "status": shop.status,
            "status_note": shop.status_note, "program_id": shop.program_id,
            "merchant_id": shop.merchant_id,
            "webhook_url": public_url + webhook_path(shop)}


_REQUIRED = {"woocommerce": ("url", "consumer_key", "consumer_secret", "webhook_secret"),
             "shopify": ("domain", "access_token", "client_secret")}
_SHOPIFY_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")


def _store_settings(platform: str, given: dict) -> tuple[str, str, str, str | None]:
    """(ref, webhook secret, API key or token, API secret) from the options for `platform`."""
    for name in _REQUIRED[platform]:
        if not given.get(name):
            raise click.UsageError(f"{platform} needs --{name.replace('_', '-')}")
    if platform == "shopify":
        domain = given["domain"].strip().lower()
        if not _SHOPIFY_DOMAIN.fullmatch(domain):
            raise click.BadParameter("expected the permanent domain, like shop-name.myshopify.com",
                                     param_hint="--domain")
        return domain, given["client_secret"], given["access_token"], None
    if len(given["webhook_secret"]) < 8:
        raise click.BadParameter("at least 8 characters: anyone could sign with a short "
                                 "secret", param_hint="--webhook-secret")
    return (given["url"].strip().rstrip("/") + "/", given["webhook_secret"],
            given["consumer_key"], given["consumer_secret"])


def register(cli: click.Group) -> None:
    @cli.group()
    def shop() -> None:
        """Connected stores."""

    @shop.command("add")
    @click.argument("platform", type=click.Choice(["woocommerce", "shopify"]))
    @click.option("--url", help="WooCommerce: the store's home URL")
    @click.option("--consumer-key", help="WooCommerce: REST API key (ck_...)")
    @click.option("--consumer-secret", help="WooCommerce: REST API secret (cs_...)")
    @click.option("--webhook-secret",
                  help="WooCommerce: the secret set on the store's webhooks (url-safe)")
    @click.option("--domain", help="Shopify: the shop's permanent domain, x.myshopify.com")
    @click.option("--access-token", help="Shopify: the app's Admin API access token")
    @click.option("--client-secret", help="Shopify: the app's client secret (signs webhooks)")
    @click.option("--api-base", default=None, help="call this address instead of the store's "
                  "(a fake platform server in tests)")
    @click.option("--earn-test-orders", is_flag=True, help="let test orders earn (Shopify)")
    @click.option("--program", "program_id", type=int, default=None,
                  help="share an existing program (same merchant) instead of a new one")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def add(ctx, platform, api_base, earn_test_orders, program_id, as_json, **given) -> None:
        """Add a store; prints its id and the webhook URL to give the store."""
        ref, secret, key, key_secret = _store_settings(platform, given)
        services = ctx.ready_services()
        try:
            with services.db.transaction() as session:
                created = add_shop(session, services.box, platform, ref, webhook_secret=secret,
                                   api_key=key, api_secret=key_secret, api_base=api_base,
                                   program_id=program_id)
                created.earn_test_orders = earn_test_orders
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

    @shop.command("storefront-secret")
    @click.argument("shop_id", type=int)
    @click.pass_obj
    def storefront_secret_command(ctx, shop_id: int) -> None:
        """Print the secret a WooCommerce store's snippet signs storefront calls with."""
        from connector.cli.programs import shop_or_fail
        from connector.storefront_auth import storefront_secret

        services = ctx.ready_services()
        with services.db.transaction() as session:
            shop = shop_or_fail(session, shop_id)
            if shop.platform != "woocommerce":
                raise click.ClickException("Shopify storefront calls come through the app "
                                           "proxy, signed with the app's client secret")
            click.echo(storefront_secret(session, services.box, shop))
