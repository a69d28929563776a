"""The shop, its live program and the program's figures."""
from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta

from flask.views import MethodView

from connector import programs
from connector.api.auth import services, shop_of
from connector.api.errors import refuse
from connector.api.paths import ApiBlueprint
from connector.api.program_schemas import MetricsQuery, MetricsSchema, ProgramSchema, ShopSchema
from connector.metrics import program_metrics
from connector.types import utcnow

blueprint = ApiBlueprint("shops", "The shop, its live program and its figures.")

DEFAULT_PERIOD = timedelta(weeks=12)
FIRST_DAY, LAST_DAY = date(2, 1, 1), date(9999, 12, 30)  # a year of history fits before


@blueprint.route("")
class ShopView(MethodView):
    @blueprint.response(200, ShopSchema)
    @blueprint.errors(404)
    def get(self, shop_id: int):
        """The shop the key is for: platform, store, status and program."""
        with services().db.reading() as session:
            shop = shop_of(session, shop_id)
            return {"id": shop.id, "platform": shop.platform, "ref": shop.ref,
                    "status": shop.status, "program_id": shop.program_id}


@blueprint.route("/program")
class ProgramView(MethodView):
    @blueprint.response(200, ProgramSchema)
    @blueprint.errors(404)
    def get(self, shop_id: int):
        """The live version of the shop's program: its TOML source, rewards and tiers."""
        with services().db.reading() as session:
            shop = shop_of(session, shop_id)
            version = programs.live_version(session, shop.program_id)
        if version is None:
            refuse(404, f"shop {shop_id} has no published program yet: publish one with "
                   "`loyalty program publish`")
        program = programs.parsed(version)
        return {"program_id": version.program_id, "version": version.version,
                "published_at": version.published_at, "name": program.name,
                "currency": program.currency, "source": version.source_text,
                "rewards": [asdict(reward) for reward in program.rewards],
                "tiers": [asdict(tier) for tier in program.tiers]}


def period(start: date | None, end: date | None, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) in UTC, from the start day's midnight to the midnight after the end day.
    The end defaults to now, the start to 12 weeks before the end."""
    for day in (start, end):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            refuse(422, f"{day.isoformat()} is out of range: give dates from "
                   f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    ends = now if end is None else _midnight(end + timedelta(days=1))
    begins = (max(ends - DEFAULT_PERIOD, _midnight(FIRST_DAY)) if start is None
              else _midnight(start))
    if begins >= ends:
        refuse(422, f"the period starts {begins:%Y-%m-%d} and ends before that: give an end "
               "on or after the start (the end day is included)")
    return begins, ends


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


@blueprint.route("/metrics")
class MetricsView(MethodView):
    @blueprint.arguments(MetricsQuery, location="query", as_kwargs=True)
    @blueprint.response(200, MetricsSchema)
    @blueprint.errors(404)
    def get(self, shop_id: int, start: date | None = None, end: date | None = None):
        """The program's measures over a period: adoption, redemption, retention and churn,
        order value, frequency and lifetime value (everyone, members, non-members), and the
        outstanding points liability now."""
        now = utcnow()
        begins, ends = period(start, end, now)
        with services().db.reading() as session:
            shop = shop_of(session, shop_id)
            version = programs.live_version(session, shop.program_id)
            if version is None:
                refuse(404, f"shop {shop_id} has no published program yet: its figures "
                       "are valued at the live version")
            figures = program_metrics(session, shop.program_id, begins, ends, now,
                                      program=programs.parsed(version))
        return asdict(figures)
