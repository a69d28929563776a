"""The Shopify app (integrations/shopify): shopify.app.toml declares exactly what the service
serves and handles, the theme block's script and styles stay small, its Node tests pass, and
in a real browser the block shows a customer's balance from a running `loyalty serve` through
a signed app proxy, while a guest gets only the join prompt and no script."""
from __future__ import annotations

import re
import subprocess
import tomllib
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from playwright.sync_api import Page, expect

from adapters.base import BadPayload
from adapters.shopify import ADAPTER, CUSTOMER_TOPICS, ORDER_TOPICS, PRIVACY_TOPICS
from adapters.shopify.admin import API_VERSION
from adapters.shopify.webhooks_api import TOPICS as SUBSCRIBED_ENUMS
from connector.config import DEFAULT_SHOPIFY_SCOPES
from connector.install import blueprint as install
from connector.storefront import blueprint as storefront
from rules.events import IgnoredDelivery
from tests.e2e.admin_site import SPENDABLE
from tests.e2e.browser import browser, page, screenshot  # noqa: F401 (fixtures)
from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.fakes.shopify import FakeShopify
from tests.integrations.shopify_storefront import (
    BLOCK,
    PATH_PREFIX,
    ROUTES,
    FakeStorefront,
    block_schema,
    render_block,
)
from tests.support import SHOPIFY_DOMAIN, SHOPIFY_SECRET, shopify_delivery
from webhooks.receiver import blueprint as webhooks

APP = Path(__file__).resolve().parents[2] / "integrations" / "shopify"
ASSETS = APP / "extensions" / "loyalty-theme" / "assets"
BUNDLE_LIMIT = 20 * 1024  # script and styles together, uncompressed
PLACEHOLDER = "loyalty.example.com"


def app_config() -> dict:
    return tomllib.loads((APP / "shopify.app.toml").read_text())


def handled_topics() -> set[str]:
    """Every topic the service acts on: the adapter's registries and what it subscribes."""
    subscribed = {enum.lower().replace("_", "/", 1) for enum in SUBSCRIBED_ENUMS}
    return subscribed | ORDER_TOPICS | set(CUSTOMER_TOPICS) | set(PRIVACY_TOPICS)


def service_routes() -> dict[str, str]:
    """The service's URL rules by endpoint, from the blueprints that serve Shopify."""
    app = Flask(__name__)
    for blueprint in (install, storefront, webhooks):
        app.register_blueprint(blueprint)
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}


def subscriptions() -> list[dict]:
    return app_config()["webhooks"]["subscriptions"]


def declared(key: str) -> set[str]:
    return {topic for s in subscriptions() for topic in s.get(key, [])}


def test_app_config_subscribes_exactly_the_topics_the_service_handles():
    topics, compliance = declared("topics"), declared("compliance_topics")
    assert compliance == set(PRIVACY_TOPICS)
    assert topics | compliance == handled_topics()
    assert not topics & compliance
    assert app_config()["webhooks"]["api_version"] == API_VERSION


@pytest.mark.parametrize("topic", sorted(declared("topics") | declared("compliance_topics")))
def test_each_declared_topic_reaches_a_handler(topic):
    try:
        events = ADAPTER.parse(topic, {}, SHOPIFY_DOMAIN)
    except BadPayload:
        return  # handled: the handler refused an empty body
    assert not any(isinstance(e, IgnoredDelivery) for e in events)


def test_app_config_urls_are_the_service_routes():
    routes, config = service_routes(), app_config()
    webhook_paths = {urlsplit(s["uri"]).path for s in subscriptions()}
    assert webhook_paths == {routes["webhooks.shopify"]}
    assert [urlsplit(u).path for u in config["auth"]["redirect_urls"]] \
        == [routes["install.shopify_callback"]]
    assert urlsplit(config["application_url"]).path == routes["install.shopify_install"]
    proxy = config["app_proxy"]
    assert f"{urlsplit(proxy['url']).path}/<action>" == routes["storefront.shopify_action"]
    assert f"/{proxy['prefix']}/{proxy['subpath']}" == PATH_PREFIX
    urls = [config["application_url"], proxy["url"], *config["auth"]["redirect_urls"],
            *(s["uri"] for s in subscriptions())]
    assert {urlsplit(u).netloc for u in urls} == {PLACEHOLDER}
    assert all(u.startswith("https://") for u in urls)


def test_app_config_scopes_cover_what_the_service_requests_and_the_proxy():
    scopes = set(app_config()["access_scopes"]["scopes"].split(","))
    assert scopes >= set(DEFAULT_SHOPIFY_SCOPES.split(",")) | {"write_app_proxy"}


def test_block_schema_is_a_section_block_with_heading_and_colours():
    schema = block_schema(BLOCK.read_text())
    assert schema["target"] == "section" and schema["name"]
    kinds = {s["id"]: s["type"] for s in schema["settings"]}
    assert kinds["heading"] == "text"
    assert sorted(i for i, kind in kinds.items() if kind == "color") \
        == ["accent_color", "background_color", "text_color"]


def test_script_and_styles_stay_under_20_kb():
    size = sum((ASSETS / name).stat().st_size for name in ("loyalty.js", "loyalty.css"))
    print(f"loyalty.js + loyalty.css: {size} bytes (limit {BUNDLE_LIMIT})")
    assert size < BUNDLE_LIMIT


def test_guest_render_is_a_join_prompt_without_script():
    html = render_block(None)
    assert f'href="{ROUTES["account_login_url"]}"' in html
    assert f'href="{ROUTES["account_register_url"]}"' in html
    assert "<script" not in html and "data-loyalty-panel" not in html


def test_customer_render_loads_the_script_deferred_and_the_styles_without_blocking():
    html = render_block({"id": 7001})
    assert f'data-proxy="{PATH_PREFIX}"' in html
    assert '<script src="/assets/loyalty.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/assets/loyalty.css" media="print"' in html
    assert "account/login" not in html


@pytest.mark.needs_node
@pytest.mark.slow
def test_node_tests_of_the_block_script_pass():
    done = subprocess.run(["node", "--test", "integrations/shopify/tests/"], cwd=APP.parents[1],
                          capture_output=True, text=True, timeout=120, check=False)
    passed = re.search(r"^# pass (\d+)$", done.stdout, re.MULTILINE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert passed and int(passed.group(1)) > 0, done.stdout
    print(f"node --test: {passed.group(1)} passed")


@contextmanager
def service_with_alice(tmp_path: Path):
    """`loyalty serve` with a Shopify shop (its Admin API a fake) where customer 7001, Alice,
    holds 356 points; yields the service's URL and the fake Shopify."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loyalty = Loyalty({"LOYALTY_DATABASE_URL": f"sqlite:///{tmp_path / 'loyalty.db'}",
                       "LOYALTY_INSTANCE_PATH": str(tmp_path / "inst"),
                       "LOYALTY_LOG_LEVEL": "INFO", "LOYALTY_PUBLIC_URL": base})
    program = tmp_path / "spendable.toml"
    program.write_text(SPENDABLE)  # no pending period: points are spendable at once
    loyalty.run("db", "upgrade")
    with FakeShopify() as admin:
        shop = loyalty.json("shop", "add", "shopify", "--domain", SHOPIFY_DOMAIN,
                            "--access-token", admin.access_token, "--client-secret",
                            SHOPIFY_SECRET, "--api-base", admin.url)
        loyalty.run("program", "publish", "--shop", str(shop["id"]), str(program))
        server = loyalty.start("serve", "--port", str(port))
        try:
            wait_for_http(f"{base}/healthz", server)
            for name in ("01", "03"):  # Alice signs up (100) and pays order 5001 (56 + 200)
                body, headers = shopify_delivery(name)
                assert requests.post(f"{base}/webhooks/shopify", data=body, headers=headers,
                                     timeout=10).status_code == 200
            wait_until(lambda: (loyalty.customer(shop["id"], "alice@example.com") or {})
                       .get("balance") == 356, 30, "Alice's 356 points")
            yield base, admin
        finally:
            assert stop(server) == 0


@pytest.mark.slow
def test_block_in_a_browser_shows_the_seeded_balance_and_redeems(page: Page,  # noqa: F811
                                                                 tmp_path):
    with service_with_alice(tmp_path) as (base, admin), \
            FakeStorefront(base, SHOPIFY_DOMAIN, SHOPIFY_SECRET, customer_id="7001") as store:
        page.goto(store.url)
        expect(page.locator(".loyalty-panel__balance")).to_have_text("356")
        expect(page.locator(".loyalty-panel__tier")).to_have_text("Member")
        expect(page.locator(".loyalty-panel__next")).to_have_text(
            "Spend 443.75 more to reach Silver")
        expect(page.locator(".loyalty-panel__reward-name")).to_have_text(["free-shipping"])
        expect(page.locator(".loyalty-panel__referral a").first).to_have_attribute(
            "href", re.compile(rf"^{re.escape(base)}/r/\w+$"))
        expect(page.locator('link[rel="stylesheet"]').first).to_have_attribute("media", "all")
        screenshot(page, "shopify-block")

        page.get_by_role("button", name="Redeem").click()
        code = page.locator(".loyalty-panel__code-value")
        expect(code).to_have_text(re.compile(r"\S+"))
        expect(page.locator(".loyalty-panel__balance")).to_have_text("56")
        screenshot(page, "shopify-block-redeemed")
        redeemed = code.text_content().strip()

        def pushed():
            with admin.lock:
                return redeemed.upper() in admin.discounts
        wait_until(pushed, 30, f"code {redeemed} created on the fake Shopify")
    assert store.proxied.count("redeem") == 1
    assert {"balance", "links"} <= set(store.proxied)


@pytest.mark.slow
def test_guest_in_a_browser_sees_only_the_join_prompt(page: Page):  # noqa: F811
    with FakeStorefront("http://127.0.0.1:9", SHOPIFY_DOMAIN, SHOPIFY_SECRET,
                        customer_id=None) as store:
        requested: list[str] = []
        page.on("request", lambda r: requested.append(urlsplit(r.url).path))
        page.goto(store.url)
        expect(page.locator("[data-loyalty-join]")).to_be_visible()
        expect(page.get_by_role("link", name="Log in")).to_have_attribute("href", "/account/login")
        expect(page.get_by_role("link", name="Create an account")).to_be_visible()
        page.wait_for_load_state("networkidle")
        screenshot(page, "shopify-block-guest")
    assert page.locator("script").count() == 0
    assert page.locator("[data-loyalty-panel]").count() == 0
    assert "/assets/loyalty.js" not in requested and store.proxied == []
