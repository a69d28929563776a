"""The admin's shop pages: each store's connection and webhook health, its API keys, and
reconnecting it; a merchant's admin user sees only that merchant's stores."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from connector import api_keys, outbox, pipeline
from connector.models import ApiKey, OutboxJob, Shop, ShopWebhook
from connector.shops import add_shop
from connector.types import utcnow
from tests.connector import test_admin
from tests.connector.test_admin import PASSWORD, csrf_token, log_in
from tests.connector.test_admin_customers import table
from tests.connector.woo import edited_delivery, fixture_delivery, post

admin_user = test_admin.admin_user  # fixtures, requested by name
run = test_admin.run

PUBLIC = "https://203.0.113.10"  # a public https address: the connect flow has nothing to warn
SHOPIFY_DOMAIN = "other-store.myshopify.com"


@pytest.fixture
def settings(settings):
    return {**settings, "LOYALTY_PUBLIC_URL": PUBLIC}


@pytest.fixture
def other_shop(services) -> int:
    """Another merchant's Shopify store, disconnected because its token was refused."""
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "shopify", SHOPIFY_DOMAIN, api_key="shpat_x",
                        merchant_name="Other merchant")
        shop.status, shop.status_note = "disconnected", "Shopify refused the access token"
        return shop.id


def create_merchant_user(run, services, shop_id: int, username: str = "shopkeeper") -> str:
    """An admin user limited to the merchant of `shop_id`, made with `loyalty admin`."""
    with services.db.reading() as session:
        merchant_id = session.get(Shop, shop_id).merchant_id
    result = run("admin", "create-user", username, "--merchant", merchant_id,
                 "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return username


@pytest.fixture
def shopkeeper(run, services, woo_shop) -> str:
    return create_merchant_user(run, services, woo_shop)


def deliver_with_one_failure(client, services, shop_id):
    """Signup, coupon echo (ignored), paid and completed order 13, then a broken update."""
    for name in ("01", "03", "04", "06"):
        assert post(client, shop_id, *fixture_delivery(name)).status_code == 200
    broken = edited_delivery("06", line_items="broken", date_modified_gmt="2026-11-23T05:00:00")
    assert post(client, shop_id, *broken).status_code == 200
    pipeline.drain(services.db)


def dead_job(services, shop_id, error="POST coupons: the store rejected the request (400)"):
    with services.db.transaction() as session:
        outbox.enqueue(session, shop_id, "customer.tier", f"tier:{shop_id}:{error}", {})
        job = session.scalar(select(OutboxJob).order_by(OutboxJob.id.desc()))
        job.status, job.attempts, job.last_error = "dead", 1, error
        return job.id


def form_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_shop_pages_send_a_visitor_who_is_not_logged_in_to_the_login_page(client, woo_shop):
    for path in ("/admin/shops", f"/admin/shops/{woo_shop}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login?next=/admin/shops")


def test_the_shops_list_shows_each_store_with_its_status_and_health(
        client, services, woo_shop, other_shop, admin_user):
    deliver_with_one_failure(client, services, woo_shop)
    dead_job(services, other_shop)
    log_in(client)
    page = client.get("/admin/shops").get_data(as_text=True)
    (woo, shopify) = table(page, "shops")
    assert woo[:4] == [f"#{woo_shop}", "woocommerce", "http://127.0.0.1:8000/", "active"]
    assert woo[4].startswith(utcnow().strftime("%Y-%m-%d")) and woo[5:] == ["1", "0"]
    assert shopify == [f"#{other_shop}", "shopify", SHOPIFY_DOMAIN,
                       "disconnected: Shopify refused the access token", "never", "0", "1"]


def test_the_shop_page_shows_the_last_delivery_per_topic_and_the_failures(
        client, services, woo_shop, admin_user):
    deliver_with_one_failure(client, services, woo_shop)
    with services.db.transaction() as session:
        session.add(ShopWebhook(shop_id=woo_shop, topic="order.updated", platform_webhook_id="31",
                                delivery_url=f"{PUBLIC}/webhooks/woocommerce/{woo_shop}",
                                secret_enc=services.box.encrypt("hook secret")))
    log_in(client)
    page = client.get(f"/admin/shops/{woo_shop}").get_data(as_text=True)
    today = utcnow().strftime("%Y-%m-%d")
    health = {row[0]: row[1:] for row in table(page, "webhook-health")}
    assert sorted(health) == ["coupon.created", "customer.created", "order.created",
                              "order.updated"]
    assert all(received.startswith(today) for received, _, _ in health.values())
    assert health["coupon.created"][1:] == [
        "ignored", "coupon.created: our own reward code welcome10 echoed back"]
    assert health["order.created"][1:] == ["done", "order 13: owed 56"]
    assert health["order.updated"][1:] == [  # the broken update came after the completed one
        "failed", "BadPayload: line_items: expected a list, got 'broken'"]
    assert "done 3, failed 1, ignored 1" in page
    assert table(page, "registered-webhooks") == [
        ["order.updated", "31", f"{PUBLIC}/webhooks/woocommerce/{woo_shop}"]]
    ((_, topic, _, why),) = table(page, "failures")
    assert (topic, why) == ("order.updated", "BadPayload: line_items: expected a list, got 'broken'")
    assert '<strong class="status">active</strong>' in page and "Reconnect" in page


def test_a_new_api_key_is_shown_once_and_works_until_it_is_revoked(
        client, services, woo_shop, admin_user):
    log_in(client)
    page = client.get(f"/admin/shops/{woo_shop}").get_data(as_text=True)
    created = client.post(f"/admin/shops/{woo_shop}/keys",
                          data={"name": "Mobile app", "csrf_token": form_token(page)})
    shown = created.get_data(as_text=True)
    assert created.status_code == 200
    assert "copy it now, it will not be shown again" in shown
    key = re.search(r'<code class="new-key">([^<]+)</code>', shown).group(1)
    with services.db.transaction() as session:
        assert api_keys.authenticate(session, key, utcnow()).shop_id == woo_shop
        stored = session.scalar(select(ApiKey))
        assert (stored.name, stored.created_by) == ("Mobile app", "admin:merchant")
    again = client.get(f"/admin/shops/{woo_shop}").get_data(as_text=True)
    assert key not in again and "it will not be shown again" not in again
    ((name, prefix, _, _, _),) = table(again, "api-keys")
    assert (name, prefix) == ("Mobile app", f"lk_{stored.prefix}_…")
    revoked = client.post(f"/admin/shops/{woo_shop}/keys/{stored.id}/revoke",
                          data={"csrf_token": form_token(again)}, follow_redirects=True)
    assert f"API key Mobile app ({stored.prefix}) is revoked" in revoked.get_data(as_text=True)
    assert table(revoked.get_data(as_text=True), "api-keys")[0][4].startswith("revoked")
    with services.db.transaction() as session:
        assert api_keys.authenticate(session, key, utcnow()) is None


def test_an_api_key_without_a_name_is_refused_with_the_reason(client, services, woo_shop,
                                                              admin_user):
    log_in(client)
    token = form_token(client.get(f"/admin/shops/{woo_shop}").get_data(as_text=True))
    response = client.post(f"/admin/shops/{woo_shop}/keys", data={"name": " ",
                                                                  "csrf_token": token})
    assert response.status_code == 400
    assert "name the key (1 to 100 characters)" in response.get_data(as_text=True)
    with services.db.reading() as session:
        assert session.scalar(select(ApiKey)) is None


def test_reconnecting_a_woocommerce_store_sends_the_merchant_to_approve_it_there(
        client, services, woo_shop, admin_user):
    with services.db.transaction() as session:
        shop = session.get(Shop, woo_shop)
        shop.status, shop.status_note = "disconnected", "the store refused the API keys"
    log_in(client)
    token = form_token(client.get(f"/admin/shops/{woo_shop}").get_data(as_text=True))
    response = client.post(f"/admin/shops/{woo_shop}/reconnect", data={"csrf_token": token})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        "http://127.0.0.1:8000/wc-auth/v1/authorize"
    query = parse_qs(location.query)
    assert query["callback_url"] == [f"{PUBLIC}/woocommerce/callback"]
    grant = {"key_id": 8, "user_id": query["user_id"][0], "consumer_key": "ck_" + "c" * 40,
             "consumer_secret": "cs_" + "d" * 40, "key_permissions": "read_write"}
    answer = client.post("/woocommerce/callback", json=grant)
    assert answer.get_json() == {"status": "connected", "shop_id": woo_shop}
    page = client.get(f"/admin/shops/{woo_shop}").get_data(as_text=True)
    assert '<strong class="status">active</strong>' in page


def test_reconnect_warns_first_when_the_store_could_not_deliver_to_the_service(
        client, services, woo_shop, admin_user, settings):
    from connector import create_app

    app = create_app({**settings, "LOYALTY_PUBLIC_URL": "http://10.0.0.5"})
    try:
        browser = app.test_client()
        log_in(browser)
        token = form_token(browser.get(f"/admin/shops/{woo_shop}").get_data(as_text=True))
        page = browser.post(f"/admin/shops/{woo_shop}/reconnect", data={"csrf_token": token})
    finally:
        app.extensions["loyalty"].close()
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "10.0.0.5 is a private or loopback address" in text
    assert "Continue to the store anyway" in text and "/wc-auth/v1/authorize" in text


def test_a_shopify_store_reconnects_through_the_install_link(client, other_shop, admin_user):
    log_in(client)
    page = client.get(f"/admin/shops/{other_shop}").get_data(as_text=True)
    assert f'href="/shopify/install?shop={SHOPIFY_DOMAIN}"' in page
    assert "disconnected</strong>: Shopify refused the access token" in page
    token = form_token(page)
    assert client.post(f"/admin/shops/{other_shop}/reconnect",
                       data={"csrf_token": token}).status_code == 404


def test_a_merchant_user_sees_only_their_own_shops(client, services, woo_shop, other_shop,
                                                   shopkeeper):
    log_in(client, shopkeeper)
    listed = table(client.get("/admin/shops").get_data(as_text=True), "shops")
    assert [row[0] for row in listed] == [f"#{woo_shop}"]
    assert client.get(f"/admin/shops/{woo_shop}").status_code == 200
    assert client.get(f"/admin/shops/{other_shop}").status_code == 404
    assert client.get("/admin/shops/999").status_code == 404
    token = csrf_token(client, f"/admin/shops/{woo_shop}")
    assert client.post(f"/admin/shops/{other_shop}/keys",
                       data={"name": "sneaky", "csrf_token": token}).status_code == 404
    assert client.post(f"/admin/shops/{other_shop}/reconnect",
                       data={"csrf_token": token}).status_code == 404
    with services.db.reading() as session:
        assert session.scalar(select(ApiKey)) is None
