"""Program metrics counted from stored orders and ledger entries (connector.metrics and
connector.metrics_series), on a small history whose every figure is worked out by hand below.

The period is the four weeks [Mon 2 March 2026, Mon 30 March 2026), 28 days; `now` is
31 March 12:00. The example program is live: its cheapest fixed-amount reward is 500 points
for 5.00, so a point is worth 0.01.

Customers of the program (orders are paid orders unless said otherwise):

    A  member since 2025-06-01, Gold   2025-07-10 100.00; 03-05 80.00 less 20.00 refunded; 03-20 40.00
    B  member since 03-10, Silver      03-12 120.00 (first order)
    C  Silver                          2025-12-01 50.00; 03-08 50.00 fully refunded (not counted)
    D                                  2024-12-01 30.00; 03-25 70.00 (lapsed, came back)
    E                                  03-03 25.00 (first); 03-17 35.00; 03-24 20.00; one unpaid
    F  member since 03-15              03-16 cancelled after payment (not counted): not a customer
    G  member since 03-02 00:00        no orders
    H  joins 2026-04-02 (after end)    2025-03-15 90.00
    I                                  2025-03-20 20.00
    Z  in another program              03-05 500.00, 999 points: never counted
"""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connector import programs
from connector.ledger import write_entry
from connector.metrics import Retention, program_metrics
from connector.metrics_series import (
    WeekPoints,
    liability_over_time,
    members_over_time,
    tier_distribution,
    weekly_points,
)
from connector.models import Customer, LedgerEntry, OrderState, Program, Shop


def at(month: int, day: int, hour: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


START, END, NOW = at(3, 2), at(3, 30), at(3, 31, 12)
W1, W2, W3, W4 = at(3, 2), at(3, 9), at(3, 16), at(3, 23)


class History:
    def __init__(self, session, shop_id: int) -> None:
        self.session, self.shop_id = session, shop_id
        self.orders = 0

    def customer(self, program_id: int, name: str, joined: datetime | None = None,
                 tier: str | None = None) -> Customer:
        customer = Customer(program_id=program_id, email=f"{name}@example.com", joined_at=joined,
                            tier=tier)
        self.session.add(customer)
        self.session.flush()
        return customer

    def order(self, customer: Customer, paid_at: datetime | None, merchandise: str,
              refunded: str = "0.00", status: str = "paid") -> None:
        self.orders += 1
        net = Decimal(merchandise) - Decimal(refunded)
        self.session.add(OrderState(
            shop_id=self.shop_id, order_id=str(self.orders), customer_id=customer.id,
            status=status, currency="USD", merchandise=Decimal(merchandise),
            refunded=Decimal(refunded), net_spend=net, paid_at=paid_at,
            platform_updated_at=paid_at or START))

    def entry(self, customer: Customer, kind: str, points: int, created: datetime,
              available: datetime) -> None:
        key = f"{kind}:{customer.email}:{created.isoformat()}:{points}"
        assert write_entry(self.session, customer, LedgerEntry(
            shop_id=self.shop_id, kind=kind, points=points, lot=key, source_key=key,
            created_at=created, available_at=available))


@pytest.fixture
def history(services, woo_shop):
    """Seeds the history in the module docstring; returns the program id."""
    with services.db.transaction() as session:
        shop = session.get(Shop, woo_shop)
        pid = shop.program_id
        h = History(session, woo_shop)
        a = h.customer(pid, "a", at(6, 1, year=2025), "Gold")
        b = h.customer(pid, "b", at(3, 10), "Silver")
        c = h.customer(pid, "c", tier="Silver")
        d, e = h.customer(pid, "d"), h.customer(pid, "e")
        f = h.customer(pid, "f", at(3, 15))
        h.customer(pid, "g", at(3, 2))  # a member who never ordered
        i = h.customer(pid, "i")
        hh = h.customer(pid, "h", at(4, 2))
        other = Program(merchant_id=shop.merchant_id, name="Other")
        session.add(other)
        session.flush()
        z = h.customer(other.id, "z", at(1, 1))

        h.order(a, at(7, 10, year=2025), "100.00")
        h.order(a, at(3, 5), "80.00", "20.00")
        h.order(a, at(3, 20), "40.00")
        h.order(b, at(3, 12), "120.00")
        h.order(c, at(12, 1, year=2025), "50.00")
        h.order(c, at(3, 8), "50.00", "50.00", status="refunded")
        h.order(d, at(12, 1, year=2024), "30.00")
        h.order(d, at(3, 25), "70.00")
        h.order(e, at(3, 3), "25.00")
        h.order(e, at(3, 17), "35.00")
        h.order(e, at(3, 24), "20.00", status="fulfilled")
        h.order(e, None, "60.00", status="pending")
        h.order(f, at(3, 16), "45.00", "45.00", status="cancelled")
        h.order(hh, at(3, 15, year=2025), "90.00")
        h.order(i, at(3, 20, year=2025), "20.00")
        h.order(z, at(3, 5), "500.00")

        h.entry(a, "earn", 100, at(7, 10, year=2025), at(7, 24, year=2025))
        h.entry(a, "earn", 80, at(3, 5), at(3, 19))
        h.entry(a, "clawback", -20, at(3, 6), at(3, 19))
        h.entry(a, "redeem", -50, at(3, 10), at(3, 10))
        h.entry(a, "adjust", 30, at(3, 18), at(3, 18))
        h.entry(a, "adjust", -10, at(3, 18, 1), at(3, 18, 1))
        h.entry(a, "earn", 40, at(3, 20), at(4, 3))
        h.entry(a, "bonus", 25, at(3, 30, 10), at(3, 30, 10))  # after the period, before now
        h.entry(b, "bonus", 100, at(3, 10), at(3, 10))
        h.entry(b, "earn", 120, at(3, 12), at(3, 26))
        h.entry(b, "redeem", -100, at(3, 27), at(3, 27))
        h.entry(b, "redeem", 100, at(3, 28), at(3, 28))  # the code failed: points given back
        h.entry(c, "earn", 50, at(12, 1, year=2025), at(12, 15, year=2025))
        h.entry(c, "expire", -50, at(3, 24), at(12, 15, year=2025))
        h.entry(d, "earn", 70, at(3, 25), at(4, 8))
        h.entry(e, "earn", 25, at(3, 3), at(3, 17))
        h.entry(e, "earn", 35, at(3, 17), at(3, 31))
        h.entry(e, "earn", 20, at(3, 24), at(4, 7))
        h.entry(i, "adjust", -10, at(2, 1), at(2, 1))  # below zero: counts as 0, not -10
        h.entry(z, "earn", 999, at(3, 5), at(3, 5))
    return pid


def metrics_of(services, pid, **options):
    with services.db.reading() as session:
        live = programs.parsed(programs.live_version(session, pid))
        return program_metrics(session, pid, START, END, NOW, program=live, **options)


def test_adoption_counts_members_among_customers_who_paid(services, history):
    m = metrics_of(services, history)
    # customers (a paid order before end): A B C D E H I = 7 (F's order was cancelled, G has
    # none, Z is another program's); members among them at end: A B = 2 (H joins after end)
    # adoption 2 / 7 = 28.57%
    assert (m.customers, m.members, m.adoption_rate) == (7, 2, Decimal("28.57"))


def test_points_issued_and_redeemed_in_the_period(services, history):
    m = metrics_of(services, history)
    # issued: A 80 + 30 + 40, B 100 + 120, D 70, E 25 + 35 + 20 = 520 (A's -10 adjust, the
    # clawback, the expiry, A's bonus on 03-30 and Z's 999 are not issued in the period)
    # redeemed: A 50 + B (100 - 100 given back) = 50; rate 50 / 520 = 9.615% -> 9.62%
    assert (m.points_issued, m.points_redeemed, m.redemption_rate) == (520, 50, Decimal("9.62"))


def test_retention_and_churn_from_active_customers(services, history):
    m = metrics_of(services, history)
    # active at start (a paid order in [2025-03-02, 2026-03-02)): A C H I -> S = 4
    # active at end ([2025-03-30, 2026-03-30)): A B C D E -> E = 5 (H, I lapsed; D came back)
    # new (first paid order in the period): B E -> N = 2
    # CRR (5 - 2) / 4 = 75.00%, churn 25.00%
    assert m.retention == Retention(start=4, end=5, new=2)
    assert (m.retention_rate, m.churn_rate) == (Decimal("75.00"), Decimal("25.00"))


def test_a_shorter_activity_window_leaves_nobody_active_at_the_start(services, history):
    m = metrics_of(services, history, active_days=30)
    # at start, [01-31, 03-02): no paid orders -> S = 0, no rate;
    # at end, [02-28, 03-30): A B D E -> E = 4
    assert m.retention == Retention(start=0, end=4, new=2)
    assert (m.retention_rate, m.churn_rate) == (None, None)


def test_order_value_frequency_and_lifetime_value(services, history):
    m = metrics_of(services, history)
    everyone = m.everyone
    # period orders: A 60 (80 - 20) + 40, B 120, D 70, E 25 + 35 + 20 = 7 orders, 370.00
    # AOV 370 / 7 = 52.857 -> 52.86; frequency 7 orders / 4 buyers x 365 / 28 days = 22.8125
    # -> 22.81 a year; CLV 52.86 x 22.81 x 3 years = 3617.2098 -> 3617.21
    assert (everyone.orders, everyone.revenue) == (7, Decimal("370.00"))
    assert everyone.average_order_value == Decimal("52.86")
    assert everyone.purchase_frequency == Decimal("22.81")
    assert everyone.customer_lifetime_value == Decimal("3617.21")
    # repeat: A (3 orders), D (2), E (3) of 7 customers = 42.86%
    assert (everyone.customers, everyone.repeat_rate) == (7, Decimal("42.86"))


def test_lifetime_value_follows_the_expected_lifetime(services, history):
    m = metrics_of(services, history, expected_lifetime_years=1)
    # 52.86 x 22.81 x 1 = 1205.7366 -> 1205.74
    assert m.everyone.customer_lifetime_value == Decimal("1205.74")


def test_members_and_non_members_side_by_side(services, history):
    m = metrics_of(services, history)
    members, others = m.member_customers, m.non_member_customers
    # members A B: 2 customers, repeat 1 / 2 = 50.00%; period orders A 60 + 40, B 120 = 3,
    # 220.00; AOV 73.33; frequency 3 / 2 x 365 / 28 = 19.55; CLV 73.33 x 19.55 x 3 = 4300.80
    assert (members.customers, members.repeat_rate, members.orders, members.revenue) == (
        2, Decimal("50.00"), 3, Decimal("220.00"))
    assert (members.average_order_value, members.purchase_frequency,
            members.customer_lifetime_value) == (
        Decimal("73.33"), Decimal("19.55"), Decimal("4300.80"))
    # non-members C D E H I: 5, repeat D E = 2 / 5 = 40.00%; period orders D 70, E 25 + 35 +
    # 20 = 4, 150.00; AOV 37.50; frequency 4 / 2 x 365 / 28 = 26.07;
    # CLV 37.50 x 26.07 x 3 = 2932.875 -> 2932.88
    assert (others.customers, others.repeat_rate, others.orders, others.revenue) == (
        5, Decimal("40.00"), 4, Decimal("150.00"))
    assert (others.average_order_value, others.purchase_frequency,
            others.customer_lifetime_value) == (
        Decimal("37.50"), Decimal("26.07"), Decimal("2932.88"))


def test_outstanding_liability_now(services, history):
    m = metrics_of(services, history)
    # available at now (03-31 12:00): A 100 + 80 - 20 - 50 + 30 - 10 + 25 = 155 (40 pending to
    # 04-03); B 100 + 120 - 100 + 100 = 220; C 50 - 50 = 0; D 0 (pending to 04-08);
    # E 25 + 35 = 60 (20 pending to 04-07); I -10 counts as 0 -> 435 points x 0.01 = 4.35
    assert (m.available_points, m.face_value_per_point, m.liability) == (
        435, Decimal("0.01"), Decimal("4.35"))


def test_weekly_points_by_week_written(services, history):
    with services.db.reading() as session:
        series = weekly_points(session, history, START, END)
    assert series == [
        WeekPoints(W1, issued=80 + 25, redeemed=0, expired=0, clawed_back=20),
        WeekPoints(W2, issued=100 + 120, redeemed=50, expired=0, clawed_back=0),
        WeekPoints(W3, issued=30 + 40 + 35, redeemed=0, expired=0, clawed_back=0),
        WeekPoints(W4, issued=70 + 20, redeemed=100 - 100, expired=50, clawed_back=0),
    ]


def test_weekly_points_of_a_period_starting_midweek(services, history):
    with services.db.reading() as session:
        series = weekly_points(session, history, at(3, 11), at(3, 18))
    # [Wed 03-11, Wed 03-18): B's 120 on 03-12 in the week of 03-09; E's 35 on 03-17 in the
    # week of 03-16; A's +30 adjust at 03-18 00:00 is outside
    assert series == [WeekPoints(W2, 120, 0, 0, 0), WeekPoints(W3, 35, 0, 0, 0)]


def test_members_over_time_is_cumulative_by_join_date(services, history):
    with services.db.reading() as session:
        series = members_over_time(session, history, START, END)
    # by 03-09: A, G; by 03-16: + B, F; then no one until H on 04-02
    assert series == [(W1, 2), (W2, 4), (W3, 4), (W4, 4)]


def test_tier_distribution_counts_every_customer_of_the_program(services, history):
    with services.db.reading() as session:
        assert tier_distribution(session, history) == {"Gold": 1, "Silver": 2, "no tier": 6}


def test_liability_over_time_at_each_week_end(services, history):
    with services.db.reading() as session:
        series = liability_over_time(session, history, START, END, Decimal("0.01"))
    # 03-09: A 100, C 50 = 150
    # 03-16: A 100 - 50, B 100, C 50 = 200
    # 03-23: A 100 + 80 - 20 - 50 + 30 - 10 = 130, B 100, C 50, E 25 = 305
    # 03-30: A 130, B 220, C 0, E 25 = 375 (A's 25 is written at 10:00, after the week ends)
    assert series == [(W1, 150, Decimal("1.50")), (W2, 200, Decimal("2.00")),
                      (W3, 305, Decimal("3.05")), (W4, 375, Decimal("3.75"))]
