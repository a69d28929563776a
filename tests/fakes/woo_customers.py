"""Deterministic WooCommerce 7.9 customer bodies, and the names and addresses orders reuse.

Shaped like the captured fixture `01-customer.created.json`. Registered customers have ids from 2
(user 1 is the shop admin) and the email `customer<id>@example.com`; a customer's name, address
and phone depend only on their id, so their orders and their customer record agree.
"""
from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

STORE_URL = "http://127.0.0.1:8000/"
WC_DATE = "%Y-%m-%dT%H:%M:%S"


class Country(NamedTuple):
    code: str
    state: str
    city: str
    postcode: str
    street: str
    dial: str
    vat: int | None  # percent charged on orders shipped there, None: no tax
    tax_label: str
    rate_id: int
    weight: int  # how often customers live there


COUNTRIES = (
    Country("DE", "", "Berlin", "10115", "Invalidenstraße 7", "+49", 19, "MwSt", 1, 40),
    Country("FR", "", "Lyon", "69002", "12 rue de la République", "+33", 20, "TVA", 2, 15),
    Country("NL", "", "Utrecht", "3511 LX", "Oudegracht 158", "+31", 21, "BTW", 3, 12),
    Country("AT", "", "Wien", "1010", "Graben 21", "+43", 20, "USt", 4, 10),
    Country("IE", "D", "Dublin", "D02 X285", "14 Grafton Street", "+353", 23, "VAT", 5, 8),
    Country("CH", "ZH", "Zürich", "8001", "Bahnhofstrasse 10", "+41", None, "", 0, 8),
    Country("US", "CA", "Springfield", "94016", "1 Main St", "+1", None, "", 0, 7),
)
FIRST_NAMES = ("Alice", "Bruno", "Chloé", "David", "Emma", "Finn", "Greta", "Hugo", "Ines",
               "Jonas", "Katrin", "Lucas", "Marie", "Noah", "Olga", "Pieter", "Sofia", "Tom")
LAST_NAMES = ("Smith", "Müller", "Dubois", "de Vries", "Gruber", "Murphy", "Rossi", "Schmidt",
              "Martin", "Bakker", "Keller", "O'Brien", "Weber", "Janssen")


def wc_date(moment: datetime | None) -> str | None:
    """WooCommerce's date format, without offset ("2026-01-05T10:11:12"), in UTC."""
    return moment.astimezone(UTC).strftime(WC_DATE) if moment else None


def customer_email(customer_id: int) -> str:
    return f"customer{customer_id}@example.com"


def customer_ids(customers: int) -> list[int]:
    """The ids of `customers` registered customers."""
    return list(range(2, customers + 2))


def profile_for(key: str) -> dict:
    """A stable name, country and phone for a customer ("customer-5") or guest ("guest-3")."""
    rng = random.Random(key)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
    phone = f"{country.dial} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
    return {"first_name": first, "last_name": last, "country": country, "phone": phone}


def address(profile: dict, email: str | None) -> dict:
    """A billing address (with `email`) or, when `email` is None, a shipping address."""
    country = profile["country"]
    result = {"first_name": profile["first_name"], "last_name": profile["last_name"],
              "company": "", "address_1": country.street, "address_2": "", "city": country.city,
              "state": country.state, "postcode": country.postcode, "country": country.code}
    if email is not None:
        result["email"] = email
    result["phone"] = profile["phone"] if email is not None else ""
    return result


def make_customer(customer_id: int, email: str | None = None, *,
                  store_url: str = STORE_URL) -> dict:
    """A customer body shaped like fixture 01 (`GET /wc/v3/customers/<id>`)."""
    email = email or customer_email(customer_id)
    profile = profile_for(f"customer-{customer_id}")
    created = datetime(2025, 6, 1, tzinfo=UTC) + timedelta(hours=7 * customer_id, seconds=13)
    modified = created + timedelta(minutes=3)
    avatar = hashlib.md5(email.lower().encode()).hexdigest()
    return {
        "id": customer_id,
        "date_created": wc_date(created), "date_created_gmt": wc_date(created),
        "date_modified": wc_date(modified), "date_modified_gmt": wc_date(modified),
        "email": email, "first_name": profile["first_name"], "last_name": profile["last_name"],
        "role": "customer", "username": email.split("@")[0],
        "billing": address(profile, email), "shipping": address(profile, None),
        "is_paying_customer": True,
        "avatar_url": f"http://0.gravatar.com/avatar/{avatar}?s=96&d=mm&r=g",
        "meta_data": [{"id": 10 * customer_id + 1, "key": "wc_last_active",
                       "value": str(int(modified.timestamp()) // 86400 * 86400)}],
        "_links": {"self": [{"href": f"{store_url}wp-json/wc/v3/customers/{customer_id}"}],
                   "collection": [{"href": f"{store_url}wp-json/wc/v3/customers"}]},
    }


def make_customers(customers: int, *, store_url: str = STORE_URL) -> list[dict]:
    """The customer records behind `make_orders(..., customers=customers)`."""
    return [make_customer(cid, store_url=store_url) for cid in customer_ids(customers)]
