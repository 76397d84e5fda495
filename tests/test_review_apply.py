"""What decisions do to a screening: a dismissed hit's evidence leaves its row's score and level,
a confirmed one stays and says so, a reopened one changes nothing; the review queue; the
decision that applies when the same supplier is written differently in two rows; a run stored
as screened.

The manifests are synthetic: supplier names are spellings of entities on the shipped lists (so
the matcher finds hits), the countries, goods and addresses are invented.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from chainscreen.models import Evidence
from chainscreen.pipeline import screen
from chainscreen.review import (
    Hit,
    apply_decisions,
    decision_for,
    find_hit,
    history,
    hit_ref,
    hits_from_result,
    latest,
    make_decision,
    queue_counts,
    review_queue,
    same_supplier,
)
from chainscreen.score import combine, recombine, split_reasons
from chainscreen.settings import Settings

AT = "2026-01-05T10:00:00+00:00"
LATER = "2026-01-06T10:00:00+00:00"


def _screen(rows: list[dict[str, str]]) -> Any:
    frame = pd.DataFrame(rows)
    return screen(frame, mapping={c: c for c in frame.columns})


@pytest.fixture(scope="module")
def screened() -> Any:
    return _screen([
        # only the name match and the origin's TIP tier: the name is the whole case for "high"
        {"supplier": "Hefei Baolongda Information Technology Co Ltd", "country": "CN",
         "goods": "copy paper", "address": "Hefei"},
        # two hits, on two lists: clearing one leaves the other
        {"supplier": "Hoshine Silicon Industry (Shanshan) Co Ltd", "country": "CN",
         "goods": "silicon metal", "address": "Shanshan"},
        {"supplier": "Nordic Office Paper AB", "country": "SE", "goods": "copy paper",
         "address": "Stockholm"},
    ])


def _fresh(result: Any) -> Any:
    """A copy of a screening's rows as screened (apply_decisions changes rows in place)."""
    return replace(result, rows=[replace(r) for r in result.rows])


def _hit(result: Any, row: int, list_id: str | None = None) -> Hit:
    return next(h for h in hits_from_result(result) if h.row == row
                and (list_id is None or h.list_id == list_id))


def test_split_reasons_gives_back_what_combine_was_given() -> None:
    settings = Settings()
    items = [Evidence(kind="tip_tier", list_id="tip-tiers", edition="2025", summary="Tier 3",
                      strength=1.0, weight=0.3)]
    for missing, notes in (([], []), (["no goods description or HS code"], ["a note"]),
                           (["no country of origin"], []), ([], ["note one", "note two"])):
        verdict = combine(items, settings, missing=missing, notes=notes)
        assert split_reasons(verdict.reasons, verdict.evidence) == (missing, notes)
        empty = combine([], settings, missing=missing, notes=notes)
        assert split_reasons(empty.reasons, empty.evidence) == (missing, notes)
    verdict = combine(items, settings, missing=["no goods description or HS code"], notes=["n"])
    again = recombine([], settings, was=verdict)
    assert again.score == 0.0 and again.level == "unscreenable"
    assert "n" in again.reasons and "not screened: no goods description or HS code" in again.reasons


def test_dismissed_hit_leaves_the_level(screened: Any) -> None:
    result = _fresh(screened)
    row = result.rows[0]
    assert row.level == "high"
    h = _hit(result, 1)
    assert apply_decisions(result, [make_decision(h, "dismiss", note="other company", by="ana",
                                                  at=AT)]) == 1
    row = result.rows[0]
    assert row.level == "low" and [e.kind for e in row.evidence] == ["tip_tier"]
    assert row.decision["before"] == {"level": "high", "score": 100.0}
    assert row.decision["text"].startswith("cleared by ana on 2026-01-05: other company (")
    assert "level without the cleared evidence: low" in row.decision["text"]
    assert result.added_frame()["Decision"][0] == row.decision["text"]
    assert result.added_frame()["Risk level"][0] == "low"
    assert result.to_dict()["rows"][0]["level"] == "low"
    assert result.counts()["high"] == screened.counts()["high"] - 1
    # the candidates are kept: the workbook's Candidates sheet still shows what was considered
    assert row.candidates == screened.rows[0].candidates
    # applying again gives the same rows
    apply_decisions(result, [make_decision(h, "dismiss", note="other company", by="ana", at=AT)])
    assert result.rows[0].level == "low" and result.rows[0].decision["before"]["level"] == "high"


def test_a_second_hit_still_counts(screened: Any) -> None:
    result = _fresh(screened)
    hits = [h for h in hits_from_result(result) if h.row == 2]
    assert len(hits) == 2 and hits[0].list_id != hits[1].list_id
    apply_decisions(result, [make_decision(hits[0], "dismiss", note="", by="ana", at=AT)])
    row = result.rows[1]
    entity = [e for e in row.evidence if e.kind == "entity_list"]
    assert [e.record_id for e in entity] == [hits[1].record_id]
    assert row.level == "high"
    apply_decisions(result, [make_decision(h, "dismiss", note="", by="ana", at=AT) for h in hits])
    assert not [e for e in result.rows[1].evidence if e.kind == "entity_list"]


def test_confirmed_and_escalated_stay(screened: Any) -> None:
    for status, word in (("confirm", "confirmed"), ("escalate", "escalated")):
        result = _fresh(screened)
        apply_decisions(result, [make_decision(_hit(result, 1), status, note="n", by="bo", at=AT)])
        row = result.rows[0]
        assert row.level == "high" and row.score == screened.rows[0].score
        assert row.decision["text"].startswith(f"{word} by bo on 2026-01-05: n")
        assert "before" not in row.decision


def test_reopened_dismissal_changes_nothing(screened: Any) -> None:
    result = _fresh(screened)
    old = make_decision(replace(_hit(result, 1), record_hash="0" * 64), "dismiss", note="",
                        by="ana", at=AT)
    apply_decisions(result, [old])
    row = result.rows[0]
    assert row.level == "high" and row.decision["state"] == "reopened"
    assert row.decision["text"].startswith("reopened: list entry changed (was cleared by ana")


def test_later_decision_supersedes(screened: Any) -> None:
    result = _fresh(screened)
    h = _hit(result, 1)
    apply_decisions(result, [make_decision(h, "dismiss", note="", by="ana", at=AT),
                             make_decision(h, "confirm", note="", by="bo", at=LATER)])
    assert result.rows[0].level == "high" and result.rows[0].decision["status"] == "confirm"


def test_decision_per_row_hash() -> None:
    base = Hit(row=1, party="acme", country="CN", row_hash="w1", list_id="l", record_id="r",
               record_hash="h", record_name="Acme", matched_name="Acme", score=1.0,
               match_decision="match", supplier="ACME", level="high")
    other_row = replace(base, row=2, row_hash="w2")
    first = make_decision(base, "dismiss", note="", by="ana", at=AT)
    second = make_decision(other_row, "confirm", note="", by="ana", at=LATER)
    in_force = latest([first, second])
    assert in_force[base.key] is second
    assert decision_for(base, in_force) is first  # its own row's decision
    assert decision_for(other_row, in_force) is second
    moved = replace(base, row=3, row_hash="w3")  # a row neither decision was made on
    assert decision_for(moved, in_force) is second  # ... reopens ("row changed")
    assert history([first, second], base.key) == [first, second]
    assert same_supplier([base, other_row, moved, replace(base, record_id="q")], base) == [
        base, other_row, moved]


def test_review_queue_order_and_counts() -> None:
    def h(row: int, decision: str, level: str, score: float) -> Hit:
        return Hit(row=row, party=f"p{row}", country="CN", row_hash="w", list_id="l",
                   record_id=f"r{row}", record_hash="h", record_name="R", matched_name="R",
                   score=score, match_decision=decision, supplier=f"S{row}", level=level)

    hits = [h(1, "review", "elevated", 0.8), h(2, "match", "high", 0.9), h(3, "match", "high", 1.0),
            h(4, "match", "elevated", 1.0)]
    queue = review_queue(hits, latest([make_decision(hits[2], "dismiss", note="", by="a", at=AT)]))
    assert [e.hit.row for e in queue] == [3, 2, 4, 1]
    assert [e.status for e in queue] == ["dismiss", "open", "open", "open"]
    assert queue_counts(queue) == {"open": 3, "confirm": 0, "dismiss": 1, "escalate": 0}
    assert hit_ref(hits[0]) == "1:r1"
    assert find_hit(hits, "1:r1") is hits[0] and find_hit(hits, "1:l:r1") is hits[0]
    assert find_hit(hits, "9:r1") is None and find_hit(hits, "r1") is None


def test_store_keeps_rows_as_screened(tmp_path: Any, screened: Any) -> None:
    from chainscreen.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}") as store:
        store.add_decisions([make_decision(_hit(screened, 1), "dismiss", note="x", by="ana", at=AT)])
        result = _fresh(screened)
        run = store.start_run(None, input_name="frame", data=b"")
        run = store.finish_run(run.id, result)
        assert result.rows[0].level == "low"  # the outputs written now show the decision
        assert run.levels == screened.counts()  # the store keeps the screening as it was
        stored = store.rows(run.id, only=1)[0]
        assert stored["level"] == "high" and stored["decision"]["status"] == "dismiss"
        assert store.hits(run.id)[0].edition  # hits know the edition of their list
