"""Finding and creating customers: one per program by e-mail, linked to each shop's ids."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Row, bindparam, insert, select
from sqlalchemy.orm import Session

from connector.awards import award_signup
from connector.db import run_prepared
from connector.ledger import CUSTOMER_CARD
from connector.models import Customer, CustomerAccount, Shop
from rules.events import CustomerChange, CustomerEvent, normalise_email

# Built once (the worker resolves a customer per delivery): the shop's id and the program's are
# bound at each call.
_BY_ACCOUNT = (select(Customer).join(CustomerAccount, CustomerAccount.customer_id == Customer.id)
               .where(CustomerAccount.shop_id == bindparam("shop_id"),
                      CustomerAccount.platform_customer_id == bindparam("customer_ref")))
_BY_EMAIL = select(Customer).where(Customer.program_id == bindparam("program_id"),
                                   Customer.email == bindparam("email"))
# Serialise a customer's ledger writes across workers: read the row under a lock, fresh even if
# this session holds it already, so cached totals never grow from a stale value (the lock is a
# no-op on SQLite, whose writers take turns anyway).
_LOCKED = {"populate_existing": True}
_BY_ACCOUNT_LOCKED = _BY_ACCOUNT.with_for_update(of=Customer).execution_options(**_LOCKED)
_BY_EMAIL_LOCKED = _BY_EMAIL.with_for_update(of=Customer).execution_options(**_LOCKED)


def find_customer(session: Session, shop: Shop, customer_ref: str | None,
                  email: str | None) -> Customer | None:
    if customer_ref is not None:
        found = session.scalar(_BY_ACCOUNT, {"shop_id": shop.id, "customer_ref": customer_ref})
        if found is not None:
            return found
    email = normalise_email(email)
    if email is None:
        return None
    return session.scalar(_BY_EMAIL, {"program_id": shop.program_id, "email": email})


_ACCOUNTS = CustomerAccount.__table__
_INSERT_ACCOUNT = insert(_ACCOUNTS)
_CARD_BY_ACCOUNT = select(*CUSTOMER_CARD).join(
    _ACCOUNTS, _ACCOUNTS.c.customer_id == Customer.__table__.c.id).where(
    _ACCOUNTS.c.shop_id == bindparam("shop_id"),
    _ACCOUNTS.c.platform_customer_id == bindparam("customer_ref"))


def card_by_account(session: Session, shop_id: int, customer_ref: str,
                    now: datetime) -> Row | None:
    """The shop's customer with this platform id as a balance read shows them (a row of
    ledger.CUSTOMER_CARD, pending points at `now` included), or None: one prepared statement,
    for the storefront's most frequent call."""
    return run_prepared(session, _CARD_BY_ACCOUNT, flush=False, shop_id=shop_id,
                        customer_ref=customer_ref, now=now).first()


def resolve_customer(session: Session, shop: Shop, customer_ref: str | None,
                     email: str | None) -> Customer | None:
    """The program's customer for this platform id or e-mail, created on first sight.

    A guest (no platform id) is keyed by e-mail; when an account with that e-mail appears, it
    is linked to the same customer, so the guest's points are claimed by the account.
    """
    email = normalise_email(email)
    if customer_ref is not None:
        customer = session.scalar(_BY_ACCOUNT_LOCKED,
                                  {"shop_id": shop.id, "customer_ref": customer_ref})
        if customer is not None:
            return customer
    if customer_ref is None and email is None:
        return None
    customer = None if email is None else session.scalar(
        _BY_EMAIL_LOCKED, {"program_id": shop.program_id, "email": email})
    if customer is None:
        return new_customer(session, shop, email, customer_ref)
    if customer_ref is not None:
        link_account(session, shop, customer, customer_ref)
    return customer


def new_customer(session: Session, shop: Shop, email: str | None,
                 customer_ref: str | None) -> Customer:
    customer = Customer(program_id=shop.program_id, email=email, points_total=0,
                        lifetime_earned=0)
    session.add(customer)
    session.flush()
    if customer_ref is not None:
        link_account(session, shop, customer, customer_ref)
    return customer


def link_account(session: Session, shop: Shop, customer: Customer, customer_ref: str) -> None:
    """Give the customer the shop's platform id. Every caller has just found no customer with
    that id in the shop (an account names its customer), so there is no account to look for;
    another worker linking it first fails on the unique key, and the delivery runs again. The
    row is inserted at once: later lookups in this transaction see it without a flush."""
    session.connection().execute(_INSERT_ACCOUNT, {
        "customer_id": customer.id, "shop_id": shop.id, "platform_customer_id": customer_ref})


def _date_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def apply_customer_event(session: Session, shop: Shop, event: CustomerEvent) -> str:
    customer = resolve_customer(session, shop, event.customer_ref, event.email)
    if customer is None:
        return "customer without id or e-mail"
    customer.first_name = event.first_name or customer.first_name
    customer.last_name = event.last_name or customer.last_name
    if customer.email is None and event.email:
        customer.email = normalise_email(event.email)
    if event.accepts_marketing is not None:
        customer.accepts_marketing = event.accepts_marketing
    if customer.birthday is None and event.birthday:
        customer.birthday = _date_or_none(event.birthday)
    if event.change is CustomerChange.CREATED and customer.joined_at is None:
        customer.joined_at = event.occurred_at  # an account on the store is a member
    award_signup(session, shop, customer, event)
    return f"customer {customer.id} {event.change.value}"
