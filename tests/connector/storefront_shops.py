"""One shape for a shop on either platform in storefront, referral and share tests: a fake
store, signed storefront calls as a customer, and the platform's fixture orders edited to carry
a referral code, re-signed so they are new deliveries."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from adapters.shopify import signature as shopify_signature
from adapters.shopify.proxy import proxy_signature
from adapters.woocommerce.storefront import storefront_signature
from connector import pipeline, programs
from connector.models import Shop
from connector.shops import add_shop
from connector.storefront_auth import storefront_secret
from tests.connector.woo import edited_delivery, fixture_delivery
from tests.fakes.shopify import FakeShopify
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import SHOPIFY_DOMAIN, SHOPIFY_SECRET, WOO_SECRET, shopify_delivery


def edited_shopify(name: str, **changes) -> tuple[bytes, dict[str, str]]:
    """A Shopify fixture with fields changed, re-signed, under a new event id."""
    body, headers = shopify_delivery(name)
    payload = json.loads(body)
    payload.update(changes)
    raw = json.dumps(payload).encode()
    return raw, dict(headers, **{"X-Shopify-Hmac-Sha256": shopify_signature(raw, SHOPIFY_SECRET),
                                 "X-Shopify-Event-Id": str(uuid.uuid4()),
                                 "Content-Length": str(len(raw))})


@dataclass
class StoreShop:
    platform: str
    shop_id: int
    fake: FakeShopify | FakeWooCommerce
    secret: str  # what storefront calls are signed with
    friend_ref: str  # the fixture friend's platform customer id (alice@example.com)
    friend_order: str  # the fixture friend's order id

    def signed(self, customer_ref: str, **extra: str) -> str:
        """The query string of a storefront call made as `customer_ref`."""
        now = str(int(time.time()))
        if self.platform == "shopify":
            params = [("shop", SHOPIFY_DOMAIN), ("logged_in_customer_id", customer_ref),
                      ("path_prefix", "/apps/loyalty"), ("timestamp", now), *extra.items()]
            return urlencode([*params, ("signature", proxy_signature(params, self.secret))])
        return urlencode({"customer": customer_ref, "ts": now,
                          "sig": storefront_signature(customer_ref, now, self.secret), **extra})

    def url(self, action: str) -> str:
        if self.platform == "shopify":
            return f"/proxy/{action}"
        return f"/storefront/woocommerce/{self.shop_id}/{action}"

    def order_with_code(self, code: str | None, **changes) -> tuple[bytes, dict[str, str]]:
        """The friend's paid fixture order, carrying `code` the way the platform does: the
        landing URL on Shopify, order meta (left by the storefront snippet) on WooCommerce."""
        if self.platform == "shopify":
            landing = {"landing_site": f"/products/mug?ref={code}"} if code else {}
            return edited_shopify("03", **landing, **changes)
        body, _ = fixture_delivery("04")  # its meta holds referral_code "REF-BOB-42"
        meta = [entry for entry in json.loads(body)["meta_data"]
                if entry["key"] != "referral_code"]
        if code:
            meta.append({"id": 90, "key": "referral_code", "value": code})
        return edited_delivery("04", meta_data=meta, **changes)

    def typed_coupon(self, code: str) -> dict:
        """Order fields of a code the buyer typed at checkout, as the platform reports it."""
        if self.platform == "shopify":
            return {"discount_codes": [{"code": code, "amount": "0.00", "type": "fixed_amount"}]}
        return {"coupon_lines": [{"id": 4, "code": code, "discount": "0.00", "discount_tax": "0",
                                  "meta_data": []}]}

    def cancelled_order(self) -> tuple[bytes, dict[str, str]]:
        if self.platform == "shopify":
            return shopify_delivery("07")
        return edited_delivery("07", status="refunded", date_modified_gmt="2026-11-23T03:58:00",
                               refunds=[{"id": 15, "reason": "", "total": "-51.25"},
                                        {"id": 14, "reason": "Damaged mug", "total": "-10.00"}])

    def post(self, client, delivery: tuple[bytes, dict[str, str]]):
        body, headers = delivery
        path = "/webhooks/shopify" if self.platform == "shopify" else \
            f"/webhooks/woocommerce/{self.shop_id}"
        answer = client.post(path, data=body, headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer

    def codes(self) -> list[dict]:
        """The discount codes on the store: {code, email or customer, value}."""
        if self.platform == "shopify":
            return [{"code": d["code"], "title": d["title"]}
                    for d in self.fake.discounts.values()]
        return [{"code": c["code"], "email": c["email_restrictions"]}
                for c in self.fake.coupons.values()]


def make_store_shop(platform: str, services, program_text: str) -> StoreShop:
    fake = FakeShopify() if platform == "shopify" else FakeWooCommerce(ping_webhooks=False)
    fake.__enter__()
    with services.db.transaction() as session:
        if platform == "shopify":
            shop = add_shop(session, services.box, "shopify", SHOPIFY_DOMAIN,
                            webhook_secret=SHOPIFY_SECRET, api_key=fake.access_token,
                            api_base=fake.url)
            secret = SHOPIFY_SECRET
        else:
            shop = add_shop(session, services.box, "woocommerce", fake.url,
                            webhook_secret=WOO_SECRET, api_key=fake.consumer_key,
                            api_secret=fake.consumer_secret)
            secret = storefront_secret(session, services.box, shop)
        programs.publish(session, shop.program_id, program_text, "program.toml")
        shop_id = shop.id
    friend = ("7001", "5001") if platform == "shopify" else ("2", "13")
    return StoreShop(platform, shop_id, fake, secret, *friend)


def shop_of(services, shop_id: int) -> Shop:
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        session.expunge(shop)
        return shop


def drain(services) -> None:
    pipeline.drain(services.db)
