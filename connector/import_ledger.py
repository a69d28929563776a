"""`loyalty import-ledger FILE`: restore an export (connector.export) into an empty database.

Every record keeps its id, so foreign keys, lots and source keys stay as they were. Everything
happens in the caller's one transaction and the footer's counts and ledger sum are checked
before it commits: a refused or truncated file leaves nothing behind. Secrets were never
exported, so each imported shop that was active comes back `disconnected`, to be reconnected.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Table, func, insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from connector.export import FORMAT, RECORD_TYPES
from connector.models import Customer, LedgerEntry, Merchant, Shop
from connector.types import Money, UTCDateTime

TABLES: dict[str, Table] = {kind: model.__table__ for kind, model in RECORD_TYPES}
BATCH = 500
DISCONNECTED_NOTE = ("restored from an export, which never holds secrets (it had: {held}); "
                     "reconnect the store before it earns again: {how}")
RECONNECT = {"woocommerce": "`loyalty shop connect woocommerce --store-url {ref}`",
             "shopify": "install the app on {ref} again"}


@dataclass(frozen=True)
class ImportCounts:
    counts: dict[str, int]  # records inserted, by type
    ledger_sum: int


def _refuse_unless_empty(session: Session) -> None:
    for model in (Merchant, Shop, Customer, LedgerEntry):
        if session.scalar(select(func.count()).select_from(model)):
            raise ValueError(f"the database already holds {model.__tablename__}: import-ledger "
                             "restores into an empty database only (run `loyalty db upgrade` "
                             "on a new one and import there)")


def _decode(table: Table, record: dict[str, Any], number: int) -> dict[str, Any]:
    unknown = set(record) - set(table.c.keys())
    if unknown:
        raise ValueError(f"line {number}: unknown {table.name} fields {sorted(unknown)}")
    try:
        return {key: _value(table.c[key].type, value) for key, value in record.items()}
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(f"line {number}: a {table.name} value is not readable ({exc})") from None


def _value(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, UTCDateTime):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(f"{value!r} has no UTC offset")
        return moment
    if isinstance(column_type, Money):
        return Decimal(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    return value


def _disconnected(record: dict[str, Any]) -> dict[str, Any]:
    held = record.pop("secrets", [])
    if record.get("status") == "active":
        record["status"] = "disconnected"
        how = RECONNECT.get(record.get("platform"), "connect it again").format(
            ref=record.get("ref"))
        record["status_note"] = DISCONNECTED_NOTE.format(held=", ".join(held) or "none", how=how)
    return record


def _parse(line: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(record, dict) or "type" not in record:
        raise ValueError(f"line {number}: expected an object with a \"type\"")
    return record


def _records(lines: Iterable[str]) -> Iterable[tuple[int, dict[str, Any]]]:
    """(line number, record) for every non-blank line, header checked first."""
    numbered = ((n, line) for n, line in enumerate(lines, start=1) if line.strip())
    first = next(numbered, None)
    header = _parse(first[1], first[0]) if first else {}
    if header.get("type") != "export":
        raise ValueError("not a loyalty export: the first line is not its header")
    if header.get("format") != FORMAT:
        raise ValueError(f"export format {header.get('format')!r} is not supported "
                         f"(this version reads format {FORMAT})")
    for number, line in numbered:
        yield number, _parse(line, number)


class _Inserter:
    """Rows of one table at a time, inserted in batches as the file is read."""

    def __init__(self, session: Session):
        self.session, self.table, self.rows = session, None, []

    def add(self, table: Table, row: dict[str, Any]) -> None:
        if table is not self.table or len(self.rows) >= BATCH:
            self.flush()
            self.table = table
        self.rows.append(row)

    def flush(self) -> None:
        if self.rows:
            self.session.execute(insert(self.table), self.rows)
        self.rows = []


def _points(record: dict[str, Any], number: int) -> int:
    points = record.get("points")
    if type(points) is not int:  # JSON true/false would pass an isinstance check
        raise ValueError(f"line {number}: a ledger entry needs whole-number points")
    return points


def _check_footer(footer: dict[str, Any] | None, counts: dict[str, int], ledger_sum: int) -> None:
    if footer is None:
        raise ValueError("the export is truncated: its end line is missing; nothing imported")
    expected = {kind: n for kind, n in footer.get("counts", {}).items() if n}
    if expected != {kind: n for kind, n in counts.items() if n} \
            or footer.get("ledger_sum") != ledger_sum:
        raise ValueError(f"the export does not match its end line (counts {footer.get('counts')}"
                         f", ledger sum {footer.get('ledger_sum')}; read {counts}, ledger sum "
                         f"{ledger_sum}): it is damaged; nothing imported")


def _advance_sequences(session: Session) -> None:
    """PostgreSQL hands out ids from sequences that explicit ids did not move: move them."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite's next rowid is max(id) + 1 already
    for table in TABLES.values():
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"))


def _insert_all(session: Session, lines: Iterable[str]) -> ImportCounts:
    counts, ledger_sum, footer = dict.fromkeys(TABLES, 0), 0, None
    inserter = _Inserter(session)
    for number, record in _records(lines):
        kind = record.pop("type")
        if footer is not None or (kind not in TABLES and kind != "end"):
            raise ValueError(f"line {number}: unexpected {kind!r} record")
        if kind == "end":
            footer = record
            continue
        if kind == "shop":
            record = _disconnected(record)
        inserter.add(TABLES[kind], _decode(TABLES[kind], record, number))
        counts[kind] += 1
        ledger_sum += _points(record, number) if kind == "ledger_entry" else 0
    inserter.flush()
    _check_footer(footer, counts, ledger_sum)
    return ImportCounts(counts, ledger_sum)


def import_export(session: Session, lines: Iterable[str]) -> ImportCounts:
    """Insert an export's records with their ids into an empty database, in the caller's
    transaction; raise ValueError (the caller rolls back) on anything that does not fit."""
    _refuse_unless_empty(session)
    try:
        imported = _insert_all(session, lines)
    except StatementError as exc:  # a broken reference, a duplicate, a value out of range
        raise ValueError(f"the export does not fit this database: {exc.orig}") from None
    _advance_sequences(session)
    return imported
