"""Every program in examples/programs validates, and behaves as its customers would expect."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from connector.cli import cli
from rules import bonuses, cashback, membership, punch, redemption, tiers
from rules.events import OrderStatus
from tests.examples.scenario import (
    EXAMPLES,
    Store,
    example_program,
    line,
    order_event,
)
from tests.support import EXAMPLE_PROGRAM

RECENT = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")) + [EXAMPLE_PROGRAM],
                         ids=lambda p: p.name)
def test_program_validates(path):
    result = CliRunner().invoke(cli, ["program", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{path}: ok")


def test_nine_west_a_dollar_a_point_and_a_birthday_gift(client, services):
    store = Store(client, services, "nine-west-9wloves")
    store.order(1, line("BOOTS", "120.00"), line("SOCKS", "9.99"), paid=RECENT)
    alice = store.customer()
    assert (alice["pending"], alice["balance"]) == (129, 0)  # 129.99 floored; 30-day window
    program = example_program("nine-west-9wloves")
    birthday = date(1990, 5, 17)
    gift = bonuses.birthday_award(program, "alice", birthday, date(2027, 5, 17))
    assert gift.points == 100 and gift.source_key == "birthday:alice:2027"
    assert bonuses.birthday_award(program, "alice", birthday, date(2027, 5, 18)) is None
    assert [r.id for r in redemption.affordable(program, 229, None)] == ["10-off"]


def test_kohls_spend_earns_store_credit_not_points(client, services):
    store = Store(client, services, "kohls-yes2you")
    store.order(1, line("JEANS", "200.00"), paid=RECENT)
    assert store.customer()["lifetime_earned"] == 0
    program = example_program("kohls-yes2you")
    big, small = order_event(("JEANS", "200.00", 1)), order_event(("MUG", "56.25", 1))
    assert cashback.cashback_credit(big, program, Decimal("200.00")) == Decimal("10.00")
    assert cashback.cashback_credit(small, program, Decimal("56.25")) is None  # under $5
    half_back = order_event(("JEANS", "200.00", 1), refunded="100.00")
    assert cashback.cashback_credit(half_back, program, Decimal("100.00")) == Decimal("5.00")
    refunded = order_event(("JEANS", "200.00", 1), status=OrderStatus.REFUNDED)
    assert cashback.cashback_credit(refunded, program, Decimal(0)) is None
    assert cashback.cashback_due_at(big.paid_at, program) == big.paid_at + timedelta(days=14)


def test_sephora_tiers_raise_the_earning_rate(client, services):
    store = Store(client, services, "sephora-beauty-insider")
    store.order(1, line("SERUM", "400.00"), paid=RECENT)
    assert store.customer()["tier"] == "VIB"  # $350 reached
    later = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    store.order(2, line("LIPSTICK", "100.00"), paid=later)
    alice = store.customer()
    assert [e["points"] for e in alice["entries"] if e["kind"] == "earn"] == [400, 125]
    store.order(3, line("PERFUME", "600.00"), paid=later, date_modified_gmt=later[:-2] + "30")
    assert store.customer()["tier"] == "Rouge"  # $1,100 in the year

    program = example_program("sephora-beauty-insider")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    vib = tiers.place(program, None, Decimal(400), start)
    lapsed = tiers.place(program, vib, Decimal(0), start + timedelta(days=366))
    assert lapsed.tier.name == "VIB"  # window over: 30 days of grace first
    assert tiers.place(program, lapsed, Decimal(0),
                       start + timedelta(days=397)).tier.name == "Insider"


def test_prime_membership_buys_the_tier_and_spend_never_does():
    program = example_program("amazon-prime")
    paid_at = datetime(2026, 6, 1, tzinfo=UTC)
    bought = order_event(("PRIME-YEAR", "139.00", 1), paid_at=paid_at)
    grant = membership.membership_from_order(bought, program)
    assert (grant.tier, grant.ends_at - grant.starts_at) == ("Prime", timedelta(days=365))
    member = program.tier_named("Member")
    assert membership.tier_with_membership(member, grant, program).name == "Prime"
    assert tiers.tier_for(program, Decimal("99999.00")).name == "Member"
    trial = membership.trial_grant(program, paid_at)
    assert trial.ends_at - trial.starts_at == timedelta(days=30)
    refunded = order_event(("PRIME-YEAR", "139.00", 1), status=OrderStatus.REFUNDED)
    assert membership.membership_from_order(refunded, program) is None
    assert "free-shipping" in redemption.perks_of(program, "Prime")


def test_hotels_ten_nights_earn_a_free_night():
    card = example_program("hotels-com-rewards").punch_card
    stays = [order_event(("NIGHT-STANDARD", "120.00", 3)),
             order_event(("NIGHT-DELUXE", "540.00", 3)),
             order_event(("NIGHT-STANDARD", "160.00", 4), ("MINIBAR", "20.00", 1))]
    nights = sum(punch.punches_in(stay, card) for stay in stays)
    assert nights == 10 and punch.rewards_due(nights, 0, card) == 1
    cancelled = order_event(("NIGHT-STANDARD", "160.00", 4), status=OrderStatus.CANCELLED)
    assert punch.punches_in(cancelled, card) == 0
    assert punch.rewards_due(6, 0, card) == 0 and punch.rewards_due(20, 1, card) == 1


def test_referral_and_social_pay_for_real_friends_and_real_visits():
    from rules import referral, social

    program = example_program("referral-social")
    bob = referral.Party("bob@example.com", "1 Main St", "card-bob", "203.0.113.1")
    carol = referral.Party("carol@example.com", "9 Oak Avenue", "card-carol", "198.51.100.7")

    def facts(friend, merchandise="60.00", before=0):
        return referral.ReferralFacts(bob, friend, before, False, 0, Decimal(merchandise),
                                      OrderStatus.PAID)

    approved = referral.decide_referral(program, facts(carol))
    assert (approved.approved, approved.referrer_points, approved.friend_reward) == (
        True, 500, "friend-15")
    too_small = referral.decide_referral(program, facts(carol, "39.99"))
    assert too_small.refused_by == "minimum_order"
    bob_again = referral.Party("BOB@example.com ", None, None, None)
    assert referral.decide_referral(program, facts(bob_again)).refused_by == \
        "self_referral_email"
    assert referral.decide_referral(program, facts(carol, before=1)).refused_by == \
        "first_order_only"

    at = datetime(2026, 11, 23, 12, tzinfo=UTC)
    counted, points = 0, 0
    for n in range(6):  # six distinct visitors in a day; the cap is 3 paid visits
        visit = social.ShareVisit("SHARE-BOB", f"visitor-{n}", "Mozilla/5.0 (iPhone)", at, False)
        decision = social.decide_visit(program, visit, counted, already_seen_key=False)
        counted += decision.counted
        points += decision.points
    assert points == 3 * 20
    bot = social.ShareVisit("SHARE-BOB", "x", "facebookexternalhit/1.1", at, False)
    assert social.decide_visit(program, bot, 0, already_seen_key=False).points == 0
    assert social.conversion_award(program, "SHARE-BOB", "77", OrderStatus.PAID) == (
        "share-order:SHARE-BOB:77", 150)
