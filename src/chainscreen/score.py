"""Combine evidence items into a verdict with a printed formula.

The score is a noisy-OR of the items' weighted strengths::

    score = 100 × (1 − Π (1 − wᵢ·sᵢ))

It is bounded in [0, 100], never falls when an item is added (each factor is ≤ 1) and is
0 when there is no evidence. A confirmed entity-list match is decisive: the row is ``high``
whatever the other items say, because the UFLPA and CBP WRO create a legal presumption
against the goods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chainscreen.models import Evidence, Verdict
from chainscreen.settings import Settings

DECISIVE_KINDS = frozenset({"entity_list"})
#: The combination rule in words, as every report prints it.
FORMULA = "score = 100 × (1 − Π(1 − wᵢ·sᵢ))"


@dataclass(frozen=True)
class Derivation:
    """The noisy-OR worked through: each item's factor (1 − w·s), their product and the score."""

    factors: tuple[float, ...]
    product: float
    score: float  # rounded to one decimal


def derive(weighted: Sequence[tuple[float, float]]) -> Derivation:
    """Work the noisy-OR through for ``(weight, strength)`` pairs: 100 × (1 − Π(1 − wᵢ·sᵢ))."""
    factors = tuple(1.0 - max(0.0, min(1.0, w * s)) for w, s in weighted)
    product = 1.0
    for f in factors:
        product *= f
    return Derivation(factors, product, round(100.0 * (1.0 - product), 1))


def noisy_or(evidence: Sequence[Evidence]) -> float:
    """100 × (1 − Π(1 − wᵢ·sᵢ)), rounded to one decimal."""
    return derive([(e.weight, e.strength) for e in evidence]).score


def level_rules(cuts: Mapping[str, Any]) -> str:
    """The rules that turn a score into a level, in words, for the cut points in ``cuts``
    (a Settings or its ``to_dict()``)."""
    get = cuts.get if isinstance(cuts, Mapping) else lambda k: getattr(cuts, k)
    return (f"Levels: high ≥ {get('cut_high')}, elevated ≥ {get('cut_elevated')}, low > {get('cut_low')}; "
            "an entity-list match is decisive (high); missing data with no evidence is unscreenable")


def formula(evidence: Sequence[Evidence], score: float) -> str:
    """The formula with the numbers filled in, e.g. ``100 × (1 − (1 − 0.60×1.00)) = 60.0``."""
    if not evidence:
        return "no evidence: score = 0.0"
    factors = " ".join(f"(1 − {e.weight:.2f}×{e.strength:.2f})" for e in evidence)
    return f"100 × (1 − {factors}) = {score:.1f}"


def level_for(score: float, settings: Settings) -> str:
    """The level a score falls in at the configured cut points."""
    if score >= settings.cut_high:
        return "high"
    if score >= settings.cut_elevated:
        return "elevated"
    if score > settings.cut_low:
        return "low"
    return "clear"


def combine(
    evidence: Sequence[Evidence],
    settings: Settings,
    *,
    missing: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> Verdict:
    """Score a row's evidence.

    ``missing`` names what could not be screened (no supplier name, unknown country, bad HS
    code). A row with missing data and no evidence is ``unscreenable`` rather than ``clear``:
    absence of evidence is not evidence of absence. ``notes`` are informational lines (e.g.
    "not on the TIP Watch List") appended to the reasons without affecting the score.
    """
    items = tuple(evidence)
    score = noisy_or(items)
    text = formula(items, score)
    level = level_for(score, settings)
    decisive = [e for e in items if e.kind in DECISIVE_KINDS and e.strength >= 1.0]
    reasons = [e.summary for e in sorted(items, key=lambda e: -e.contribution)]
    if decisive:
        if level != "high":
            text += f"; decisive {decisive[0].kind} match → high"
        level = "high"
    if missing:
        reasons.extend(f"not screened: {m}" for m in missing)
        if level == "clear":
            level = "unscreenable"
    elif level == "clear":
        reasons.append("no risk evidence found on the lists used")
    reasons.extend(notes)
    return Verdict(level=level, score=score, formula=text, reasons=tuple(reasons), evidence=items)
