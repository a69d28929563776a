"""What the dashboard shows for one program: the period's figures with their definitions, and
the weekly series behind the charts. The definitions are the docstrings in rules/metrics.py."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from connector import metrics_series, programs
from connector.admin import charts
from connector.metrics import CustomerGroup, ProgramMetrics, program_metrics
from connector.models import Program, ProgramVersion
from rules import metrics as rules

PERIOD = timedelta(weeks=12)
NONE_SHOWN = "—"


@dataclass(frozen=True)
class Figure:
    name: str
    values: tuple[str, ...]  # one value, or everyone / members / non-members
    definition: str


@dataclass(frozen=True)
class Dashboard:
    program: Program
    start: datetime
    end: datetime
    figures: list[Figure]  # the program's measures over the period
    groups: list[Figure]  # everyone / members / non-members side by side
    charts: list[Markup]


def definition(measure: Callable[..., object]) -> str:
    return " ".join((inspect.getdoc(measure) or "").split())


def shown(value: Decimal | int | None, suffix: str = "") -> str:
    return NONE_SHOWN if value is None else f"{value}{suffix}"


def published_programs(session: Session, visible: list[int]) -> list[Program]:
    """Programs among `visible` with at least one published version, oldest first."""
    return list(session.scalars(select(Program).where(
        Program.id.in_(select(ProgramVersion.program_id)), Program.id.in_(visible))
        .order_by(Program.id)))


def _figures(m: ProgramMetrics) -> list[Figure]:
    s = m.retention
    retention = f"{shown(m.retention_rate, ' %')} (S {s.start}, E {s.end}, N {s.new})"
    return [
        Figure("Adoption rate", (shown(m.adoption_rate, " %"),), definition(rules.adoption_rate)),
        Figure("Customers / members", (f"{m.customers} / {m.members}",),
               "Customers have at least one paid order before the period's end; members are "
               "the customers who had joined the program by then."),
        Figure("Points issued / redeemed", (f"{m.points_issued} / {m.points_redeemed}",),
               "Points issued: earned, bonus and positive adjustment entries written in the "
               "period. Points redeemed: spent on rewards in the period, net of points given "
               "back."),
        Figure("Redemption rate", (shown(m.redemption_rate, " %"),),
               definition(rules.redemption_rate)),
        Figure("Retention rate", (retention,), definition(rules.retention_rate)),
        Figure("Churn rate", (shown(m.churn_rate, " %"),), definition(rules.churn_rate)),
        Figure("Face value per point", (shown(m.face_value_per_point),),
               definition(rules.face_value_per_point)),
        Figure("Outstanding liability", (f"{shown(m.liability)} ({m.available_points} points)",),
               definition(rules.liability)),
    ]


def _groups(m: ProgramMetrics) -> list[Figure]:
    columns = (m.everyone, m.member_customers, m.non_member_customers)

    def row(name: str, pick: Callable[[CustomerGroup], object], meaning: str,
            suffix: str = "") -> Figure:
        return Figure(name, tuple(shown(pick(group), suffix) for group in columns), meaning)

    return [
        row("Average order value", lambda g: g.average_order_value,
            definition(rules.average_order_value)),
        row("Purchase frequency per year", lambda g: g.purchase_frequency,
            definition(rules.annual_purchase_frequency)),
        row("Customer lifetime value", lambda g: g.customer_lifetime_value,
            definition(rules.customer_lifetime_value)),
        row("Repeat purchase rate", lambda g: g.repeat_rate, definition(rules.repeat_rate),
            " %"),
        row("Paid orders", lambda g: g.orders, "Paid orders in the period."),
        row("Revenue", lambda g: g.revenue,
            "Merchandise of the period's paid orders less what was refunded."),
    ]


def build(session: Session, program: Program, now: datetime) -> Dashboard:
    """The figures over the 12 weeks ending `now`, valued at the live version of `program`."""
    start, end = now - PERIOD, now
    version = programs.live_version(session, program.id)
    assert version is not None  # only published programs are offered
    live = programs.parsed(version)
    figures = program_metrics(session, program.id, start, end, now, program=live)
    face_value = rules.face_value_per_point(live)
    series = metrics_series
    return Dashboard(program=program, start=start, end=end, figures=_figures(figures),
                     groups=_groups(figures), charts=[
        charts.points_per_week(series.weekly_points(session, program.id, start, end)),
        charts.members_over_time(series.members_over_time(session, program.id, start, end)),
        charts.tier_distribution(series.tier_distribution(session, program.id)),
        charts.liability_over_time(series.liability_over_time(session, program.id, start, end,
                                                              face_value)),
    ])
