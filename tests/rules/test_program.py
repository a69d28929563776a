"""Loading a program file: the shipped example, the defaults, and one test per way a file is wrong."""
from __future__ import annotations

import dataclasses
import pickle
import tomllib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.program import (
    Program,
    ProgramError,
    Reward,
    Tier,
    load_program,
    program_from_dict,
)
from tests.rules import builders
from tests.support import EXAMPLE_PROGRAM


def program_text(top: str = "", earn: str = "", tables: str = "", currency: str = "USD",
                 points_per_unit: str = "1") -> str:
    """A minimal valid program, plus extra top-level keys, [earn] keys and later tables."""
    return builders.program_text(f"{earn}\n{tables}", top=f"{top}\n", currency=currency,
                                 points_per_unit=points_per_unit)


def load_error(**parts: str) -> str:
    with pytest.raises(ProgramError) as caught:
        load_program(program_text(**parts), "program.toml")
    return str(caught.value)


# --- the shipped example -------------------------------------------------------------------------

def test_example_program_earn_rules_match_its_comments(example: Program) -> None:
    assert (example.name, example.currency) == ("Example Rewards", "USD")
    earn = example.earn
    assert earn.points_per_unit == Decimal(1)
    assert (earn.base, earn.rounding, earn.on_status) == ("merchandise", "floor", "paid")
    assert (earn.pending_days, earn.expire_days) == (14, 365)
    assert earn.expiry_reminder_days == (30, 7)
    assert earn.guests_earn is True
    assert earn.exclude_tags == frozenset({"no-points"})
    assert earn.exclude_skus == frozenset({"GIFT-CARD"})
    assert earn.channels == frozenset({"online", "pos"})
    assert earn.per_currency == (("EUR", Decimal(1)), ("JPY", Decimal("0.01")))


def test_example_program_bonuses_match_its_comments(example: Program) -> None:
    bonuses = example.bonuses
    assert (bonuses.signup, bonuses.first_order, bonuses.birthday) == (100, 200, 250)
    assert (bonuses.newsletter, bonuses.review, bonuses.review_daily_cap) == (50, 25, 2)


def test_example_program_has_three_tiers_from_lowest_threshold(example: Program) -> None:
    assert [tier.name for tier in example.tiers] == ["Member", "Silver", "Gold"]
    assert [tier.threshold for tier in example.tiers] == [0, Decimal("500.00"), Decimal("1500.00")]
    member, silver, gold = example.tiers
    assert (member.multiplier, member.tag, member.perks) == (Decimal(1), None, ())
    assert silver == Tier("Silver", Decimal("500.00"), Decimal("1.25"), "loyalty-silver",
                          ("free-shipping",))
    assert (gold.multiplier, gold.perks) == (Decimal("1.5"), ("free-shipping", "birthday-20"))
    rules = example.tier_rules
    assert (rules.basis, rules.window_days, rules.downgrade, rules.grace_days) == (
        "spend", 365, "end_of_window", 30)


def test_example_program_optional_sections_match_its_comments(example: Program) -> None:
    assert example.referral is not None and example.referral.referrer_points == 500
    assert example.referral.friend_reward == "welcome-10"
    assert example.referral.min_order == Decimal("30.00")
    assert example.referral.max_per_referrer_per_month == 10
    assert example.social is not None and example.social.networks == (
        "facebook", "x", "whatsapp", "pinterest", "email")
    assert (example.social.share_points, example.social.share_order_points) == (25, 100)
    assert example.punch_card is not None and example.punch_card.punches == 9
    assert example.punch_card.skus == frozenset({"COFFEE-250G", "COFFEE-1KG"})
    assert example.membership is not None and example.membership.tier == "Gold"
    assert (example.membership.days, example.membership.trial_days) == (365, 30)
    assert example.cashback is not None
    assert (example.cashback.percent, example.cashback.min_credit) == (5, Decimal("5.00"))


def test_example_program_rewards_match_its_comments(example: Program) -> None:
    assert [reward.id for reward in example.rewards] == [
        "5-off", "welcome-10", "free-shipping", "birthday-20", "free-coffee"]
    assert example.reward("5-off") == Reward("5-off", 500, "fixed_amount", Decimal("5.00"),
                                             Decimal("20.00"), 30)
    assert example.reward("welcome-10").value == Decimal(10)
    assert example.reward("free-shipping").value is None
    assert example.reward("free-coffee").sku == "COFFEE-250G"


def test_program_from_dict_gives_the_same_program_as_load_program(example: Program) -> None:
    data = tomllib.loads(EXAMPLE_PROGRAM.read_text())
    assert program_from_dict(data, "program.toml") == example


def test_reward_lookup_by_id_raises_key_error_when_absent(example: Program) -> None:
    with pytest.raises(KeyError, match="no-such-reward"):
        example.reward("no-such-reward")


def test_tier_named_finds_a_tier_or_none(example: Program) -> None:
    assert example.tier_named("Gold") == example.tiers[2]
    assert example.tier_named("Platinum") is None


def test_program_objects_are_immutable(example: Program) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.name = "Renamed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.earn.pending_days = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.tiers[1].multiplier = Decimal(2)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        example.earn.exclude_skus.add("ANYTHING")  # type: ignore[attr-defined]


# --- earning rates by currency --------------------------------------------------------------------

def test_rate_for_program_currency_is_points_per_unit(example: Program) -> None:
    assert example.earn.rate_for("USD", example.currency) == Decimal(1)


def test_rate_for_listed_currency_is_its_own_rate(example: Program) -> None:
    assert example.earn.rate_for("EUR", "USD") == Decimal(1)
    assert example.earn.rate_for("JPY", "USD") == Decimal("0.01")


def test_rate_for_unlisted_currency_is_none_so_it_does_not_earn(example: Program) -> None:
    assert example.earn.rate_for("GBP", "USD") is None
    assert load_program(program_text()).earn.rate_for("EUR", "USD") is None


# --- defaults -------------------------------------------------------------------------------------

def test_minimal_program_takes_documented_defaults() -> None:
    program = load_program(program_text())
    earn = program.earn
    assert (earn.base, earn.rounding, earn.on_status) == ("merchandise", "floor", "paid")
    assert (earn.pending_days, earn.expire_days, earn.guests_earn) == (0, None, True)
    assert earn.channels == frozenset({"online", "pos"})
    assert program.bonuses.signup == 0 and program.bonuses.review_daily_cap is None
    assert program.tiers == () and program.rewards == ()
    assert (program.tier_rules.basis, program.tier_rules.window_days) == ("spend", None)
    assert program.referral is None and program.cashback is None


def test_lifetime_window_loads_as_none() -> None:
    program = load_program(program_text(tables='[tier_rules]\nwindow_days = "lifetime"'))
    assert program.tier_rules.window_days is None


def test_money_accepts_whole_numbers_and_decimal_strings() -> None:
    tiers = '[[tiers]]\nname = "A"\nthreshold = 0\n[[tiers]]\nname = "B"\nthreshold = 250\n'
    program = load_program(program_text(tables=tiers + '[cashback]\npercent = "2.5"'))
    assert program.tiers[1].threshold == Decimal(250)
    assert program.cashback is not None and program.cashback.percent == Decimal("2.5")


def test_expiry_reminders_are_kept_farthest_first() -> None:
    program = load_program(program_text(earn="expire_days = 90\nexpiry_reminder_days = [7, 30]"))
    assert program.earn.expiry_reminder_days == (30, 7)


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_money_written_as_a_string_loads_exactly(amount: Decimal) -> None:
    reward = f'[[rewards]]\nid = "r"\ncost = 1\ntype = "free_shipping"\nmin_order = "{amount}"'
    assert load_program(program_text(tables=reward)).rewards[0].min_order == amount


# --- errors: syntax, unknown and missing keys -----------------------------------------------------

def test_toml_syntax_error_names_the_source_and_line() -> None:
    with pytest.raises(ProgramError) as caught:
        load_program('name = "Test"\ncurrency = \n', "program.toml")
    assert (caught.value.source, caught.value.key) == ("program.toml", "<toml>")
    assert str(caught.value).startswith("program.toml: <toml>: ")
    assert "line 2" in caught.value.message


def test_unknown_earn_key_suggests_the_known_one_and_lists_allowed_keys() -> None:
    assert load_error(earn="points_per_dollar = 1") == (
        "program.toml: earn.points_per_dollar: unknown key (did you mean points_per_unit?); "
        "allowed keys: points_per_unit, base, rounding, on_status, pending_days, expire_days, "
        "expiry_reminder_days, guests_earn, exclude_tags, exclude_skus, channels, per_currency")


@pytest.mark.parametrize(("parts", "key"), [
    pytest.param({"top": "description = 'x'"}, "description", id="top-level"),
    pytest.param({"tables": "[bonuses]\nbirthdy = 10"}, "bonuses.birthdy", id="bonuses"),
    pytest.param({"tables": '[[tiers]]\nname = "A"\nthreshold = 0\ncolour = "red"'},
                 "tiers[0].colour", id="tier"),
    pytest.param({"tables": '[[rewards]]\nid = "r"\ncost = 1\ntype = "free_shipping"\nmax = 2'},
                 "rewards[0].max", id="reward"),
    pytest.param({"tables": "[cashback]\npercent = 5\ncap = 10"}, "cashback.cap", id="cashback"),
])
def test_unknown_key_in_any_table_is_named(parts: dict[str, str], key: str) -> None:
    message = load_error(**parts)
    assert message.startswith(f"program.toml: {key}: unknown key")
    assert "allowed keys: " in message


def test_unknown_top_level_key_lists_the_sections() -> None:
    assert load_error(top="earning = 1").endswith(
        "allowed keys: name, currency, earn, bonuses, tiers, tier_rules, referral, social, "
        "punch_card, membership, cashback, rewards")


@pytest.mark.parametrize(("text", "key"), [
    pytest.param('currency = "USD"\n[earn]\npoints_per_unit = 1', "name", id="name"),
    pytest.param('name = "Test"\ncurrency = "USD"', "earn", id="earn"),
    pytest.param('name = "Test"\ncurrency = "USD"\n[earn]\nbase = "merchandise"',
                 "earn.points_per_unit", id="points_per_unit"),
    pytest.param(program_text(tables='[[tiers]]\nname = "Member"'), "tiers[0].threshold",
                 id="tier threshold"),
    pytest.param(program_text(tables='[punch_card]\nname = "C"\nskus = ["A"]\npunches = 9'),
                 "punch_card.reward", id="punch card reward"),
])
def test_missing_required_key_is_named(text: str, key: str) -> None:
    with pytest.raises(ProgramError) as caught:
        load_program(text, "program.toml")
    assert str(caught.value) == f"program.toml: {key}: required key is missing"


# --- errors: wrong types and out-of-range values --------------------------------------------------

def test_rounding_outside_the_choices_lists_them() -> None:
    assert load_error(earn='rounding = "up"') == (
        "program.toml: earn.rounding: expected one of floor, round_half_up, ceil, got 'up'")


@pytest.mark.parametrize(("parts", "expected"), [
    pytest.param({"earn": 'pending_days = "14"'},
                 "earn.pending_days: expected a whole number, got string '14'", id="days"),
    pytest.param({"earn": 'guests_earn = "yes"'},
                 "earn.guests_earn: expected true or false, got string 'yes'", id="flag"),
    pytest.param({"earn": 'exclude_tags = "no-points"'},
                 "earn.exclude_tags: expected an array, got string 'no-points'", id="array"),
    pytest.param({"earn": "exclude_skus = ['A', 5]"},
                 "earn.exclude_skus[1]: expected a non-empty string, got integer 5", id="item"),
    pytest.param({"earn": 'channels = ["web"]'},
                 "earn.channels[0]: expected one of online, pos, got 'web'", id="channel"),
    pytest.param({"tables": "[bonuses]\nsignup = true"},
                 "bonuses.signup: expected a whole number, got boolean True", id="bool-as-int"),
    pytest.param({"top": "referral = 5"},
                 "referral: expected a table, got integer 5", id="table"),
    pytest.param({"tables": '[tier_rules]\nwindow_days = "forever"'},
                 "tier_rules.window_days: expected a whole number of days or \"lifetime\", "
                 "got string 'forever'", id="window"),
    pytest.param({"tables": '[[tiers]]\nname = "A"\nthreshold = "five hundred"'},
                 'tiers[0].threshold: expected a whole number or a decimal string such as '
                 "\"5.00\", got string 'five hundred'", id="decimal text"),
])
def test_wrong_type_names_key_and_expected_type(parts: dict[str, str], expected: str) -> None:
    assert load_error(**parts) == f"program.toml: {expected}"


@pytest.mark.parametrize(("parts", "expected"), [
    pytest.param({"earn": "pending_days = -1"},
                 "earn.pending_days: expected a whole number >= 0, got -1", id="days"),
    pytest.param({"points_per_unit": "-1"},
                 "earn.points_per_unit: expected a number >= 0, got -1", id="rate"),
    pytest.param({"tables": "[bonuses]\nsignup = -100"},
                 "bonuses.signup: expected a whole number >= 0, got -100", id="bonus"),
    pytest.param({"tables": '[[rewards]]\nid = "r"\ncost = -5\ntype = "free_shipping"'},
                 "rewards[0].cost: expected a whole number >= 0, got -5", id="cost"),
    pytest.param({"tables": '[referral]\nreferrer_points = 5\nmin_order = "-30.00"'},
                 "referral.min_order: expected a number >= 0, got '-30.00'", id="money"),
    pytest.param({"earn": "expire_days = 0"},
                 "earn.expire_days: expected a whole number >= 1, got 0", id="expiry"),
    pytest.param({"tables": '[punch_card]\nname = "C"\nskus = ["A"]\npunches = 0\nreward = "r"'},
                 "punch_card.punches: expected a whole number >= 1, got 0", id="punches"),
    pytest.param({"tables": "[cashback]\npercent = 120"},
                 "cashback.percent: expected a percentage above 0 and at most 100, got 120",
                 id="cashback"),
])
def test_negative_or_out_of_range_number_is_rejected(parts: dict[str, str], expected: str) -> None:
    assert load_error(**parts) == f"program.toml: {expected}"


@pytest.mark.parametrize(("parts", "expected"), [
    pytest.param({"tables": '[[tiers]]\nname = "A"\nthreshold = 0\n'
                            '[[tiers]]\nname = "B"\nthreshold = 500.5'},
                 'tiers[1].threshold: expected an exact number: write it as a string, '
                 'threshold = "500.50", not the float 500.5 (TOML floats are inexact)', id="tier"),
    pytest.param({"tables": '[referral]\nreferrer_points = 5\nmin_order = 30.0'},
                 'referral.min_order: expected an exact number: write it as a string, '
                 'min_order = "30.00", not the float 30.0 (TOML floats are inexact)', id="money"),
    pytest.param({"tables": '[[tiers]]\nname = "A"\nthreshold = 0\nmultiplier = 1.25'},
                 'tiers[0].multiplier: expected an exact number: write it as a string, '
                 'multiplier = "1.25", not the float 1.25 (TOML floats are inexact)',
                 id="multiplier"),
    pytest.param({"points_per_unit": "1.5"},
                 'earn.points_per_unit: expected an exact number: write it as a string, '
                 'points_per_unit = "1.5", not the float 1.5 (TOML floats are inexact)',
                 id="points_per_unit"),
    pytest.param({"earn": "[earn.per_currency]\nJPY = 0.01"},
                 'earn.per_currency.JPY: expected an exact number: write it as a string, '
                 'JPY = "0.01", not the float 0.01 (TOML floats are inexact)', id="rate"),
])
def test_float_amount_is_rejected_with_the_exact_string_to_write(
        parts: dict[str, str], expected: str) -> None:
    assert load_error(**parts) == f"program.toml: {expected}"


@pytest.mark.parametrize(("parts", "key", "got"), [
    pytest.param({"currency": "usd"}, "currency", "'usd'", id="lower-case"),
    pytest.param({"currency": "US"}, "currency", "'US'", id="two letters"),
    pytest.param({"earn": "[earn.per_currency]\neur = 1"}, "earn.per_currency.eur", "'eur'",
                 id="per-currency code"),
])
def test_currency_code_must_be_three_upper_case_letters(
        parts: dict[str, str], key: str, got: str) -> None:
    assert load_error(**parts) == (f'program.toml: {key}: expected a 3-letter upper-case '
                                   f'currency code such as "USD", got string {got}')


def test_per_currency_rate_for_the_program_currency_is_rejected() -> None:
    assert load_error(earn="[earn.per_currency]\nUSD = 2") == (
        "program.toml: earn.per_currency.USD: this is the program currency, which earns at "
        "earn.points_per_unit; remove it")


def test_expiry_reminders_without_expiry_are_rejected() -> None:
    assert load_error(earn="expiry_reminder_days = [7]") == (
        "program.toml: earn.expiry_reminder_days: reminders need earn.expire_days; "
        "points that never expire need no reminder")


def test_downgrade_at_end_of_window_needs_a_window() -> None:
    assert load_error(tables='[tier_rules]\ndowngrade = "end_of_window"') == (
        "program.toml: tier_rules.downgrade: end_of_window needs tier_rules.window_days; "
        'with a lifetime window use "never"')


# --- errors: tier ladder --------------------------------------------------------------------------

def tiers_text(*tiers: tuple[str, str]) -> str:
    return "".join(f'[[tiers]]\nname = "{name}"\nthreshold = {threshold}\n'
                   for name, threshold in tiers)


def test_first_tier_must_start_at_zero() -> None:
    assert load_error(tables=tiers_text(("Silver", '"500.00"'))) == (
        "program.toml: tiers[0].threshold: expected 0 for the first tier, where every customer "
        "starts; got 500.00")


@pytest.mark.parametrize("gold_threshold", ['"500.00"', '"499.99"'])
def test_tier_thresholds_must_strictly_increase_in_file_order(gold_threshold: str) -> None:
    tiers = tiers_text(("Member", "0"), ("Silver", '"500.00"'), ("Gold", gold_threshold))
    assert load_error(tables=tiers) == (
        f"program.toml: tiers[2].threshold: expected more than the tier before (Silver: 500.00), "
        f"got {gold_threshold.strip(chr(34))}; list tiers from the lowest threshold to the highest")


def test_tier_names_must_be_unique() -> None:
    tiers = tiers_text(("Member", "0"), ("Silver", '"500"'), ("Silver", '"900"'))
    assert load_error(tables=tiers) == (
        "program.toml: tiers[2].name: duplicate name 'Silver'; each must be unique")


# --- errors: rewards and references to them -------------------------------------------------------

def reward_text(reward_id: str = "r", reward_type: str = "fixed_amount", extra: str = "") -> str:
    return f'[[rewards]]\nid = "{reward_id}"\ncost = 100\ntype = "{reward_type}"\n{extra}\n'


def test_reward_ids_must_be_unique() -> None:
    rewards = reward_text("5-off", extra='value = "5"') + reward_text("5-off", extra='value = "6"')
    assert load_error(tables=rewards) == (
        "program.toml: rewards[1].id: duplicate id '5-off'; each must be unique")


def test_reward_type_outside_the_choices_lists_them() -> None:
    assert load_error(tables=reward_text(reward_type="discount")) == (
        "program.toml: rewards[0].type: expected one of fixed_amount, percentage, free_shipping, "
        "free_product, got 'discount'")


@pytest.mark.parametrize("reward_type", ["fixed_amount", "percentage"])
def test_amount_and_percentage_rewards_need_a_value(reward_type: str) -> None:
    assert load_error(tables=reward_text(reward_type=reward_type)) == (
        f"program.toml: rewards[0].value: required key is missing: a {reward_type} reward "
        "needs a value")


@pytest.mark.parametrize("value", ['"0"', '"100.01"', "150"])
def test_percentage_value_must_be_above_0_and_at_most_100(value: str) -> None:
    message = load_error(tables=reward_text(reward_type="percentage", extra=f"value = {value}"))
    assert message == ("program.toml: rewards[0].value: expected a percentage above 0 and at "
                       f"most 100, got {value.strip(chr(34))}")


def test_percentage_value_of_100_is_allowed() -> None:
    rewards = reward_text(reward_type="percentage", extra="value = 100")
    assert load_program(program_text(tables=rewards)).rewards[0].value == Decimal(100)


def test_fixed_amount_value_must_be_above_zero() -> None:
    assert load_error(tables=reward_text(extra='value = "0.00"')) == (
        "program.toml: rewards[0].value: expected an amount above 0, got 0")


def test_free_product_reward_needs_a_sku() -> None:
    assert load_error(tables=reward_text(reward_type="free_product")) == (
        "program.toml: rewards[0].sku: required key is missing: a free_product reward needs "
        "the product sku")


def test_sku_on_another_reward_type_is_rejected() -> None:
    rewards = reward_text(reward_type="free_shipping", extra='sku = "COFFEE-250G"')
    assert load_error(tables=rewards) == (
        "program.toml: rewards[0].sku: only a free_product reward has a sku, this is free_shipping")


def test_value_on_free_shipping_reward_is_rejected() -> None:
    assert load_error(tables=reward_text(reward_type="free_shipping", extra='value = "5"')) == (
        "program.toml: rewards[0].value: a free_shipping reward has no value; remove it")


@pytest.mark.parametrize(("tables", "key"), [
    pytest.param(tiers_text(("Member", "0")) + 'perks = ["free-shiping"]', "tiers[0].perks",
                 id="tier perk"),
    pytest.param('[referral]\nreferrer_points = 500\nfriend_reward = "free-shiping"',
                 "referral.friend_reward", id="friend reward"),
    pytest.param('[punch_card]\nname = "C"\nskus = ["A"]\npunches = 9\nreward = "free-shiping"',
                 "punch_card.reward", id="punch card"),
])
def test_referenced_reward_id_must_exist(tables: str, key: str) -> None:
    rewards = reward_text("free-shipping", "free_shipping") + reward_text("5-off", extra="value=5")
    assert load_error(tables=tables + "\n" + rewards) == (
        f"program.toml: {key}: no reward with id 'free-shiping'; reward ids: free-shipping, 5-off")


def test_membership_tier_must_name_a_tier() -> None:
    tables = tiers_text(("Member", "0"), ("Gold", "1500"))
    tables += '[membership]\nsku = "VIP"\ntier = "Platinum"\ndays = 365'
    assert load_error(tables=tables) == (
        "program.toml: membership.tier: no tier named 'Platinum'; tiers: Member, Gold")


def test_punch_card_needs_at_least_one_sku() -> None:
    tables = '[punch_card]\nname = "C"\nskus = []\npunches = 9\nreward = "free-coffee"\n'
    tables += reward_text("free-coffee", "free_product", 'sku = "COFFEE-250G"')
    assert load_error(tables=tables) == (
        "program.toml: punch_card.skus: expected at least one sku that earns a punch")


# --- the error itself -----------------------------------------------------------------------------

def test_program_error_carries_source_key_and_message() -> None:
    with pytest.raises(ValueError) as caught:
        load_program(program_text(earn='rounding = "up"'), "shop/program.toml")
    error = caught.value
    assert isinstance(error, ProgramError)
    assert (error.source, error.key) == ("shop/program.toml", "earn.rounding")
    assert error.message == "expected one of floor, round_half_up, ceil, got 'up'"
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_default_source_is_named_when_none_is_given() -> None:
    with pytest.raises(ProgramError, match=r"^<program>: earn\.rounding: "):
        load_program(program_text(earn='rounding = "up"'))
