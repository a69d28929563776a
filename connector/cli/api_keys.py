"""`loyalty api-key create|list|revoke`: keys for the JSON API at /api/v1, one shop each."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from connector.api_keys import ApiKeyRefused, create_key, keys_of, revoke
from connector.models import ApiKey
from connector.types import utcnow


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def _key_json(key: ApiKey) -> dict:
    return {"prefix": key.prefix, "shop_id": key.shop_id, "name": key.name,
            "created_by": key.created_by, "created_at": _iso(key.created_at),
            "last_used_at": _iso(key.last_used_at), "revoked_at": _iso(key.revoked_at)}


def _prefix_of(given: str) -> str:
    """The prefix, also from a whole key pasted by mistake (`lk_<prefix>_<secret>`)."""
    parts = given.strip().split("_")
    return parts[1] if len(parts) >= 2 and parts[0] == "lk" else given.strip()


def register(cli: click.Group) -> None:
    @cli.group("api-key")
    def api_key() -> None:
        """Keys for the JSON API at /api/v1 (each good for one shop)."""

    @api_key.command("create")
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--name", required=True, help="who uses it, e.g. the review app")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def create(ctx, shop_id: int, name: str, as_json: bool) -> None:
        """Make a key for one shop and print it (only this once: only a hash is kept)."""
        services = ctx.ready_services()
        try:
            with services.db.transaction() as session:
                key, secret = create_key(session, shop_id, name, created_by="cli")
                info = _key_json(key)
        except ApiKeyRefused as exc:
            raise click.ClickException(str(exc)) from None
        if as_json:
            click.echo(json.dumps({**info, "key": secret}))
            return
        click.echo(secret)
        click.echo(f"API key {info['prefix']} ({info['name']}) for shop {shop_id}. Copy it now: "
                   "it will not be shown again. Send it as `Authorization: Bearer <key>`.",
                   err=True)

    @api_key.command("list")
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def list_keys(ctx, shop_id: int, as_json: bool) -> None:
        """A shop's keys: prefix, name, when made, last used and revoked."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            rows = [_key_json(key) for key in keys_of(session, shop_id)]
        if as_json:
            click.echo(json.dumps(rows))
            return
        if not rows:
            click.echo(f"no API keys for shop {shop_id}: make one with "
                       f"`loyalty api-key create --shop {shop_id} --name NAME`")
        for row in rows:
            state = f"revoked {row['revoked_at'][:16]}" if row["revoked_at"] else "active"
            click.echo(f"{row['prefix']}  {row['name']:<24} created {row['created_at'][:16]}  "
                       f"last used {(row['last_used_at'] or 'never')[:16]}  {state}")

    @api_key.command("revoke")
    @click.argument("prefix")
    @click.pass_obj
    def revoke_key(ctx, prefix: str) -> None:
        """Stop the key with PREFIX (as `list` shows it) from working, at once."""
        services = ctx.ready_services()
        with services.db.transaction() as session:
            key = session.scalar(select(ApiKey).where(ApiKey.prefix == _prefix_of(prefix)))
            if key is None:
                raise click.ClickException(f"no API key with prefix {prefix!r} "
                                           "(see `loyalty api-key list --shop ID`)")
            revoke(session, key, utcnow())
            name, shop_id = key.name, key.shop_id
        click.echo(f"API key {_prefix_of(prefix)} ({name}) of shop {shop_id} revoked")
