"""One shop's secrets reach nothing of another's, and no secret is ever written to a log.

The API's cross-shop refusals are in test_api.py (403 on every route) and the admin's
cross-merchant ones in test_admin_access.py; here: the webhook routes, and the logs of a whole
flow that handles every kind of secret."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from connector import pipeline
from connector.models import InboxDelivery, LedgerEntry
from connector.shops import add_shop
from tests.connector.api_shops import bearer, deliver_alice, make_key
from tests.connector.woo import fixture_delivery, post
from tests.support import EXAMPLE_PROGRAM

THEIR_SECRET = "their-own-webhook-secret-9f2c"


@pytest.fixture
def their_shop(services) -> int:
    """Another merchant's store, with its own webhook secret."""
    from connector import programs

    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "http://127.0.0.1:8009/",
                        webhook_secret=THEIR_SECRET, api_key="ck_theirs-7a1b",
                        api_secret="cs_theirs-4d8e")
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example")
        return shop.id


def counts(services) -> tuple[int, int]:
    with services.db.reading() as session:
        return (session.scalar(select(func.count()).select_from(InboxDelivery)),
                session.scalar(select(func.count()).select_from(LedgerEntry)))


def test_a_delivery_signed_for_one_shop_is_refused_at_another_and_changes_nothing(
        client, services, woo_shop, their_shop):
    for name in ("01", "04", "07"):  # signed with our shop's secret, sent to their URL
        answer = post(client, their_shop, *fixture_delivery(name))
        assert answer.status_code == 401, name
        assert answer.get_json()["code"] == "bad-signature"
    pipeline.drain(services.db)
    assert counts(services) == (0, 0)
    assert post(client, woo_shop, *fixture_delivery("04")).status_code == 200  # where it belongs


def test_an_unknown_shop_id_is_404_whatever_the_signature(client, services, woo_shop):
    for target in (woo_shop + 100, 0):
        answer = post(client, target, *fixture_delivery("04"))
        assert answer.status_code == 404
    assert counts(services) == (0, 0)


def test_no_secret_reaches_the_logs(client, services, woo_shop, their_shop, caplog, capfd):
    """Bad signatures, deliveries, processing, API calls with good and bad keys, and pushes
    that fail against a store that is not there: every log record and everything written to
    stdout and stderr is searched for each secret."""
    caplog.set_level(logging.DEBUG)
    key = make_key(services, woo_shop)
    post(client, their_shop, *fixture_delivery("04"))  # refused: their secret is not ours
    alice = deliver_alice(client, services, woo_shop)
    client.get(f"/api/v1/shops/{woo_shop}/customers/{alice}", headers=bearer(key))
    client.get(f"/api/v1/shops/{woo_shop}/customers/{alice}",
               headers=bearer(key[:-4] + "xxxx"))
    client.get(f"/api/v1/shops/{their_shop}", headers=bearer(key))
    from connector import pushing

    pushing.drain(services, limit=5)  # the stores are not there: the errors are logged
    written = "\n".join(record.getMessage() + " " + repr(record.__dict__)
                        for record in caplog.records)
    out, err = capfd.readouterr()
    written += out + err
    assert "webhook.bad-signature" in written and "push." in written  # the flow did log
    secrets = [key, key.split("_", 2)[2], THEIR_SECRET, "loyalty-test-secret", "cs_test",
               "cs_theirs-4d8e", services.config.secret_keys[0] if services.config.secret_keys
               else (services.config.instance_path / "secret_key").read_text().strip()]
    leaked = [secret for secret in secrets if secret and secret in written]
    assert not leaked, f"secrets in the logs: {leaked}"
