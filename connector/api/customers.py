"""The shop's customers: search, one customer with balance, and their ledger."""
from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from connector.api.auth import customer_of, customer_with_balance, services, shop_of
from connector.api.paths import CUSTOMER, ApiBlueprint
from connector.api.schemas import (
    CustomerPageSchema,
    CustomerQuery,
    CustomerSchema,
    LedgerPageSchema,
    PageQuery,
)
from connector.ledger import Balance
from connector.models import Customer, LedgerEntry
from connector.request_reads import request_reader
from connector.types import utcnow

blueprint = ApiBlueprint("customers", "The shop's customers, their balances and ledgers.")


def customer_json(customer: Customer | Row, totals: Balance) -> dict:
    """`customer`: the model, or a row of ledger.CUSTOMER_CARD."""
    return {"id": customer.id, "email": customer.email, "first_name": customer.first_name,
            "last_name": customer.last_name, "member": customer.joined_at is not None,
            "joined_at": customer.joined_at, "tier": customer.tier,
            "balance": balance_json(totals)}


def balance_json(totals: Balance) -> dict:
    return {"available": totals.available, "pending": totals.pending,
            "lifetime_earned": totals.lifetime_earned}


def _pending(session: Session, customer_ids: list[int], now: datetime) -> dict[int, int]:
    """Points still pending at `now`, per customer, in one query."""
    rows = session.execute(select(LedgerEntry.customer_id, func.sum(LedgerEntry.points))
                           .where(LedgerEntry.customer_id.in_(customer_ids),
                                  LedgerEntry.available_at > now)
                           .group_by(LedgerEntry.customer_id))
    return {customer_id: int(points) for customer_id, points in rows}


def _page_of(total: int, page: int, per_page: int) -> dict:
    return {"page": page, "per_page": per_page, "total": total}


@blueprint.route("/customers")
class CustomerList(MethodView):
    @blueprint.arguments(CustomerQuery, location="query", as_kwargs=True)
    @blueprint.response(200, CustomerPageSchema)
    @blueprint.errors(404)
    def get(self, shop_id: int, q: str, page: int, per_page: int):
        """Customers of the shop's program, oldest first; `q` finds part of an e-mail or name
        in any case."""
        with services().db.reading() as session:
            shop = shop_of(session, shop_id)
            query = select(Customer).where(Customer.program_id == shop.program_id)
            words = q.strip()
            if words:
                query = query.where(or_(*(column.icontains(words, autoescape=True) for column
                                          in (Customer.email, Customer.first_name,
                                              Customer.last_name))))
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            found = list(session.scalars(query.order_by(Customer.id)
                                         .offset((page - 1) * per_page).limit(per_page)))
            pending = _pending(session, [c.id for c in found], utcnow())
        return {**_page_of(total or 0, page, per_page), "customers": [
            customer_json(c, Balance(c.points_total - pending.get(c.id, 0),
                                     pending.get(c.id, 0), c.lifetime_earned))
            for c in found]}


@blueprint.route(CUSTOMER)
class CustomerView(MethodView):
    reads_card = True  # GET: require_key reads the customer's card with the key

    @blueprint.response(200, CustomerSchema)
    @blueprint.errors(404)
    def get(self, shop_id: int, customer_id: int):
        """One customer with their balance and tier."""
        return customer_json(*customer_with_balance(request_reader(), shop_id, customer_id,
                                                     utcnow()))


def entry_json(entry: LedgerEntry) -> dict:
    return {"id": entry.id, "shop_id": entry.shop_id, "kind": entry.kind,
            "points": entry.points, "lot": entry.lot, "source_key": entry.source_key,
            "reason": entry.reason, "actor": entry.actor, "created_at": entry.created_at,
            "available_at": entry.available_at, "expires_at": entry.expires_at}


@blueprint.route(f"{CUSTOMER}/ledger")
class LedgerView(MethodView):
    @blueprint.arguments(PageQuery, location="query", as_kwargs=True)
    @blueprint.response(200, LedgerPageSchema)
    @blueprint.errors(404)
    def get(self, shop_id: int, customer_id: int, page: int, per_page: int):
        """The customer's ledger entries, oldest first: every movement behind the balance."""
        with services().db.reading() as session:
            customer = customer_of(session, shop_of(session, shop_id), customer_id)
            mine = LedgerEntry.customer_id == customer.id
            total = session.scalar(select(func.count()).select_from(LedgerEntry).where(mine))
            entries = session.scalars(select(LedgerEntry).where(mine).order_by(LedgerEntry.id)
                                      .offset((page - 1) * per_page).limit(per_page))
            return {**_page_of(total or 0, page, per_page), "customer_id": customer.id,
                    "entries": [entry_json(entry) for entry in entries]}
