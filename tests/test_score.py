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
