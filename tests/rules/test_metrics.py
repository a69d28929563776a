"""The program metrics (rules.metrics) on examples worked by hand: the arithmetic is in the
comments, so a reader can check each figure without running anything."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from rules.metrics import (
    CustomerValue,
    Retention,
    adoption_rate,
    annual_purchase_frequency,
    average_order_value,
    churn_rate,
    customer_lifetime_value,
    customer_value,
    face_value_per_point,
    liability,
    purchase_frequency,
    redemption_rate,
    repeat_rate,
    retention_rate,
)
from rules.program import Program
from tests.rules.builders import small_program

REWARDS = """
[[rewards]]
id = "5-off"
cost = 500
type = "fixed_amount"
value = "5.00"
[[rewards]]
id = "15-off"
cost = 1000
type = "fixed_amount"
value = "15.00"
[[rewards]]
id = "welcome-10"
cost = 0
type = "fixed_amount"
value = "10.00"
[[rewards]]
id = "free-shipping"
cost = 100
type = "free_shipping"
"""


# --- adoption, redemption -------------------------------------------------------------------------

def test_adoption_rate_is_members_over_customers() -> None:
    # 37 members of 120 customers: 37 / 120 = 0.308333... -> 30.83%
    assert adoption_rate(37, 120) == Decimal("30.83")
    # 1 of 8: 12.5% -> 12.50
    assert str(adoption_rate(1, 8)) == "12.50"


def test_adoption_rate_is_none_without_customers() -> None:
    assert adoption_rate(0, 0) is None


def test_redemption_rate_is_points_redeemed_over_points_issued() -> None:
    # 1,500 redeemed of 6,000 issued: 1500 / 6000 = 25.00%
    assert redemption_rate(1500, 6000) == Decimal("25.00")
    # 2 of 3: 66.666...% -> 66.67 (half up)
    assert redemption_rate(2, 3) == Decimal("66.67")


def test_redemption_rate_can_pass_100_when_older_points_are_spent() -> None:
    # 900 redeemed of 600 issued this period: 150.00%
    assert redemption_rate(900, 600) == Decimal("150.00")


def test_redemption_rate_is_none_when_nothing_was_issued() -> None:
    assert redemption_rate(500, 0) is None


# --- retention and churn --------------------------------------------------------------------------

def test_retention_rate_and_churn_on_the_textbook_example() -> None:
    # S=200, N=50, E=180: (180 - 50) / 200 = 130 / 200 = 0.65 -> CRR 65.00%, churn 100 - 65 = 35.00%
    assert str(retention_rate(200, 180, 50)) == "65.00"
    assert str(churn_rate(200, 180, 50)) == "35.00"
    counts = Retention(start=200, end=180, new=50)
    assert (counts.rate, counts.churn) == (Decimal("65.00"), Decimal("35.00"))


def test_retention_rounds_half_up() -> None:
    # S=3, N=0, E=2: 2 / 3 = 66.666...% -> 66.67; churn 100 - 66.67 = 33.33
    assert (retention_rate(3, 2, 0), churn_rate(3, 2, 0)) == (Decimal("66.67"), Decimal("33.33"))


def test_losing_nobody_is_full_retention_and_no_churn() -> None:
    # S=40, N=10, E=50: (50 - 10) / 40 = 100.00%; churn 0.00
    assert (retention_rate(40, 50, 10), churn_rate(40, 50, 10)) == (Decimal(100), Decimal(0))


def test_retention_and_churn_are_none_without_customers_at_the_start() -> None:
    assert retention_rate(0, 25, 25) is None
    assert churn_rate(0, 25, 25) is None
    assert Retention(0, 0, 0).rate is None


@given(start=st.integers(1, 10**6), kept=st.integers(0, 10**6), new=st.integers(0, 10**6))
def test_retention_never_passes_100_when_no_more_are_kept_than_there_were(
        start: int, kept: int, new: int) -> None:
    kept = min(kept, start)  # E - N <= S
    rate = retention_rate(start, kept + new, new)
    assert Decimal(0) <= rate <= Decimal(100)
    assert rate + churn_rate(start, kept + new, new) == Decimal(100)


# --- order value, frequency, lifetime value -------------------------------------------------------

def test_average_order_value_is_revenue_over_orders() -> None:
    # 1250.00 / 25 = 50.00
    assert str(average_order_value(Decimal("1250.00"), 25)) == "50.00"
    # 100.00 / 3 = 33.333... -> 33.33; 0.05 / 2 = 0.025 -> 0.03 (half up)
    assert average_order_value(Decimal("100.00"), 3) == Decimal("33.33")
    assert average_order_value(Decimal("0.05"), 2) == Decimal("0.03")


def test_average_order_value_is_none_without_orders() -> None:
    assert average_order_value(Decimal(0), 0) is None


def test_purchase_frequency_is_orders_per_customer() -> None:
    # 25 orders / 10 customers = 2.5
    assert purchase_frequency(25, 10) == Decimal("2.50")
    # 10 / 3 = 3.333... -> 3.33
    assert purchase_frequency(10, 3) == Decimal("3.33")
    assert purchase_frequency(0, 0) is None


def test_annual_frequency_scales_the_period_to_365_days() -> None:
    # a quarter of 91 days, 12 orders from 8 customers: 12 / 8 x 365 / 91 = 6.0164... -> 6.02
    assert annual_purchase_frequency(12, 8, Decimal(91)) == Decimal("6.02")
    # a full year of 365 days: 25 / 10 = 2.50
    assert annual_purchase_frequency(25, 10, Decimal(365)) == Decimal("2.50")
    # 730 days (two years): 25 / 10 / 2 = 1.25
    assert annual_purchase_frequency(25, 10, Decimal(730)) == Decimal("1.25")
    assert annual_purchase_frequency(0, 0, Decimal(365)) is None
    assert annual_purchase_frequency(3, 1, Decimal(0)) is None


def test_customer_lifetime_value_is_aov_times_frequency_times_lifetime() -> None:
    # 50.00 x 2.5 per year x 3 years = 375.00
    assert str(customer_lifetime_value(Decimal("50.00"), Decimal("2.50"), 3)) == "375.00"
    # 33.33 x 1.25 x 2 = 83.325 -> 83.33 (half up)
    assert customer_lifetime_value(Decimal("33.33"), Decimal("1.25"), 2) == Decimal("83.33")
    # 40.00 x 2 x 1.5 years = 120.00
    assert customer_lifetime_value(Decimal("40.00"), Decimal(2), Decimal("1.5")) == Decimal(120)


def test_customer_lifetime_value_is_none_when_aov_or_frequency_is_unknown() -> None:
    assert customer_lifetime_value(None, Decimal("2.5"), 3) is None
    assert customer_lifetime_value(Decimal(50), None, 3) is None


def test_customer_value_over_a_year_puts_the_three_together() -> None:
    # 1250.00 from 25 orders by 10 customers over 365 days, 3 years expected:
    # AOV 1250 / 25 = 50.00; frequency 25 / 10 x 365 / 365 = 2.50; CLV 50 x 2.5 x 3 = 375.00
    assert customer_value(Decimal("1250.00"), 25, 10, Decimal(365), 3) == CustomerValue(
        Decimal("50.00"), Decimal("2.50"), Decimal("375.00"))
    # nobody ordered: nothing to say
    assert customer_value(Decimal(0), 0, 0, Decimal(365), 3) == CustomerValue(None, None, None)


def test_repeat_rate_is_returning_customers_over_customers() -> None:
    # 3 of 12 customers ordered twice or more: 25.00%
    assert repeat_rate(3, 12) == Decimal("25.00")
    assert repeat_rate(0, 0) is None


# --- face value and liability ---------------------------------------------------------------------

def test_face_value_per_point_is_the_cheapest_fixed_amount_reward_per_point() -> None:
    # 5.00 / 500 = 0.01; 15.00 / 1000 = 0.015; the free reward (cost 0) and free shipping don't
    # count: the minimum is 0.01
    assert face_value_per_point(small_program(REWARDS)) == Decimal("0.01")


def test_example_program_point_is_worth_one_cent(example: Program) -> None:
    # only "5-off" (500 points for 5.00) is a fixed amount points can buy: 5.00 / 500 = 0.01
    assert face_value_per_point(example) == Decimal("0.01")


def test_face_value_is_none_without_a_fixed_amount_reward_for_points() -> None:
    assert face_value_per_point(small_program()) is None
    free = '[[rewards]]\nid = "ship"\ncost = 300\ntype = "free_shipping"\n'
    assert face_value_per_point(small_program(free)) is None


def test_liability_is_available_points_at_face_value() -> None:
    # 12,345 points x (5.00 / 500) = 12345 x 0.01 = 123.45
    assert str(liability(12345, Decimal("5.00") / 500)) == "123.45"
    # 1,001 points x 0.015 = 15.015 -> 15.02 (half up)
    assert liability(1001, Decimal("0.015")) == Decimal("15.02")
    assert liability(0, Decimal("0.01")) == Decimal("0.00")


def test_liability_is_none_when_points_have_no_face_value() -> None:
    assert liability(12345, None) is None


@given(points=st.integers(0, 10**9), factor=st.integers(1, 1000))
def test_liability_is_proportional_to_points(points: int, factor: int) -> None:
    # at one cent a point the money is exact, so k times the points is k times the money
    per_point = Decimal("0.01")
    assert liability(points * factor, per_point) == liability(points, per_point) * factor


@given(points=st.integers(0, 10**9), cost=st.integers(1, 10**5),
       cents=st.integers(1, 10**6))
def test_liability_is_within_half_a_cent_of_the_exact_amount(points: int, cost: int,
                                                              cents: int) -> None:
    per_point = (Decimal(cents) / 100) / cost
    exact = points * per_point
    assert abs(liability(points, per_point) - exact) <= Decimal("0.005")
