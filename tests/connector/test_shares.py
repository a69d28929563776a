"""Share links pay for real visits and real orders only: one visit bonus per visitor per day,
none for bots, link previews or the sharer, at most `share_daily_cap` a day, and the conversion
bonus once when a counted visit becomes a paid order."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from connector.customers import find_customer
from connector.members import join
from connector.models import LedgerEntry, LinkVisit, Shop
from connector.types import utcnow
from tests.connector.storefront_shops import drain, make_store_shop
from tests.support import EXAMPLE_PROGRAM

PROGRAM = EXAMPLE_PROGRAM.read_text()  # 25 per visit, cap 2 a day, 100 per converted order
RITA = "rita@example.org"
BROWSER = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0 Safari/537.36")
BUYER_IP = "203.0.113.24"  # the Shopify fixture order's browser_ip


@pytest.fixture(params=["shopify", "woocommerce"])
def store(request, services):
    made = make_store_shop(request.param, services, PROGRAM)
    yield made
    made.fake.__exit__(None, None, None)


@pytest.fixture
def share(client, services, store):
    """Rita's share link for the mug page: (code, facebook link path)."""
    with services.db.transaction() as session:
        join(session, session.get(Shop, store.shop_id), RITA, utcnow(), customer_ref="9001")
    answer = client.get(f"{store.url('links')}?{store.signed('9001', page='/products/mug')}",
                        headers={"User-Agent": "sharer-browser/1.0 Safari"},
                        environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()["share"]
    assert body["page"].endswith("/products/mug")
    assert set(body["links"]) == {"facebook", "x", "whatsapp", "pinterest", "email"}
    return body["code"], body["links"]["facebook"].split("://", 1)[1].split("/", 1)[1]


def visit(client, path: str, ip: str, agent: str = BROWSER):
    answer = client.get("/" + path, headers={"User-Agent": agent},
                        environ_base={"REMOTE_ADDR": ip})
    assert answer.status_code == 302
    return answer


def placed_now(store, minutes: int = 1, **changes) -> dict:
    """Order fields that place the fixture order just after the visits (now, in UTC)."""
    at = utcnow() + timedelta(minutes=minutes)
    if store.platform == "shopify":
        stamp = at.isoformat()
        return {"created_at": stamp, "processed_at": stamp, "updated_at": stamp, **changes}
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S")
    return {"customer_ip_address": BUYER_IP, "date_created_gmt": stamp, "date_paid_gmt": stamp,
            "date_modified_gmt": stamp, **changes}


def share_points(services, store) -> list[int]:
    with services.db.reading() as session:
        rita = find_customer(session, session.get(Shop, store.shop_id), None, RITA)
        return list(session.scalars(select(LedgerEntry.points).where(
            LedgerEntry.customer_id == rita.id, LedgerEntry.source_key.like("share%"))))


def test_a_visit_redirects_to_the_page_with_the_code_and_sets_a_cookie(client, services,
                                                                        store, share):
    code, path = share
    answer = visit(client, path, "198.51.100.1")
    assert answer.headers["Location"].endswith(f"/products/mug?ref={code}")
    assert f"loyalty_share={code}" in answer.headers["Set-Cookie"]
    assert client.get("/s/NOSUCHCODE").status_code == 404


def test_a_thousand_bot_or_repeated_visits_earn_at_most_one_visit_bonus(client, services,
                                                                         store, share):
    _, path = share
    for number in range(500):  # link previews and crawlers, from all over
        visit(client, path, f"198.51.{number // 250}.{number % 250}",
              "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")
    for _ in range(500):  # one person reloading
        visit(client, path, "198.51.100.7")
    assert share_points(services, store) == [25]
    with services.db.reading() as session:
        assert session.scalar(select(func.count(LinkVisit.id))) == 1000
        assert session.scalar(select(func.count(LinkVisit.id)).where(
            LinkVisit.counted.is_(True))) == 1


def test_distinct_visitors_earn_up_to_the_daily_cap_and_the_sharer_earns_nothing(
        client, services, store, share):
    _, path = share
    if store.platform == "woocommerce":  # the browser that asked for the link is the sharer's
        answer = client.get("/" + path, headers={"User-Agent": "sharer-browser/1.0 Safari"},
                            environ_base={"REMOTE_ADDR": "192.0.2.99"})
        assert answer.status_code == 302
    for number in range(5):
        visit(client, path, f"198.51.100.{number + 10}")
    assert share_points(services, store) == [25, 25]  # cap 2 a day
    with services.db.reading() as session:
        reasons = session.scalars(select(LinkVisit.reason).order_by(LinkVisit.id)).all()
    expected = ["distinct visit"] * 2 + ["daily cap reached"] * 3
    if store.platform == "woocommerce":
        expected = ["the sharer's own visit", *expected]
    assert reasons == expected


def test_a_counted_visit_that_becomes_a_paid_order_pays_the_conversion_bonus_once(
        client, services, store, share):
    code, path = share
    visit(client, path, BUYER_IP)
    for _ in range(2):
        store.post(client, store.order_with_code(code, **placed_now(store)))
        drain(services)
    later = placed_now(store, 2) if store.platform == "shopify" else \
        placed_now(store, 2, status="completed")  # fulfilled: still the same conversion
    if store.platform == "shopify":
        later["created_at"] = later["processed_at"] = placed_now(store)["created_at"]
    store.post(client, store.order_with_code(code, **later))
    drain(services)
    assert sorted(share_points(services, store)) == [25, 100]
    with services.db.reading() as session:
        keys = session.scalars(select(LedgerEntry.source_key).where(
            LedgerEntry.source_key.like("share-order:%"))).all()
    assert keys == [f"share-order:{code}:{store.friend_order}"]


def test_an_order_with_the_code_but_no_counted_visit_from_its_buyer_pays_nothing(
        client, services, store, share):
    code, path = share
    visit(client, path, "198.51.100.50")  # someone else's visit
    store.post(client, store.order_with_code(code, **placed_now(store)))
    drain(services)
    assert share_points(services, store) == [25]


def test_a_share_code_typed_as_a_coupon_pays_no_conversion(client, services, store, share):
    """A coupon attributes only a referral code: a share pays for the visit that brought the
    order (its code arrives on the landing URL or order meta), not for a code passed around."""
    code, path = share
    visit(client, path, BUYER_IP)
    typed = store.typed_coupon(code.lower())
    store.post(client, store.order_with_code(None, **placed_now(store, **typed)))
    drain(services)
    assert share_points(services, store) == [25]  # the visit's bonus only


@pytest.mark.parametrize(("hops", "counted"), [(0, 1), (1, 2)])
def test_visitors_behind_a_trusted_proxy_are_told_apart_by_forwarded_for(
        settings, services, store, share, hops, counted):
    """Without LOYALTY_TRUSTED_PROXIES a forged X-Forwarded-For changes nothing; with the proxy
    declared, two people behind it are two visitors."""
    from connector import create_app

    app = create_app({**settings, "LOYALTY_TRUSTED_PROXIES": str(hops)})
    try:
        behind = app.test_client()
        _, path = share
        for person in ("198.51.100.61", "198.51.100.62"):
            answer = behind.get("/" + path, headers={"User-Agent": BROWSER,
                                                     "X-Forwarded-For": person},
                                environ_base={"REMOTE_ADDR": "10.0.0.2"})
            assert answer.status_code == 302
    finally:
        app.extensions["loyalty"].close()
    assert len(share_points(services, store)) == counted
