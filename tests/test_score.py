"""Scoring: the noisy-OR is bounded, monotonic, printable, and levels follow the cut points."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from chainscreen.models import Evidence
from chainscreen.score import combine, formula, level_for, noisy_or
from chainscreen.settings import Settings

SETTINGS = Settings()

evidence_items = st.builds(
    Evidence,
    kind=st.sampled_from(["goods_forced_labour", "goods_child_labour", "tip_tier", "uflpa_sector"]),
    list_id=st.just("test-list"),
    edition=st.just("2022"),
    summary=st.just("synthetic evidence"),
    strength=st.floats(0, 1),
    weight=st.floats(0, 1),
)


def ev(kind: str, w: float, s: float) -> Evidence:
    return Evidence(kind=kind, list_id="l", edition="e", summary=f"{kind} item", strength=s, weight=w)


@given(st.lists(evidence_items, max_size=8), evidence_items)
def test_adding_evidence_never_lowers_the_score(items: list[Evidence], extra: Evidence) -> None:
    assert noisy_or([*items, extra]) >= noisy_or(items)


@given(st.lists(evidence_items, max_size=8))
def test_score_is_bounded(items: list[Evidence]) -> None:
    assert 0.0 <= noisy_or(items) <= 100.0


def test_no_evidence_is_clear() -> None:
    v = combine([], SETTINGS)
    assert v.level == "clear" and v.score == 0.0
    assert "no risk evidence" in v.reasons[0]


def test_missing_data_without_evidence_is_unscreenable() -> None:
    v = combine([], SETTINGS, missing=["no country of origin"])
    assert v.level == "unscreenable"
    assert "not screened: no country of origin" in v.reasons


def test_formula_reproduces_the_score_by_hand() -> None:
    items = [ev("goods_forced_labour", 0.6, 1.0), ev("tip_tier", 0.3, 0.6)]
    score = noisy_or(items)
    assert score == round(100 * (1 - (1 - 0.6) * (1 - 0.18)), 1) == 67.2
    text = formula(items, score)
    factors = [(float(w), float(s)) for w, s in re.findall(r"\(1 − ([0-9.]+)×([0-9.]+)\)", text)]
    product = 1.0
    for w, s in factors:
        product *= 1 - w * s
    assert round(100 * (1 - product), 1) == score
    assert text.endswith("= 67.2")


def test_entity_match_is_decisive() -> None:
    v = combine([ev("entity_list", 0.5, 1.0)], SETTINGS)  # weight lowered on purpose
    assert v.score == 50.0
    assert v.level == "high"
    assert "decisive" in v.formula


def test_review_candidate_is_not_decisive() -> None:
    v = combine([ev("entity_list", 1.0, 0.5)], SETTINGS)
    assert v.level == "elevated"


def test_levels_follow_cut_points() -> None:
    assert level_for(70, SETTINGS) == "high"
    assert level_for(69.9, SETTINGS) == "elevated"
    assert level_for(40, SETTINGS) == "elevated"
    assert level_for(0.1, SETTINGS) == "low"
    assert level_for(0, SETTINGS) == "clear"


def test_library_entry_point_is_callable_twice() -> None:
    import pandas as pd

    import chainscreen
    import chainscreen.pipeline  # noqa: F401  (importing the module must not shadow the function)

    frame = pd.DataFrame({"Supplier": ["Nordic Office Paper AB"], "Country": ["SE"], "Product": ["paper"]})
    for _ in range(2):
        result = chainscreen.screen(frame)
        assert [r.level for r in result.rows] == ["clear"]


def test_every_uflpa_concordance_key_names_a_listed_sector() -> None:
    from chainscreen.evidence import sector_titles
    from chainscreen.reference import load_reference

    ref = load_reference()
    titles = sector_titles(ref.uflpa_sectors)
    keys = set(ref.concordance.loc[ref.concordance["scheme"] == "uflpa", "good"])
    assert keys and keys <= set(titles), keys - set(titles)
    assert titles["pvc"][0] == "polyvinyl chloride (PVC)"


# --- levels capped by the kind of evidence ------------------------------------------------------

ENTITY = ("entity_list", "watchlist")
SECTOR = ("goods_forced_labour", "goods_child_labour", "goods_derived", "uflpa_sector", "wro_merchandise")
COUNTRY = ("tip_tier", "child_labour_assessment")

#: Review-level name candidates (strength below 1) and every non-entity kind but xinjiang.
weak_items = st.one_of(
    st.builds(Evidence, kind=st.sampled_from(ENTITY), list_id=st.just("synthetic-list"), edition=st.just("e"),
              summary=st.just("synthetic candidate needing review"),
              strength=st.floats(0, 0.99), weight=st.floats(0, 1)),
    st.builds(Evidence, kind=st.sampled_from(SECTOR + COUNTRY), list_id=st.just("synthetic-list"),
              edition=st.just("e"), summary=st.just("synthetic evidence"),
              strength=st.floats(0, 1), weight=st.floats(0, 1)),
)


@given(st.lists(weak_items, max_size=10))
def test_review_level_candidates_and_sector_evidence_never_add_up_to_high(items: list[Evidence]) -> None:
    v = combine(items, SETTINGS)
    assert v.level != "high"
    if all(e.kind in COUNTRY for e in items):
        assert v.level in ("low", "clear")


@given(st.lists(weak_items, min_size=2, max_size=6))
def test_review_candidates_alone_stay_needs_review(items: list[Evidence]) -> None:
    candidates = [e for e in items if e.kind in ENTITY]
    v = combine(candidates, SETTINGS)
    assert v.level in ("elevated", "low", "clear")


@given(st.lists(weak_items, max_size=8), st.sampled_from(["entity_list", "watchlist", "xinjiang"]))
def test_supplier_specific_evidence_can_reach_high(items: list[Evidence], kind: str) -> None:
    strong = ev(kind, 1.0, 1.0)
    assert combine([*items, strong], SETTINGS).level == "high"


def test_two_review_candidates_are_not_high() -> None:
    v = combine([ev("entity_list", 1.0, 0.5), ev("watchlist", 0.8, 0.5), ev("goods_forced_labour", 0.6, 1.0)],
                SETTINGS)
    assert v.score >= SETTINGS.cut_high and v.level == "elevated"
    assert "level capped at elevated" in v.formula
    assert any("needs review" in r for r in v.reasons)


def test_sector_evidence_alone_tops_out_at_elevated() -> None:
    items = [ev("goods_forced_labour", 0.6, 1.0), ev("uflpa_sector", 0.5, 1.0), ev("tip_tier", 0.3, 1.0)]
    v = combine(items, SETTINGS)
    assert v.score == 86.0 and v.level == "elevated"
    assert "not about this supplier" in v.formula


def test_country_evidence_alone_tops_out_at_low() -> None:
    v = combine([ev("tip_tier", 0.3, 1.0), ev("child_labour_assessment", 0.2, 1.0)], SETTINGS)
    assert v.score == 44.0 and v.level == "low"


def test_caps_are_settings() -> None:
    from dataclasses import replace

    loose = replace(SETTINGS, level_caps={**SETTINGS.level_caps, "goods_forced_labour": "high"})
    items = [ev("goods_forced_labour", 0.6, 1.0), ev("uflpa_sector", 0.5, 1.0), ev("tip_tier", 0.3, 1.0)]
    assert combine(items, loose).level == "high"


def test_level_rules_print_the_caps() -> None:
    from chainscreen.score import level_rules

    text = level_rules(SETTINGS)
    assert "high needs supplier-specific evidence (entity_list, watchlist, xinjiang at match level)" in text
    assert "tip_tier, child_labour_assessment alone is at most low" in text
    assert "need review are at most elevated" in text
    assert level_rules(SETTINGS.to_dict()) == text
    old = {k: v for k, v in SETTINGS.to_dict().items() if k not in ("level_caps", "review_cap")}
    assert level_rules(old) == text  # a receipt from before the caps reads as the defaults
