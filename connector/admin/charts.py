"""The dashboard's charts, drawn by pygal as inline SVG from the weekly series.

Labels (tier names come from the merchant's program) are escaped by pygal's XML writer. No
JavaScript is loaded (`js=[]`): the charts print their values instead of showing tooltips, and
the page asks nothing from a third-party host.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pygal
from markupsafe import Markup
from pygal.style import CleanStyle

from connector.metrics_series import WeekPoints

_OPTIONS = {"js": [], "style": CleanStyle, "print_values": True, "print_zeroes": False,
            "height": 360, "legend_at_bottom": True, "x_label_rotation": 30,
            "disable_xml_declaration": True}


def _svg(chart: pygal.graph.graph.Graph) -> Markup:
    # pygal builds the SVG with an XML writer from our own figures and escaped labels
    return Markup(chart.render(is_unicode=True))


def _week_labels(mondays: list[datetime]) -> list[str]:
    return [monday.strftime("%d %b") for monday in mondays]


def points_per_week(rows: list[WeekPoints]) -> Markup:
    chart = pygal.Bar(title="Points per week", **_OPTIONS)
    chart.x_labels = _week_labels([row.week_start for row in rows])
    chart.add("Issued", [row.issued for row in rows])
    chart.add("Redeemed", [row.redeemed for row in rows])
    chart.add("Expired", [row.expired for row in rows])
    chart.add("Clawed back", [row.clawed_back for row in rows])
    return _svg(chart)


def members_over_time(rows: list[tuple[datetime, int]]) -> Markup:
    chart = pygal.Line(title="Members over time", show_legend=False, **_OPTIONS)
    chart.x_labels = _week_labels([monday for monday, _ in rows])
    chart.add("Members", [members for _, members in rows])
    return _svg(chart)


def tier_distribution(tiers: dict[str, int]) -> Markup:
    chart = pygal.Pie(title="Customers per tier", **_OPTIONS)
    for tier, customers in tiers.items():
        chart.add(tier, customers)
    return _svg(chart)


def liability_over_time(rows: list[tuple[datetime, int, Decimal | None]]) -> Markup:
    """Money owed at each week's end; the available points when no reward gives them a value."""
    valued = bool(rows) and rows[0][2] is not None
    title = ("Outstanding liability (points × face value)" if valued
             else "Available points (no fixed-amount reward gives them a money value)")
    chart = pygal.Line(title=title, show_legend=False, **_OPTIONS)
    chart.x_labels = _week_labels([monday for monday, _, _ in rows])
    if valued:
        # weeks with nothing owed print no label (pygal's print_zeroes sees the formatted text)
        chart.value_formatter = lambda value: f"{value:,.2f}" if value else ""
        chart.add("Liability", [float(money) for _, _, money in rows if money is not None])
    else:
        chart.add("Available points", [points for _, points, _ in rows])
    return _svg(chart)
