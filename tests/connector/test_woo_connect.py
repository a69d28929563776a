"""Connecting a WooCommerce store in one click (wc-auth) against the fake store, and the
delivery-URL warnings given at connect time."""
from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, text

from connector import pushing
from connector.models import ConnectToken, OutboxJob, Shop, ShopWebhook
from tests.connector.woo import fixture_delivery, post
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import woo_signature

ADMIN_PASSWORD = "correct horse battery"
PUBLIC = "https://203.0.113.10"  # a public address (TEST-NET-3): no delivery-URL warnings
TOPICS = {"order.created", "order.updated", "order.deleted", "customer.created",
          "customer.updated"}


@pytest.fixture
def settings(settings):
    return {**settings, "LOYALTY_ADMIN_PASSWORD": ADMIN_PASSWORD, "LOYALTY_PUBLIC_URL": PUBLIC,
            "LOYALTY_PUSH_TIMEOUT_SECONDS": "5"}


@pytest.fixture
def store():
    with FakeWooCommerce("ck_" + "a" * 40, "cs_" + "b" * 40, ping_webhooks=False) as fake:
        yield fake


def operator():
    token = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def start(client, store_url: str):
    return client.get("/woocommerce/connect", query_string={"store_url": store_url},
                      headers=operator())


def state_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    return parse_qs(location.query)["user_id"][0]


def grant(store: FakeWooCommerce, state: str) -> dict:
    return {"key_id": 7, "user_id": state, "consumer_key": store.consumer_key,
            "consumer_secret": store.consumer_secret, "key_permissions": "read_write"}


def connect(client, services, store) -> int:
    state = state_of(start(client, store.url))
    answer = client.post("/woocommerce/callback", json=grant(store, state))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    pushing.drain(services)
    return answer.get_json()["shop_id"]


def test_connect_redirects_the_merchant_to_the_store_authorize_page(client, store):
    response = start(client, store.url)
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        f"{store.url}wc-auth/v1/authorize"
    assert query["scope"] == ["read_write"] and query["app_name"] == ["Loyalty"]
    assert query["callback_url"] == [f"{PUBLIC}/woocommerce/callback"]
    assert query["return_url"] == [f"{PUBLIC}/woocommerce/return"]
    assert len(query["user_id"][0]) >= 40  # unguessable


def test_connecting_stores_encrypted_keys_and_registers_the_five_webhooks(client, services,
                                                                          store):
    shop_id = connect(client, services, store)
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        assert shop.status == "active" and shop.ref == store.url
        stored = session.scalars(select(ShopWebhook).where(ShopWebhook.shop_id == shop_id)).all()
        raw_rows = session.execute(text("SELECT * FROM shops")).all()
    assert store.consumer_key not in repr(raw_rows) and store.consumer_secret not in repr(raw_rows)
    hooks = list(store.webhooks.values())
    assert {hook["topic"] for hook in hooks} == TOPICS and len(hooks) == 5
    assert {hook["delivery_url"] for hook in hooks} == {f"{PUBLIC}/webhooks/woocommerce/{shop_id}"}
    assert all(hook["status"] == "active" for hook in hooks)
    assert len({hook["secret"] for hook in hooks}) == 5  # a fresh secret per webhook
    assert {row.platform_webhook_id for row in stored} == {str(h["id"]) for h in hooks}
    (job,) = jobs(services)
    assert job.kind == "shop.register_webhooks" and job.status == "done"


def test_deliveries_signed_with_a_registered_secret_are_accepted(client, services, store):
    shop_id = connect(client, services, store)
    (order_hook,) = [h for h in store.webhooks.values() if h["topic"] == "order.created"]
    body, headers = fixture_delivery("04")
    headers["X-WC-Webhook-Signature"] = woo_signature(body, order_hook["secret"])
    assert post(client, shop_id, body, headers).get_json() == {"status": "accepted"}
    headers["X-WC-Webhook-Signature"] = woo_signature(body, "not-our-secret")
    assert post(client, shop_id, body + b" ", headers).status_code == 401


def test_connecting_twice_registers_each_webhook_once(client, services, store):
    first = connect(client, services, store)
    second = connect(client, services, store)
    assert first == second
    assert len(store.webhooks) == 5
    assert len(store.calls_to("POST", "webhooks")) == 5
    with services.db.reading() as session:
        assert len(session.scalars(select(Shop)).all()) == 1


def test_registration_repairs_a_disabled_webhook_and_one_whose_secret_we_lost(
        client, services, store):
    shop_id = connect(client, services, store)
    hooks = sorted(store.webhooks.values(), key=lambda h: h["id"])
    hooks[0]["status"] = "disabled"
    with services.db.transaction() as session:  # forget one secret: it must be replaced
        row = session.scalar(select(ShopWebhook).where(ShopWebhook.topic == hooks[1]["topic"]))
        session.delete(row)
    from connector.woo_connect import register_webhooks

    actions = register_webhooks(services, shop_id)
    assert actions[hooks[0]["topic"]] == "reactivated"
    assert actions[hooks[1]["topic"]] == "updated"
    assert all(h["status"] == "active" for h in store.webhooks.values())
    assert len(store.webhooks) == 5


@pytest.mark.parametrize("change", ["forged", "reused", "missing", "expired"])
def test_the_callback_refuses_a_bad_token_and_stores_nothing(client, services, store, change):
    state = state_of(start(client, store.url))
    if change == "reused":
        assert client.post("/woocommerce/callback", json=grant(store, state)).status_code == 200
    payload = grant(store, state)
    if change == "forged":
        payload["user_id"] = state[:-4] + "AAAA"
    elif change == "missing":
        del payload["user_id"]
    elif change == "expired":
        with services.db.transaction() as session:
            for token in session.scalars(select(ConnectToken)):
                token.expires_at = token.created_at
    answer = client.post("/woocommerce/callback", json=payload)
    expected = {"forged": (403, "connect token unknown"), "reused": (403, "already used"),
                "missing": (400, "user_id"), "expired": (403, "expired")}[change]
    assert answer.status_code == expected[0]
    assert expected[1] in answer.get_json()["error"]
    with services.db.reading() as session:
        shops = session.scalars(select(Shop)).all()
    assert len(shops) == (1 if change == "reused" else 0)


def test_the_callback_refuses_read_only_keys(client, store):
    state = state_of(start(client, store.url))
    payload = dict(grant(store, state), key_permissions="read")
    answer = client.post("/woocommerce/callback", json=payload)
    assert answer.status_code == 400 and "read_write" in answer.get_json()["error"]


def test_starting_a_connection_needs_the_operator_password(client, store):
    assert client.get("/woocommerce/connect", query_string={"store_url": store.url}).status_code \
        == 401
    bad = start(client, "ftp://store.example.com")
    assert bad.status_code == 400 and "store_url" in bad.get_json()["error"]


def test_the_return_page_says_the_store_is_connected(client, services, store):
    state = state_of(start(client, store.url))
    waiting = client.get("/woocommerce/return", query_string={"success": "1", "user_id": state})
    assert "Waiting for the store" in waiting.get_data(as_text=True)
    client.post("/woocommerce/callback", json=grant(store, state))
    page = client.get("/woocommerce/return", query_string={"success": "1", "user_id": state})
    assert "is connected as shop" in page.get_data(as_text=True)
    declined = client.get("/woocommerce/return", query_string={"success": "0", "user_id": state})
    assert "Connection declined" in declined.get_data(as_text=True)


def test_revoked_keys_mark_the_shop_disconnected_until_it_connects_again(client, services,
                                                                        store):
    shop_id = connect(client, services, store)
    store.revoke_keys()
    from connector.woo_connect import register_webhooks

    with services.db.transaction() as session:
        from connector import outbox

        outbox.enqueue(session, shop_id, "shop.register_webhooks", "again", {})
    pushing.drain(services)
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        assert shop.status == "disconnected" and "refused the API keys" in shop.status_note
    store.restore_keys()
    connect(client, services, store)
    with services.db.reading() as session:
        assert session.get(Shop, shop_id).status == "active"
        assert {job.status for job in session.scalars(select(OutboxJob))} == {"done"}
    assert register_webhooks(services, shop_id) == {topic: "kept" for topic in TOPICS}


def jobs(services):
    with services.db.reading() as session:
        return session.scalars(select(OutboxJob).order_by(OutboxJob.id)).all()


@pytest.mark.parametrize(("public_url", "warning"), [
    ("http://203.0.113.10:5000", "uses port 5000: WooCommerce only delivers to ports 80, 443"),
    ("https://10.0.0.5", "10.0.0.5 is a private or loopback address"),
])
def test_an_unreachable_delivery_url_is_a_plain_warning_at_connect_time(
        services, store, public_url, warning, settings):
    from connector import create_app

    app = create_app({**settings, "LOYALTY_PUBLIC_URL": public_url})
    try:
        page = app.test_client().get("/woocommerce/connect", headers=operator(),
                                     query_string={"store_url": store.url})
    finally:
        app.extensions["loyalty"].close()
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "will probably not be able to send orders" in html and warning in html
    assert "Continue to the store anyway" in html
