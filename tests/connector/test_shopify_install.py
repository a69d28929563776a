"""Installing on a Shopify store: the OAuth authorization code flow against the fake Admin API,
with a signed callback; every bad input refused with a clear message."""
from __future__ import annotations

import hashlib
import hmac
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, text

from connector import outbox, pushing
from connector.models import OutboxJob, Shop
from connector.shops import credentials
from connector.types import utcnow
from tests.fakes.shopify import FakeShopify

CLIENT_ID, CLIENT_SECRET = "app-client-id", "app-client-secret-123"
DOMAIN = "loyalty-test.myshopify.com"
PUBLIC = "https://203.0.113.10"


@pytest.fixture
def fake():
    with FakeShopify(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as server:
        yield server


@pytest.fixture
def settings(settings, fake):
    return {**settings, "LOYALTY_SHOPIFY_CLIENT_ID": CLIENT_ID,
            "LOYALTY_SHOPIFY_CLIENT_SECRET": CLIENT_SECRET, "LOYALTY_SHOPIFY_API_BASE": fake.url,
            "LOYALTY_PUBLIC_URL": PUBLIC, "LOYALTY_PUSH_TIMEOUT_SECONDS": "5"}


def signed(params: dict, secret: str = CLIENT_SECRET) -> dict:
    """Sign like Shopify: sorted key=value pairs without hmac, joined with &, hex HMAC-SHA256."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    return dict(params, hmac=hmac.new(secret.encode(), message.encode(),
                                      hashlib.sha256).hexdigest())


def begin(client, shop=DOMAIN) -> str:
    response = client.get("/shopify/install", query_string={"shop": shop})
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert location.netloc == shop and location.path == "/admin/oauth/authorize"
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [f"{PUBLIC}/shopify/callback"]
    assert "write_discounts" in query["scope"][0]
    return query["state"][0]


def callback(client, fake, state, **changes):
    params = {"code": fake.issue_code(), "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvbG95YWx0eQ",
              "shop": DOMAIN, "state": state, "timestamp": str(int(time.time()))}
    params.update(changes)
    return client.get("/shopify/callback", query_string=signed(params))


def test_install_stores_the_token_encrypted_and_subscribes_webhooks(client, services, fake):
    answer = callback(client, fake, begin(client))
    assert answer.status_code == 200 and "Installed" in answer.get_data(as_text=True)
    with services.db.reading() as session:
        shop = session.scalar(select(Shop))
        raw = session.execute(text("SELECT * FROM shops")).all()
    assert shop.ref == DOMAIN and shop.status == "active"
    issued = fake._tokens - {"shpat_fake"}
    assert len(issued) == 1
    assert next(iter(issued)) not in repr(raw) and CLIENT_SECRET not in repr(raw)
    pushing.drain(services)
    with services.db.reading() as session:
        (job,) = session.scalars(select(OutboxJob)).all()
        assert job.status == "done", job.last_error
    uris = {sub["uri"] for sub in fake.webhook_subscriptions.values()}
    topics = {sub["topic"] for sub in fake.webhook_subscriptions.values()}
    assert uris == {f"{PUBLIC}/webhooks/shopify"} and len(topics) == 8
    assert "APP_UNINSTALLED" in topics and "REFUNDS_CREATE" in topics


def test_installing_again_keeps_one_shop_and_one_subscription_per_topic(client, services,
                                                                        fake):
    for _ in range(2):
        assert callback(client, fake, begin(client)).status_code == 200
        pushing.drain(services)
    with services.db.reading() as session:
        assert len(session.scalars(select(Shop)).all()) == 1
    assert len(fake.webhook_subscriptions) == 8


@pytest.mark.parametrize(("change", "status", "message"), [
    ("hmac", 400, "hmac: the callback is not signed with the app's client secret"),
    ("state", 403, "state: unknown"),
    ("shop", 400, "shop: expected the store's permanent domain"),
    ("old", 400, "timestamp: the callback is more than a day old"),
    ("reused", 403, "state: already used"),
    ("other-shop", 403, "made for another shop"),
])
def test_a_bad_callback_is_refused_with_a_clear_message(client, services, fake, change, status,
                                                        message):
    state = begin(client)
    if change == "reused":
        assert callback(client, fake, state).status_code == 200
    params = {"code": fake.issue_code(), "shop": DOMAIN, "state": state,
              "timestamp": str(int(time.time()))}
    if change == "state":
        params["state"] = state[:-3] + "xyz"
    elif change == "shop":
        params["shop"] = "evil.example.com"
    elif change == "old":
        params["timestamp"] = str(int(time.time()) - 2 * 86400)
    elif change == "other-shop":
        params["shop"] = "someone-else.myshopify.com"
    query = signed(params, "not-the-secret" if change == "hmac" else CLIENT_SECRET)
    answer = client.get("/shopify/callback", query_string=query)
    assert answer.status_code == status and message in answer.get_json()["error"]
    with services.db.reading() as session:
        assert len(session.scalars(select(Shop)).all()) == (1 if change == "reused" else 0)


def test_install_refuses_a_shop_that_is_not_a_myshopify_domain(client):
    answer = client.get("/shopify/install", query_string={"shop": "shop.example.com"})
    assert answer.status_code == 400 and "myshopify.com" in answer.get_json()["error"]


def installed_shop(client, services, fake) -> int:
    assert callback(client, fake, begin(client)).status_code == 200
    pushing.drain(services)
    with services.db.reading() as session:
        return session.scalar(select(Shop.id))


def expire_now(services, fake) -> None:
    fake.expire_tokens()
    with services.db.transaction() as session:
        for shop in session.scalars(select(Shop)):
            shop.api_token_expires_at = utcnow() - timedelta(minutes=1)


def test_install_asks_for_an_expiring_token_and_keeps_its_refresh_token_encrypted(
        client, services, fake):
    installed_shop(client, services, fake)
    with services.db.reading() as session:
        shop = session.scalar(select(Shop))
        raw = repr(session.execute(text("SELECT * FROM shops")).all())
    assert shop.refresh_token_enc and "shprt_" not in raw
    assert timedelta(minutes=55) < shop.api_token_expires_at - utcnow() <= timedelta(hours=1)


def test_an_expired_token_is_renewed_once_before_the_next_push(client, services, fake):
    shop_id = installed_shop(client, services, fake)
    expire_now(services, fake)
    with services.db.transaction() as session:
        outbox.enqueue(session, shop_id, "customer.tier", "tier-after-expiry",
                       {"customer_ref": "7001", "tag": "loyalty-gold", "previous_tag": None})
    pushing.drain(services)
    with services.db.reading() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.kind == "customer.tier"))
        shop = session.get(Shop, shop_id)
    assert job.status == "done", job.last_error
    assert fake.refreshes == 1 and shop.api_token_expires_at > utcnow()
    assert fake.customer_tags["gid://shopify/Customer/7001"] == {"loyalty-gold"}


def test_concurrent_workers_renew_the_token_once(client, services, fake):
    shop_id = installed_shop(client, services, fake)
    expire_now(services, fake)
    with services.db.reading() as session:
        stale = session.get(Shop, shop_id)
        session.expunge(stale)
    with ThreadPoolExecutor(max_workers=4) as pool:
        keys = list(pool.map(lambda _: credentials(stale, services).key, range(4)))
    assert fake.refreshes == 1 and len(set(keys)) == 1


def test_a_refused_renewal_disconnects_the_shop_with_the_reason(client, services, fake):
    shop_id = installed_shop(client, services, fake)
    expire_now(services, fake)
    fake._refresh_tokens.clear()  # revoked on Shopify's side
    with services.db.transaction() as session:
        outbox.enqueue(session, shop_id, "customer.tier", "tier-refused",
                       {"customer_ref": "7001", "tag": "loyalty-gold", "previous_tag": None})
    pushing.drain(services)
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
    assert shop.status == "disconnected" and "renew the access token" in shop.status_note
