"""Both webhook parsers over mutated real deliveries: sound events, or BadPayload naming a field.

Every fixture topic of both platforms is fuzzed with Hypothesis (derandomized, so CI sees the
same examples every run) and, exhaustively, with each odd value in every field and each key
deleted. Any exception other than BadPayload is a parser bug.
"""
from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import REGISTRY, BadPayload
from adapters.woocommerce.payload import MAX_AMOUNT
from rules.events import OrderEvent
from tests.adapters.payload_mutations import SWEEP_VALUES, apply, mutated, paths, sweep
from tests.adapters.sound_events import CASES, SHOP, Case, parse_soundly


def test_every_fixture_topic_is_fuzzed() -> None:
    topics = {(case.platform, case.topic) for case in CASES}
    assert {("woocommerce", "order.created"), ("woocommerce", "order.updated"),
            ("woocommerce", "customer.created"), ("woocommerce", "coupon.created"),
            ("shopify", "orders/paid"), ("shopify", "refunds/create"),
            ("shopify", "customers/redact"), ("shopify", "shop/redact")} <= topics
    assert len(CASES) == 19


# --- fuzzing -----------------------------------------------------------------------------------

_mutated = functools.cache(mutated)
_FUZZ = settings(max_examples=200, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("case", CASES, ids=str)
@settings(_FUZZ, derandomize=True)
@given(data=st.data())
def test_a_mutated_delivery_gives_sound_events_or_bad_payload(case: Case, data: Any) -> None:
    parse_soundly(case, data.draw(_mutated(case.body)))


@settings(_FUZZ, max_examples=100)  # a fresh seed each run: new examples beyond the fixed ones
@given(data=st.data())
def test_any_mutated_delivery_with_a_random_seed(data: Any) -> None:
    case = data.draw(st.sampled_from(CASES), label="case")
    parse_soundly(case, data.draw(_mutated(case.body)))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_field_with_each_kind_of_odd_value_or_deleted(case: Case) -> None:
    body, failures = json.loads(case.body), []
    for change, payload in sweep(body, SWEEP_VALUES):
        try:
            parse_soundly(case, payload)
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            failures.append(f"{change}: {exc!r}"[:200])
    assert not failures, f"{len(failures)} failures, first ones:\n" + "\n".join(failures[:10])
    assert body == json.loads(case.body), "the parser modified its input"


# --- amounts out of range ----------------------------------------------------------------------


def _woo_order() -> dict[str, Any]:
    (case,) = [case for case in CASES if case.name == "04"]
    return json.loads(case.body)


def _shopify_order() -> dict[str, Any]:
    (case,) = [case for case in CASES if (case.platform, case.name) == ("shopify", "03")]
    return json.loads(case.body)


@pytest.mark.parametrize("amount", ["1000000000000.01", "-1000000000000.01",
                                    "999999999999999.9999999999"])
def test_an_absurd_woo_amount_is_bad_payload_out_of_range(amount: str) -> None:
    order = _woo_order()
    order["line_items"][0]["total"] = amount
    with pytest.raises(BadPayload, match=r"^line_items\[0\]\.total: amount out of range"):
        REGISTRY["woocommerce"].parse("order.created", order, SHOP["woocommerce"])


def test_a_woo_amount_at_the_bound_still_parses() -> None:
    order = _woo_order()
    order["line_items"] = order["line_items"][:1]
    order["line_items"][0]["total"] = "1000000000000"
    (event,) = REGISTRY["woocommerce"].parse("order.created", order, SHOP["woocommerce"])
    assert isinstance(event, OrderEvent)
    assert event.line_items[0].total == MAX_AMOUNT


def test_woo_refunds_summing_past_the_bound_are_bad_payload() -> None:
    order = _woo_order()
    order["refunds"] = [{"id": index, "total": "-999999999999"} for index in range(2)]
    with pytest.raises(BadPayload, match=r"^refunds \(sum of totals\): amount out of range"):
        REGISTRY["woocommerce"].parse("order.created", order, SHOP["woocommerce"])


@pytest.mark.parametrize("quantity", [10**11, 2**63 - 1])
def test_a_shopify_price_times_an_absurd_quantity_is_bad_payload(quantity: int) -> None:
    order = _shopify_order()
    order["line_items"][0]["quantity"] = quantity
    with pytest.raises(BadPayload, match=r"^line_items\[0\] \(price x quantity - discounts\): "
                                         "amount out of range"):
        REGISTRY["shopify"].parse("orders/paid", order, SHOP["shopify"])


@pytest.mark.parametrize("amount", ["1e30", 10**30, "1000000000000.5"])
def test_an_absurd_shopify_shipping_price_is_bad_payload(amount: Any) -> None:
    order = _shopify_order()
    order["shipping_lines"][0]["price_set"]["shop_money"]["amount"] = amount
    with pytest.raises(BadPayload, match=r"^shipping_lines\[0\]\.price_set\.shop_money\.amount: "):
        REGISTRY["shopify"].parse("orders/paid", order, SHOP["shopify"])


# --- text that is not Unicode ------------------------------------------------------------------


@pytest.mark.parametrize("case", [case for case in CASES if case.topic.startswith("order")],
                         ids=str)
def test_a_lone_surrogate_in_any_text_field_is_bad_payload_or_ignored(case: Case) -> None:
    """JSON's "\\ud800" escape decodes to a lone surrogate, which cannot be hashed or stored."""
    original = json.loads(case.body)
    for path in paths(original):
        leaf = functools.reduce(lambda value, step: value[step], path, original)
        if isinstance(leaf, str):
            parse_soundly(case, apply(json.loads(case.body), [("replace", path, "a\ud800")]))
