"""A day of a busy WooCommerce store as signed webhook deliveries, for the scale-out tests.

Orders are the captured order 13 (fixtures 04, 06, 07) with their own ids, customers and times:
every order is paid; every third is completed afterwards; every fifth is partly refunded.
Customers have several orders each. Then 20% of the deliveries are sent twice, and the whole
list is shuffled, so updates arrive before creations and copies out of turn.
"""
from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.support import load_woo_fixture, woo_signature

FIRST_CUSTOMER = 100
START = datetime(2026, 11, 23, 3, 55, 8)


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]
    key: str  # what makes it unique: the same key is the same delivery sent again


def _captured(name: str) -> tuple[dict, dict[str, str]]:
    delivery = load_woo_fixture(name)
    return json.loads(delivery["body"]), dict(delivery["headers"])


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _order(template: dict, number: int, customer: int, paid: datetime,
           modified: datetime) -> dict:
    order = copy.deepcopy(template)
    email = f"customer{customer}@example.com"
    order.update(id=10_000 + number, number=str(10_000 + number), customer_id=customer,
                 date_created_gmt=_stamp(paid), date_paid_gmt=_stamp(paid),
                 date_modified_gmt=_stamp(modified))
    order["billing"] = {**order["billing"], "email": email}
    links = order.get("_links", {}).get("customer")
    if links:
        links[0]["href"] = links[0]["href"].rsplit("/", 1)[0] + f"/{customer}"
    return order


def _signed(payload: dict, headers: dict[str, str], key: str) -> Delivery:
    raw = json.dumps(payload).encode()
    headers = dict(headers, **{"X-WC-Webhook-Signature": woo_signature(raw),
                               "Content-Length": str(len(raw))})
    return Delivery(raw, headers, key)


def unique_deliveries(orders: int, orders_per_customer: int = 3) -> list[Delivery]:
    """Each order's deliveries, in the order the store sent them."""
    paid, paid_headers = _captured("04")
    completed, completed_headers = _captured("06")
    refunded, refunded_headers = _captured("07")
    made = []
    for number in range(orders):
        customer = FIRST_CUSTOMER + number // orders_per_customer
        at = START + timedelta(minutes=number)
        made.append(_signed(_order(paid, number, customer, at, at), paid_headers,
                            f"{number}:paid"))
        if number % 3 == 0:
            later = at + timedelta(seconds=80)
            made.append(_signed(_order(completed, number, customer, at, later),
                                completed_headers, f"{number}:completed"))
        if number % 5 == 0:
            later = at + timedelta(seconds=84)
            made.append(_signed(_order(refunded, number, customer, at, later),
                                refunded_headers, f"{number}:refund"))
    return made


def busy_day(orders: int, seed: int, duplicates: float = 0.2) -> list[Delivery]:
    """The unique deliveries plus `duplicates` of them again, shuffled."""
    rng = random.Random(seed)
    unique = unique_deliveries(orders)
    again = rng.sample(unique, int(len(unique) * duplicates))
    sent = unique + again
    rng.shuffle(sent)
    return sent


def customers(orders: int, orders_per_customer: int = 3) -> list[int]:
    return list(range(FIRST_CUSTOMER, FIRST_CUSTOMER + -(-orders // orders_per_customer)))
