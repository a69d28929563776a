"""The common events every platform adapter produces.

Adapters report *cumulative* facts: what an order looks like now, not what changed. Deliveries
repeat, arrive out of order and coalesce; the ledger turns facts into deltas.
Money is Decimal, points are int, time is aware UTC.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum


class OrderStatus(str, Enum):
    PENDING = "pending"  # not (yet) paid: nothing earns
    PAID = "paid"
    FULFILLED = "fulfilled"  # paid and completed/shipped; counts as paid too
    REFUNDED = "refunded"  # fully refunded
    CANCELLED = "cancelled"

    @property
    def is_paid(self) -> bool:
        return self in (OrderStatus.PAID, OrderStatus.FULFILLED)


@dataclass(frozen=True)
class LineItem:
    """One order line. `total` is the line's amount after discounts, before tax."""

    sku: str | None
    product_id: str | None
    quantity: int
    total: Decimal
    name: str = ""

    @property
    def unit_price(self) -> Decimal:
        return self.total / self.quantity if self.quantity else Decimal(0)


@dataclass(frozen=True)
class OrderEvent:
    platform: str
    shop_ref: str  # the shop as the platform names it (domain, store URL)
    order_id: str
    customer_ref: str | None  # platform customer id; None for a guest
    email: str | None  # normalised (trimmed, lower-case)
    currency: str
    status: OrderStatus
    created_at: datetime
    updated_at: datetime  # the platform's modification time: orders facts by recency
    paid_at: datetime | None
    line_items: tuple[LineItem, ...]
    shipping: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    discounts: Decimal = Decimal(0)
    discount_codes: tuple[str, ...] = ()
    referral_code: str | None = None
    refunded: Decimal = Decimal(0)  # cumulative amount refunded as of this fact
    channel: str = "online"
    test: bool = False
    # The buyer's IP, address and payment fingerprint for the referral fraud rules, normalised
    # and hashed by the adapter (rules.identity.digest): never kept in clear.
    ip_digest: str | None = None
    address_digest: str | None = None
    payment_digest: str | None = None

    @property
    def merchandise(self) -> Decimal:
        return sum((line.total for line in self.line_items), Decimal(0))

    @property
    def was_paid(self) -> bool:
        """Paid now, or paid before being refunded or cancelled: a fact first seen refunded
        must earn (and then lose) what the paid fact would have, whatever arrives first."""
        return self.status.is_paid or (
            self.paid_at is not None
            and self.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED))


class CustomerChange(str, Enum):
    CREATED = "created"
    UPDATED = "updated"
    REDACTED = "redacted"


@dataclass(frozen=True)
class CustomerEvent:
    platform: str
    shop_ref: str
    customer_ref: str
    change: CustomerChange
    occurred_at: datetime
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birthday: str | None = None  # ISO date (YYYY-MM-DD) when the platform knows it
    accepts_marketing: bool | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionEvent:
    """Anything else that earns: a review, a newsletter signup, a share click, a custom action."""

    platform: str
    shop_ref: str
    action: str
    key: str  # idempotency key for this action
    occurred_at: datetime
    customer_ref: str | None = None
    email: str | None = None
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderDeleted:
    """The store trashed an order (WooCommerce `order.deleted` carries only its id)."""

    platform: str
    shop_ref: str
    order_id: str


@dataclass(frozen=True)
class OrderRefunded:
    """One refund of an order (Shopify `refunds/create`, whose body is the refund, not the
    order): `merchandise` is what it returned of the line items after discounts, before tax,
    in the shop's currency; shipping and amount-only adjustments are not in it. Refunds are
    cumulative by id: the ledger sums every refund id it has seen for the order."""

    platform: str
    shop_ref: str
    order_id: str
    refund_id: str
    merchandise: Decimal
    occurred_at: datetime


@dataclass(frozen=True)
class ShopUninstalled:
    """The merchant removed the app: stop every push; the shop's data goes on shop redact."""

    platform: str
    shop_ref: str


class PrivacyRequest(str, Enum):
    DATA_REQUEST = "data_request"  # give the merchant what we hold on the customer
    CUSTOMER_REDACT = "customer_redact"  # erase the customer's personal data
    SHOP_REDACT = "shop_redact"  # erase the shop's data (48 h after uninstall)


@dataclass(frozen=True)
class PrivacyEvent:
    """A mandatory compliance request (Shopify's customers/data_request, customers/redact,
    shop/redact). Customer fields are None for a shop redact."""

    platform: str
    shop_ref: str
    request: PrivacyRequest
    customer_ref: str | None = None
    email: str | None = None
    order_ids: tuple[str, ...] = ()
    request_id: str | None = None


@dataclass(frozen=True)
class IgnoredDelivery:
    """A verified delivery that carries nothing loyalty cares about (echo, ping, unknown topic)."""

    reason: str


Event = (OrderEvent | OrderDeleted | OrderRefunded | CustomerEvent | ActionEvent
         | ShopUninstalled | PrivacyEvent | IgnoredDelivery)


def normalise_email(email: str | None) -> str | None:
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None
