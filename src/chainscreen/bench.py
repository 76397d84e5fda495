"""Measuring the matcher: quality on labelled name pairs, side by side with open matchers, and speed.

Used by ``chainscreen bench match``. Library code: returns plain data, prints nothing.

Quality: ROC AUC, precision / recall / F1 at the configured thresholds and at the best
threshold, pooled and per source and script, for chainscreen's scorer and — on the same
pairs, in the same run — plain rapidfuzz ``token_sort_ratio`` and ``WRatio`` and, when the
``bench`` extra is installed, OpenSanctions nomenklatura's ``logic-v2``.

Stability: :func:`cross_validate` picks the review threshold on k-1 folds and measures the
other fold, so the spread of the figures across folds is visible.

Speed: :func:`measure_speed` times stage 1 (the candidate index) and stage 2 (the scorer)
and a synthetic end-to-end run (parties against a synthetic list, marked as such).
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainscreen.errors import InputError
from chainscreen.match import DEFAULT_PARAMS, EntityMatcher, ScorerParams, decide, name_keys, score_pair
from chainscreen.models import EntityRecord
from chainscreen.normalize.names import script_of
from chainscreen.settings import Settings

REQUIRED_COLUMNS = ("left_name", "right_name", "label")

#: The development pairs shipped with the project (see benchmarks/data/PROVENANCE.md).
DEFAULT_PAIRS = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "dev_pairs.csv"


@dataclass(frozen=True, slots=True)
class Pair:
    """One labelled pair of names."""

    left: str
    right: str
    label: int
    left_country: str = ""
    right_country: str = ""
    source: str = ""
    script: str = ""
    row: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def load_pairs(path: str | Path, kind: str | None = "org") -> list[Pair]:
    """Read a pairs CSV: ``left_name``, ``right_name``, ``label`` (1/0), optional
    ``left_country``, ``right_country``, ``source``, ``script``, ``kind``.

    Rows with a ``kind`` other than ``kind`` are skipped (all rows when ``kind`` is None).
    """
    p = Path(path)
    try:
        fh = p.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InputError(f"{p}: pairs file not found") from None
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{p}: missing column(s) {', '.join(missing)} "
                             f"(needs {', '.join(REQUIRED_COLUMNS)})")
        pairs = []
        for n, row in enumerate(reader, start=2):
            if kind and row.get("kind") and row["kind"] != kind:
                continue
            label = (row.get("label") or "").strip()
            if label not in ("0", "1"):
                raise InputError(f"{p}: row {n}, column 'label': expected 0 or 1, got {label!r}")
            left, right = row["left_name"] or "", row["right_name"] or ""
            script = row.get("script") or _script(left, right)
            pairs.append(Pair(left, right, int(label), (row.get("left_country") or "").upper(),
                              (row.get("right_country") or "").upper(), row.get("source") or "",
                              script, dict(row)))
    if not pairs:
        raise InputError(f"{p}: no pairs to measure")
    return pairs


def _script(left: str, right: str) -> str:
    a, b = script_of(left), script_of(right)
    if a == b:
        return a
    return "mixed"


# --- metrics -------------------------------------------------------------------------------


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (ties count half); None when only one class is present."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not pos or not neg:
        return None
    ranked = sorted((s, i) for i, s in enumerate(scores))
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k][1]] = (i + j) / 2 + 1
        i = j + 1
    pos_rank = sum(r for r, y in zip(ranks, labels, strict=True) if y == 1)
    return (pos_rank - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 of "score >= threshold" as the prediction of a match."""

    threshold: float
    precision: float
    recall: float
    f1: float


def prf_at(labels: Sequence[int], scores: Sequence[float], threshold: float) -> PRF:
    """Precision / recall / F1 at one threshold."""
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y == 1)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y == 0)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y == 1)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(threshold, p, r, f)


def best_prf(labels: Sequence[int], scores: Sequence[float]) -> PRF:
    """The threshold with the highest F1 (the lowest such threshold on ties)."""
    best = PRF(1.0, 0.0, 0.0, 0.0)
    for t in sorted(set(scores)):
        cur = prf_at(labels, scores, t)
        if cur.f1 > best.f1:
            best = cur
    return best


# --- systems -------------------------------------------------------------------------------


def engine_scorer(params: ScorerParams = DEFAULT_PARAMS) -> Callable[[Pair], float]:
    """chainscreen's stage-2 score of a pair (names and countries)."""
    def score(p: Pair) -> float:
        return score_pair(p.left, p.left_country, p.right, p.right_country, params, explain=False)[0]
    return score


def rapidfuzz_scorer(name: str) -> Callable[[Pair], float]:
    """Plain rapidfuzz on the names as written (lower-cased, punctuation stripped)."""
    from rapidfuzz import fuzz, utils

    func = getattr(fuzz, name)

    def score(p: Pair) -> float:
        return float(func(p.left, p.right, processor=utils.default_process)) / 100.0
    return score


def nomenklatura_scorer() -> Callable[[Pair], float] | None:
    """nomenklatura's logic-v2 on the two names as FtM Organization entities, or None when
    nomenklatura is not installed (``pip install 'chainscreen[bench]'``)."""
    try:
        from followthemoney import model
        from nomenklatura.matching import LogicV2
        from nomenklatura.matching.types import ScoringConfig
    except ImportError:
        return None
    config = ScoringConfig.defaults()
    counter = iter(range(10**12))

    def entity(name: str, country: str) -> object:
        ent = model.make_entity("Organization")
        ent.id = f"bench-{next(counter)}"  # logic-v2 caches names by entity id: keep them unique
        ent.add("name", name)
        if country:
            ent.add("country", country.lower(), quiet=True)
        return ent

    def score(p: Pair) -> float:
        return float(LogicV2.compare(entity(p.left, p.left_country),  # type: ignore[arg-type,type-var]
                                     entity(p.right, p.right_country), config).score)
    return score


@dataclass
class SystemResult:
    """One system's scores on the pairs and the figures computed from them."""

    name: str
    scores: list[float]
    seconds: float
    auc: float | None
    best: PRF
    at_review: PRF | None = None
    at_match: PRF | None = None
    groups: dict[str, dict[str, tuple[float | None, PRF, int]]] = field(default_factory=dict)


def evaluate(
    name: str, scorer: Callable[[Pair], float], pairs: Sequence[Pair], settings: Settings | None,
) -> SystemResult:
    """Score every pair and compute pooled figures and the breakdown by source and script."""
    t0 = time.perf_counter()
    scores = [scorer(p) for p in pairs]
    seconds = time.perf_counter() - t0
    labels = [p.label for p in pairs]
    res = SystemResult(name, scores, seconds, roc_auc(labels, scores), best_prf(labels, scores))
    if settings is not None:
        res.at_review = prf_at(labels, scores, settings.review_threshold)
        res.at_match = prf_at(labels, scores, settings.match_threshold)
    for attr in ("source", "script"):
        groups: dict[str, dict[str, list[int]]] = {}
        for i, p in enumerate(pairs):
            groups.setdefault(getattr(p, attr) or "-", {}).setdefault("idx", []).append(i)
        out = {}
        for key, g in sorted(groups.items()):
            ys = [labels[i] for i in g["idx"]]
            ss = [scores[i] for i in g["idx"]]
            at = settings.review_threshold if settings is not None else res.best.threshold
            out[key] = (roc_auc(ys, ss), prf_at(ys, ss, at), len(ys))
        res.groups[attr] = out
    return res


def compare_systems(pairs: Sequence[Pair], settings: Settings) -> list[SystemResult]:
    """chainscreen and the reference matchers on the same pairs, in this run."""
    # dictionaries and tables (CC-CEDICT, the segmenter, legal forms, countries) load once per
    # process: not part of the pair rate
    score_pair("Acme Trading Co., Ltd.", "CN", "新疆中泰化学股份有限公司", "CN")
    results = [evaluate("chainscreen", engine_scorer(settings.scorer), pairs, settings)]
    for fn in ("token_sort_ratio", "WRatio"):
        results.append(evaluate(f"rapidfuzz {fn}", rapidfuzz_scorer(fn), pairs, None))
    nk = nomenklatura_scorer()
    if nk is not None:
        results.append(evaluate("nomenklatura logic-v2", nk, pairs, None))
    return results


# --- cross-validation ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fold:
    """One fold: the thresholds chosen on the other folds and the figures on this one."""

    fold: int
    size: int
    auc: float | None
    threshold: float
    test: PRF


def cross_validate(pairs: Sequence[Pair], scores: Sequence[float], k: int = 5,
                   seed: int = 13) -> list[Fold]:
    """k-fold: the best-F1 threshold chosen on k-1 folds, applied to the held-out fold.

    Folds are stratified by label and drawn with a fixed seed, so reruns agree.
    """
    fold_of = _folds(pairs, k, seed)
    labels = [p.label for p in pairs]
    folds = []
    for f in range(k):
        train = [i for i in range(len(pairs)) if fold_of[i] != f]
        test = [i for i in range(len(pairs)) if fold_of[i] == f]
        chosen = best_prf([labels[i] for i in train], [scores[i] for i in train]).threshold
        ys, ss = [labels[i] for i in test], [scores[i] for i in test]
        folds.append(Fold(f + 1, len(test), roc_auc(ys, ss), chosen, prf_at(ys, ss, chosen)))
    return folds


def write_scores(path: str | Path, pairs: Sequence[Pair], scores: Sequence[float],
                 settings: Settings) -> None:
    """Every input pair back, with chainscreen's score and decision (match / review / no-match)."""
    from chainscreen.files import atomic_open, neutralise

    columns = list(pairs[0].row) if pairs and pairs[0].row else list(REQUIRED_COLUMNS)
    with atomic_open(Path(path), "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*columns, "chainscreen_score", "chainscreen_decision"])
        for p, s in zip(pairs, scores, strict=True):
            decision = decide(s, settings)
            row = p.row or {"left_name": p.left, "right_name": p.right, "label": str(p.label)}
            writer.writerow([neutralise(row.get(c, "")) for c in columns]
                            + [f"{s:.4f}", "no-match" if decision == "reject" else decision])


# --- speed ---------------------------------------------------------------------------------

_SYLLABLES = tuple(c + v for c in ("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s",
                                     "t", "v", "w", "x", "z", "sh", "ch", "tr")
                   for v in ("a", "e", "i", "o", "u", "an", "en", "or"))
_GENERIC = ("trading", "textile", "industry", "group", "technology", "import export",
            "garment", "international", "materials", "new energy")
_PLACES = ("xinjiang", "zhejiang", "shanghai", "jiangsu", "guangdong", "hetian", "ningbo")
_FORMS = ("Co., Ltd.", "Ltd", "LLC", "Inc.", "GmbH", "S.A. de C.V.", "Pvt Ltd", "JSC", "")


def synthetic_names(n: int, seed: int) -> list[str]:
    """``n`` SYNTHETIC company names (invented syllables + generic words + places + legal
    forms) for speed measurements only; they name no real company."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()
                 for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.5:
            words.insert(0, rng.choice(_PLACES).title())
        words.append(rng.choice(_GENERIC).title())
        out.append(" ".join(words) + " " + rng.choice(_FORMS))
    return out


@dataclass(frozen=True, slots=True)
class Speed:
    """Timings of one speed run."""

    parties: int
    list_names: int
    build_seconds: float
    stage1_seconds: float
    stage1_pairs: int  # parties x list names ruled in or out by the index
    stage1_candidates: int
    stage2_pairs: int
    stage2_seconds: float  # in one process
    end_to_end_seconds: float
    workers: int = 1  # processes the end-to-end run may use (match_many splits large batches)


def measure_speed(parties: int = 50_000, list_size: int = 20_000, seed: int = 7) -> Speed:
    """Time the matcher on SYNTHETIC names: ``parties`` distinct parties against a list of
    ``list_size`` names. Stage 1 is the index lookup, stage 2 the scorer on its candidates
    (names analysed beforehand, as the matcher does), both in one process; end to end is
    :meth:`match_many` from raw names with a fresh matcher, analysis included, over as many
    worker processes as the matcher uses (``Speed.workers``)."""
    from chainscreen.collector import gc_paused
    from chainscreen.match import best_keys  # the scorer without reasons, as stage 2 runs it
    from chainscreen.models import EntityRecord

    list_names = synthetic_names(list_size, seed)
    party_names = synthetic_names(parties, seed + 1)
    records = [EntityRecord(record_id=f"syn-{i}", list_id="synthetic", name=nm, country="CN")
               for i, nm in enumerate(list_names)]
    settings = Settings()
    t0 = time.perf_counter()
    matcher = EntityMatcher(records, settings)
    queries = [(nm, "CN") for nm in party_names]
    matcher.match_many(queries)
    end_to_end = time.perf_counter() - t0
    # separate stages on a fresh matcher, names already analysed (cached)
    t1 = time.perf_counter()
    matcher = EntityMatcher(records, settings)
    build = time.perf_counter() - t1
    # stages 1 and 2 in one process, with the collector paused as match_many runs them
    with gc_paused():
        t2 = time.perf_counter()
        cands = [matcher.candidates(nm) for nm in party_names]
        stage1 = time.perf_counter() - t2
        entries = matcher._entries
        work = [(name_keys(nm), entries[i].keys)
                for nm, cs in zip(party_names, cands, strict=True) for i in cs]
        t3 = time.perf_counter()
        for qk, ek in work:
            best_keys(qk, ek, DEFAULT_PARAMS, False)
        stage2 = time.perf_counter() - t3
    return Speed(parties, matcher.size, build, stage1, parties * matcher.size,
                 sum(len(c) for c in cands), len(work), stage2, end_to_end, matcher.workers)


# --- false positives on real names -------------------------------------------------------------

#: Real supplier and factory names from public sources (see its PROVENANCE.md).
DEFAULT_REAL_NAMES = Path(__file__).resolve().parents[2] / "tests" / "data" / "real_names" / "names.csv"
#: Every hit at review level or above on the real names, judged by hand.
DEFAULT_HITS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real_name_hits.csv"
#: The full OFAC SDN file beside the repository (shared reference data), when present.
DEFAULT_OFAC = Path(__file__).resolve().parents[3] / "shared" / "reference-data" / "ofac_sdn_full_2024-05-03.csv"

HIT_COLUMNS = ("name", "country", "source", "list_id", "record_id", "list_name", "matched_name",
               "score", "decision", "verdict", "reason", "matcher_reasons")
VERDICTS = ("false", "true", "unsure")


@dataclass(frozen=True, slots=True)
class RealName:
    """One real organisation name from a public source."""

    name: str
    country: str | None  # ISO-2, when the source gives it
    source: str


def load_real_names(path: str | Path = DEFAULT_REAL_NAMES) -> list[RealName]:
    """Read ``name``, ``country`` (name or code, optional), ``source`` rows; distinct names only."""
    from chainscreen.normalize.countries import to_iso2

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: real-names file not found")
    out: list[RealName] = []
    seen: set[str] = set()
    with p.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            name = " ".join((row.get("name") or "").split())
            if not name or name.casefold() in seen:
                continue
            seen.add(name.casefold())
            country = (row.get("country") or "").strip()
            out.append(RealName(name, to_iso2(country) if country else None, row.get("source") or ""))
    if not out:
        raise InputError(f"{p}: no names")
    return out


def ofac_records(path: str | Path) -> list[EntityRecord]:
    """The entity records of an OFAC SDN file, as ``chainscreen lists import`` stores them (each
    keeps its type: Person, Vessel, Airplane or LegalEntity)."""
    from chainscreen.importers import ENTITY_HEADER, MULTI_SEP, read_ofac

    imported = read_ofac(Path(path))
    col = {c: i for i, c in enumerate(ENTITY_HEADER)}
    return [EntityRecord(list_id="ofac-sdn", record_id=r[col["record_id"]], name=r[col["name"]],
                         aliases=tuple(a for a in r[col["aliases"]].split(MULTI_SEP) if a),
                         country=r[col["country"]] or None, notes=r[col["notes"]] or None,
                         schema=r[col["schema"]] or "LegalEntity")
            for r in imported.rows]


@dataclass(frozen=True, slots=True)
class FpHit:
    """A real name that reached review or match against a list record."""

    name: RealName
    record: EntityRecord
    matched_name: str
    score: float
    decision: str
    reasons: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        """(name, record id): what a judgement is keyed to."""
        return (self.name.name, self.record.record_id)


def screen_real_names(names: Sequence[RealName], records: Sequence[EntityRecord],
                      settings: Settings) -> tuple[list[FpHit], EntityMatcher, float]:
    """Every (name, list record) pair at review level or above; the matcher; seconds taken."""
    t0 = time.perf_counter()
    matcher = EntityMatcher(records, settings)
    found = matcher.match_many([(n.name, n.country) for n in names])
    hits = [FpHit(n, c.record, c.matched_name, c.score, c.decision, c.reasons)
            for n, cands in zip(names, found, strict=True) for c in cands
            if c.decision in ("match", "review")]
    return hits, matcher, time.perf_counter() - t0


def load_judgements(path: str | Path = DEFAULT_HITS) -> dict[tuple[str, str], tuple[str, str]]:
    """(name, record id) -> (verdict, reason) from a judged hits file (empty when absent)."""
    p = Path(path)
    if not p.exists():
        return {}
    out: dict[tuple[str, str], tuple[str, str]] = {}
    with p.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            verdict = (row.get("verdict") or "").strip()
            if verdict and verdict not in VERDICTS:
                raise InputError(f"{p}: row {n}, column 'verdict': expected one of "
                                 f"{', '.join(VERDICTS)} or empty, got {verdict!r}")
            out[(row["name"], row["record_id"])] = (verdict, (row.get("reason") or "").strip())
    return out


def write_hits(path: str | Path, hits: Sequence[FpHit],
               judged: dict[tuple[str, str], tuple[str, str]]) -> None:
    """The hits with their judgements (kept from ``judged``; new hits with an empty verdict)."""
    from chainscreen.files import atomic_open

    with atomic_open(Path(path), "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HIT_COLUMNS)
        for h in sorted(hits, key=lambda h: (-h.score, h.name.name, h.record.record_id)):
            verdict, reason = judged.get(h.key, ("", ""))
            writer.writerow([h.name.name, h.name.country or "", h.name.source, h.record.list_id,
                             h.record.record_id, h.record.name, h.matched_name, f"{h.score:.4f}",
                             h.decision, verdict, reason, "; ".join(h.reasons)])


@dataclass(frozen=True, slots=True)
class FpLevel:
    """Hits at one decision level (match, or review and above) and how they were judged."""

    level: str
    hits: int
    false: int
    true: int
    unsure: int
    unjudged: int
    names: int  # distinct names with a hit at this level

    def per_thousand(self, total: int, what: int) -> float:
        """``what`` per 1,000 screened names."""
        return 1000.0 * what / total if total else 0.0


def fp_levels(hits: Sequence[FpHit], judged: dict[tuple[str, str], tuple[str, str]]) -> list[FpLevel]:
    """Counts at match level and at review level or above."""
    out = []
    for level, decisions in (("match", ("match",)), ("review", ("match", "review"))):
        these = [h for h in hits if h.decision in decisions]
        verdicts = [judged.get(h.key, ("", ""))[0] for h in these]
        out.append(FpLevel(level, len(these), verdicts.count("false"), verdicts.count("true"),
                           verdicts.count("unsure"), verdicts.count(""),
                           len({h.name.name for h in these})))
    return out


# --- tuning the scorer's weights -----------------------------------------------------------------

#: The weights searched by :func:`tune` (a small grid: each combination is scored on every pair).
TUNING_GRID: dict[str, tuple[float, ...]] = {
    "extra_factor": (0.7, 0.9, 1.1),
    "conflict_factor": (2.0, 3.0, 4.0),
    "no_distinctive_factor": (0.25, 0.35, 0.45),
    "differ_cap": (0.6, 0.65, 0.7),
}


@dataclass(frozen=True, slots=True)
class TunedFold:
    """One outer fold of :func:`tune`: the weights chosen on the other folds, measured on this one."""

    fold: int
    size: int
    chosen: dict[str, float]
    train_auc: float
    auc: float | None
    threshold: float
    test: PRF


def _folds(pairs: Sequence[Pair], k: int, seed: int) -> list[int]:
    """Stratified fold number of each pair (the same split as :func:`cross_validate`)."""
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = {0: [], 1: []}
    for i, p in enumerate(pairs):
        by_label[p.label].append(i)
    fold_of = [0] * len(pairs)
    for idx in by_label.values():
        rng.shuffle(idx)
        for n, i in enumerate(idx):
            fold_of[i] = n % k
    return fold_of


def tune(pairs: Sequence[Pair], base: ScorerParams = DEFAULT_PARAMS,
         grid: dict[str, tuple[float, ...]] | None = None, k: int = 5,
         seed: int = 13) -> tuple[list[TunedFold], dict[str, float]]:
    """Nested k-fold cross-validation of the scorer's weights: for each fold, the grid point with
    the best ROC AUC on the other folds (ties: best F1, then the base weights) is chosen, and it
    and its best-F1 threshold are measured on the held-out fold. Returns the folds and the grid
    point chosen on all pairs."""
    import itertools
    from dataclasses import replace

    grid = grid or TUNING_GRID
    names = list(grid)
    points = [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]
    labels = [p.label for p in pairs]
    scored = []
    for point in points:
        params = replace(base, **point)
        scored.append([score_pair(p.left, p.left_country, p.right, p.right_country, params,
                                  explain=False)[0] for p in pairs])
    fold_of = _folds(pairs, k, seed)

    def pick(idx: list[int]) -> int:
        ys = [labels[i] for i in idx]
        best, best_key = 0, (-1.0, -1.0, False)
        for n, point in enumerate(points):
            ss = [scored[n][i] for i in idx]
            key = (round(roc_auc(ys, ss) or 0.0, 6), round(best_prf(ys, ss).f1, 6),
                   all(getattr(base, name) == v for name, v in point.items()))
            if key > best_key:
                best, best_key = n, key
        return best

    folds = []
    for f in range(k):
        train = [i for i in range(len(pairs)) if fold_of[i] != f]
        test = [i for i in range(len(pairs)) if fold_of[i] == f]
        n = pick(train)
        ys_tr, ss_tr = [labels[i] for i in train], [scored[n][i] for i in train]
        threshold = best_prf(ys_tr, ss_tr).threshold
        ys, ss = [labels[i] for i in test], [scored[n][i] for i in test]
        folds.append(TunedFold(f + 1, len(test), points[n], roc_auc(ys_tr, ss_tr) or 0.0,
                               roc_auc(ys, ss), threshold, prf_at(ys, ss, threshold)))
    return folds, points[pick(list(range(len(pairs))))]
