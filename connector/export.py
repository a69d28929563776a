"""`loyalty export --shop ID`: a shop's program, customers and full ledger as JSON Lines.

One JSON object per line, `{"type": ..., <column>: <value>, ...}`, parents before children so
`loyalty import-ledger` (connector.import_ledger) can insert them in file order with their ids:
a header (`export`), then merchants, the program, its versions, its shops, customers, customer
accounts, tier changes, orders, order refunds, ledger entries, redemptions, referral links,
share links, referrals, link visits, notices and privacy requests, and a footer (`end`) with the count of
each type and the sum of the ledger's points, so a truncated file is noticed.

Balances are per program, so the export covers every shop running the shop's program (a
customer's points may come from any of them). Datetimes are ISO-8601 UTC, money and decimals
are strings, birthdays ISO dates; stored JSON (order facts, referral decisions) stays the exact
text we stored, so the round trip is lossless.

Secrets are never written: access and refresh tokens, consumer keys, webhook and storefront
secrets and the registered webhooks' secrets stay behind; each shop line lists in `secrets`
which ones it had, so the operator knows to reconnect it. Operational state is not exported
either: the inbox of deliveries, the outbox of push jobs and their attempts, worker heartbeats,
install connect tokens and the JSON API's keys (a push still pending at export time is not
carried over).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from connector.models import (
    Base,
    Customer,
    CustomerAccount,
    LedgerEntry,
    LinkVisit,
    Merchant,
    Notice,
    OrderRefund,
    OrderState,
    PrivacyRequest,
    Program,
    ProgramVersion,
    Redemption,
    Referral,
    ReferralLink,
    ShareLink,
    Shop,
    ShopWebhook,
    TierChange,
)
from connector.types import utcnow

FORMAT = 1

# Dependency order: every foreign key points to a record written earlier.
RECORD_TYPES: tuple[tuple[str, type[Base]], ...] = (
    ("merchant", Merchant), ("program", Program), ("program_version", ProgramVersion),
    ("shop", Shop), ("customer", Customer), ("customer_account", CustomerAccount),
    ("tier_change", TierChange), ("order", OrderState), ("order_refund", OrderRefund), ("ledger_entry", LedgerEntry),
    ("redemption", Redemption), ("referral_link", ReferralLink), ("share_link", ShareLink),
    ("referral", Referral), ("link_visit", LinkVisit), ("notice", Notice),
    ("privacy_request", PrivacyRequest),
)

# Shop columns never exported, and the name each is listed under in a shop's `secrets`.
SHOP_SECRETS = {"webhook_secret_enc": "webhook_secret", "api_key_enc": "api_key",
                "api_secret_enc": "api_secret", "refresh_token_enc": "refresh_token",
                "storefront_secret_enc": "storefront_secret"}
# Describes the access token, which stays behind with it.
SHOP_OMITTED = (*SHOP_SECRETS, "api_token_expires_at")


@dataclass(frozen=True)
class ExportCounts:
    counts: dict[str, int]  # records written, by type
    ledger_sum: int


def encode(value: Any) -> Any:
    """A column value as JSON: dates and datetimes (stored UTC) as ISO-8601, Decimal as text."""
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _scope(model: type[Base], program: Program, shop_ids: list[int]) -> ColumnElement[bool]:
    table = model.__table__
    if model is Merchant:
        merchant_ids = select(Shop.merchant_id).where(Shop.program_id == program.id)
        return table.c.id.in_(merchant_ids) | (table.c.id == program.merchant_id)
    if model is Program:
        return table.c.id == program.id
    if "program_id" in table.c:
        return table.c.program_id == program.id
    if "shop_id" not in table.c:  # a customer's record (tier history)
        return table.c.customer_id.in_(select(Customer.id).where(
            Customer.program_id == program.id))
    return table.c.shop_id.in_(shop_ids)


def _rows(session: Session, model: type[Base], program: Program,
          shop_ids: list[int]) -> Iterator[dict[str, Any]]:
    table = model.__table__
    query = (select(table).where(_scope(model, program, shop_ids)).order_by(table.c.id)
             .execution_options(yield_per=500))
    for row in session.execute(query).mappings():
        yield {"id": row["id"], **{key: encode(value) for key, value in row.items()}}


def _shop_record(session: Session, row: dict[str, Any]) -> dict[str, Any]:
    held = [name for column, name in SHOP_SECRETS.items() if row.get(column)]
    topics = session.scalars(select(ShopWebhook.topic).where(ShopWebhook.shop_id == row["id"])
                             .order_by(ShopWebhook.topic))
    held += [f"webhook:{topic}" for topic in topics]
    return {**{k: v for k, v in row.items() if k not in SHOP_OMITTED}, "secrets": held}


def _line(out: TextIO, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def export_shop(session: Session, shop_id: int, out: TextIO,
                progress: Callable[[str], None] | None = None) -> ExportCounts:
    """Write the export of `shop_id`'s program to `out`; `progress` is told each record's type.

    Run it in one snapshot (a single read transaction, REPEATABLE READ on PostgreSQL), so the
    cached balances and the entries they sum agree."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise LookupError(f"no shop with id {shop_id}")
    program = session.get(Program, shop.program_id)
    shop_ids = list(session.scalars(select(Shop.id).where(Shop.program_id == program.id)))
    _line(out, {"type": "export", "format": FORMAT, "exported_at": encode(utcnow()),
                "shop_id": shop.id, "platform": shop.platform, "program_id": program.id})
    counts, ledger_sum = {}, 0
    for kind, model in RECORD_TYPES:
        counts[kind] = 0
        for row in _rows(session, model, program, shop_ids):
            _line(out, {"type": kind, **(_shop_record(session, row) if model is Shop else row)})
            counts[kind] += 1
            ledger_sum += row["points"] if model is LedgerEntry else 0
            if progress is not None:
                progress(kind)
    _line(out, {"type": "end", "counts": counts, "ledger_sum": ledger_sum})
    return ExportCounts(counts, ledger_sum)
