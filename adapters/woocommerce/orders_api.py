"""Reading orders back from a store, a page at a time (import and reconcile).

Pages are requested by number: over http the `Link` header embeds our one-time OAuth nonce and
signature, so its `rel="next"` only tells us whether, and which, page comes next.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlparse

from adapters.base import Credentials, OrderPage
from adapters.woocommerce.rest import client, request

PER_PAGE = 100
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def next_page(link_header: str | None) -> int | None:
    match = _NEXT.search(link_header or "")
    if match is None:
        return None
    pages = parse_qs(urlparse(match.group(1)).query).get("page")
    return int(pages[0]) if pages and pages[0].isdigit() else None


def order_page(credentials: Credentials, modified_after: datetime, page: int,
               status: str = "any") -> OrderPage:
    response = request(client(credentials), "get", "orders", params={
        "modified_after": modified_after.strftime("%Y-%m-%dT%H:%M:%S"), "dates_are_gmt": "true",
        "orderby": "modified", "order": "asc", "per_page": PER_PAGE, "page": page,
        "status": status})
    orders = response.json() or []
    total = response.headers.get("X-WP-Total", "")
    return OrderPage(orders, int(total) if total.isdigit() else len(orders),
                     next_page(response.headers.get("Link")))


def orders_since(credentials: Credentials, modified_after: datetime,
                 status: str = "any") -> Iterator[OrderPage]:
    """Every page of orders modified after the date, oldest modification first."""
    page: int | None = 1
    while page is not None:
        current = order_page(credentials, modified_after, page, status)
        yield current
        following = current.next_page
        page = following if isinstance(following, int) and following > page else None
