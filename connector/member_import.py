"""Enrolling an existing mailing list from a CSV file, one member per row.

Each row joins in its own transaction through members.join, so a bad row changes nothing and
the rest still join, and a second run of the same file joins nobody twice and pays no bonus
twice. Spreadsheets export CSV with `;` in much of Europe and with a BOM from Excel, and name
their columns freely; both are accepted.
"""
from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from connector.members import JoinRefused, join, parse_birthday, valid_email
from connector.models import Shop
from connector.services import Services
from connector.types import utcnow

# Header names, compared lower-cased with `_` read as a space.
COLUMNS = {
    "email": ("email", "e-mail", "email address", "e-mail address"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "name": ("name", "full name"),
    "birthday": ("birthday", "birthdate", "birth date", "date of birth", "dob"),
}


@dataclass(frozen=True)
class RowError:
    line: int  # as the file shows it: the header is line 1
    email: str  # as typed
    message: str


@dataclass(frozen=True)
class MemberRow:
    line: int
    fields: dict[str, str]  # keys from COLUMNS, values stripped


@dataclass
class ImportReport:
    rows: int = 0
    joined: int = 0
    already_members: int = 0
    points_awarded: int = 0
    errors: list[RowError] = field(default_factory=list)


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text (byte {exc.start}): save it as "
                         "\"CSV UTF-8\" and try again") from None


def _delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;").delimiter
    except csv.Error:  # one column, or too little to tell
        return ","


def _column_map(header: list[str], path: Path) -> dict[str, int]:
    """The position of each known column; the first of several with one meaning wins."""
    normalised = [" ".join(name.replace("_", " ").lower().split()) for name in header]
    found = {}
    for key, aliases in COLUMNS.items():
        for position, name in enumerate(normalised):
            if name in aliases:
                found[key] = position
                break
    if "email" not in found:
        columns = ", ".join(repr(name) for name in header) or "none"
        raise ValueError(f"{path} has no e-mail column (columns found: {columns}); name the "
                         "column with the addresses \"email\"")
    return found


def read_rows(path: Path) -> list[MemberRow]:
    """The file's non-blank rows, with the line each starts on."""
    text = _text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path} is empty: expected a header row with an email column")
        columns = _column_map(header, path)
        rows, last_line = [], reader.line_num
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                rows.append(MemberRow(line, {key: cells[at].strip() if at < len(cells) else ""
                                             for key, at in columns.items()}))
    except csv.Error as exc:
        raise ValueError(f"{path} line {reader.line_num} cannot be read as CSV: {exc}") from None
    return rows


def _names(fields: dict[str, str]) -> tuple[str | None, str | None]:
    first, last = fields.get("first_name"), fields.get("last_name")
    if not first and not last and fields.get("name"):
        first, _, last = fields["name"].partition(" ")
    return first or None, last or None


@dataclass
class _Enrolment:
    services: Services
    shop: Shop
    now: datetime
    welcome_points: int
    report: ImportReport
    seen: dict[str, int] = field(default_factory=dict)  # e-mail -> the line it is first on

    def join_row(self, row: MemberRow) -> None:
        """Join one row, or record why it cannot be; raises only for what is not the row's
        fault (the database going away)."""
        typed = row.fields["email"]
        try:
            email = valid_email(typed)
            if email in self.seen:
                raise JoinRefused(f"{typed!r} is already on line {self.seen[email]} of this file")
            self.seen[email] = row.line
            birthday = parse_birthday(row.fields.get("birthday"), self.now.date())
            first, last = _names(row.fields)
            with self.services.db.transaction() as session:
                joined = join(session, self.shop, email, self.now, first_name=first,
                              last_name=last, birthday=birthday,
                              welcome_points=self.welcome_points)
        except JoinRefused as exc:
            self.report.errors.append(RowError(row.line, typed, str(exc)))
            return
        self.report.joined += joined.newly_joined
        self.report.already_members += not joined.newly_joined
        self.report.points_awarded += joined.points_awarded


def _shop(services: Services, shop_id: int) -> Shop:
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise ValueError(f"no shop with id {shop_id}")
        session.expunge(shop)
    return shop


def import_members(services: Services, shop_id: int, path: str | Path, *,
                   welcome_points: int = 0, show_progress: bool = True,
                   now: datetime | None = None) -> ImportReport:
    """Join every row of the CSV file at `path`. Raises ValueError (with what to fix) when the
    file cannot be read or has no e-mail column, OSError when it cannot be opened."""
    shop, rows = _shop(services, shop_id), read_rows(Path(path))
    enrolment = _Enrolment(services, shop, now or utcnow(), welcome_points,
                           ImportReport(rows=len(rows)))
    bar = tqdm(rows, total=len(rows), unit="row", file=sys.stderr, desc="members",
               disable=not show_progress, dynamic_ncols=True)
    with bar:
        for row in bar:
            enrolment.join_row(row)
    return enrolment.report
