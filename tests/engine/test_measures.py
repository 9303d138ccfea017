"""Golden tests for the raw measures, with every expected value computed by hand.

Fixture (model: 7-day window, Mon-Fri working days, key features need 2 users,
critical processes have criticality >= 4). Main as-of date D = 2022-03-08 (a Tuesday):
the window is 2022-03-02 (Wed) .. 2022-03-08 (Tue), working days 02, 03, 04, 07, 08 = 5.
Second as-of date D2 = 2022-03-13 (Sunday): window 03-07 (Mon) .. 03-13 (Sun), working days
07, 08, 09, 10, 11 = 5.

Catalogue: add_contact, add_lead -> prospecting; email_lead -> outreach; meeting -> meetings;
quote -> closing; report -> reporting. Criticality: prospecting * 5, outreach * 3,
meetings * 4, meetings starter 5, closing * 2, closing starter 0, reporting enterprise 1;
overrides for ``starter_co``: meetings 2, outreach 5, reporting 1; for ``empty``: reporting 0.

Accounts: ``ny`` (segment mid -> `default` key features, America/New_York, 10 seats),
``empty`` (enterprise, no events, 5 seats), ``starter_co`` (starter: own key features and
overrides, UTC, 4 seats), plus portfolio edge cases without hand-computed measures.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from measure_checks import check_measures, measure_row

from goldpath.engine.facts import daily_usage, dedupe_events
from goldpath.engine.measures import (
    measures_frame,
    EngineInputs,
    account_measures,
    date_spine,
    portfolio,
    resolved_criticality,
)
from goldpath.model.spec import MEASURES, parse_model

NY = "America/New_York"
D = dt.date(2022, 3, 8)
D2 = dt.date(2022, 3, 13)

MODEL_YAML = """
name: golden
window_days: 7
params:
  key_feature_min_users: 2
  critical_min: 4
  key_features:
    default: [add_contact, add_lead, email_lead, quote]
    starter: [add_contact, meeting, quote]
engagement:
  measures:
    active_seat_ratio: {weight: 1, scheme: {type: linear, min: 0, max: 1}}
    stickiness: {weight: 1, scheme: {type: linear, min: 0, max: 1}}
    active_days_per_active_user: {weight: 1, scheme: {type: linear, min: 0, max: 7}}
    key_feature_adoption: {weight: 1, scheme: {type: linear, min: 0, max: 1}}
indispensability:
  measures:
    process_coverage: {weight: 1, scheme: {type: linear, min: 0, max: 1}}
    critical_process_regularity: {weight: 1, scheme: {type: linear, min: 0, max: 1}}
    critical_process_reach: {weight: 1, scheme: {type: linear, min: 0, max: 1}}
tiers:
  default:
    - tier: red
"""

ACCOUNTS = [
    ("ny", "mid", 10, "2021-01-01", NY),
    ("empty", "enterprise", 5, "2021-06-01", "Europe/Berlin"),
    ("starter_co", "starter", 4, "2021-01-01", None),
    ("churned", "mid", 10, "2021-01-01", None),  # churned 2022-03-05, before D
    ("churn_on_d", "mid", 10, "2021-01-01", None),  # churned on D itself
    ("churn_after_d", "mid", 10, "2021-01-01", None),  # churns 2022-03-09: in on D, out on D2
    ("starts_on_d", "mid", 10, "2022-03-08", None),  # contract starts on D: in
    ("future", "mid", 10, "2022-03-09", None),  # starts after D: out on D, in on D2
]

RENEWALS = [
    ("ny", "2022-01-15", "renewed", 1000.0, 1000.0),  # not a churn: ny stays
    ("churned", "2022-03-05", "churned", 1000.0, 0.0),
    ("churn_on_d", "2022-03-08", "churned", 1000.0, 0.0),
    ("churn_after_d", "2022-03-09", "churned", 1000.0, 0.0),
]

PROCESS_FEATURES = [
    ("add_contact", "prospecting"),
    ("add_lead", "prospecting"),
    ("email_lead", "outreach"),
    ("meeting", "meetings"),
    ("quote", "closing"),
    ("report", "reporting"),
]

PROCESS_CRITICALITY = [
    ("prospecting", "*", 5.0),
    ("outreach", "*", 3.0),
    ("meetings", "*", 4.0),
    ("meetings", "starter", 5.0),
    ("closing", "*", 2.0),
    ("closing", "starter", 0.0),
    ("reporting", "enterprise", 1.0),
]

OVERRIDES = [
    ("starter_co", "meetings", 2.0),
    ("starter_co", "outreach", 5.0),
    ("starter_co", "reporting", 1.0),
    ("empty", "reporting", 0.0),  # an override of 0 drops the enterprise row's 1
]

# (_row, account, user, feature, UTC timestamp[, event_id]); the comment gives the local day.
EVENTS = [
    # ny: EST = UTC-5 until 2022-03-13 07:00 UTC, then EDT = UTC-4.
    (1, "ny", "u6", "add_contact", "2022-03-02 03:30:00"),  # 22:30 EST 03-01 = D-W: outside
    (2, "ny", "u1", "add_contact", "2022-03-02 05:30:00"),  # 00:30 EST 03-02 = D-W+1 (Wed): inside
    (3, "ny", "u2", "add_contact", "2022-03-03 15:00:00", "a3"),  # 03-03 Thu
    (4, "ny", "u2", "add_contact", "2022-03-05 15:00:00", "a3"),  # retry of a3 (dropped, else a user-day 03-05)
    (5, "ny", "u2", "add_contact", "2022-03-03 18:00:00", "a3b"),  # 03-03 again: same user-day
    (6, "ny", "u1", "email_lead", "2022-03-04 14:00:00"),  # 03-04 Fri
    (7, "ny", "u1", "email_lead", "2022-03-04 14:00:00"),  # duplicate of row 6 (natural key)
    (8, "ny", "u1", "email_lead", "2022-03-05 14:00:00"),  # 03-05 Sat
    (9, "ny", "u1", "add_lead", "2022-03-06 14:00:00"),  # 03-06 Sun
    (10, "ny", "u2", "email_lead", "2022-03-07 14:00:00"),  # 03-07 Mon
    (11, "ny", "u3", "quote", "2022-03-09 03:00:00"),  # 22:00 EST 03-08 = D (Tue): inside
    (12, "ny", "u4", "quote", "2022-03-09 06:00:00"),  # 01:00 EST 03-09 = D+1: outside
    (13, "ny", None, "add_lead", "2022-03-04 16:00:00"),  # 03-04 Fri, no user
    (14, "ny", "u5", "add_lead", "2022-02-28 12:00:00"),  # 02-28: outside
    (15, "ny", "u7", "meeting", "2022-03-13 06:30:00"),  # 01:30 EST 03-13 (Sun) = D2: inside D2
    (16, "ny", "u8", "meeting", "2022-03-14 04:30:00"),  # 00:30 EDT 03-14 = D2+1: outside D2
    (17, "ny", "u9", "add_contact", "2022-03-14 03:30:00"),  # 23:30 EDT 03-13 = D2 (Sun): inside D2
    # starter_co: UTC.
    (20, "starter_co", "v1", "add_contact", "2022-03-02 03:30:00"),  # 03-02 Wed (same instant as row 1)
    (21, "starter_co", "v2", "add_contact", "2022-03-04 10:00:00"),  # 03-04 Fri
    (22, "starter_co", "v1", "meeting", "2022-03-07 09:00:00"),  # 03-07 Mon
    (23, "starter_co", "v2", "email_lead", "2022-03-08 23:30:00"),  # 03-08 Tue = D
    (24, "starter_co", "v3", "report", "2022-03-09 00:30:00"),  # 03-09 = D+1: outside
    (25, "starter_co", "v1", "email_lead", "2022-03-01 23:59:00"),  # 03-01 = D-W: outside
    (26, "starter_co", "v1", "email_lead", "2022-03-03 08:00:00"),  # 03-03 Thu
    (27, "starter_co", "v2", "email_lead", "2022-03-05 08:00:00"),  # 03-05 Sat
    (28, "starter_co", "v4", "meeting", "2022-03-07 10:00:00"),  # 03-07 Mon
    (29, "starter_co", "v4", "meeting", "2022-03-08 10:00:00"),  # 03-08 Tue
    (30, "starter_co", "v4", "meeting", "2022-03-08 10:00:00", "dup-free"),  # has an id: a real second event
    # Accounts outside the portfolio on D still have usage.
    (40, "churned", "w1", "add_contact", "2022-03-04 10:00:00"),
    (41, "future", "w2", "add_contact", "2022-03-04 10:00:00"),
]
DUPLICATE_ROWS = (4, 7)

# Hand-computed raw measures on D = 2022-03-08 (None = null).
EXPECTED_D = {
    "ny": {
        # In window: rows 2 (u1 03-02), 3+5 (u2 03-03), 6 (u1 03-04), 8 (u1 03-05), 9 (u1 03-06),
        # 10 (u2 03-07), 11 (u3 03-08), 13 (no user 03-04). Users u1, u2, u3 -> 3.
        # User-days: u1 {02, 04, 05, 06} = 4, u2 {03, 07} = 2, u3 {08} = 1 -> 7.
        "active_users": 3,
        "user_days": 7,
        "active_seat_ratio": 3 / 10,
        "stickiness": 7 / (3 * 7),
        "active_days_per_active_user": 7 / 3,
        # default list: add_contact {u1, u2} yes; add_lead {u1} no (null user not counted);
        # email_lead {u1, u2} yes; quote {u3} no (u4 is on D+1) -> 2 / 4.
        "key_feature_adoption": 2 / 4,
        # Processes (mid -> '*' rows): prospecting 5 ran, outreach 3 ran, meetings 4 not,
        # closing 2 ran (quote 03-08); reporting has no mid/'*' row -> (5 + 3 + 2) / 14.
        "process_coverage": 10 / 14,
        # Critical: prospecting 5 (ran on working days 02, 03, 04; Sunday 06 not counted -> 3/5)
        # and meetings 4 (0/5): (5 * 3/5 + 4 * 0/5) / (5 + 4) = 3 / 9.
        "critical_process_regularity": 3 / 9,
        # Users in a critical process: prospecting u1, u2 (the user-less row 13 is not a user) -> 2 / 3.
        "critical_process_reach": 2 / 3,
    },
    "empty": {
        # No events: 0 / 5 seats; ratios over active users are null.
        "active_users": 0,
        "user_days": 0,
        "active_seat_ratio": 0 / 5,
        "stickiness": None,
        "active_days_per_active_user": None,
        # enterprise is not listed -> default list of 4, none adopted.
        "key_feature_adoption": 0 / 4,
        # prospecting 5 + outreach 3 + meetings 4 + closing 2 = 14 (reporting: override 0), none ran.
        "process_coverage": 0 / 14,
        # Critical prospecting 5 and meetings 4, neither ran: (0 + 0) / 9.
        "critical_process_regularity": 0 / 9,
        # No active users -> null.
        "critical_process_reach": None,
    },
    "starter_co": {
        # In window: rows 20 (v1 02), 21 (v2 04), 22 (v1 07), 23 (v2 08), 26 (v1 03), 27 (v2 05),
        # 28 (v4 07), 29+30 (v4 08). Users v1, v2, v4 -> 3 (v3 is on D+1).
        # User-days: v1 {02, 03, 07} = 3, v2 {04, 05, 08} = 3, v4 {07, 08} = 2 -> 8.
        "active_users": 3,
        "user_days": 8,
        "active_seat_ratio": 3 / 4,
        "stickiness": 8 / (3 * 7),
        "active_days_per_active_user": 8 / 3,
        # starter list: add_contact {v1, v2} yes; meeting {v1, v4} yes; quote {} no -> 2 / 3.
        "key_feature_adoption": 2 / 3,
        # prospecting 5 ('*'), outreach 5 (override), meetings 2 (override beats starter 5),
        # closing 0 (starter row beats '*' 2: ignored), reporting 1 (override only; not run).
        # Ran: prospecting, outreach, meetings -> (5 + 5 + 2) / 13.
        "process_coverage": 12 / 13,
        # Critical: prospecting 5 on working days {02, 04} -> 2/5; outreach 5 on {03, 08}
        # (Saturday 05 not counted) -> 2/5: (5 * 2/5 + 5 * 2/5) / 10 = 4 / 10.
        "critical_process_regularity": 4 / 10,
        # Critical users: v1, v2; v4 only ran meetings (criticality 2 here) -> 2 / 3.
        "critical_process_reach": 2 / 3,
    },
}

# Hand-computed for ny on D2 = 2022-03-13 (window 03-07 .. 03-13, New York days).
EXPECTED_NY_D2 = {
    # In window: rows 10 (u2 03-07), 11 (u3 03-08), 12 (u4 03-09), 15 (u7 03-13, 01:30 EST),
    # 17 (u9 03-13, 23:30 EDT). Row 16 is 00:30 EDT on 03-14 (outside); with a fixed EST offset
    # it would be 23:30 on 03-13, and in UTC row 17 would be on 03-14.
    # Users u2, u3, u4, u7, u9 -> 5, one day each -> 5 user-days.
    "active_users": 5,
    "user_days": 5,
    "active_seat_ratio": 5 / 10,
    "stickiness": 5 / (5 * 7),
    "active_days_per_active_user": 5 / 5,
    # add_contact {u9} no, add_lead {} no, email_lead {u2} no, quote {u3, u4} yes -> 1 / 4.
    "key_feature_adoption": 1 / 4,
    # Ran: prospecting 5 (u9), outreach 3, meetings 4, closing 2 -> 14 / 14.
    "process_coverage": 14 / 14,
    # prospecting and meetings ran only on Sunday 03-13: (5 * 0/5 + 4 * 0/5) / 9.
    "critical_process_regularity": 0 / 9,
    # Critical users: u7 (meetings), u9 (prospecting) -> 2 / 5.
    "critical_process_reach": 2 / 5,
}


@pytest.fixture(scope="module")
def model():
    """The small golden model."""
    return parse_model(MODEL_YAML, "golden")


@pytest.fixture(scope="module")
def make_inputs(accounts, events, table):
    """Build :class:`EngineInputs` from a list of event rows (the rest of the fixture is fixed)."""
    acc = accounts(ACCOUNTS)
    fixed = {
        "process_features": table("process_features", PROCESS_FEATURES),
        "process_criticality": table("process_criticality", PROCESS_CRITICALITY),
        "criticality_overrides": table("criticality_overrides", OVERRIDES),
        "renewals": table("renewals", RENEWALS),
    }

    def build(rows=EVENTS) -> EngineInputs:
        fact = daily_usage(dedupe_events(events(rows)), acc)
        return EngineInputs(accounts=acc, daily_usage=fact, **fixed)

    return build


_measures = measures_frame




@pytest.fixture(scope="module")
def on_d(make_inputs, model) -> pd.DataFrame:
    """Measures on D alone."""
    return _measures(make_inputs(), model, [D])


def test_expected_covers_every_measure() -> None:
    """The golden tables name every measure the engine defines."""
    for expected in (*EXPECTED_D.values(), EXPECTED_NY_D2):
        assert set(MEASURES) <= set(expected)


@pytest.mark.parametrize("account_id", sorted(EXPECTED_D))
def test_measures_golden(on_d, account_id: str) -> None:
    """Every raw measure on D equals the hand computation."""
    check_measures(measure_row(on_d, D, account_id), EXPECTED_D[account_id])


def test_ny_dst_week_golden(make_inputs, model) -> None:
    """Across the spring-forward weekend the New York days are drawn in local time."""
    df = _measures(make_inputs(), model, [D2])
    check_measures(measure_row(df, D2, "ny"), EXPECTED_NY_D2)


def test_parts_golden(on_d) -> None:
    """The counts behind the ratios, by hand."""
    ny = measure_row(on_d, D, "ny")
    # key features: 4 in the default list, 2 adopted; processes 4 (no reporting), 3 ran;
    # critical: prospecting + meetings = 2 processes, weight 9, regular weight 5 * 3/5 = 3.
    assert (ny.key_features_total, ny.key_features_adopted) == (4, 2)
    assert (ny.processes_total, ny.processes_run, ny.critical_processes) == (4, 3, 2)
    assert (ny.criticality_total, ny.criticality_run, ny.critical_weight) == (14.0, 10.0, 9.0)
    assert ny.critical_regular_weight == pytest.approx(3.0)
    assert (ny.critical_users, ny.window_days, ny.working_days) == (2, 7, 5)
    st = measure_row(on_d, D, "starter_co")
    # starter: 3 key features, 2 adopted; 4 processes (closing dropped), 3 ran; 2 critical (10).
    assert (st.key_features_total, st.key_features_adopted) == (3, 2)
    assert (st.processes_total, st.processes_run, st.critical_processes) == (4, 3, 2)
    assert (st.criticality_total, st.criticality_run, st.critical_weight) == (13.0, 12.0, 10.0)
    assert st.critical_regular_weight == pytest.approx(4.0)


def test_regularity_uses_model_working_days(make_inputs) -> None:
    """With weekend working days only Saturday 03-05 and Sunday 03-06 count (2 working days)."""
    weekend = parse_model(MODEL_YAML + "working_days: [sat, sun]\n", "weekend")
    df = _measures(make_inputs(), weekend, [D])
    # ny: prospecting ran on {02, 03, 04, 06} -> only Sun 06 -> 1/2; meetings 0/2:
    # (5 * 1/2 + 4 * 0/2) / 9 = 2.5 / 9.
    assert measure_row(df, D, "ny").critical_process_regularity == pytest.approx(2.5 / 9)
    # starter_co: prospecting {02, 04} -> 0/2; outreach {03, 05, 08} -> Sat 05 -> 1/2:
    # (5 * 0/2 + 5 * 1/2) / 10 = 0.25.
    assert measure_row(df, D, "starter_co").critical_process_regularity == pytest.approx(2.5 / 10)
    assert measure_row(df, D, "ny").working_days == 2


def test_regularity_null_without_working_days(make_inputs) -> None:
    """A one-day window on Sunday 2022-03-13 has 0 working days: regularity is undefined (null)."""
    one_day = parse_model(MODEL_YAML.replace("window_days: 7", "window_days: 1"), "one-day")
    spine = date_spine([D2], one_day.window_days, one_day.working_days)
    assert spine["working_days"].tolist() == [0]
    got = account_measures(make_inputs(), spine, one_day).filter(lambda t: t.account_id == "ny")
    value = got.select("critical_process_regularity").to_pyarrow()["critical_process_regularity"][0]
    # ny has critical processes (weight 5 + 4 = 9) but 0 / 0 working days: null, not a number.
    assert not value.is_valid


def test_window_boundary(on_d) -> None:
    """An event on D-W is outside, on D-W+1 inside, on D+1 outside (in the account's days)."""
    ny, st = measure_row(on_d, D, "ny"), measure_row(on_d, D, "starter_co")
    # ny: u6 only on 03-01 local (D-W) and u4 only on 03-09 local (D+1) are not counted;
    # u1 (first seen 03-02 local = D-W+1) and u3 (only on 03-08 local = D) are.
    assert ny.active_users == 3
    # starter_co: the same instant as ny's u6 event (2022-03-02 03:30 UTC) is 03-02 in UTC, so v1's
    # days are {02, 03, 07}; without it v1 would have 2 days and user_days would be 7.
    assert st.user_days == 8


def test_duplicates_change_nothing(make_inputs, model, on_d) -> None:
    """Dropping the duplicate rows by hand gives the same measures, value for value."""
    without = _measures(make_inputs([e for e in EVENTS if e[0] not in DUPLICATE_ROWS]), model, [D])
    pd.testing.assert_frame_equal(on_d, without)


def test_portfolio_membership(make_inputs, model) -> None:
    """Churned (on or before the date) and not-yet-started accounts are left out."""
    df = _measures(make_inputs(), model, [D, D2])
    on = {day: sorted(df.loc[df["as_of"] == day, "account_id"]) for day in (D, D2)}
    # D: churned (03-05) and churn_on_d (03-08) out; future (starts 03-09) out; starts_on_d in.
    assert on[D] == ["churn_after_d", "empty", "ny", "starter_co", "starts_on_d"]
    # D2: churn_after_d (03-09) now out; future (03-09) now in.
    assert on[D2] == ["empty", "future", "ny", "starter_co", "starts_on_d"]


def test_portfolio_function(make_inputs) -> None:
    """:func:`portfolio` directly, on a spine of the two dates."""
    inputs = make_inputs()
    spine_t = ibis.memtable(pd.DataFrame({"as_of": [D, D2]}), schema={"as_of": "date"})
    got = portfolio(inputs.accounts, spine_t, inputs.renewals).select("as_of", "account_id").to_pandas()
    pairs = sorted((pd.Timestamp(a).date(), b) for a, b in got.itertuples(index=False))
    assert pairs == sorted(
        [(D, a) for a in ("churn_after_d", "empty", "ny", "starter_co", "starts_on_d")]
        + [(D2, a) for a in ("empty", "future", "ny", "starter_co", "starts_on_d")]
    )


def test_resolved_criticality(make_inputs) -> None:
    """Override, else segment row, else '*', else 0; zero-criticality processes are dropped."""
    got = resolved_criticality(make_inputs()).to_pandas()
    crit = {(a, p): c for a, p, c in got.itertuples(index=False)}
    assert {p: c for (a, p), c in crit.items() if a == "ny"} == {
        "prospecting": 5.0, "outreach": 3.0, "meetings": 4.0, "closing": 2.0,  # '*' rows; no reporting
    }
    assert {p: c for (a, p), c in crit.items() if a == "empty"} == {
        # the enterprise row gives reporting 1, but the override of 0 drops it.
        "prospecting": 5.0, "outreach": 3.0, "meetings": 4.0, "closing": 2.0,
    }
    assert {p: c for (a, p), c in crit.items() if a == "starter_co"} == {
        # override 5 beats '*' 3; override 2 beats starter 5; starter 0 hides '*' 2; override-only 1.
        "prospecting": 5.0, "outreach": 5.0, "meetings": 2.0, "reporting": 1.0,
    }


def test_two_dates_in_one_call_equal_each_alone(make_inputs, model) -> None:
    """One call for D and D2 gives the same rows as two separate calls."""
    inputs = make_inputs()
    both = _measures(inputs, model, [D2, D])
    alone = pd.concat([_measures(inputs, model, [D]), _measures(inputs, model, [D2])], ignore_index=True)
    pd.testing.assert_frame_equal(both, alone)
    check_measures(measure_row(both, D2, "ny"), EXPECTED_NY_D2)
    for account_id, expected in EXPECTED_D.items():
        check_measures(measure_row(both, D, account_id), expected)


@pytest.mark.parametrize(
    ("as_of", "window", "working", "start", "n_work"),
    [
        # 2022-03-02 Wed .. 03-08 Tue: Wed Thu Fri Mon Tue = 5 (Sat 05, Sun 06 not).
        ("2022-03-08", 7, ["mon", "tue", "wed", "thu", "fri"], "2022-03-02", 5),
        # 03-05 Sat, 03-06 Sun, 03-07 Mon -> 1.
        ("2022-03-07", 3, ["mon", "tue", "wed", "thu", "fri"], "2022-03-05", 1),
        # 03-05 Sat, 03-06 Sun -> 0.
        ("2022-03-06", 2, ["mon", "tue", "wed", "thu", "fri"], "2022-03-05", 0),
        # 02-27 Sun .. 03-08 Tue: Mon 28, Tue 01 .. Fri 04, Mon 07, Tue 08 = 7.
        ("2022-03-08", 10, ["mon", "tue", "wed", "thu", "fri"], "2022-02-27", 7),
        # Same window, working days Sun and Mon: Sun 27, Mon 28, Sun 06, Mon 07 = 4.
        ("2022-03-08", 10, ["sun", "mon"], "2022-02-27", 4),
        # Across a year end: 2021-12-27 Mon .. 2022-01-02 Sun -> 5.
        ("2022-01-02", 7, ["mon", "tue", "wed", "thu", "fri"], "2021-12-27", 5),
        # Leap day: 2024-02-28 Wed, 02-29 Thu, 03-01 Fri -> 3 calendar days, 3 working.
        ("2024-03-01", 3, ["mon", "tue", "wed", "thu", "fri"], "2024-02-28", 3),
        # One day: the as-of date alone (Saturday 2022-03-05 -> 0).
        ("2022-03-05", 1, ["mon", "tue", "wed", "thu", "fri"], "2022-03-05", 0),
    ],
)
def test_date_spine(as_of: str, window: int, working: list[str], start: str, n_work: int) -> None:
    """Window start and working-day counts are calendar arithmetic."""
    spine = date_spine([dt.date.fromisoformat(as_of)], window, working)
    assert spine.to_dict("records") == [
        {
            "as_of": dt.date.fromisoformat(as_of),
            "window_start": dt.date.fromisoformat(start),
            "window_days": window,
            "working_days": n_work,
        }
    ]


def test_date_spine_sorts_and_dedupes() -> None:
    """Dates come back once each, in order."""
    spine = date_spine([D2, D, D2], 7, ["mon", "tue", "wed", "thu", "fri"])
    assert spine["as_of"].tolist() == [D, D2]
    # D2 = 03-13 Sun: window 03-07 Mon .. 03-13 Sun -> Mon-Fri 07..11 = 5.
    assert spine["window_start"].tolist() == [dt.date(2022, 3, 2), dt.date(2022, 3, 7)]
    assert spine["working_days"].tolist() == [5, 5]
