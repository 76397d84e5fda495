"""`chainscreen check`: names genuinely on the shipped lists, written the way trade data writes
them, come back high with the list edition; well-known clean companies come back clear; the
printed formula reproduces the score."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from chainscreen.cli import cli
from chainscreen.reference import load_reference

LEGAL = re.compile(r"\b(co\.?,?\s*ltd\.?|company limited|co\.|ltd\.?|limited|inc\.?|corp\.?)\s*$", re.I)


def trade_spelling(name: str) -> str:
    """How a customs line writes a name: upper case, no punctuation, 'CO LTD' legal form."""
    stem = LEGAL.sub("", name).strip(" ,.")
    stem = re.sub(r"[^\w\s&()-]", " ", stem)
    return " ".join(f"{stem} CO LTD".upper().split())


def check_json(*args: str, input: str | None = None) -> list[dict]:
    result = CliRunner().invoke(cli, ["check", *args, "--json"], input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"]


def test_listed_entities_in_trade_spelling_are_high() -> None:
    ref = load_reference()
    records = [r for r in ref.entities if r.list_id == "uflpa-entity-list"]
    names = [trade_spelling(r.name) for r in records]
    rows = check_json("--country", "CN", input="\n".join(names) + "\n")
    assert len(rows) == len(records)
    edition = ref.info("uflpa-entity-list").edition
    high = [r for r in rows if r["level"] == "high"]
    # a few listed names are mostly generic words; nearly all must still be caught
    assert len(high) / len(rows) >= 0.9, [r["supplier"] for r in rows if r["level"] != "high"][:20]
    for r in high:
        ev = [e for e in r["evidence"] if e["kind"] == "entity_list"]
        if ev:
            assert ev[0]["edition"] in (edition, ref.info("cbp-wro-entities").edition)


@pytest.mark.parametrize(
    "name, country",
    [
        ("Siemens AG", "DE"), ("Toyota Motor Corporation", "JP"), ("Nestle S.A.", "CH"),
        ("Apple Inc.", "US"), ("Unilever PLC", "GB"), ("Samsung Electronics Co., Ltd.", "KR"),
        ("Inditex S.A.", "ES"), ("Hennes & Mauritz AB", "SE"), ("Tata Steel Limited", "IN"),
        ("Foxconn Technology Group", "TW"), ("Lenovo Group Limited", "HK"), ("BYD Company Limited", "CN"),
    ],
)
def test_well_known_clean_companies_have_no_entity_match(name: str, country: str) -> None:
    row = check_json(name, "--country", country)[0]
    assert not [e for e in row["evidence"] if e["kind"] == "entity_list"]
    assert all(c["decision"] != "match" for c in row["candidates"])


def test_clean_company_with_low_risk_origin_is_clear() -> None:
    row = check_json("Siemens AG", "--country", "Germany", "--goods", "switchgear")[0]
    assert row["level"] == "clear" and row["score"] == 0


def test_formula_reproduces_score() -> None:
    row = check_json("Lakeside Spinning", "--country", "CN", "--goods", "cotton yarn", "--hs", "5205.12")[0]
    factors = re.findall(r"\(1 − ([0-9.]+)×([0-9.]+)\)", row["formula"])
    assert len(factors) == len(row["evidence"]) >= 2
    product = 1.0
    for w, s in factors:
        product *= 1 - float(w) * float(s)
    assert round(100 * (1 - product), 1) == row["score"]
    # the arithmetic, then any rule that set the level ("; level capped at elevated: ...")
    assert row["formula"].split(";")[0].endswith(f"= {row['score']:.1f}")


def test_xinjiang_address_is_high() -> None:
    row = check_json("Sunrise Fabrics", "--country", "CN", "--address", "No. 8 Beijing Road, Urumqi, Xinjiang")[0]
    assert row["level"] == "high"
    assert any(e["kind"] == "xinjiang" for e in row["evidence"])


def test_derived_goods_are_evidence() -> None:
    """DOL lists refined palm oil from Indonesia for an input made with forced/child labour."""
    row = check_json("Sample Refinery", "--country", "ID", "--goods", "refined palm oil")[0]
    derived = [e for e in row["evidence"] if e["kind"] == "goods_derived"]
    assert derived and derived[0]["list_id"] == "dol-tvpra"
    assert "inputs produced with forced or child labour in Indonesia" in derived[0]["summary"]


def test_one_hs_line_matching_several_listed_goods_counts_once() -> None:
    """HS 5205 is both 'Cotton' and 'Thread/Yarn' on the DOL list for India: one item per kind."""
    row = check_json("Sample Mills", "--country", "IN", "--hs", "5205.11")[0]
    kinds = [e["kind"] for e in row["evidence"]]
    assert len(kinds) == len(set(kinds))
    child = [e for e in row["evidence"] if e["kind"] == "goods_child_labour"][0]
    assert "also listed for the same row" in child["summary"]


def test_check_screens_with_the_collector_paused_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # modules, context and memos live until a check's process ends: no collection in between
    import gc

    from chainscreen import pipeline

    seen: list[bool] = []
    screen_one = pipeline.screen_one

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return screen_one(*args, **kwargs)

    monkeypatch.setattr(pipeline, "screen_one", watched)
    result = CliRunner().invoke(cli, ["check", "Hoshine Silicon", "Nordic Office Paper AB", "--country", "CN"])
    assert result.exit_code == 0, result.output
    assert seen == [False, False] and gc.isenabled()
