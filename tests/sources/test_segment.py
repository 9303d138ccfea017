"""The Segment-style JSON-lines adapter, from raw calls to tiers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath import Workspace
from goldpath.errors import SourceError
from goldpath.sources.adapters.segment import map_call, read_segment_jsonl
from goldpath.sources.readers import ROW

MODEL = (Path(__file__).resolve().parents[2] / "examples" / "crm" / "model.yaml").read_text()


def test_map_call_reads_group_from_either_place():
    call = {"type": "track", "event": "quote", "userId": "u1", "groupId": "A1", "timestamp": "2022-03-01T10:00:00Z",
            "messageId": "m1", "properties": {"revenue": 12.5, "quantity": 2}}
    assert map_call(call) == {"account_id": "A1", "user_id": "u1", "feature": "quote",
                              "timestamp": "2022-03-01T10:00:00Z", "event_id": "m1", "quantity": "2", "value": "12.5"}
    nested = {"event": "quote", "anonymousId": "anon", "context": {"groupId": "A2"}, "timestamp": "t"}
    got = map_call(nested)
    assert (got["account_id"], got["user_id"], got["event_id"], got["value"]) == ("A2", "anon", None, None)


def test_reader_keeps_bad_lines_aside_with_their_line_number(tmp_path):
    lines = [
        json.dumps({"type": "track", "event": "quote", "userId": "u1", "groupId": "A1", "timestamp": "2022-03-01T10:00:00Z"}),
        "{not json",
        json.dumps({"type": "identify", "userId": "u1"}),
        "",
        json.dumps({"event": "meeting", "userId": "u2", "context": {"groupId": "A1"}, "timestamp": "2022-03-02T10:00:00Z"}),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    raw = read_segment_jsonl(path, "events.jsonl")
    assert raw.table.column("feature").to_pylist() == ["quote", "meeting"]
    assert raw.table.column(ROW).to_pylist() == [1, 5]
    assert [n for n, _ in raw.malformed] == [2, 3]
    assert raw.malformed[0][1].startswith("not valid JSON")
    assert "not a track call (type 'identify')" in raw.malformed[1][1]


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text("\n")
    with pytest.raises(SourceError, match="no track calls"):
        read_segment_jsonl(path, "e.jsonl")


def test_segment_stream_end_to_end(tmp_path):
    """From raw track calls to tiers: missing groups are quarantined, retried messages counted once."""
    (tmp_path / "data").mkdir()
    (tmp_path / "model.yaml").write_text(MODEL)
    (tmp_path / "goldpath.yaml").write_text(
        "model: model.yaml\nsources:\n"
        "  accounts: data/accounts.csv\n"
        "  events: {path: data/events.jsonl, format: segment-jsonl}\n"
        "  process_features: data/pf.csv\n  process_criticality: data/pc.csv\n"
    )
    (tmp_path / "data" / "accounts.csv").write_text(
        "account_id,name,segment,arr,seats,contract_start,renewal_date\n"
        "A1,Acme,basic,10000,4,2022-01-01,2023-01-01\nA2,Beta,basic,5000,10,2022-01-01,2023-01-01\n"
    )
    (tmp_path / "data" / "pf.csv").write_text("feature,process\nadd_contact,contacts\nmeeting,meetings\n")
    (tmp_path / "data" / "pc.csv").write_text("process,segment,criticality\ncontacts,*,5\nmeetings,*,4\n")
    calls = []
    for day in range(1, 29):
        for user in ("u1", "u2", "u3", "u4"):
            for feature in ("add_contact", "meeting"):
                calls.append({"type": "track", "event": feature, "userId": f"A1-{user}", "groupId": "A1",
                              "timestamp": f"2022-02-{day:02d}T12:00:00Z", "messageId": f"A1-{user}-{feature}-{day}"})
        calls.append({"type": "track", "event": "meeting", "userId": "A2-u1", "context": {"groupId": "A2"},
                      "timestamp": f"2022-02-{day:02d}T12:00:00Z", "messageId": f"A2-{day}"})
    calls.append(dict(calls[0]))  # a retried message
    calls.append({"type": "track", "event": "meeting", "userId": "x", "timestamp": "2022-02-03T12:00:00Z"})  # no group
    (tmp_path / "data" / "events.jsonl").write_text("\n".join(json.dumps(c) for c in calls) + "\n")
    with Workspace(tmp_path) as ws:
        report = ws.load()
        scores = ws.score("2022-02-28", load=False).set_index("account_id")
    events = report.log.set_index("table").loc["events"]
    assert (events["rows_read"], events["rows_accepted"], events["duplicates_dropped"]) == (len(calls), len(calls) - 1, 1)
    assert report.problems.set_index("table").loc["events", "column"] == "account_id"
    # A1: all 4 seats active every day; A2: 1 of 10 seats
    assert scores.loc["A1", "tier"] in ("green", "gold") and scores.loc["A2", "tier"] == "red"


line = st.one_of(
    st.text(max_size=80),
    st.builds(json.dumps, st.dictionaries(st.sampled_from(["type", "event", "userId", "groupId", "timestamp",
                                                           "messageId", "context", "properties"]),
                                          st.one_of(st.none(), st.text(max_size=20), st.integers(), st.booleans(),
                                                    st.dictionaries(st.text(max_size=8), st.text(max_size=8))),
                                          max_size=8)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, min_size=1, max_size=20))
def test_hostile_lines_never_crash_and_nothing_is_lost(tmp_path, lines):
    """Any text: every non-blank line is either an event row or a malformed row; only SourceError escapes."""
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(x.replace("\n", " ").replace("\r", " ") for x in lines) + "\n", encoding="utf-8")
    try:
        raw = read_segment_jsonl(path, "e.jsonl")
    except SourceError:
        return
    blank = sum(1 for x in lines if not x.replace("\n", " ").replace("\r", " ").strip())
    seen = set(raw.table.column(ROW).to_pylist()) | {n for n, _ in raw.malformed}
    assert len(seen) == len(lines) - blank
