"""Entity resolution of supplier names against entity lists, with reasons for every candidate.

Two stages (see docs/ARCHITECTURE.md):

1. candidates: every list name and alias is normalised once; a party's normalised name is
   bulk-scored against all of them with ``rapidfuzz.process.cdist`` and the top-k above
   ``candidate_floor`` are kept;
2. scorer: each candidate is re-scored by comparing tokens, weighing distinctive tokens above
   generic ones, and adjusting for country agreement or conflict. The scorer returns the score
   and the reasons in words, so a reviewer sees why a candidate was kept or rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from chainscreen.models import Candidate, EntityRecord
from chainscreen.normalize.names import is_meaningful_name, normalize_name
from chainscreen.settings import Settings

#: Words that say what a company does or where it is rather than who it is. They still count,
#: at a lower weight, so "Hoshine Silicon" and "Hoshine Trading" are not the same company.
GENERIC_TOKENS: frozenset[str] = frozenset(
    """
    industry industries industrial ind indust trading trade import export imp exp group
    holding holdings technology technologies tech science international intl global company
    textile textiles garment garments apparel clothing manufacturing manufacture mfg products
    product materials material development dev investment enterprise enterprises service services
    new energy the and of co corp corporation limited ltd inc development engineering electronic
    electronics
    """.split()
)

#: Place names that prefix Chinese company names; weighted like generic words.
PLACE_TOKENS: frozenset[str] = frozenset(
    """
    xinjiang zhejiang jiangsu guangdong shandong fujian hebei henan hubei hunan anhui sichuan
    shanghai beijing tianjin chongqing shenzhen guangzhou hangzhou ningbo suzhou qingdao xiamen
    shanshan hetian hotan kashgar kashi aksu urumqi korla shihezi turpan hami changji yili
    china chinese hong kong hk nantong baoding
    """.split()
)

GENERIC_WEIGHT = 0.35
PLACE_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class _IndexEntry:
    record: EntityRecord
    name: str  # the original list name or alias
    norm: str  # normalised form


@lru_cache(maxsize=65536)
def _token_weight(token: str) -> float:
    if token.isdigit():
        return 1.0
    if token in GENERIC_TOKENS:
        return GENERIC_WEIGHT
    if token in PLACE_TOKENS:
        return PLACE_WEIGHT
    return 1.0


def _best_partner(token: str, others: Sequence[str]) -> tuple[str | None, float]:
    """The most similar token on the other side and its similarity (0..1)."""
    best, best_sim = None, 0.0
    for other in others:
        if token == other:
            return other, 1.0
        if token.isdigit() or other.isdigit():
            continue  # numbers must agree exactly: "No. 2 Mill" is not "No. 3 Mill"
        sim = fuzz.ratio(token, other) / 100.0
        # one side abbreviates the other ("ind" / "industry", "intl" / "international")
        if len(token) >= 3 and len(other) >= 3 and (other.startswith(token) or token.startswith(other)):
            sim = max(sim, 0.9)
        if sim > best_sim:
            best, best_sim = other, sim
    return best, best_sim


def compare_names(query: str, candidate: str) -> tuple[float, list[str]]:
    """Score two normalised names in [0, 1] with reasons.

    Rewards distinctive tokens found on both sides (fuzzy, for typos and transliteration),
    counts generic and place words at a lower weight, and penalises distinctive tokens that
    only one side has. The overall string similarity is blended in so word order and
    spacing differences ("he sheng" / "hesheng") are forgiven.
    """
    q_tokens, c_tokens = query.split(), candidate.split()
    if not q_tokens or not c_tokens:
        return 0.0, ["an empty name after normalisation"]
    reasons: list[str] = []
    matched_w = total_w = 0.0
    for side, others, label in ((q_tokens, c_tokens, "row"), (c_tokens, q_tokens, "list")):
        for tok in side:
            w = _token_weight(tok)
            partner, sim = _best_partner(tok, others)
            total_w += w
            if sim >= 0.8:
                matched_w += w * sim
                if label == "row" and w == 1.0:
                    reasons.append(f"'{tok}' = '{partner}'" if sim == 1.0 else f"'{tok}' ~ '{partner}' ({sim:.2f})")
            elif label == "row" and w == 1.0:
                reasons.append(f"'{tok}' not in list name")
            elif label == "list" and w == 1.0:
                reasons.append(f"list word '{tok}' missing from row")
    token_score = matched_w / total_w if total_w else 0.0
    joined = fuzz.ratio(query.replace(" ", ""), candidate.replace(" ", "")) / 100.0
    sorted_ratio = fuzz.token_sort_ratio(query, candidate) / 100.0
    score = 0.6 * token_score + 0.2 * joined + 0.2 * sorted_ratio
    return min(score, 1.0), reasons


class EntityMatcher:
    """Match party names against the entity lists; reusable across many rows."""

    def __init__(self, records: Iterable[EntityRecord], settings: Settings) -> None:
        self.settings = settings
        entries: list[_IndexEntry] = []
        for record in records:
            seen: set[str] = set()
            for name in record.all_names():
                norm = normalize_name(name)
                if norm and norm not in seen:
                    seen.add(norm)
                    entries.append(_IndexEntry(record, name, norm))
        self._entries = entries
        self._norms = [e.norm for e in entries]
        self._cache: dict[tuple[str, str | None], tuple[Candidate, ...]] = {}

    @property
    def size(self) -> int:
        """Number of indexed list names (primary names plus aliases)."""
        return len(self._entries)

    def match(self, name: str | None, country: str | None = None) -> tuple[Candidate, ...]:
        """Candidates for one party, best first (rejected ones above the floor included)."""
        return self.match_many([(name, country)])[0]

    def match_many(
        self, parties: Sequence[tuple[str | None, str | None]]
    ) -> list[tuple[Candidate, ...]]:
        """Candidates for many parties at once; distinct normalised parties are scored once."""
        keys: list[tuple[str, str | None]] = []
        todo: dict[tuple[str, str | None], None] = {}
        for name, country in parties:
            norm = normalize_name(name) if is_meaningful_name(name) else ""
            key = (norm, country)
            keys.append(key)
            if norm and key not in self._cache:
                todo[key] = None
        if todo and self._entries:
            self._score_batch(list(todo))
        return [self._cache.get(k, ()) if k[0] else () for k in keys]

    def _score_batch(self, keys: list[tuple[str, str | None]]) -> None:
        s = self.settings
        queries = [k[0] for k in keys]
        # Stage 1: a cheap, order-insensitive similarity over every list name.
        matrix = process.cdist(
            queries, self._norms, scorer=fuzz.token_set_ratio, dtype=np.uint8, workers=-1
        )
        stage1_floor = int(s.candidate_floor * 100)
        k = max(1, s.top_k * 3)
        for qi, key in enumerate(keys):
            row = matrix[qi]
            idx = np.flatnonzero(row >= stage1_floor)
            if idx.size > k:
                idx = idx[np.argpartition(row[idx], -k)[-k:]]
            best: dict[str, Candidate] = {}
            for j in idx:
                entry = self._entries[int(j)]
                cand = self._score_pair(key[0], key[1], entry)
                if cand.score < s.candidate_floor:
                    continue
                prev = best.get(entry.record.record_id)
                if prev is None or cand.score > prev.score:
                    best[entry.record.record_id] = cand
            ranked = sorted(best.values(), key=lambda c: (-c.score, c.record.name))
            self._cache[key] = tuple(ranked[: s.top_k])

    def _score_pair(self, query: str, country: str | None, entry: _IndexEntry) -> Candidate:
        s = self.settings
        score, reasons = compare_names(query, entry.norm)
        rc = entry.record.country
        if country and rc:
            if country == rc:
                score = min(1.0, score + 0.03)
                reasons.append(f"country {country} = {rc}")
            else:
                score = max(0.0, score - 0.10)
                reasons.append(f"country {country} ≠ {rc} (−0.10)")
        elif not country:
            reasons.append("row has no country to compare")
        if entry.name != entry.record.name:
            reasons.append(f"matched alias '{entry.name}'")
        if score >= s.match_threshold:
            decision = "match"
        elif score >= s.review_threshold:
            decision = "review"
        else:
            decision = "reject"
        return Candidate(entry.record, entry.name, round(score, 4), decision, tuple(reasons))
