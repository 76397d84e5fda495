"""Combine evidence items into a verdict with a printed formula.

The score is a noisy-OR of the items' weighted strengths::

    score = 100 × (1 − Π (1 − wᵢ·sᵢ))

It is bounded in [0, 100], never falls when an item is added (each factor is ≤ 1) and is
0 when there is no evidence. A confirmed entity-list match is decisive: the row is ``high``
whatever the other items say, because the UFLPA and CBP WRO create a legal presumption
against the goods.

The level is then capped by the kind of evidence (``Settings.level_caps``): ``high`` means "act
now on this supplier" and needs evidence about the supplier itself (an entity-list or watchlist
match, a Xinjiang nexus in the row); goods-and-country evidence alone is at most ``elevated``,
country evidence alone at most ``low``, and name candidates that need review at most
``Settings.review_cap`` — however many of them add up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chainscreen.models import Evidence, Verdict
from chainscreen.settings import DEFAULT_LEVEL_CAPS, ENTITY_KINDS, Settings

DECISIVE_KINDS = frozenset({"entity_list"})
#: Reason added to a row with no evidence and nothing missing.
NO_EVIDENCE = "no risk evidence found on the lists used"
#: Prefix of the reasons that name what could not be screened.
NOT_SCREENED = "not screened: "
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


#: Rank of each level a score can reach (higher is worse).
_RANK = {"clear": 0, "low": 1, "elevated": 2, "high": 3}


def level_rules(cuts: Mapping[str, Any] | Settings) -> str:
    """The rules that turn a score into a level, in words, for the cut points and caps in ``cuts``
    (a Settings or its ``to_dict()``; caps missing from an older receipt read as the defaults)."""
    if isinstance(cuts, Mapping):
        get = cuts.get
    else:
        def get(key: str, default: Any = None) -> Any:
            return getattr(cuts, key, default)
    caps = dict(DEFAULT_LEVEL_CAPS)
    caps.update(get("level_caps", None) or {})
    review = get("review_cap", None) or "elevated"
    by_cap: dict[str, list[str]] = {}
    for kind, cap in caps.items():
        by_cap.setdefault(cap, []).append(kind)
    limits = "; ".join(f"evidence of kind {', '.join(kinds)} alone is at most {cap}"
                       for cap, kinds in sorted(by_cap.items(), key=lambda kv: -_RANK[kv[0]])
                       if cap != "high")
    supplier = ", ".join(by_cap.get("high", [])) or "none"
    return (f"Levels: high ≥ {get('cut_high')}, elevated ≥ {get('cut_elevated')}, low > {get('cut_low')}; "
            f"high needs supplier-specific evidence ({supplier} at match level); {limits}; "
            f"name candidates that need review are at most {review}, however many; "
            "an entity-list match is decisive (high); missing data with no evidence is unscreenable")


def needs_review(item: Evidence) -> bool:
    """Whether ``item`` is an entity or watchlist candidate below the match threshold (the
    matcher's verdict "review"; items without a verdict: strength below 1)."""
    if item.kind not in ENTITY_KINDS:
        return False
    verdict = item.details.get("candidate") if item.details else None
    return verdict == "review" if verdict else item.strength < 1.0


def item_cap(item: Evidence, settings: Settings) -> str:
    """The highest level ``item`` supports on its own: its kind's cap, or ``review_cap`` for an
    entity or watchlist candidate below match strength."""
    cap = settings.level_caps.get(item.kind, "low")
    if needs_review(item) and _RANK[cap] > _RANK[settings.review_cap]:
        return settings.review_cap
    return cap


def level_cap(evidence: Sequence[Evidence], settings: Settings) -> tuple[str, Evidence | None]:
    """The highest level the items support together (the highest of their caps) and the item that
    sets it; ``("high", None)`` when there is no evidence (nothing to cap)."""
    best: tuple[str, Evidence | None] = ("high", None)
    for item in evidence:
        cap = item_cap(item, settings)
        if best[1] is None or _RANK[cap] > _RANK[best[0]]:
            best = (cap, item)
    return best


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


_CAP_WHY = {
    "elevated": "the evidence is about the goods and their origin, not about this supplier",
    "low": "the evidence is about the origin country only",
}


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
    cap, by = level_cap(items, settings)
    if by is not None and _RANK[level] > _RANK[cap] and not decisive:
        why = _CAP_WHY.get(cap, "")
        if needs_review(by):
            why = "the supplier name only may match a listed entity (needs review)"
        text += f"; level capped at {cap}: {why}"
        reasons.append(f"level {cap}, not {level}: {why}")
        level = cap
    if decisive:
        if level != "high":
            text += f"; decisive {decisive[0].kind} match → high"
        level = "high"
    if missing:
        reasons.extend(f"{NOT_SCREENED}{m}" for m in missing)
        if level == "clear":
            level = "unscreenable"
    elif level == "clear":
        reasons.append(NO_EVIDENCE)
    reasons.extend(notes)
    return Verdict(level=level, score=score, formula=text, reasons=tuple(reasons), evidence=items)


def split_reasons(reasons: Sequence[str], evidence: Sequence[Evidence]) -> tuple[list[str], list[str]]:
    """The ``missing`` and ``notes`` that :func:`combine` built ``reasons`` from, given its evidence."""
    summaries = {e.summary for e in evidence}
    missing: list[str] = []
    notes: list[str] = []
    for reason in reasons:
        if reason in summaries or reason == NO_EVIDENCE:
            continue
        if reason.startswith(NOT_SCREENED):
            missing.append(reason[len(NOT_SCREENED):])
        else:
            notes.append(reason)
    return missing, notes


def recombine(evidence: Sequence[Evidence], settings: Settings, *, was: Verdict) -> Verdict:
    """Score ``evidence`` for a row whose earlier verdict was ``was``, keeping what it said was
    missing and its notes: the verdict of the same row with some of its evidence taken away
    (a hit a reviewer dismissed)."""
    missing, notes = split_reasons(was.reasons, was.evidence)
    return combine(evidence, settings, missing=missing, notes=notes)
