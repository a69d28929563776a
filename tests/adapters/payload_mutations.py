"""Hypothesis strategies that break a real webhook body one field at a time.

A mutation replaces any value (at any depth, the whole body included) with one of the wrong type
or an odd one, deletes a key or a list item, or adds an unknown key. Strategies draw mutations
over the paths of the body they are given; `apply` runs them on a fresh copy.
"""
from __future__ import annotations

import json
import reprlib
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import strategies as st

Path = tuple[Any, ...]  # keys and list indexes


def nested_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def nested_dict(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


# Values that have broken or could break a parser. Deep nesting goes past the interpreter's
# recursion limit, which a JSON body cannot, so anything surviving it survives any body.
ODD_SCALARS: list[Any] = [
    None, True, False, 0, 1, -1, 7, 10**30, -(10**30), 10**400, -(10**400), 2**63, 2**64,
    1.5, -0.0, float("nan"), float("inf"), float("-inf"), 1e308,
    "", " ", "0", "-0", "12.50", "-12.50", "1e999", "-1e999", "1e30", "1E+2", "NaN", "nan",
    "sNaN", "Infinity", "-inf", "0x10", "1_000", "12,50", " 12.50", "12.50\n", "999999999999999",
    "999999999999999.9999999999", "-999999999999999", "0.0000000001", "1000000000000.01", "-13",
    "00000000000000000013", "1" * 20,
    "9" * 400, "١٢٣", "１２", "²", "\x00", "a\x00b", "\u202eRTL\u202c", "مرحبا", "😀🎉",
    "e\u0301", "\ufeff", "2026-02-30T00:00:00", "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00", "0000-00-00 00:00:00", "2026-11-23T03:55:08Z",
]
# Containers are made afresh for each use: a later mutation may write into one.
ODD_CONTAINERS: list[Callable[[], Any]] = [
    list, dict, lambda: [None], lambda: [1, "a"], lambda: {"": None},
    lambda: {"amount": "1.00"}, lambda: nested_list(3000), lambda: nested_dict(3000),
]


# One of each kind, for the sweep that puts every one of them in every field.
SWEEP_VALUES: list[Any] = [
    None, True, -1, 10**400, 1.5, float("nan"), "", "1e999", "NaN", "-12.50",
    "999999999999999.9999999999", "١٢٣", "a\x00b", "😀\u202e", "9999-12-31T23:59:59-01:00",
    [], {}, [None], {"": None}, nested_list(3000),
]


_SCALARS = (
    st.none() | st.booleans()
    | st.integers() | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats() | st.text(max_size=20)  # Hypothesis text holds no lone surrogates
    | st.decimals(allow_nan=True, allow_infinity=True).map(str)
    | st.sampled_from(ODD_SCALARS)
    | st.sampled_from(ODD_CONTAINERS).map(lambda make: make())
)

VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
) | st.integers(1, 5000).map(nested_list) | st.integers(1, 5000).map(nested_dict)


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path in `value`, the empty path (the whole value) first."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def _parent(body: Any, path: Path) -> Any:
    """The container holding `path`, or None when an earlier mutation removed it."""
    for step in path[:-1]:
        if isinstance(body, dict) and step in body or (
                isinstance(body, list) and isinstance(step, int) and step < len(body)):
            body = body[step]
        else:
            return None
    return body


def apply(body: Any, mutations: list[tuple[str, Path, Any]]) -> Any:
    """`body` after the mutations (in place); ones whose path no longer exists do nothing."""
    for kind, path, value in mutations:
        if not path:
            body = value if kind == "replace" else body
            continue
        parent = _parent(body, path)
        step = path[-1]
        if isinstance(parent, dict) and kind == "add":
            parent[f"{step}_unknown"] = value
        elif isinstance(parent, dict) and step in parent or (
                isinstance(parent, list) and isinstance(step, int) and step < len(parent)):
            if kind == "delete":
                del parent[step]
            else:
                parent[step] = value
    return body


def sweep(body: Any, values: list[Any]) -> Iterator[tuple[str, Any]]:
    """(what changed, the body) with each of `values` in turn at every path of `body`, the whole
    body included, then with each key or list item deleted: one change at a time, made in place
    and undone after each yield, so the parser under test must leave the body alone."""
    for value in values:
        yield f"body = {reprlib.repr(value)}", value
    for path in list(paths(body))[1:]:
        parent, step = _parent(body, path), path[-1]
        original = parent[step]
        for value in values:
            parent[step] = value
            yield f"{path} = {reprlib.repr(value)}", body
        del parent[step]
        yield f"{path} deleted", body
        if isinstance(parent, list):
            parent.insert(step, original)
        else:
            parent[step] = original


def mutated(raw_body: str) -> st.SearchStrategy[Any]:
    """Fresh decoded copies of `raw_body` with one to four mutations each."""
    found = list(paths(json.loads(raw_body)))
    one = st.tuples(st.sampled_from(["replace", "replace", "delete", "add"]),
                    st.sampled_from(found), VALUES)
    return st.lists(one, min_size=1, max_size=4).map(
        lambda mutations: apply(json.loads(raw_body), mutations))
