"""Failure test 4 (issue 9): the store answers 500, 429 or too late to 30% of API requests,
and a late answer comes after the write was made. Real `loyalty serve` and `loyalty worker`
processes push to a flaky fake store; in the end every discount code exists once on the store,
bound to its customer, every customer's tier mark is the tier the service holds, and no push
job is dead. Faults of every kind must have been injected, or the test proves nothing."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import create_engine, text

from adapters.shopify.proxy import proxy_signature
from adapters.woocommerce.storefront import storefront_signature
from tests.connector.storefront_shops import edited_shopify
from tests.connector.woo import edited_delivery
from tests.e2e.processes import Loyalty, free_port, stop, wait_until
from tests.fakes import shopify, woocommerce
from tests.fakes.woo_customers import make_customer
from tests.support import (
    EXAMPLE_PROGRAM,
    SHOPIFY_DOMAIN,
    SHOPIFY_SECRET,
    WOO_SECRET,
    load_woo_fixture,
    shopify_delivery,
)

pytestmark = pytest.mark.slow

RATE, SEED, LATE_SECONDS = 0.3, 9, 2.0  # the client gives up after 1 s: LOYALTY_PUSH_TIMEOUT
# A code or a customer gets at most 3 faults in all, so no job fails its 8 attempts by chance
# (tests/fakes/flaky.py); a job that still goes dead is the service's fault.
FAULTS_PER_SUBJECT = 3
CUSTOMERS = 24
SETTLE_SECONDS = 75
# The outbox backs off from 2 s (attempt 7 comes up to 126 s after the first) and no LOYALTY_*
# setting changes that, so the processes get the monkeypatch tests/connector/test_prometheus.py
# uses in-process: the same exponential backoff with jitter, from a quarter of the base.
BACKOFF_BASE_SECONDS = 0.5
FAST_BACKOFF = ("import connector.outbox as outbox; "
                "assert hasattr(outbox, 'BASE_DELAY_SECONDS'), 'the backoff base moved'; "
                f"outbox.BASE_DELAY_SECONDS = {BACKOFF_BASE_SECONDS}; "
                "from connector.cli import main; main()")
PROGRAM = EXAMPLE_PROGRAM.read_text().replace("pending_days = 14", "pending_days = 0")
TAGS = {"Silver": "loyalty-silver", "Gold": "loyalty-gold"}  # the example program's tier tags
# By customer number modulo 3: the merchandise of each order, the tier that leaves them in,
# and the rewards they redeem (free shipping is a Silver and Gold perk, birthday-20 Gold's).
PROFILES = (
    (("120.00",), "Member", ("free-shipping",)),
    (("600.00",), "Silver", ("5-off", "free-shipping")),
    (("600.00", "1000.00"), "Gold", ("5-off", "5-off", "free-shipping", "birthday-20")),
)


def customer_ref(n: int) -> str:
    return str(100 + n)


def email(n: int) -> str:
    return f"flaky{n}@example.com"


def order_fixture(platform: str) -> dict:
    """The captured paid order each store's deliveries are edited from."""
    if platform == "shopify":
        return json.loads(shopify_delivery("03")[0])
    return json.loads(load_woo_fixture("04")["body"])


class WooStore:
    platform, kinds = "woocommerce", woocommerce.FLAKY_KINDS

    def __init__(self):
        self.fake = woocommerce.FakeWooCommerce(ping_webhooks=False)
        self.fixture = order_fixture(self.platform)

    def add_shop(self, loyalty: Loyalty) -> tuple[int, str]:
        for n in range(CUSTOMERS):
            self.fake.add_customer(make_customer(int(customer_ref(n)), email(n)))
        shop = loyalty.json("shop", "add", "woocommerce", "--url", self.fake.url,
                            "--consumer-key", self.fake.consumer_key,
                            "--consumer-secret", self.fake.consumer_secret,
                            "--webhook-secret", WOO_SECRET)
        return shop["id"], loyalty.run("shop", "storefront-secret", str(shop["id"])).stdout.strip()

    def order(self, n: int, order_id: int, amount: str) -> tuple[str, bytes, dict]:
        line = {**self.fixture["line_items"][0], "quantity": 1, "subtotal": amount,
                "total": amount, "price": float(amount)}
        body, headers = edited_delivery(
            "04", id=order_id, number=str(order_id), customer_id=int(customer_ref(n)),
            billing={**self.fixture["billing"], "email": email(n)}, line_items=[line],
            coupon_lines=[], meta_data=[], discount_total="0.00")  # no coupon, no referral
        return "/webhooks/woocommerce/{shop}", body, headers

    def redeem(self, secret: str, n: int, reward: str, request_id: str) -> tuple[str, dict]:
        ts = str(int(time.time()))
        ref = customer_ref(n)
        query = urlencode({"customer": ref, "ts": ts,
                           "sig": storefront_signature(ref, ts, secret)})
        return f"/storefront/woocommerce/{{shop}}/redeem?{query}", {
            "reward": reward, "request_id": request_id}

    def codes(self) -> list[tuple[str, tuple]]:
        """(code, whom it is bound to) of every discount code on the store."""
        with self.fake.lock:
            return [(c["code"], tuple(c["email_restrictions"])) for c in self.fake.coupons.values()]

    def bound_to(self, n: int) -> tuple:
        return (email(n),)

    def marks(self, n: int) -> tuple[set[str], str | None]:
        """(tier tags on the customer, tier name shown to themes)."""
        with self.fake.lock:
            meta = {m["key"]: m["value"] for m in self.fake.customers[int(customer_ref(n))]
                    ["meta_data"]}
        return {meta["loyalty_tier"]} - {""} if "loyalty_tier" in meta else set(), \
            meta.get("loyalty_tier_name") or None

    def tier_writes(self, n: int) -> list[tuple]:
        """The tier writes that reached the store for customer `n`, in the order they landed."""
        return [(m["value"], c.status, c.fault)
                for c in self.fake.calls_to("PUT", f"customers/{customer_ref(n)}")
                for m in c.body["meta_data"] if m["key"] == "loyalty_tier"]


class ShopifyStore:
    platform, kinds = "shopify", shopify.FLAKY_KINDS

    def __init__(self):
        self.fake = shopify.FakeShopify()
        self.fixture = order_fixture(self.platform)

    def add_shop(self, loyalty: Loyalty) -> tuple[int, str]:
        shop = loyalty.json("shop", "add", "shopify", "--domain", SHOPIFY_DOMAIN,
                            "--access-token", self.fake.access_token,
                            "--client-secret", SHOPIFY_SECRET, "--api-base", self.fake.url)
        return shop["id"], SHOPIFY_SECRET

    def order(self, n: int, order_id: int, amount: str) -> tuple[str, bytes, dict]:
        ref = customer_ref(n)
        first = self.fixture["line_items"][0]
        line = {**first, "quantity": 1, "current_quantity": 1, "price": amount,
                "price_set": {**first["price_set"], "shop_money": {"amount": amount,
                                                                   "currency_code": "EUR"}},
                "discount_allocations": []}
        customer = {**self.fixture["customer"], "id": int(ref), "email": email(n),
                    "admin_graphql_api_id": f"gid://shopify/Customer/{ref}"}
        body, headers = edited_shopify(
            "03", id=order_id, admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
            email=email(n), contact_email=email(n), customer=customer,
            line_items=[line], discount_codes=[], discount_applications=[])
        return "/webhooks/shopify", body, headers

    def redeem(self, secret: str, n: int, reward: str, request_id: str) -> tuple[str, dict]:
        params = [("shop", SHOPIFY_DOMAIN), ("logged_in_customer_id", customer_ref(n)),
                  ("path_prefix", "/apps/loyalty"), ("timestamp", str(int(time.time()))),
                  ("reward", reward), ("request_id", request_id)]
        signed = urlencode([*params, ("signature", proxy_signature(params, secret))])
        return f"/proxy/redeem?{signed}", {}

    def codes(self) -> list[tuple[str, tuple]]:
        with self.fake.lock:
            return [(d["code"], tuple(d["context"]["customers"]["add"]))
                    for d in self.fake.discounts.values()]

    def bound_to(self, n: int) -> tuple:
        return (f"gid://shopify/Customer/{customer_ref(n)}",)

    def marks(self, n: int) -> tuple[set[str], str | None]:
        gid = f"gid://shopify/Customer/{customer_ref(n)}"
        with self.fake.lock:
            tags = set(self.fake.customer_tags.get(gid, ()))
            shown = self.fake.metafields.get((gid, "loyalty", "tier"))
        return tags, (shown or {}).get("value") or None

    def tier_writes(self, n: int) -> list[tuple]:
        gid = f"gid://shopify/Customer/{customer_ref(n)}"
        with self.fake.lock:
            return [(c.operation, c.variables["tags"], c.status, c.throttled, c.fault)
                    for c in self.fake.calls if c.operation in ("tagsAdd", "tagsRemove")
                    and c.variables.get("id") == gid]


def scalar(engine, sql: str):
    with engine.connect() as connection:
        return connection.scalar(text(sql))


def rows(engine, sql: str) -> list:
    with engine.connect() as connection:
        return connection.execute(text(sql)).all()


def start(loyalty: Loyalty, log: Path, *args: str) -> subprocess.Popen:
    """`loyalty *args` with the fast backoff; output to `log` (a pipe nobody reads fills)."""
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-c", FAST_BACKOFF, *args], env=loyalty.env,
                                stdout=out, stderr=subprocess.STDOUT)


def serving(base: str, server: subprocess.Popen, log: Path) -> bool:
    if server.poll() is not None:
        raise AssertionError(f"loyalty serve exited early:\n{log.read_text()[-3000:]}")
    try:
        return requests.get(f"{base}/healthz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def tier_story(engine, store, n: int) -> str:
    """Why customer `n`'s tier mark is what it is: their tier jobs, every attempt (and when it
    was recorded), and the writes as the store received them."""
    jobs = [(job_id, json.loads(payload), done_at) for job_id, payload, done_at in rows(
        engine, "SELECT id, payload, done_at FROM outbox WHERE kind = 'customer.tier' "
                "ORDER BY id") if json.loads(payload)["customer_ref"] == customer_ref(n)]
    lines = [f"customer {customer_ref(n)}:"]
    for job_id, payload, done_at in jobs:
        tried = rows(engine, f"SELECT outcome, created_at FROM outbox_attempts WHERE job_id = "
                             f"{job_id} ORDER BY id")
        lines.append(f"  job {job_id} {payload['previous_tag']} -> {payload['tag']}: "
                     + ", ".join(f"{o} at {str(at)[11:23]}" for o, at in tried)
                     + f"; done at {str(done_at)[11:23]}")
    lines.append(f"  writes as they landed: {store.tier_writes(n)}")
    return "\n".join(lines)


def deliveries(store) -> list[tuple[str, bytes, dict]]:
    """Every customer's first order, then the second orders that lift some of them to Gold."""
    return [store.order(n, 5000 + 100 * i + n, PROFILES[n % 3][0][i])
            for i in (0, 1) for n in range(CUSTOMERS) if i < len(PROFILES[n % 3][0])]


def redeem_all(base: str, shop_id: int, store, secret: str) -> dict[str, int]:
    """Redeem every profile's rewards through the storefront, the first request of each
    customer twice (a double click); returns customer number by code."""
    requests_ = [(n, reward, f"flaky-{n}-{i}") for n in range(CUSTOMERS)
                 for i, reward in enumerate(PROFILES[n % 3][2])]
    requests_ += [(n, PROFILES[n % 3][2][0], f"flaky-{n}-0") for n in range(CUSTOMERS)]

    def redeem(item):
        n, reward, request_id = item
        path, form = store.redeem(secret, n, reward, request_id)
        answer = requests.post(base + path.format(shop=shop_id), data=form, timeout=30)
        assert answer.status_code == 200, answer.text
        return n, answer.json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(redeem, requests_))
    assert sum(a["repeated"] for _, a in answers) == CUSTOMERS
    return {a["code"]: n for n, a in answers}


@pytest.mark.parametrize("store_type", [WooStore, ShopifyStore], ids=["woocommerce", "shopify"])
def test_flaky_store_ends_with_every_code_and_tier_mark_once(settings, tmp_path, store_type):
    store = store_type()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loyalty = Loyalty({**settings, "LOYALTY_PUBLIC_URL": base, "LOYALTY_RECONCILE_MINUTES": "0",
                       "LOYALTY_PUSH_TIMEOUT_SECONDS": "1"})
    engine = create_engine(settings["LOYALTY_DATABASE_URL"])
    with ExitStack() as cleanup:
        cleanup.callback(engine.dispose)
        cleanup.enter_context(store.fake)
        loyalty.run("db", "upgrade")
        shop_id, secret = store.add_shop(loyalty)
        program = tmp_path / "spendable.toml"
        program.write_text(PROGRAM)
        loyalty.run("program", "publish", "--shop", str(shop_id), str(program))
        store.fake.flaky(rate=RATE, seed=SEED, timeout_seconds=LATE_SECONDS,
                         max_faults_per_subject=FAULTS_PER_SUBJECT)
        server = start(loyalty, tmp_path / "serve.log", "serve", "--port", str(port))
        cleanup.callback(stop, server)
        # a second worker process claims jobs beside serve's (two of them on PostgreSQL)
        worker = start(loyalty, tmp_path / "worker.log", "worker")
        cleanup.callback(stop, worker)
        wait_until(lambda: serving(base, server, tmp_path / "serve.log"), 30, "loyalty serve")

        orders = deliveries(store)
        for path, body, headers in orders:
            answer = requests.post(base + path.format(shop=shop_id), data=body,
                                   headers=headers, timeout=10)
            assert answer.status_code == 200, answer.text
        wait_until(lambda: scalar(engine, "SELECT count(*) FROM inbox WHERE status <> 'new'")
                   == len(orders), 30, "every order to be taken from the inbox")
        assert rows(engine, "SELECT status, note FROM inbox WHERE status <> 'done'") == []
        tiers = dict(rows(engine, "SELECT email, tier FROM customers"))
        assert [tiers[email(n)] for n in range(CUSTOMERS)] == \
            [PROFILES[n % 3][1] for n in range(CUSTOMERS)]

        owners = redeem_all(base, shop_id, store, secret)
        started = time.monotonic()
        try:
            wait_until(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE status = "
                                              "'pending'") == 0, SETTLE_SECONDS,
                       "every push job to finish", interval=0.5)
        except AssertionError as timeout:
            pending = rows(engine, "SELECT id, kind, attempts, due_at, last_error FROM outbox "
                                   "WHERE status = 'pending' ORDER BY id")
            raise AssertionError(f"{timeout}; still pending: {pending}") from None
        settled = time.monotonic() - started

        jobs = rows(engine, "SELECT kind, status, attempts FROM outbox")
        faults = store.fake.fault_counts()
        outcomes = Counter(o for (o,) in rows(engine, "SELECT outcome FROM outbox_attempts"))
        print(f"\n{store.platform}/{settings['LOYALTY_DATABASE_URL'].split(':')[0]}: faults "
              f"{dict(sorted(faults.items()))} in {len(store.fake.calls)} requests; "
              f"{len(jobs)} jobs {dict(Counter(k for k, _, _ in jobs))}, "
              f"{sum(a > 1 for _, _, a in jobs)} retried, {sum(a for _, _, a in jobs)} attempts "
              f"(max {max(a for _, _, a in jobs)}), outcomes {dict(outcomes)}; "
              f"{len(owners)} codes; {sum(s == 'dead' for _, s, _ in jobs)} dead; "
              f"settled in {settled:.1f}s (backoff from {BACKOFF_BASE_SECONDS}s)")

        assert loyalty.json("jobs", "list") == []
        assert set(faults) == set(store.kinds) and min(faults.values()) > 0
        on_store = store.codes()
        assert len(on_store) == len(owners) == sum(len(PROFILES[n % 3][2])
                                                   for n in range(CUSTOMERS))
        assert sorted(code.upper() for code, _ in on_store) == sorted(owners)
        assert all(bound == store.bound_to(owners[code.upper()]) for code, bound in on_store)
        assert {status for (status,) in rows(engine, "SELECT status FROM redemptions")} == \
            {"issued"}
        loyalty.run("ledger", "verify")
        wrong = [tier_story(engine, store, n) + f"\n  marks {store.marks(n)}, holds {tier}"
                 for n in range(CUSTOMERS) for tier in [tiers[email(n)]]
                 if store.marks(n) != ({TAGS[tier]} if tier in TAGS else set(), tier)]
        assert not wrong, "tier marks differ from the tier held:\n" + "\n".join(wrong)
