"""Revoking a reward code on the fake Shopify Admin API (a refunded referral's friend code)."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.base import Credentials, TransportError
from adapters.shopify import ADAPTER
from adapters.shopify.admin import AdminAPI, forget_buckets
from adapters.shopify.push import CREATE_BASIC, code_input, create_code
from rules.redemption import CodeSpec
from tests.fakes.shopify import FakeShopify
from tests.fakes.shopify_ops import OPERATIONS, Operation
from tests.support import SHOPIFY_DOMAIN

BOB = "gid://shopify/Customer/7002"
FRIEND_CODE = CodeSpec(code="FRIEND-7QX", reward_id="referral-friend", type="fixed_amount",
                       value=Decimal(5), min_order=None, expires_at=None, sku=None,
                       email="bob@example.com")
FREE_SHIPPING = CodeSpec(code="FRIEND-SHIP", reward_id="referral-friend", type="free_shipping",
                         value=None, min_order=None, expires_at=None, sku=None, email=None)


@pytest.fixture
def fake():
    forget_buckets()
    with FakeShopify() as server:
        yield server
    forget_buckets()


@pytest.fixture
def target(fake) -> Credentials:
    return Credentials(shop_ref=SHOPIFY_DOMAIN, api_base=fake.url, key=fake.access_token,
                       secret=None, timeout=5.0)


def codes_on(fake) -> list[str]:
    with fake.lock:
        return sorted(fake.discounts)


@pytest.mark.parametrize("spec", [FRIEND_CODE, FREE_SHIPPING], ids=["basic", "free-shipping"])
def test_an_unused_code_of_ours_is_deleted(fake, target, spec):
    node_id = create_code(target, spec, BOB)

    assert ADAPTER.revoke_code(target, spec.code) is True

    assert codes_on(fake) == []
    (delete,) = fake.calls_to("discountCodeDelete")
    assert delete.variables == {"id": node_id} and delete.status == 200


def test_revoking_again_finds_it_gone_and_succeeds(fake, target):
    create_code(target, FRIEND_CODE, BOB)
    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is True

    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is True
    assert len(fake.calls_to("discountCodeDelete")) == 1


def test_a_code_that_never_existed_is_already_gone(fake, target):
    assert ADAPTER.revoke_code(target, "NEVER-ISSUED") is True
    assert fake.calls_to("discountCodeDelete") == []


def test_a_used_code_is_left_in_place_and_reported(fake, target):
    create_code(target, FRIEND_CODE, BOB)
    with fake.lock:
        fake.discounts["FRIEND-7QX"]["asyncUsageCount"] = 1

    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is False

    assert codes_on(fake) == ["FRIEND-7QX"]
    assert fake.calls_to("discountCodeDelete") == []


def test_a_discount_the_merchant_made_is_never_deleted(fake, target):
    merchant = {**code_input(FRIEND_CODE, None, datetime.now(UTC)), "title": "Friends 5 off"}
    AdminAPI(target).execute(CREATE_BASIC, {"input": merchant})

    with pytest.raises(TransportError) as caught:
        ADAPTER.revoke_code(target, FRIEND_CODE.code)

    assert caught.value.permanent
    assert "did not create" in str(caught.value)
    assert codes_on(fake) == ["FRIEND-7QX"]
    assert fake.calls_to("discountCodeDelete") == []


def test_a_refused_delete_is_a_permanent_failure(fake, target, monkeypatch):
    def refuse(_fake, arguments):
        return {"deletedCodeDiscountId": None, "userErrors": [
            {"field": ["id"], "message": "Discount could not be deleted", "code": "INVALID"}]}

    monkeypatch.setitem(OPERATIONS, "discountCodeDelete",
                        Operation("mutation", {"id": "ID!"}, refuse))
    create_code(target, FRIEND_CODE, BOB)

    with pytest.raises(TransportError) as caught:
        ADAPTER.revoke_code(target, FRIEND_CODE.code)

    assert caught.value.permanent
    assert "Discount could not be deleted" in str(caught.value)


def test_throttled_calls_wait_and_retry_before_deleting(fake, target):
    create_code(target, FRIEND_CODE, BOB)
    fake.throttle_next(2)  # the lookup, then its retry; then the delete

    assert ADAPTER.revoke_code(target, FRIEND_CODE.code) is True

    lookups = fake.calls_to("codeDiscountNodeByCode")
    assert [call.throttled for call in lookups] == [True, True, False]
    assert codes_on(fake) == []


def test_the_delete_mutation_costs_like_other_mutations(fake, target):
    create_code(target, FRIEND_CODE, BOB)
    ADAPTER.revoke_code(target, FRIEND_CODE.code)

    (lookup,) = fake.calls_to("codeDiscountNodeByCode")
    (delete,) = fake.calls_to("discountCodeDelete")
    assert (lookup.cost, delete.cost) == (1, 10)


def test_deleting_an_unknown_discount_is_a_user_error(fake, target):
    answer = AdminAPI(target).execute(
        "mutation($id: ID!) { discountCodeDelete(id: $id) { deletedCodeDiscountId "
        "userErrors { field code message } } }", {"id": "gid://shopify/DiscountCodeNode/999"})
    result = answer["discountCodeDelete"]
    assert result["deletedCodeDiscountId"] is None
    assert [error["field"] for error in result["userErrors"]] == [["id"]]
