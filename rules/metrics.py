"""The measures a merchant steers the program by, each defined once, in words and in Decimal.

Every function's docstring is the definition the admin page shows beside the figure, so it is
written for the merchant. Pure: connector/metrics.py counts customers, orders and points in the
database and passes the counts here.

Rounded: percentages, money amounts and purchase frequencies are quantized to 0.01, halves
rounded up (ROUND_HALF_UP). A measure with nothing to divide by is None ("not enough data yet"),
never 0. Money is Decimal, points are int.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rules.program_model import Program

CENT = Decimal("0.01")
DAYS_PER_YEAR = Decimal(365)
_HUNDRED = Decimal(100)


def rounded(value: Decimal) -> Decimal:
    """The house rounding for figures shown to a merchant: to 0.01, halves rounded up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return rounded(Decimal(part) * _HUNDRED / Decimal(whole))


def adoption_rate(members: int, customers: int) -> Decimal | None:
    """Adoption rate: the share of your customers who have joined the loyalty program.
    Members ÷ customers × 100. A customer is anyone with at least one paid order; members are
    the customers who have joined."""
    return _percent(members, customers)


def redemption_rate(points_redeemed: int, points_issued: int) -> Decimal | None:
    """Redemption rate: how much of the points you gave out were spent on rewards.
    Points redeemed ÷ points issued × 100, both counted over the same period. Points are often
    spent long after they were earned, so one period can show more than 100%. A healthy program
    sees its points used: a low rate means rewards feel out of reach."""
    return _percent(points_redeemed, points_issued)


def retention_rate(start: int, end: int, new: int) -> Decimal | None:
    """Customer retention rate (CRR): of the customers you had when the period began, the
    share you still have at its end. ((E − N) ÷ S) × 100, where S is the number of active
    customers at the start of the period, E the number at its end, and N the new customers
    won during the period (their first purchase fell in it)."""
    return _percent(end - new, start)


def churn_rate(start: int, end: int, new: int) -> Decimal | None:
    """Churn rate: the share of the customers active at the start of the period who were lost
    by its end. 100 − retention rate. Negative when customers who had lapsed came back in
    greater numbers than active ones were lost."""
    retained = retention_rate(start, end, new)
    return None if retained is None else _HUNDRED - retained


def average_order_value(revenue: Decimal, orders: int) -> Decimal | None:
    """Average order value (AOV): what an order brings in on average. Revenue ÷ number of
    orders, where revenue is the merchandise of paid orders less what was refunded."""
    if orders == 0:
        return None
    return rounded(Decimal(revenue) / orders)


def purchase_frequency(orders: int, customers: int) -> Decimal | None:
    """Purchase frequency: how often a customer buys. Orders ÷ customers who ordered, over the
    same period."""
    if customers == 0:
        return None
    return rounded(Decimal(orders) / customers)


def annual_purchase_frequency(orders: int, customers: int, period_days: Decimal
                              ) -> Decimal | None:
    """Purchase frequency per year: orders ÷ customers who ordered, scaled from the length of
    the period to a year of 365 days (× 365 ÷ days in the period)."""
    if customers == 0 or period_days <= 0:
        return None
    return rounded(Decimal(orders) * DAYS_PER_YEAR / (customers * Decimal(period_days)))


def customer_lifetime_value(aov: Decimal | None, frequency_per_year: Decimal | None,
                            expected_lifetime_years: Decimal | int) -> Decimal | None:
    """Customer lifetime value (CLV): what a customer is worth to you over the whole time they
    keep buying. Average order value × purchase frequency per year × expected customer
    lifetime in years, using the two figures as shown (so you can redo the sum)."""
    if aov is None or frequency_per_year is None:
        return None
    return rounded(aov * frequency_per_year * Decimal(expected_lifetime_years))


def repeat_rate(customers_with_2_plus_orders: int, customers: int) -> Decimal | None:
    """Repeat purchase rate: the share of customers who came back. Customers with two or more
    paid orders ÷ customers × 100."""
    return _percent(customers_with_2_plus_orders, customers)


def face_value_per_point(program: Program) -> Decimal | None:
    """What one point is worth in money: of the rewards points can buy that take a fixed amount
    off (value ÷ points cost), the lowest. The cheapest way a customer can use points sets the
    floor of what you owe. None when no such reward exists."""
    rates = [reward.value / reward.cost for reward in program.rewards
             if reward.type == "fixed_amount" and reward.cost > 0 and reward.value is not None]
    return min(rates) if rates else None


def liability(available_points: int, face_value_per_point: Decimal | None) -> Decimal | None:
    """Outstanding points liability: what the points your customers can spend right now would
    cost you if all were redeemed. Available points × face value per point, in your currency.
    Pending points (still in their return window) are not counted."""
    if face_value_per_point is None:
        return None
    return rounded(available_points * face_value_per_point)


@dataclass(frozen=True)
class Retention:
    """The three customer counts behind CRR over one period (see `retention_rate`)."""

    start: int  # S: active customers when the period begins
    end: int  # E: active customers when it ends
    new: int  # N: customers whose first purchase fell in the period

    @property
    def rate(self) -> Decimal | None:
        return retention_rate(self.start, self.end, self.new)

    @property
    def churn(self) -> Decimal | None:
        return churn_rate(self.start, self.end, self.new)


@dataclass(frozen=True)
class CustomerValue:
    """AOV, yearly purchase frequency and CLV of a group of customers over one period."""

    average_order_value: Decimal | None
    purchase_frequency: Decimal | None  # orders per ordering customer per year
    customer_lifetime_value: Decimal | None


def customer_value(revenue: Decimal, orders: int, buyers: int, period_days: Decimal,
                   expected_lifetime_years: Decimal | int) -> CustomerValue:
    """AOV, frequency per year and CLV from one period's revenue, orders and ordering customers."""
    aov = average_order_value(revenue, orders)
    frequency = annual_purchase_frequency(orders, buyers, period_days)
    return CustomerValue(aov, frequency,
                         customer_lifetime_value(aov, frequency, expected_lifetime_years))
