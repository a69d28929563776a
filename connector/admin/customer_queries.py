"""What the admin's customer pages read: a search over the programs a user may see, and one
customer's file (balance, tier history, lots, ledger, codes, shop accounts)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from connector.ledger import Balance, balance
from connector.models import (
    Customer,
    CustomerAccount,
    LedgerEntry,
    Redemption,
    Shop,
    TierChange,
)
from connector.redemptions import customer_lots
from rules.redemption import Lot

PAGE_SIZE = 50


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    available: int
    pending: int


@dataclass(frozen=True)
class SearchPage:
    rows: list[CustomerRow]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class LotLine:
    shop_id: int
    name: str
    opened_at: datetime | None
    available_at: datetime
    expires_at: datetime | None
    remaining: int
    status: str  # pending | available | expired | spent


@dataclass(frozen=True)
class ShopAccount:
    shop: Shop
    platform_customer_id: str


@dataclass(frozen=True)
class CustomerFile:
    customer: Customer
    balance: Balance
    tier_changes: list[TierChange]
    lots: list[LotLine]
    entries: list[LedgerEntry]
    codes: list[Redemption]
    accounts: list[ShopAccount]


def _matching(query: str):
    """Case-insensitive substring of the e-mail, the first or last name, or the full name."""
    wanted = query.strip().lower()
    full_name = func.coalesce(Customer.first_name, "") + " " + func.coalesce(Customer.last_name, "")
    return or_(*(func.lower(column).contains(wanted, autoescape=True) for column in (
        Customer.email, Customer.first_name, Customer.last_name, full_name)))


def search_customers(session: Session, programs: list[int], query: str, page: int,
                     now: datetime) -> SearchPage:
    """One page (PAGE_SIZE, newest customers first) of the programs' customers matching
    `query` (everyone when it is blank)."""
    conditions = [Customer.program_id.in_(programs)]
    if query.strip():
        conditions.append(_matching(query))
    total = session.scalar(select(func.count()).select_from(Customer).where(*conditions)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    found = list(session.scalars(select(Customer).where(*conditions)
                                 .order_by(Customer.id.desc())
                                 .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    pending = {customer_id: int(points) for customer_id, points in session.execute(
        select(LedgerEntry.customer_id, func.sum(LedgerEntry.points))
        .where(LedgerEntry.customer_id.in_([c.id for c in found]),
               LedgerEntry.available_at > now)
        .group_by(LedgerEntry.customer_id))}
    rows = [CustomerRow(c, c.points_total - pending.get(c.id, 0), pending.get(c.id, 0))
            for c in found]
    return SearchPage(rows, page, pages, total)


def visible_customer(session: Session, programs: list[int], customer_id: int
                     ) -> Customer | None:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.program_id not in programs:
        return None
    return customer


def adjustable_shops(session: Session, customer: Customer, shops: list[int]) -> list[Shop]:
    """The shops of the customer's program, among `shops`, an adjustment may be written on."""
    return list(session.scalars(select(Shop).where(
        Shop.program_id == customer.program_id, Shop.id.in_(shops), Shop.status != "removed")
        .order_by(Shop.id)))


def lot_status(lot: Lot, expired: bool, now: datetime) -> str:
    if expired or (lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= now):
        return "expired"
    if lot.remaining <= 0:
        return "spent"
    return "pending" if lot.available_at > now else "available"


def _lots(session: Session, customer: Customer, entries: list[LedgerEntry],
          now: datetime) -> list[LotLine]:
    opened = {f"{e.shop_id}|{e.lot}": e.created_at for e in entries if e.source_key == e.lot}
    expired = {f"{e.shop_id}|{e.lot}" for e in entries if e.kind == "expire"}
    lines = []
    for lot in customer_lots(session, customer):
        shop_id, name = lot.lot_id.split("|", 1)
        lines.append(LotLine(int(shop_id), name, opened.get(lot.lot_id), lot.available_at,
                             lot.expires_at, lot.remaining,
                             lot_status(lot, lot.lot_id in expired, now)))
    return sorted(lines, key=lambda line: line.available_at, reverse=True)


def customer_file(session: Session, customer: Customer, shops: list[int],
                  now: datetime) -> CustomerFile:
    """Everything the customer page shows; shop accounts only for the shops in `shops`."""
    entries = list(session.scalars(select(LedgerEntry)
                                   .where(LedgerEntry.customer_id == customer.id)
                                   .order_by(LedgerEntry.created_at.desc(),
                                             LedgerEntry.id.desc())))
    tier_changes = list(session.scalars(select(TierChange)
                                        .where(TierChange.customer_id == customer.id)
                                        .order_by(TierChange.changed_at.desc(),
                                                  TierChange.id.desc())))
    codes = list(session.scalars(select(Redemption)
                                 .where(Redemption.customer_id == customer.id)
                                 .order_by(Redemption.created_at.desc(), Redemption.id.desc())))
    accounts = [ShopAccount(shop, account.platform_customer_id) for account, shop in
                session.execute(select(CustomerAccount, Shop)
                                .join(Shop, Shop.id == CustomerAccount.shop_id)
                                .where(CustomerAccount.customer_id == customer.id,
                                       Shop.id.in_(shops)).order_by(Shop.id))]
    return CustomerFile(customer, balance(session, customer, now), tier_changes,
                        _lots(session, customer, entries, now), entries, codes, accounts)
