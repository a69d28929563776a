"""`loyalty members import`: a mailing list joins, bad rows are reported by line and change
nothing, and importing the same file again joins nobody twice and pays no bonus twice."""
from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from connector.members import JoinRefused, join
from connector.models import Customer, CustomerAccount, LedgerEntry, Shop

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SIGNUP = 100  # [bonuses] signup in the example program
BLANK_BEFORE = 600  # a blank line precedes this row


def email_of(i: int) -> str:
    return f"member{i:04d}@example.com"


def birthday_of(i: int) -> date:
    return date(1950 + i % 50, 1 + i % 12, 1 + i % 28)


def line_of(i: int) -> int:
    """The file line of row i: the header is line 1, and one blank line sits in the middle."""
    return i + 2 + (i >= BLANK_BEFORE)


BAD_ROWS = {  # row -> (email, birthday, the message for it)
    5: ("bob@", "1980-01-01", "'bob@' is not an e-mail address"),
    100: (email_of(100), "1990-13-45", "birthday '1990-13-45' is not a date like 1990-04-25"),
    200: (email_of(200), "2999-01-01", "birthday 2999-01-01 is not a plausible date of birth"),
    700: ("Member0003@Example.com", "1980-01-01",
          f"'Member0003@Example.com' is already on line {line_of(3)} of this file"),
}
ALREADY = range(10, 15)  # joined before the import, without a welcome bonus


def write_mailing_list(path, rows: int = 1_000) -> None:
    lines = ["email,first_name,last_name,birthday"]
    for i in range(rows):
        if i == BLANK_BEFORE:
            lines.append("")
        email, born, _ = BAD_ROWS.get(i, (email_of(i), birthday_of(i).isoformat(), None))
        lines.append(f"{email},First{i},Last{i},{born}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def join_directly(services, shop_id: int, emails) -> None:
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        for email in emails:
            join(session, shop, email, NOW)


def customer(services, email: str) -> Customer | None:
    with services.db.reading() as session:
        return session.scalar(select(Customer).where(Customer.email == email))


def ledger_size(services) -> int:
    with services.db.reading() as session:
        return session.scalar(select(func.count()).select_from(LedgerEntry))


def test_mailing_list_joins_and_reports_bad_rows_by_line(services, woo_shop, run, tmp_path):
    join_directly(services, woo_shop, [email_of(i) for i in ALREADY])
    path = tmp_path / "list.csv"
    write_mailing_list(path)
    result = run("members", "import", path, "--shop", woo_shop, "--welcome-points", 50)
    assert result.exit_code == 0, result.output
    assert "1000/1000" in result.stderr  # tqdm's bar
    new, already = 1_000 - len(BAD_ROWS) - len(ALREADY), len(ALREADY)
    points = new * (SIGNUP + 50)  # members from before the import get no welcome bonus
    assert (f"1000 rows: {new} joined, {already} already members, {len(BAD_ROWS)} errors; "
            f"{points} points awarded") in result.stdout
    for i, (_, _, message) in BAD_ROWS.items():
        assert f"line {line_of(i)}: {message}\n" in result.stdout
    member = customer(services, email_of(642))
    assert (member.first_name, member.last_name, member.birthday, member.points_total) == \
        ("First642", "Last642", birthday_of(642), SIGNUP + 50)
    assert customer(services, email_of(12)).points_total == SIGNUP  # a member already
    assert customer(services, email_of(3)).points_total == SIGNUP + 50  # its duplicate paid none
    assert customer(services, email_of(100)) is None  # a bad row changes nothing
    assert customer(services, email_of(200)) is None


def test_importing_the_same_file_again_joins_nobody_and_pays_nothing(services, woo_shop, run,
                                                                     tmp_path):
    path = tmp_path / "list.csv"
    write_mailing_list(path, rows=300)
    first = run("members", "import", path, "--shop", woo_shop, "--welcome-points", 50,
                "--no-progress")
    assert "300 rows: 297 joined, 0 already members, 3 errors; 44550 points" in first.stdout
    entries = ledger_size(services)
    again = run("members", "import", path, "--shop", woo_shop, "--welcome-points", 50)
    assert again.exit_code == 0, again.output
    assert "300/300" in again.stderr
    assert ("300 rows: 0 joined, 297 already members, 3 errors; 0 points awarded"
            in again.stdout)
    assert ledger_size(services) == entries
    assert customer(services, email_of(42)).points_total == SIGNUP + 50


def test_semicolons_bom_and_spreadsheet_headers(services, woo_shop, run, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffE-Mail;Name;DOB\r\nAnn@Example.com;Ann Lee Smith;1990-04-25\r\n"
                     "carl@example.com;Carl;\r\n".encode())
    result = run("members", "import", path, "--shop", woo_shop, "--no-progress")
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 joined, 0 already members, 0 errors; 200 points awarded" in result.stdout
    ann, carl = customer(services, "ann@example.com"), customer(services, "carl@example.com")
    assert (ann.first_name, ann.last_name, ann.birthday) == ("Ann", "Lee Smith",
                                                             date(1990, 4, 25))
    assert (carl.first_name, carl.last_name, carl.birthday) == ("Carl", None, None)
    listed = run("members", "list", "--shop", woo_shop, "--json")
    assert [(m["email"], m["birthday"], m["balance"]) for m in json.loads(listed.stdout)] == [
        ("ann@example.com", "1990-04-25", SIGNUP), ("carl@example.com", None, SIGNUP)]


def test_errors_csv_holds_every_bad_row(services, woo_shop, run, tmp_path):
    path, errors = tmp_path / "list.csv", tmp_path / "errors.csv"
    path.write_text("email,birthday\nann@example.com,\nbob@,\n\ncid@example.com,25/04/1990\n")
    result = run("members", "import", path, "--shop", woo_shop, "--errors-csv", errors,
                 "--no-progress")
    assert result.exit_code == 0, result.output
    with errors.open(newline="") as written:
        assert list(csv.reader(written)) == [
            ["line", "email", "error"],
            ["3", "bob@", "'bob@' is not an e-mail address"],
            ["5", "cid@example.com", "birthday '25/04/1990' is not a date like 1990-04-25"]]


def test_a_file_without_an_email_column_names_the_columns_it_has(woo_shop, run, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("Name,DOB\nAnn Lee,1990-04-25\n")
    result = run("members", "import", path, "--shop", woo_shop)
    assert result.exit_code == 1
    assert "no e-mail column" in result.output and "'Name', 'DOB'" in result.output


@pytest.mark.parametrize("content", [None, "email\nzoë@example.com\n".encode("latin-1")])
def test_an_unreadable_file_exits_1_saying_why(woo_shop, run, tmp_path, content):
    path = tmp_path / "list.csv"
    if content is not None:
        path.write_bytes(content)
    result = run("members", "import", path, "--shop", woo_shop)
    assert result.exit_code == 1
    assert ("No such file" if content is None else "is not UTF-8") in result.output


def test_joining_as_an_account_with_another_members_email_is_refused(services, woo_shop):
    join_directly(services, woo_shop, ["bob@example.com"])
    entries = ledger_size(services)
    with (pytest.raises(JoinRefused, match="already belongs to a member"),
          services.db.transaction() as session):
        join(session, session.get(Shop, woo_shop), "bob@example.com", NOW,
             customer_ref="777", first_name="Mallory", welcome_points=50)
    with services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(CustomerAccount)) == 0
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
    bob = customer(services, "bob@example.com")
    assert (bob.first_name, bob.points_total) == (None, SIGNUP)
    assert ledger_size(services) == entries
