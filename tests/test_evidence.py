"""Evidence items as units: each kind from the shipped lists, its strength and weight from the
settings, one item per kind and row. Rows here are built by hand; every list fact they rely on
(Cotton from China on the DOL list, China's TIP tier, ...) is read from the shipped lists."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chainscreen.evidence import EvidenceBuilder, RowFacts, one_per_kind
from chainscreen.models import Evidence
from chainscreen.normalize.goods import GoodsHit
from chainscreen.reference import load_reference
from chainscreen.settings import Settings


@pytest.fixture(scope="module")
def ref():  # type: ignore[no-untyped-def]
    return load_reference()


def goods_row(ref, good: str, country: str) -> dict:  # type: ignore[no-untyped-def]
    rows = ref.goods[(ref.goods["good"] == good) & (ref.goods["iso2"] == country)]
    assert len(rows) == 1, f"{good}/{country} is not on the shipped DOL list"
    return rows.iloc[0].to_dict()


def test_dol_goods_give_forced_and_child_labour_items_with_the_edition(ref) -> None:  # type: ignore[no-untyped-def]
    rec = goods_row(ref, "Cotton", "CN")
    b = EvidenceBuilder(ref, Settings())
    items = b.goods([GoodsHit("Cotton", "dol", "hs", "HS 5201 -> Cotton")], "CN")
    kinds = {e.kind for e in items}
    assert ("goods_forced_labour" in kinds) == (str(rec["forced_labour"]).lower() in ("true", "1"))
    for e in items:
        assert e.list_id == "dol-tvpra" and e.edition == ref.info("dol-tvpra").edition
        assert e.strength == 1.0  # matched by HS code; a description match is weaker
        assert e.weight == Settings().weights[e.kind]
    by_text = b.goods([GoodsHit("Cotton", "dol", "text", "'cotton' in description")], "CN")
    assert {e.strength for e in by_text} == {0.8}


def test_no_origin_no_goods_evidence(ref) -> None:  # type: ignore[no-untyped-def]
    b = EvidenceBuilder(ref, Settings())
    assert b.goods([GoodsHit("Cotton", "dol", "hs", "HS 5201")], None) == []


def test_tip_strength_comes_from_the_settings(ref) -> None:  # type: ignore[no-untyped-def]
    tiers = {str(r["iso2"]): str(r["tier"]) for r in ref.tip.to_dict("records")}
    country = next(c for c, t in sorted(tiers.items()) if t == "Tier 2 Watch List")
    default = EvidenceBuilder(ref, Settings()).country(country, [])
    (tip,) = [e for e in default if e.kind == "tip_tier"]
    assert tip.strength == 0.6
    softer = Settings(strengths={**Settings().strengths, "tip_tier": {"Tier 3": 1.0, "Tier 2 Watch List": 0.2,
                                                                      "Special Case": 0.6}})
    (tip,) = [e for e in EvidenceBuilder(ref, softer).country(country, []) if e.kind == "tip_tier"]
    assert tip.strength == 0.2


def test_a_country_absent_from_the_tip_list_gets_a_note_not_an_item(ref) -> None:  # type: ignore[no-untyped-def]
    listed = {str(r["iso2"]) for r in ref.tip.to_dict("records")}
    assert "DE" not in listed
    notes: list[str] = []
    items = EvidenceBuilder(ref, Settings()).country("DE", notes)
    assert not [e for e in items if e.kind == "tip_tier"]
    assert any("Tier 1 or Tier 2" in n for n in notes)


def test_xinjiang_mention_is_one_item_naming_the_law(ref) -> None:  # type: ignore[no-untyped-def]
    (item,) = EvidenceBuilder(ref, Settings()).xinjiang("Aksu", "address")
    assert item.kind == "xinjiang" and "UFLPA" in item.summary and "'Aksu'" in item.summary


def test_one_item_per_kind_keeps_the_strongest_and_names_the_rest() -> None:
    base = Evidence(kind="goods_child_labour", list_id="dol-tvpra", edition="x", strength=0.8,
                    weight=0.45, record_id="Cotton|CN", summary="cotton", details={"good": "Cotton"})
    stronger = replace(base, strength=1.0, record_id="Thread/Yarn|CN", summary="yarn",
                       details={"good": "Thread/Yarn"})
    (kept,) = one_per_kind([base, stronger])
    assert kept.strength == 1.0 and "also listed for the same row: Cotton" in kept.summary


def test_build_gathers_every_kind_for_a_row(ref) -> None:  # type: ignore[no-untyped-def]
    facts = RowFacts(supplier="Acme Textiles", country="CN",
                     goods=[GoodsHit("Cotton", "dol", "hs", "HS 5201")], description="raw cotton")
    kinds = {e.kind for e in EvidenceBuilder(ref, Settings()).build(facts)}
    assert {"goods_forced_labour", "tip_tier"} <= kinds
