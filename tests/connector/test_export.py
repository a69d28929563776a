"""`loyalty export` then `loyalty import-ledger` into an empty database: nothing lost, no
secrets carried, and a damaged file or a non-empty database refused without a trace."""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from connector import links, migrate, pipeline, programs, visits
from connector.cli import cli
from connector.customers import find_customer
from connector.export import RECORD_TYPES, SHOP_OMITTED
from connector.ledger import write_entry
from connector.models import Customer, LedgerEntry, Notice, Shop, TierChange
from connector.redemptions import CODE_PURPOSE, redeem
from connector.services import build_services
from connector.types import utcnow
from tests.conftest import PG_ADMIN_URL, _pg_admin
from tests.connector.woo import fixture_delivery, post
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET

# Points available at once and a cheap reward, so the history includes a redemption.
SPENDABLE = (EXAMPLE_PROGRAM.read_text().replace("pending_days = 14", "pending_days = 0")
             .replace("cost = 500", "cost = 50"))


def _pg_database():
    admin = _pg_admin()
    name = f"loyalty_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def restored_settings(settings, tmp_path):
    """Settings for a second, empty, migrated database of the same kind as the test's."""
    if settings["LOYALTY_DATABASE_URL"].startswith("sqlite"):
        databases = iter([f"sqlite:///{tmp_path / 'restored.db'}"])
    else:
        databases = _pg_database()
    url = next(databases)
    restored = {**settings, "LOYALTY_DATABASE_URL": url,
                "LOYALTY_INSTANCE_PATH": str(tmp_path / "restored-instance")}
    built = build_services(restored)
    migrate.upgrade(built.db)
    built.close()
    yield restored
    next(databases, None)


@pytest.fixture
def restored(restored_settings):
    built = build_services(restored_settings)
    yield built
    built.close()


def invoke(settings, *args):
    """`loyalty ...` against the database of `settings`."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=settings, catch_exceptions=False)


def build_history(client, services, shop_id):
    """Alice signs up, orders, completes and is partly refunded, redeems, gets a manual
    adjustment, a birthday, a notice, her referral and share links and a visit through one."""
    with services.db.transaction() as session:
        programs.publish(session, session.get(Shop, shop_id).program_id, SPENDABLE, "s.toml")
    for name in ("01", "04", "06", "07"):
        assert post(client, shop_id, *fixture_delivery(name)).status_code == 200
    pipeline.drain(services.db)
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        alice = find_customer(session, shop, None, "alice@example.com")
        redeem(session, shop, alice, "5-off", "req-1", utcnow(), services.box.derive(CODE_PURPOSE))
        now = utcnow()
        write_entry(session, alice, LedgerEntry(
            shop_id=shop_id, kind="adjust", points=25, lot="manual:1", source_key="manual:1",
            available_at=now, expires_at=now + timedelta(days=365), reason="goodwill",
            actor="admin:test"))
        alice.birthday = date(1990, 5, 17)
        secret = services.box.derive(links.CODE_PURPOSE)
        link = links.referral_link(session, shop, alice, secret)
        links.share_link(session, shop, alice, "/products/mug", secret, None)
        who = visits.visitor(services.box.derive(visits.VISITOR_PURPOSE), "203.0.113.9", "Firefox")
        visits.record_referral_visit(session, link, who, now)
        session.add(Notice(customer_id=alice.id, shop_id=shop_id, kind="birthday",
                           key="birthday:1:1990", due_at=now, subject="Happy birthday",
                           body="Points for you", status="sent", sent_at=now))
        assert [change.to_tier for change in session.scalars(select(TierChange))] == ["Member"]


def table_rows(services, model) -> list[dict]:
    table = model.__table__
    with services.db.reading() as session:
        rows = session.execute(select(table).order_by(table.c.id)).mappings()
        return [dict(row) for row in rows]


def exported(run, tmp_path, shop_id):
    path = tmp_path / "export.jsonl"
    result = run("export", "--shop", shop_id, "--output", path, "--no-progress")
    assert result.exit_code == 0, result.output
    return path


def test_round_trip_restores_every_record_and_verifies(client, services, woo_shop, run,
                                                       tmp_path, restored_settings, restored):
    build_history(client, services, woo_shop)
    path = exported(run, tmp_path, woo_shop)
    result = invoke(restored_settings, "import-ledger", path)
    assert result.exit_code == 0, result.output
    assert "1 redemption" in result.output and "reconnect" in result.output
    assert invoke(restored_settings, "ledger", "verify").exit_code == 0
    for kind, model in RECORD_TYPES:
        before, after = table_rows(services, model), table_rows(restored, model)
        if model is Shop:
            ignored = (*SHOP_OMITTED, "status", "status_note")
            before, after = ([{k: v for k, v in row.items() if k not in ignored} for row in rows]
                             for rows in (before, after))
        assert after == before, kind
    kinds = {row["kind"] for row in table_rows(restored, LedgerEntry)}
    assert kinds == {"bonus", "earn", "clawback", "redeem", "adjust"}
    assert [c["points_total"] for c in table_rows(restored, Customer)] == [321]


def test_imported_shop_is_disconnected_and_no_secret_is_exported(
        client, services, woo_shop, run, tmp_path, restored_settings, restored):
    build_history(client, services, woo_shop)
    path = exported(run, tmp_path, woo_shop)
    content = path.read_text()
    (source_shop,) = table_rows(services, Shop)
    encrypted = [source_shop[c] for c in SHOP_OMITTED if source_shop.get(c)]
    for secret in (WOO_SECRET, "ck_test", "cs_test", *encrypted):
        assert secret not in content
    (shop_line,) = [json.loads(line) for line in content.splitlines() if '"type":"shop"' in line]
    assert shop_line["secrets"] == ["webhook_secret", "api_key", "api_secret"]
    assert invoke(restored_settings, "import-ledger", path).exit_code == 0
    (shop,) = table_rows(restored, Shop)
    assert shop["status"] == "disconnected" and "reconnect" in shop["status_note"]
    assert all(shop[c] is None for c in SHOP_OMITTED)


def test_new_entries_after_import_get_fresh_ids(client, services, woo_shop, run, tmp_path,
                                                restored_settings, restored):
    build_history(client, services, woo_shop)
    assert invoke(restored_settings, "import-ledger", exported(run, tmp_path, woo_shop)) \
        .exit_code == 0
    last_id = max(row["id"] for row in table_rows(restored, LedgerEntry))
    with restored.db.transaction() as session:
        alice = session.scalar(select(Customer).where(Customer.email == "alice@example.com"))
        bob = Customer(program_id=alice.program_id, email="bob@example.com")
        session.add(bob)
        entry = LedgerEntry(shop_id=woo_shop, kind="adjust", points=5, source_key="after-import",
                            available_at=utcnow(), reason="after import")
        assert write_entry(session, alice, entry)
    with restored.db.reading() as session:
        new_id = session.scalar(select(LedgerEntry.id).where(
            LedgerEntry.source_key == "after-import"))
    assert new_id > last_id and bob.id > alice.id
    assert invoke(restored_settings, "ledger", "verify").exit_code == 0


def count_everything(services) -> int:
    with services.db.reading() as session:
        return sum(session.scalar(select(func.count()).select_from(model))
                   for _kind, model in RECORD_TYPES)


def test_damaged_files_and_a_non_empty_database_are_refused_without_a_trace(
        client, services, woo_shop, run, tmp_path, restored_settings, restored):
    build_history(client, services, woo_shop)
    lines = exported(run, tmp_path, woo_shop).read_text().splitlines(keepends=True)
    ledger_line = next(i for i, line in enumerate(lines) if '"type":"ledger_entry"' in line)
    orphans = [line for line in lines if '"type":"customer"' not in line]
    damaged = {"truncated.jsonl": lines[:-1], "cut.jsonl": lines[:len(lines) // 2],
               "missing-entry.jsonl": lines[:ledger_line] + lines[ledger_line + 1:],
               "orphans.jsonl": orphans,
               "future.jsonl": [lines[0].replace('"format":1', '"format":2'), *lines[1:]]}
    for name, content in damaged.items():
        (tmp_path / name).write_text("".join(content))
        result = invoke(restored_settings, "import-ledger", tmp_path / name)
        assert result.exit_code == 1 and "refused" in result.output, name
        assert count_everything(restored) == 0, name
    assert "truncated" in invoke(restored_settings, "import-ledger",
                                 tmp_path / "truncated.jsonl").output
    assert "does not fit" in invoke(restored_settings, "import-ledger",
                                    tmp_path / "orphans.jsonl").output
    again = invoke(restored_settings, "import-ledger", tmp_path / "export.jsonl")
    assert again.exit_code == 0, again.output
    before = count_everything(restored)
    result = invoke(restored_settings, "import-ledger", tmp_path / "export.jsonl")
    assert result.exit_code == 1 and "empty database" in result.output
    assert count_everything(restored) == before
