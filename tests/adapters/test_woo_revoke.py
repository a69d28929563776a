"""Revoking a reward coupon on the fake WooCommerce store (a refunded referral's friend code)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.base import Credentials, TransportError
from adapters.woocommerce import ADAPTER
from adapters.woocommerce.push import create_code
from adapters.woocommerce.rest import call, client
from rules.redemption import CodeSpec
from tests.fakes.woocommerce import FakeWooCommerce

FRIEND_CODE = CodeSpec(code="FRIEND-7QX", reward_id="referral-friend", type="fixed_amount",
                       value=Decimal(5), min_order=None, expires_at=None, sku=None,
                       email="bob@example.com")


@pytest.fixture
def store():
    with FakeWooCommerce(ping_webhooks=False) as fake:
        yield fake


@pytest.fixture
def target(store) -> Credentials:
    return Credentials(shop_ref=store.url, api_base=None, key=store.consumer_key,
                       secret=store.consumer_secret, timeout=5.0)


def codes_on(store) -> list[str]:
    with store.lock:
        return sorted(coupon["code"] for coupon in store.coupons.values())


def test_an_unused_code_of_ours_is_deleted_for_good(store, target):
    coupon_id = int(create_code(target, FRIEND_CODE))

    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is True

    assert codes_on(store) == []
    (delete,) = store.calls_to("DELETE", "coupons")
    assert delete.path == f"coupons/{coupon_id}" and delete.query.get("force") == "true"


def test_revoking_again_finds_it_gone_and_succeeds(store, target):
    create_code(target, FRIEND_CODE)
    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is True

    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is True
    assert len(store.calls_to("DELETE", "coupons")) == 1


def test_a_code_that_never_existed_is_already_gone(store, target):
    assert ADAPTER.revoke_code(target, "NEVER-ISSUED") is True
    assert store.calls_to("DELETE", "coupons") == []


def test_the_code_is_matched_ignoring_case(store, target):
    create_code(target, FRIEND_CODE)
    assert ADAPTER.revoke_code(target, FRIEND_CODE.code.lower()) is True
    assert codes_on(store) == []


def test_a_used_code_is_left_in_place_and_reported(store, target):
    coupon_id = int(create_code(target, FRIEND_CODE))
    with store.lock:
        store.coupons[coupon_id]["usage_count"] = 1
        store.coupons[coupon_id]["used_by"] = ["bob@example.com"]

    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is False

    assert codes_on(store) == ["friend-7qx"]
    assert store.calls_to("DELETE", "coupons") == []


def test_a_coupon_the_merchant_made_is_never_deleted(store, target):
    call(client(target), "post", "coupons", {"code": "FRIEND-7QX", "amount": "50"})

    with pytest.raises(TransportError) as caught:
        ADAPTER.revoke_code(target, FRIEND_CODE.code)

    assert caught.value.permanent
    assert "not created by this service" in str(caught.value)
    assert codes_on(store) == ["friend-7qx"]


def test_a_coupon_deleted_between_lookup_and_delete_counts_as_gone(store, target):
    create_code(target, FRIEND_CODE)
    store.fail_next("DELETE", "coupons/", 404)

    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is True


def test_a_store_outage_is_a_transient_failure_and_a_retry_deletes(store, target):
    create_code(target, FRIEND_CODE)
    store.fail_next("DELETE", "coupons/", 503)

    with pytest.raises(TransportError) as caught:
        ADAPTER.revoke_code(target, FRIEND_CODE.code)
    assert not caught.value.permanent
    assert codes_on(store) == ["friend-7qx"]

    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is True
    assert codes_on(store) == []


def test_deleting_an_unknown_coupon_id_is_a_404_like_woocommerce(store, target):
    with pytest.raises(TransportError) as caught:
        call(client(target), "delete", "coupons/999", params={"force": "true"})
    assert getattr(caught.value, "status", None) == 404
    assert getattr(caught.value, "code", None) == "woocommerce_rest_shop_coupon_invalid_id"
