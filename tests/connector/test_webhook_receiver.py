"""Acceptance 4 of the foundation: bad input gets a clear JSON error and changes nothing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from connector import pipeline
from connector.models import InboxDelivery, LedgerEntry
from tests.connector.woo import fixture_delivery, post
from tests.support import woo_signature


def counts(services) -> tuple[int, int]:
    with services.db.reading() as session:
        return (session.scalar(select(func.count()).select_from(InboxDelivery)),
                session.scalar(select(func.count()).select_from(LedgerEntry)))


def assert_refused(response, status: int, words: str, services) -> None:
    assert response.status_code == status
    assert words in response.get_json()["error"]
    pipeline.drain(services.db)
    assert counts(services) == (0, 0)


def test_captured_order_is_accepted_then_duplicate(client, services, woo_shop):
    body, headers = fixture_delivery("04")
    first, second = post(client, woo_shop, body, headers), post(client, woo_shop, body, headers)
    assert first.status_code == 200 and first.get_json() == {"status": "accepted"}
    assert second.status_code == 200 and second.get_json() == {"status": "duplicate"}
    assert counts(services)[0] == 1


def test_ping_answers_200_and_records_nothing(client, services, woo_shop):
    body, headers = fixture_delivery("00")
    response = post(client, woo_shop, body, headers)
    assert response.status_code == 200 and response.get_json()["ping"] is True
    assert counts(services) == (0, 0)


def test_body_changed_by_one_byte_is_401(client, services, woo_shop):
    body, headers = fixture_delivery("04")
    tampered = body.replace(b'"total":"45.00"', b'"total":"46.00"', 1)
    assert tampered != body and len(tampered) == len(body)
    assert_refused(post(client, woo_shop, tampered, headers), 401, "does not match", services)


def test_wrong_secret_is_401(client, services, woo_shop):
    body, headers = fixture_delivery("04")
    headers["X-WC-Webhook-Signature"] = woo_signature(body, "not-the-secret")
    assert_refused(post(client, woo_shop, body, headers), 401, "does not match", services)


def test_missing_signature_is_401(client, services, woo_shop):
    body, headers = fixture_delivery("04")
    del headers["X-WC-Webhook-Signature"]
    assert_refused(post(client, woo_shop, body, headers), 401, "X-WC-Webhook-Signature", services)


@pytest.mark.parametrize("shop_path", ["999", "abc", "0", "99999999999999999999999"])
def test_unknown_shop_is_404(client, services, woo_shop, shop_path):
    body, headers = fixture_delivery("04")
    response = client.post(f"/webhooks/woocommerce/{shop_path}", data=body, headers=headers)
    assert_refused(response, 404, "no woocommerce shop", services)


@pytest.mark.parametrize("raw", [b"not json at all", b"[1, 2, 3]", b'{"id": 13', b"\xff\xfe",
                                 b'{"a":' * 100_000])  # nested past Python's recursion limit
def test_signed_non_json_body_is_400(client, services, woo_shop, raw):
    _, headers = fixture_delivery("04")
    headers["X-WC-Webhook-Signature"] = woo_signature(raw)
    assert_refused(post(client, woo_shop, raw, headers), 400, "not a JSON object", services)


def test_body_over_one_mebibyte_is_413(client, services, woo_shop):
    raw = json.dumps({"id": 13, "padding": "x" * (1024 * 1024)}).encode()
    _, headers = fixture_delivery("04")
    headers.update({"X-WC-Webhook-Signature": woo_signature(raw), "Content-Length": str(len(raw))})
    assert_refused(post(client, woo_shop, raw, headers), 413, "larger than", services)


def test_errors_are_json_never_500(client, services, woo_shop):
    body, headers = fixture_delivery("04")
    for response in (post(client, woo_shop, body[:-1], headers),
                     client.post("/webhooks/woocommerce/1", data=b"", headers={})):
        assert response.status_code in (400, 401, 404)
        assert response.is_json and response.get_json()["code"]
