"""Raw bodies before parsing: `delivery_meta` and the receiver's JSON check over broken bytes.

The receiver (connector/receiving.py) calls `delivery_meta(headers, raw)` on any body, signed or
not, then, once the signature holds, `_json_object(raw)`: a dict goes to the inbox and later to
`parse`, None answers 400. Neither may raise; what reaches `parse` must parse or be BadPayload.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import REGISTRY, DeliveryMeta
from connector.receiving import _json_object
from tests.adapters.sound_events import CASES, Case, parse_soundly

HEADERS = {
    "woocommerce": ("X-WC-Webhook-Topic", "X-WC-Webhook-Delivery-ID"),
    "shopify": ("X-Shopify-Topic", "X-Shopify-Event-Id", "X-Shopify-Webhook-Id"),
}
_FUZZ = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])

NOT_OBJECTS = [b"null", b"true", b"0", b"-1e999", b"NaN", b"Infinity", b'"text"', b"[]",
               b"[{}]", b'[{"id": 1}]', b"", b" ", b"\x00", b"{", b"}", b'{"id": 1',
               b'{"id": 1}}', b"{'id': 1}", b'{"id": 1} {"id": 2}', b"webhook_id=1",
               b"1" * 5000]
# json.loads detects a UTF-8 byte order mark and UTF-16/32 from the first bytes.
OTHER_ENCODINGS = [b"\xef\xbb\xbf{}", "{}".encode("utf-16"), "{}".encode("utf-32")]


def _raw_bodies(case: Case) -> st.SearchStrategy[bytes]:
    raw = case.body.encode()
    cut = st.integers(0, len(raw)).map(lambda end: raw[:end])  # truncated mid-delivery
    flipped = st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)).map(
        lambda change: raw[:change[0]] + bytes([change[1]]) + raw[change[0] + 1:])
    return (cut | flipped | st.binary(max_size=300)
            | st.sampled_from(NOT_OBJECTS + OTHER_ENCODINGS))


def _headers(platform: str) -> st.SearchStrategy[dict[str, str]]:
    # Werkzeug hands header values over as latin-1 text, any of it.
    return st.dictionaries(st.sampled_from(HEADERS[platform]),
                           st.text(st.characters(max_codepoint=255), max_size=300))


def _receive_and_parse(case: Case, headers: dict[str, str], raw: bytes) -> None:
    adapter = REGISTRY[case.platform]
    meta = adapter.delivery_meta(headers, raw)
    assert isinstance(meta, DeliveryMeta)
    assert len(meta.topic) <= 100 and 0 < len(meta.dedupe_key) <= 300
    payload = _json_object(raw)
    assert payload is None or isinstance(payload, dict)
    if payload is not None:  # what the worker would later hand the parser
        parse_soundly(case, json.loads(raw))


@pytest.mark.parametrize("case", CASES, ids=str)
@_FUZZ
@given(data=st.data())
def test_broken_bytes_never_raise_before_the_parser(case: Case, data: Any) -> None:
    headers = data.draw(_headers(case.platform), label="headers")
    _receive_and_parse(case, headers, data.draw(_raw_bodies(case), label="raw"))


@pytest.mark.parametrize("raw", NOT_OBJECTS, ids=repr)
def test_a_body_that_is_not_a_json_object_is_refused(raw: bytes) -> None:
    assert _json_object(raw) is None


def test_an_object_with_a_byte_order_mark_or_in_utf16_is_still_an_object() -> None:
    assert [_json_object(raw) for raw in OTHER_ENCODINGS] == [{}, {}, {}]


@pytest.mark.parametrize("platform", ["woocommerce", "shopify"])
@pytest.mark.parametrize("raw", NOT_OBJECTS + OTHER_ENCODINGS, ids=repr)
def test_delivery_meta_reads_any_body(platform: str, raw: bytes) -> None:
    meta = REGISTRY[platform].delivery_meta({}, raw)
    assert meta.dedupe_key.startswith("sha256:")
    assert meta.is_ping is (platform == "woocommerce" and raw == b"webhook_id=1")


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a":' * 100_000])
def test_a_deeply_nested_body_is_refused(raw: bytes) -> None:
    assert _json_object(raw) is None
