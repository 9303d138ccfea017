"""Golden tests for model segments, signal measures, per-account windows and user-less sources.

Every expected value is computed by hand in the comments. As-of date D = 2022-03-08 (a
Tuesday); with the 7-day window it runs 2022-03-02 (Wed) .. 03-08 (Tue), whose Mon-Fri working
days are 02, 03, 04, 07, 08 = 5. All accounts are in UTC, so an event's day is its UTC date.

Catalogue: add_contact, add_lead -> prospecting (criticality 5); meeting -> meetings (4);
quote -> closing (2); report -> reporting (1); all ``*`` rows. With ``critical_min: 4`` the
critical processes are prospecting and meetings (weight 5 + 4 = 9); all four total 12.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pyarrow as pa
import pytest

from measure_checks import check_measures, measure_row

from goldpath.engine.facts import daily_usage, dedupe_events
from goldpath.engine.measures import measures_frame, EngineInputs
from goldpath.model.spec import parse_model

D = dt.date(2022, 3, 8)
D1 = dt.date(2022, 3, 9)

LIN = "{type: linear, min: 0, max: 1}"

PROCESS_FEATURES = [
    ("add_contact", "prospecting"),
    ("add_lead", "prospecting"),
    ("meeting", "meetings"),
    ("quote", "closing"),
    ("report", "reporting"),
]
PROCESS_CRITICALITY = [
    ("prospecting", "*", 5.0),
    ("meetings", "*", 4.0),
    ("closing", "*", 2.0),
    ("reporting", "*", 1.0),
]

_signal_tables = itertools.count()


def _account(account_id: str, segment: str, arr: float, seats: int, start: str) -> tuple:
    """A full accounts row in contract column order (UTC, no parent)."""
    return (account_id, account_id.title(), segment, arr, seats, start, "2023-12-31", None, None)


@pytest.fixture(scope="module")
def build_inputs(table, events):
    """Build :class:`EngineInputs` from full account rows, event rows and optional signals."""
    fixed = {
        "process_features": table("process_features", PROCESS_FEATURES),
        "process_criticality": table("process_criticality", PROCESS_CRITICALITY),
    }

    def build(account_rows, event_rows, signals=None) -> EngineInputs:
        acc = table("accounts", account_rows)
        fact = daily_usage(dedupe_events(events(event_rows)), acc)
        return EngineInputs(accounts=acc, daily_usage=fact, signals=signals, **fixed)

    return build


@pytest.fixture(scope="module")
def signals_table(con):
    """Build a ``signals`` table from ``(account_id, metric, value, "YYYY-MM-DD")`` tuples."""
    schema = pa.schema([("account_id", pa.string()), ("metric", pa.string()), ("value", pa.float64()),
                        ("date", pa.date32())])

    def build(rows: list[tuple]):
        data = pa.Table.from_pylist(
            [{"account_id": a, "metric": m, "value": v, "date": dt.date.fromisoformat(d)} for a, m, v, d in rows],
            schema=schema,
        )
        return con.create_table(f"signals_{next(_signal_tables)}", data, temp=True)

    return build


_measures = measures_frame




# --------------------------------------------------------------------------------------------
# Model segments
# --------------------------------------------------------------------------------------------

SEGMENT_MODEL = f"""
name: segments
window_days: 7
params:
  key_feature_min_users: 1
  critical_min: 4
  key_features:
    default: [add_contact]
    big: [add_lead, quote]
    young: [meeting]
segments:
  - name: big
    when: {{segment: [enterprise, strategic], arr: {{min: 5000}}}}
  - name: crowd
    when: {{seats: {{min: 50, max: 100}}}}
  - name: young
    when: {{tenure_days: {{max: 30}}}}
engagement:
  measures:
    key_feature_adoption: {{weight: 1, scheme: {LIN}}}
indispensability:
  measures:
    process_coverage: {{weight: 1, scheme: {LIN}}}
tiers:
  default:
    - tier: red
"""

SEGMENT_ACCOUNTS = [
    _account("big_ok", "enterprise", 5000.0, 10, "2021-01-01"),  # arr == min 5000 (inclusive): big
    _account("strategic", "strategic", 20000.0, 60, "2022-03-01"),  # big, crowd and young: first (big) wins
    _account("ent_small", "enterprise", 4999.99, 60, "2021-01-01"),  # arr below 5000: not big; 60 seats: crowd
    _account("mid_rich", "mid", 50000.0, 10, "2021-01-01"),  # rich but not enterprise/strategic: default
    _account("seats_50", "mid", 1000.0, 50, "2021-01-01"),  # seats == min 50: crowd
    _account("seats_100", "mid", 1000.0, 100, "2021-01-01"),  # seats == max 100: crowd
    _account("seats_101", "mid", 1000.0, 101, "2021-01-01"),  # above max: default
    # tenure on D: 2022-02-06 -> 03-08 = 22 (rest of Feb) + 8 = 30 -> young; on D1 it is 31 -> default.
    _account("young_30", "mid", 1000.0, 10, "2022-02-06"),
    _account("young_31", "mid", 1000.0, 10, "2022-02-05"),  # 31 days on D: default
    _account("young_crowd", "mid", 1000.0, 50, "2022-03-01"),  # crowd (rule 2) before young (rule 3)
]

SEGMENT_EVENTS = [
    (1, "big_ok", "u1", "add_lead", "2022-03-07 12:00"),
    (2, "ent_small", "u1", "add_contact", "2022-03-07 12:00"),
    (3, "young_30", "u1", "meeting", "2022-03-07 12:00"),
    (4, "young_31", "u1", "meeting", "2022-03-07 12:00"),
    (5, "mid_rich", "u1", "add_lead", "2022-03-07 12:00"),
]

# Resolved model segment on D and on D1 (only young_30 changes: tenure 30 -> 31).
EXPECTED_SEGMENT = {
    "big_ok": "big",
    "strategic": "big",
    "ent_small": "crowd",
    "mid_rich": "default",
    "seats_50": "crowd",
    "seats_100": "crowd",
    "seats_101": "default",
    "young_30": "young",
    "young_31": "default",
    "young_crowd": "crowd",
}


@pytest.fixture(scope="module")
def segment_measures(build_inputs) -> pd.DataFrame:
    """Measures of the segment fixture on D and D1, in one call."""
    inputs = build_inputs(SEGMENT_ACCOUNTS, SEGMENT_EVENTS)
    return _measures(inputs, parse_model(SEGMENT_MODEL, "segments"), [D, D1])


def test_model_segment_first_matching_rule(segment_measures) -> None:
    """Each account's model segment on D is its first matching rule, else `default`."""
    got = dict(segment_measures.loc[segment_measures["as_of"] == D, ["account_id", "model_segment"]].values)
    assert got == EXPECTED_SEGMENT


def test_model_segment_tenure_moves_with_the_date(segment_measures) -> None:
    """Tenure is counted to each as-of date: young_30 is young on D (30 days) and default on D1 (31)."""
    assert measure_row(segment_measures, D, "young_30").tenure_days == 30
    assert measure_row(segment_measures, D1, "young_30").tenure_days == 31
    got = dict(segment_measures.loc[segment_measures["as_of"] == D1, ["account_id", "model_segment"]].values)
    assert got == EXPECTED_SEGMENT | {"young_30": "default"}


def test_key_features_by_resolved_segment(segment_measures) -> None:
    """Key features come from the resolved model segment's list (unlisted segments use `default`)."""
    expected = {
        # big: [add_lead, quote]; add_lead used by u1 (min users 1) -> 1 of 2 (default would give 0 of 1).
        "big_ok": (2, 1, 1 / 2),
        # crowd is not listed -> default [add_contact]; used -> 1 of 1.
        "ent_small": (1, 1, 1 / 1),
        # young: [meeting]; used -> 1 of 1 (default would give 0 of 1).
        "young_30": (1, 1, 1 / 1),
        # default [add_contact]: only meeting used -> 0 of 1.
        "young_31": (1, 0, 0 / 1),
        # default [add_contact]: only add_lead used -> 0 of 1.
        "mid_rich": (1, 0, 0 / 1),
        # big, no events: 0 of 2.
        "strategic": (2, 0, 0 / 2),
    }
    for account_id, (total, adopted, ratio) in expected.items():
        row = measure_row(segment_measures, D, account_id)
        assert (row.key_features_total, row.key_features_adopted) == (total, adopted), account_id
        assert row.key_feature_adoption == pytest.approx(ratio), account_id
    # On D1 young_30 is default: [add_contact] not used -> 0 of 1 (its meeting on 03-07 is still in the window).
    row = measure_row(segment_measures, D1, "young_30")
    assert (row.key_features_total, row.key_features_adopted, row.key_feature_adoption) == (1, 0, 0.0)


def test_without_rules_the_account_segment_is_used(build_inputs) -> None:
    """Without segment rules `model_segment` is the accounts' `segment` and picks the key-feature list."""
    text = SEGMENT_MODEL.split("segments:\n  - name: big")[0] + "engagement:" + SEGMENT_MODEL.split("engagement:")[1]
    text = text.replace("big: [add_lead, quote]", "enterprise: [add_lead, quote]")
    model = parse_model(text, "plain-segments")
    assert model.segments == []
    df = _measures(build_inputs(SEGMENT_ACCOUNTS, SEGMENT_EVENTS), model, [D])
    got = dict(df[["account_id", "model_segment"]].values)
    assert got == {a[0]: a[2] for a in SEGMENT_ACCOUNTS}
    # big_ok (enterprise): [add_lead, quote], add_lead used -> 1/2; ent_small (enterprise): only
    # add_contact used -> 0/2; young_30 (mid -> default [add_contact]): meeting only -> 0/1.
    assert measure_row(df, D, "big_ok").key_feature_adoption == pytest.approx(1 / 2)
    assert measure_row(df, D, "ent_small").key_feature_adoption == 0.0
    assert measure_row(df, D, "ent_small").key_features_total == 2
    assert measure_row(df, D, "young_30").key_features_total == 1
    assert measure_row(df, D, "young_30").key_feature_adoption == 0.0


# --------------------------------------------------------------------------------------------
# Per-account windows, user-less sources, signals
# --------------------------------------------------------------------------------------------

PLAIN_MODEL = f"""
name: plain
window_days: 7
params:
  key_feature_min_users: 1
  critical_min: 4
  key_features:
    default: [add_contact, meeting]
engagement:
  measures:
    active_seat_ratio: {{weight: 1, scheme: {LIN}}}
    stickiness: {{weight: 1, scheme: {LIN}}}
    active_days_per_active_user: {{weight: 1, scheme: {{type: linear, min: 0, max: 7}}}}
    key_feature_adoption: {{weight: 1, scheme: {LIN}}}
    nps_score: {{weight: 1, signal: nps, freshness_days: 10, scheme: {{type: linear, min: 0, max: 100}}}}
indispensability:
  measures:
    process_coverage: {{weight: 1, scheme: {LIN}}}
    critical_process_regularity: {{weight: 1, scheme: {LIN}}}
    critical_process_reach: {{weight: 1, scheme: {LIN}}}
    open_tickets: {{weight: 1, signal: tickets, freshness_days: 1, scheme: {{type: linear, min: 0, max: 10}}}}
tiers:
  default:
    - tier: red
"""

WINDOW_ACCOUNTS = [
    _account("veteran", "mid", 1000.0, 10, "2021-01-01"),
    _account("newbie", "mid", 1000.0, 10, "2022-03-05"),  # Sat: its window is 03-05 .. 03-08
    _account("today", "mid", 1000.0, 10, "2022-03-08"),  # starts on D: a one-day window
    _account("anon", "mid", 1000.0, 10, "2021-01-01"),  # events never name a user
    _account("anon_once", "mid", 1000.0, 10, "2021-01-01"),  # one named user, long before the window
    _account("silent", "mid", 5000.0, 5, "2021-01-01"),  # no events at all
]


def _same_events(account_id: str, first_row: int) -> list[tuple]:
    """The events veteran and newbie share."""
    rows = [
        ("u3", "add_contact", "2022-03-03 12:00"),  # Thu: before newbie's contract
        ("u1", "add_contact", "2022-03-05 12:00"),  # Sat
        ("u5", "report", "2022-03-06 12:00"),  # Sun
        ("u1", "add_contact", "2022-03-07 12:00"),  # Mon
        ("u2", "meeting", "2022-03-08 12:00"),  # Tue = D
        ("u4", "add_contact", "2022-03-09 12:00"),  # D+1: outside
    ]
    return [(first_row + i, account_id, *r) for i, r in enumerate(rows)]


WINDOW_EVENTS = [
    *_same_events("veteran", 1),
    *_same_events("newbie", 11),
    (21, "today", "u1", "add_contact", "2022-03-07 12:00"),  # the day before its contract
    (22, "today", "u2", "add_contact", "2022-03-08 12:00"),
    (31, "anon", None, "add_contact", "2022-03-03 12:00"),  # Thu
    (32, "anon", None, "meeting", "2022-03-07 12:00"),  # Mon
    (41, "anon_once", "u9", "add_contact", "2022-01-10 12:00"),  # named, but outside the window
    (42, "anon_once", None, "add_contact", "2022-03-03 12:00"),  # Thu
]

EXPECTED_WINDOWS = {
    # Window 03-02 .. 03-08: 7 days, 5 working days. Users u3 {03}, u1 {05, 07}, u5 {06}, u2 {08}:
    # 4 users, 5 user-days.
    "veteran": {
        "window_days": 7,
        "working_days": 5,
        "active_users": 4,
        "user_days": 5,
        "active_seat_ratio": 4 / 10,
        "stickiness": 5 / (4 * 7),
        "active_days_per_active_user": 5 / 4,
        # add_contact {u1, u3}, meeting {u2} -> 2 of 2.
        "key_feature_adoption": 2 / 2,
        # Ran prospecting 5, meetings 4, reporting 1 (closing 2 not) -> 10 / 12.
        "process_coverage": 10 / 12,
        # prospecting on working days {03, 07} -> 2/5; meetings {08} -> 1/5: (5 * 2/5 + 4 * 1/5) / 9.
        "critical_process_regularity": (5 * 2 / 5 + 4 * 1 / 5) / 9,
        # Critical users u1, u3 (prospecting), u2 (meetings); u5 only reported -> 3 / 4.
        "critical_process_reach": 3 / 4,
    },
    # Contract 03-05: window 03-05 .. 03-08 = 4 days, working days Mon 07, Tue 08 = 2.
    # u3 (03-03) is before the contract. Users u1 {05, 07}, u5 {06}, u2 {08}: 3 users, 4 user-days.
    "newbie": {
        "tenure_days": 3,
        "window_days": 4,
        "working_days": 2,
        "active_users": 3,
        "user_days": 4,
        "active_seat_ratio": 3 / 10,
        "stickiness": 4 / (3 * 4),
        "active_days_per_active_user": 4 / 3,
        # add_contact {u1}, meeting {u2} -> 2 of 2.
        "key_feature_adoption": 2 / 2,
        # prospecting (u1), meetings, reporting ran -> 10 / 12.
        "process_coverage": 10 / 12,
        # prospecting on working days {07} -> 1/2; meetings {08} -> 1/2: (5 * 1/2 + 4 * 1/2) / 9.
        "critical_process_regularity": (5 * 1 / 2 + 4 * 1 / 2) / 9,
        # Critical users u1, u2 of u1, u2, u5 -> 2 / 3.
        "critical_process_reach": 2 / 3,
    },
    # Contract on D (Tue): 1 day, 1 working day; u1's event on 03-07 is before the contract.
    "today": {
        "tenure_days": 0,
        "window_days": 1,
        "working_days": 1,
        "active_users": 1,
        "user_days": 1,
        "active_seat_ratio": 1 / 10,
        "stickiness": 1 / (1 * 1),
        "active_days_per_active_user": 1 / 1,
        # add_contact {u2} yes, meeting no -> 1 of 2.
        "key_feature_adoption": 1 / 2,
        # prospecting only -> 5 / 12.
        "process_coverage": 5 / 12,
        # prospecting on 1 of 1 working days, meetings 0 of 1: (5 * 1 + 4 * 0) / 9.
        "critical_process_regularity": 5 / 9,
        "critical_process_reach": 1 / 1,
    },
    # No user ids at all: every measure that counts users is null; the process measures still compute.
    "anon": {
        "active_seat_ratio": None,
        "stickiness": None,
        "active_days_per_active_user": None,
        "key_feature_adoption": None,
        "critical_process_reach": None,
        # prospecting 5 and meetings 4 ran -> 9 / 12.
        "process_coverage": 9 / 12,
        # prospecting {03} -> 1/5; meetings {07} -> 1/5: (5 * 1/5 + 4 * 1/5) / 9 = 1.8 / 9.
        "critical_process_regularity": (5 * 1 / 5 + 4 * 1 / 5) / 9,
    },
    # It named a user once (2022-01-10), so it is not user-less: no active users in the window.
    "anon_once": {
        "active_users": 0,
        "active_seat_ratio": 0 / 10,
        "stickiness": None,
        "active_days_per_active_user": None,
        "key_feature_adoption": 0 / 2,
        "critical_process_reach": None,
        # prospecting ran (user-less row 03-03) -> 5 / 12.
        "process_coverage": 5 / 12,
        # prospecting {03} -> 1/5; meetings 0: (5 * 1/5) / 9.
        "critical_process_regularity": (5 * 1 / 5) / 9,
    },
    # No events at all: zeros where the denominator is positive, null where it is 0 active users.
    "silent": {
        "active_users": 0,
        "user_days": 0,
        "active_seat_ratio": 0 / 5,
        "stickiness": None,
        "active_days_per_active_user": None,
        "key_feature_adoption": 0 / 2,
        "process_coverage": 0 / 12,
        "critical_process_regularity": 0 / 9,
        "critical_process_reach": None,
    },
}

SIGNALS = [
    # nps (freshness 10): on D the oldest date that counts is D - 9 = 02-27; on D1 it is 02-28.
    ("veteran", "nps", 10.0, "2022-02-26"),  # D - 10: too old on D
    ("veteran", "nps", 20.0, "2022-02-27"),  # D - 9: counts on D (the latest up to D)
    ("veteran", "nps", 30.0, "2022-03-09"),  # D1: future on D, the latest on D1
    ("anon", "nps", 40.0, "2022-02-26"),  # only a too-old value
    ("silent", "nps", 50.0, "2022-03-01"),
    ("silent", "nps", 60.0, "2022-03-08"),  # on D itself: the latest
    ("silent", "csat", 99.0, "2022-03-08"),  # another metric
    # tickets (freshness 1): only a value dated on the as-of date counts.
    ("silent", "tickets", 3.0, "2022-03-08"),
    ("veteran", "tickets", 7.0, "2022-03-07"),  # one day old: missing
]

EXPECTED_SIGNALS = {
    (D, "veteran"): (20.0, "2022-02-27", None, None),
    (D, "anon"): (None, None, None, None),
    (D, "silent"): (60.0, "2022-03-08", 3.0, "2022-03-08"),
    (D, "anon_once"): (None, None, None, None),
    (D1, "veteran"): (30.0, "2022-03-09", None, None),
    (D1, "anon"): (None, None, None, None),  # 02-26 is D1 - 11
    (D1, "silent"): (60.0, "2022-03-08", None, None),  # tickets of 03-08 are a day old on D1
}


@pytest.fixture(scope="module")
def window_inputs(build_inputs, signals_table) -> EngineInputs:
    """The per-account window fixture, with signals."""
    return build_inputs(WINDOW_ACCOUNTS, WINDOW_EVENTS, signals_table(SIGNALS))


@pytest.fixture(scope="module")
def plain_model():
    """Model without segments, with two signal measures."""
    return parse_model(PLAIN_MODEL, "plain")


@pytest.fixture(scope="module")
def window_measures(window_inputs, plain_model) -> pd.DataFrame:
    """Measures of the window fixture on D and D1, in one call."""
    return _measures(window_inputs, plain_model, [D, D1])


@pytest.mark.parametrize("account_id", sorted(EXPECTED_WINDOWS))
def test_window_and_user_measures_golden(window_measures, account_id: str) -> None:
    """Per-account windows, user-less sources and empty accounts, by hand on D."""
    check_measures(measure_row(window_measures, D, account_id), EXPECTED_WINDOWS[account_id])


def test_anon_is_flagged_users_unknown(window_measures) -> None:
    """Only the account whose events never name a user is flagged."""
    on_d = window_measures[window_measures["as_of"] == D]
    assert sorted(on_d.loc[on_d["users_unknown"].astype(bool), "account_id"]) == ["anon"]


@pytest.mark.parametrize(("as_of", "account_id"), sorted(EXPECTED_SIGNALS))
def test_signal_values_golden(window_measures, as_of: dt.date, account_id: str) -> None:
    """The latest signal dated within freshness_days up to and including the as-of date, and its date."""
    nps, nps_date, tickets, tickets_date = EXPECTED_SIGNALS[(as_of, account_id)]
    row = measure_row(window_measures, as_of, account_id)
    check_measures(row, {"nps_score": nps, "open_tickets": tickets})
    for col, want in (("nps_score__date", nps_date), ("open_tickets__date", tickets_date)):
        got = row[col]
        if want is None:
            assert pd.isna(got), f"{col}: expected null, got {got}"
        else:
            assert pd.Timestamp(got).date() == dt.date.fromisoformat(want), col


def test_signal_dates_in_one_call_equal_each_alone(window_inputs, plain_model, window_measures) -> None:
    """Scoring D and D1 together gives the same signal values as each date alone."""
    cols = ["as_of", "account_id", "nps_score", "open_tickets"]
    alone = pd.concat([_measures(window_inputs, plain_model, [d]) for d in (D, D1)], ignore_index=True)
    pd.testing.assert_frame_equal(window_measures[cols], alone[cols])
