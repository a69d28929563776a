"""Which program version is in force when: versions are read once per session, and a version
published in the same session is seen at once."""
from __future__ import annotations

from datetime import UTC, datetime

from connector import programs
from connector.shops import add_shop
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET

JAN, MAR, JUN = (datetime(2026, month, 1, tzinfo=UTC) for month in (1, 3, 6))


def _richer(text: str) -> str:
    assert "\npoints_per_unit = 1 " in text
    return text.replace("\npoints_per_unit = 1 ", "\npoints_per_unit = 2 ", 1)


def test_the_version_in_force_follows_publication_times_within_one_session(services):
    text = EXAMPLE_PROGRAM.read_text()
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "http://127.0.0.1:8003/",
                        webhook_secret=WOO_SECRET, api_key="ck", api_secret="cs")
        assert programs.live_version(session, shop.program_id) is None
        assert programs.version_in_force(session, shop.program_id, MAR) is None
        first = programs.publish(session, shop.program_id, text, "v1", at=MAR)
        assert programs.live_version(session, shop.program_id) is first
        second = programs.publish(session, shop.program_id, _richer(text), "v2", at=JUN)
        assert (first.version, second.version) == (1, 2)
        assert programs.live_version(session, shop.program_id) is second
        # before the first version, an order earns under the first one (imported history)
        assert programs.version_in_force(session, shop.program_id, JAN) is first
        assert programs.version_in_force(session, shop.program_id, MAR) is first
        assert programs.version_in_force(session, shop.program_id, JUN) is second
        program_id = shop.program_id
    with services.db.reading() as session:
        assert programs.live_version(session, program_id).version == 2
        assert programs.parsed(programs.version_in_force(session, program_id, MAR)) \
            .earn.points_per_unit == 1


def test_the_live_program_follows_a_version_published_by_another_session(services):
    """live_program keeps parsed programs across requests by the digest of their text: a
    version published since (by the CLI, another process) is what the next read gets."""
    text = EXAMPLE_PROGRAM.read_text()
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "http://127.0.0.1:8004/",
                        webhook_secret=WOO_SECRET, api_key="ck", api_secret="cs")
        program_id = shop.program_id
    with services.db.reading() as session:
        assert programs.live_program(session, program_id) is None
    with services.db.transaction() as session:
        programs.publish(session, program_id, text, "v1", at=MAR)
    with services.db.reading() as session:
        assert programs.live_program(session, program_id).earn.points_per_unit == 1
    with services.db.transaction() as session:
        assert programs.live_program(session, program_id).earn.points_per_unit == 1
        programs.publish(session, program_id, _richer(text), "v2", at=JUN)
        # the same session sees its own publication at once
        assert programs.live_program(session, program_id).earn.points_per_unit == 2
    for _ in range(2):  # the second read is answered from the parsed-program cache
        with services.db.reading() as session:
            assert programs.live_program(session, program_id).earn.points_per_unit == 2
