"""Consistency warnings across accepted tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd

from goldpath.contract.checks import consistency_warnings
from goldpath.engine.connection import DuckDBEngine, connect
from goldpath.model.spec import parse_model

MODEL = """
params: {critical_min: 4, key_features: {default: [add_contact, feature_a]}}
engagement: {measures: {active_seat_ratio: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
indispensability: {measures: {process_coverage: {weight: 1, scheme: {type: linear, min: 0, max: 1}}}}
tiers: {default: [{tier: red}]}
"""


def test_catalogue_and_key_feature_warnings():
    con = connect(DuckDBEngine(path=":memory:"), Path("."))
    ts = dt.datetime(2022, 1, 1)
    events = ibis.memtable(pd.DataFrame({
        "account_id": ["A", "A", "B", "B"], "feature": ["add_contact", "typo_feature", "add_contact", "add_contact"],
        "event_id": ["e1", "e2", "e1", None], "user_id": "u", "timestamp": ts,
    }))
    pf = ibis.memtable(pd.DataFrame({"feature": ["add_contact"], "process": ["contacts"]}))
    crit = ibis.memtable(pd.DataFrame({"process": ["contacts", "payroll"], "segment": ["*", "*"], "criticality": [3.0, 2.0]}))
    w = consistency_warnings({"events": events, "process_features": pf, "process_criticality": crit}, parse_model(MODEL))
    text = "\n".join(w)
    assert "1 events of 1 feature(s) map to no process in process_features (typo_feature)" in text
    assert "process(es) payroll have no feature in process_features" in text
    assert "params.key_features: feature_a appear in no event" in text
    assert "no process reaches critical_min 4" in text
    assert "1 event_id value(s) appear in more than one account" in text
    con.disconnect()


def test_missing_user_ids_unknown_signals_and_unused_segment_keys():
    """Silent distortions get a warning: no user ids, a signal nobody sends, a tier set for no segment."""
    con = connect(DuckDBEngine(path=":memory:"), Path("."))
    model = parse_model(MODEL.replace(
        "indispensability: {measures: {",
        "indispensability: {measures: {score_nps: {signal: NPS, weight: 1, scheme: {type: linear, min: 0, max: 10}}, ",
    ).replace("tiers: {default: [{tier: red}]}", "tiers: {default: [{tier: red}], enterprize: [{tier: red}]}"))
    events = ibis.memtable(pd.DataFrame({
        "account_id": ["A"], "feature": ["add_contact"], "event_id": [None], "user_id": [None],
        "timestamp": [dt.datetime(2022, 1, 1)],
    }), schema={"account_id": "string", "feature": "string", "event_id": "string", "user_id": "string",
                "timestamp": "timestamp"})
    tables = {
        "events": events,
        "process_features": ibis.memtable(pd.DataFrame({"feature": ["add_contact"], "process": ["contacts"]})),
        "process_criticality": ibis.memtable(pd.DataFrame({"process": ["contacts"], "segment": ["*"], "criticality": [5.0]})),
        "signals": ibis.memtable(pd.DataFrame({"account_id": ["A"], "metric": ["nps"], "value": [9.0],
                                               "date": [dt.date(2022, 1, 1)]})),
        "accounts": ibis.memtable(pd.DataFrame({"account_id": ["A"], "segment": ["smb"]})),
    }
    text = "\n".join(consistency_warnings(tables, model))
    assert "no event names a user" in text
    assert "no signal named 'NPS' in the signals table (the signals table has 'nps')" in text
    assert "model tiers: enterprize is not a segment of any account" in text
    con.disconnect()
