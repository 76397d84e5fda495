"""Decision keys, when decisions apply or reopen, the decisions file, and the run diff.

Parties, hashes and list records here are synthetic test data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainscreen.errors import InputError
from chainscreen.review import (
    Decision,
    Hit,
    RunSide,
    decision_view,
    diff_runs,
    dump_decisions,
    hit_state,
    latest,
    list_changes,
    make_decision,
    parse_decisions,
    party_key,
    read_decisions,
    row_hash,
    write_decisions,
)


def hit(row: int = 1, party: str = "acme", record_hash: str = "r1", row_h: str = "w1",
        record_id: str = "rec-1", score: float = 0.95, level: str = "high") -> Hit:
    return Hit(row=row, party=party, country="CN", row_hash=row_h, list_id="uflpa-entity-list",
               record_id=record_id, record_hash=record_hash, record_name="Acme Co., Ltd.",
               matched_name="Acme Co., Ltd.", score=score, match_decision="match",
               supplier="ACME CO LTD", level=level)


def test_party_key_and_row_hash() -> None:
    assert party_key("HOSHINE SILICON INDUSTRY (SHANSHAN) CO., LTD", "cn") == \
        party_key("Hoshine Silicon Industry (Shanshan) Co Ltd", "CN")
    assert party_key("Acme Ltd", "CN") != party_key("Acme Ltd", "VN")
    # Case and punctuation do not change the row; a new address does.
    assert row_hash("ACME, Co.", "CN", "1 Main St") == row_hash("acme co", "cn", "1 main st.")
    assert row_hash("Acme Co", "CN", "1 Main St") != row_hash("Acme Co", "CN", "Urumqi, Xinjiang")


def test_decision_holds_then_reopens_for_each_side() -> None:
    d = make_decision(hit(), "dismiss", note="different firm", by="ana", at="2026-01-05T10:00:00+00:00")
    book = latest([d])
    assert hit_state(hit(), book) == ("decided", d, None)
    assert hit_state(hit(record_hash="r2"), book)[::2] == ("reopened", "list entry changed")
    assert hit_state(hit(row_h="w2"), book)[::2] == ("reopened", "row changed")
    assert hit_state(hit(record_hash="r2", row_h="w2"), book)[2] == "list entry changed and row changed"
    assert hit_state(hit(party="other"), book) == ("open", None, None)
    view = decision_view(hit(record_hash="r2"), d)
    assert view["state"] == "reopened" and view["by"] == "ana" and view["note"] == "different firm"


def test_latest_decision_wins_and_bad_decisions_refused() -> None:
    a = make_decision(hit(), "escalate", note="", by="ana", at="2026-01-05T10:00:00+00:00")
    b = make_decision(hit(), "confirm", note="checked", by="bo", at="2026-02-01T09:00:00+00:00")
    assert latest([b, a])[a.key] is b
    with pytest.raises(InputError, match="not one of"):
        make_decision(hit(), "maybe", note="", by="ana", at="2026-01-01")
    with pytest.raises(InputError, match="reviewer name"):
        make_decision(hit(), "confirm", note="", by=" ", at="2026-01-01")


@pytest.mark.parametrize("suffix", ["csv", "yaml", "yml"])
def test_decisions_file_round_trip(tmp_path: Path, suffix: str) -> None:
    decisions = [
        make_decision(hit(), "dismiss", note="=HYPERLINK(\"x\") 不是同一家, «ok»", by="ana",
                      at="2026-01-05T10:00:00+00:00"),
        make_decision(hit(party="beta", record_id="rec-2"), "confirm", note="", by="bo",
                      at="2026-01-06T10:00:00+00:00"),
    ]
    path = write_decisions(decisions, tmp_path / f"decisions.{suffix}")
    text = path.read_text(encoding="utf-8")
    if suffix == "csv":
        assert "'=HYPERLINK" in text  # neutralised for spreadsheets, restored on import
    assert read_decisions(path) == decisions
    # Written sorted, so re-export of the same decisions is byte-identical (small git diffs).
    assert dump_decisions(reversed(decisions), "yaml" if suffix != "csv" else "csv") == text


def test_decisions_file_errors_name_the_entry(tmp_path: Path) -> None:
    good = dump_decisions([make_decision(hit(), "dismiss", note="", by="ana", at="2026-01-05")], "csv")
    with pytest.raises(InputError, match="row 2, column 'status'"):
        parse_decisions(good.replace(",dismiss,", ",perhaps,"), "csv", source="d.csv")
    with pytest.raises(InputError, match="missing column"):
        parse_decisions("party,status\nacme,confirm\n", "csv")
    with pytest.raises(InputError, match="row 1, column 'list_id'"):
        parse_decisions("decisions:\n- {party: acme, status: confirm}\n", "yaml")
    with pytest.raises(InputError, match=r"\.csv, \.yaml"):
        read_decisions(tmp_path / "d.txt")


def test_list_changes() -> None:
    a = [{"id": "uflpa-entity-list", "edition": "2026-01-01", "sha256": "aa"},
         {"id": "tip-tiers", "edition": "2024", "sha256": "t1"}]
    b = [{"id": "uflpa-entity-list", "edition": "2026-07-09", "sha256": "bb"},
         {"id": "tip-tiers", "edition": "2024", "sha256": "t2"}]
    out = list_changes(a, b)
    assert out["uflpa-entity-list"] == "new list edition uflpa-entity-list 2026-01-01 → 2026-07-09"
    assert out["tip-tiers"].startswith("list tip-tiers 2024 changed")
    assert list_changes(a, a) == {}


def side(hits: list[Hit], parties: set[str], edition: str, reviews=None) -> RunSide:  # type: ignore[no-untyped-def]
    return RunSide(hits=hits, parties=frozenset((p, "CN") for p in parties),
                   lists=[{"id": "uflpa-entity-list", "edition": edition, "sha256": edition}],
                   settings_sha256="s", reviews=reviews or {})


def test_diff_new_resolved_changed_with_reasons() -> None:
    d = {"state": "decided", "status": "dismiss", "by": "ana", "at": "2026-01-05", "note": ""}
    a = side([hit(1, "acme"), hit(2, "gone", record_id="rec-g"), hit(3, "kept", record_id="rec-k")],
             {"acme", "gone", "kept"}, "e1", {(1, "uflpa-entity-list", "rec-1"): d})
    b = side([hit(1, "acme", record_hash="r2"), hit(4, "fresh", record_id="rec-f"),
              hit(5, "kept", record_id="rec-k", score=0.80, level="elevated")],
             {"acme", "kept", "fresh"}, "e2",
             {(1, "uflpa-entity-list", "rec-1"): {**d, "state": "reopened",
                                                   "reason": "list entry changed"}})
    changes = {c["party"]: c for c in diff_runs(a, b)}
    assert changes["fresh"]["change"] == "new"
    assert changes["fresh"]["why"] == ["new row", "new list edition uflpa-entity-list e1 → e2"]
    assert changes["gone"]["change"] == "resolved" and changes["gone"]["why"][0] == "row removed"
    acme = changes["acme"]
    assert acme["change"] == "changed"
    assert acme["why"][0] == "list entry changed (new list edition uflpa-entity-list e1 → e2)"
    assert "decision reopened: list entry changed (was dismiss by ana)" in acme["why"]
    kept = changes["kept"]
    assert kept["rows_a"] == [3] and kept["rows_b"] == [5]  # matched by party, not row number
    assert "match score 0.95 → 0.80" in kept["why"] and "level high → elevated" in kept["why"]
    assert [c["change"] for c in diff_runs(a, b)] == ["new", "changed", "changed", "resolved"]
    assert diff_runs(a, a) == []


def test_decision_recorded_between_runs() -> None:
    rec = (1, "uflpa-entity-list", "rec-1")
    a = side([hit()], {"acme"}, "e1", {rec: {"state": "open"}})
    b = side([hit()], {"acme"}, "e1", {rec: {"state": "decided", "status": "confirm", "by": "bo",
                                             "at": "2026-02-01"}})
    (change,) = diff_runs(a, b)
    assert change["why"] == ["decision recorded: confirm by bo"]


def test_decision_dataclass_key() -> None:
    d = Decision(party="p", country="CN", list_id="l", record_id="r", status="confirm", note="",
                 by="b", at="t", record_hash="h", row_hash="w")
    assert d.key == ("p", "CN", "l", "r")
    assert list(d.to_dict())[:4] == ["party", "country", "list_id", "record_id"]
