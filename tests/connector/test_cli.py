"""The `loyalty` commands a merchant types, through click's runner."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from connector.models import Customer, Shop
from tests.connector.woo import fixture_delivery, post
from tests.support import EXAMPLE_PROGRAM, SHARED

# Balances read "now": the fixture orders' points must still be pending.
pytestmark = pytest.mark.usefixtures("fixture_clock")


def test_shop_add_prints_id_and_webhook_url_as_json(run):
    result = run("shop", "add", "woocommerce", "--url", "https://shop.example.com",
                 "--consumer-key", "ck_1", "--consumer-secret", "cs_1",
                 "--webhook-secret", "a-long-secret", "--json")
    assert result.exit_code == 0, result.output
    shop = json.loads(result.output)
    assert shop == {"id": shop["id"], "webhook_url":
                    f"http://127.0.0.1:8000/webhooks/woocommerce/{shop['id']}"}
    again = run("shop", "add", "woocommerce", "--url", "https://shop.example.com/",
                "--consumer-key", "ck_1", "--consumer-secret", "cs_1",
                "--webhook-secret", "a-long-secret")
    assert again.exit_code == 1 and "already exists" in again.output
    listed = json.loads(run("shop", "list", "--json").output)
    assert [s["ref"] for s in listed] == ["https://shop.example.com/"]


def test_secrets_are_not_stored_in_clear(run, services):
    run("shop", "add", "woocommerce", "--url", "https://s.example", "--consumer-key", "ck_live_1",
        "--consumer-secret", "cs_live_1", "--webhook-secret", "whsec-abcdef")
    with services.db.reading() as session:
        shop = session.query(Shop).one()
        stored = " ".join(str(v) for v in (shop.api_key_enc, shop.api_secret_enc,
                                           shop.webhook_secret_enc))
    assert "ck_live_1" not in stored and "cs_live_1" not in stored and "whsec" not in stored


def test_short_webhook_secret_is_refused(run):
    result = run("shop", "add", "woocommerce", "--url", "https://s.example", "--consumer-key",
                 "k", "--consumer-secret", "s", "--webhook-secret", "x")
    assert result.exit_code == 2 and "at least 8 characters" in result.output


def test_program_validate_names_file_and_key(run, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE_PROGRAM.read_text().replace('rounding = "floor"', 'rounding = "up"'))
    result = run("program", "validate", str(bad))
    assert result.exit_code == 1
    assert f"{bad}: earn.rounding:" in result.output
    assert run("program", "validate", str(EXAMPLE_PROGRAM)).exit_code == 0


def test_publish_and_show_program(run, woo_shop):
    result = run("program", "publish", "--shop", str(woo_shop), str(EXAMPLE_PROGRAM))
    assert result.exit_code == 0 and "version 1" in result.output  # same text: same version
    shown = run("program", "show", "--shop", str(woo_shop)).output
    assert 'name = "Example Rewards"' in shown
    assert run("program", "show", "--shop", "999").exit_code == 1


def test_customer_show_json_and_ledger_verify_catches_a_mismatch(run, client, services,
                                                                woo_shop):
    from connector import pipeline

    post(client, woo_shop, *fixture_delivery("04"))
    pipeline.drain(services.db)
    shown = json.loads(run("customer", "show", "--shop", str(woo_shop), "--customer", "2",
                           "--json").output)
    assert (shown["balance"], shown["pending"], shown["lifetime_earned"]) == (0, 256, 256)
    assert shown["tier"] == "Member"
    assert set(shown["entries"][0]) >= {"kind", "points", "source_key", "created_at",
                                        "available_at", "expires_at"}
    assert run("ledger", "verify").exit_code == 0
    with services.db.transaction() as session:
        session.execute(update(Customer).values(points_total=Customer.points_total + 5))
    failed = run("ledger", "verify")
    assert failed.exit_code == 1 and "but entries sum to (256, 256)" in failed.output


def test_demo_shows_what_each_customer_earned(run):
    result = run("demo")
    assert result.exit_code == 0, result.output
    # signup 100 (available); order 13: 56 - 10 refunded, plus the 200 first-order bonus (pending)
    assert "alice@example.com: 100 available, 246 pending, lifetime 346" in result.output


def test_bundled_demo_data_matches_the_shared_fixtures():
    from connector.demo import DEMO_DATA

    for path in (SHARED / "fixtures" / "woocommerce").glob("*.json"):
        assert (DEMO_DATA / "woocommerce" / path.name).read_bytes() == path.read_bytes()
    assert (DEMO_DATA / "program-example.toml").read_bytes() == EXAMPLE_PROGRAM.read_bytes()


def test_shop_list_tells_the_merchant_why_a_shop_is_disconnected(run, services):
    run("shop", "add", "woocommerce", "--url", "https://shop.example.com",
        "--consumer-key", "ck_1", "--consumer-secret", "cs_1", "--webhook-secret", "a-long-secret")
    with services.db.transaction() as session:
        session.execute(update(Shop).values(
            status="disconnected", status_note="PUT customers/2: the store refused the API keys"))
    listed = run("shop", "list").output
    assert "disconnected" in listed and "refused the API keys" in listed
