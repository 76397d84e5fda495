"""The records of a screening: one :class:`RowResult` per input row, a :class:`ScreenChunk` per
streamed chunk, the whole :class:`ScreenResult`, and the columns every output adds to the user's rows.

These are plain records, built by :mod:`chainscreen.pipeline` and read by every output
(:mod:`chainscreen.report`), the run store and review. The added columns have one builder,
:func:`added_cells`; problem and decision texts have one each (:func:`problem_text`,
:func:`decision_text`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chainscreen.models import LEVELS, Candidate, Evidence, Problem
from chainscreen.score import needs_review

if TYPE_CHECKING:
    import pandas as pd

    from chainscreen.manifest import Manifest, ManifestChunk
    from chainscreen.normalize.goods import GoodsHit
    from chainscreen.reference import ReferenceSet
    from chainscreen.settings import Settings

__all__ = ["ADDED_COLUMNS", "LEVELS", "TRIAGE_GROUPS", "RowResult", "ScreenChunk", "ScreenResult", "added_cells",
           "decision_text", "line_values", "problem_text", "triage_group", "triage_key", "triage_label",
           "triage_order"]

#: What a row is screened on: the supplier against entity lists, the origin against country
#: lists, the goods (with the origin) against goods and sector lists.
FACETS: tuple[str, ...] = ("supplier", "origin", "goods")

#: Columns added to the user's rows, in order.
ADDED_COLUMNS: tuple[str, ...] = (
    "Risk level", "Risk score", "Triage", "Screening status", "Reasons", "Best match", "Match score",
    "Match list", "Goods matched", "Origin (ISO)", "Lists used", "Formula", "Decision",
)

@dataclass
class RowResult:
    """The outcome for one input row."""

    row: int
    status: str  # screened | partial | unscreenable
    level: str
    score: float
    formula: str
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    candidates: tuple[Candidate, ...]
    supplier: str | None
    country: str | None
    goods: tuple[GoodsHit, ...]
    problems: tuple[Problem, ...]
    #: A reviewer's decision on this row's hit (status, by, at, note, state, reason, list_id,
    #: record_id), set from the run store after screening; None when there is none.
    decision: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The output contract's row object."""
        return {
            "row": self.row,
            "status": self.status,
            "level": self.level,
            "score": self.score,
            "formula": self.formula,
            "reasons": list(self.reasons),
            "evidence": [e.to_dict() for e in self.evidence],
            "supplier": self.supplier,
            "country": self.country,
            "goods": sorted({f"{g.scheme}:{g.good}" for g in self.goods}),
            "candidates": [
                {
                    "list_id": c.record.list_id, "record_id": c.record.record_id,
                    "name": c.record.name, "matched_name": c.matched_name,
                    "score": c.score, "decision": c.decision, "reasons": list(c.reasons),
                }
                for c in self.candidates
            ],
            "problems": [
                {"column": p.column, "reason": p.reason, "severity": p.severity}
                for p in self.problems
            ],
            "decision": self.decision,
        }


@dataclass
class ScreenResult:
    """A finished screening: the manifest, one :class:`RowResult` per row, and the receipt."""

    manifest: Manifest
    rows: list[RowResult]
    receipt: dict[str, Any]
    settings: Settings
    reference: ReferenceSet
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per level, every level present (zero when none)."""
        c = Counter(r.level for r in self.rows)
        return {lvl: c.get(lvl, 0) for lvl in LEVELS}

    @property
    def frame(self) -> pd.DataFrame:
        """The user's rows with the added columns (original columns untouched, in order)."""
        base = self.manifest.frame.copy()
        added = self.added_frame()
        for col in added.columns:
            name = col if col not in base.columns else f"{col} (chainscreen)"
            base[name] = added[col].to_numpy()
        return base

    def added_frame(self) -> pd.DataFrame:
        """Only the added columns, one row per input row.

        Rows screened from the same facts share their reasons, evidence, candidates and goods
        (the same tuples): their cells are built once. The key is those objects' ids, which
        stay unique while the rows hold them; a row a decision changed has tuples of its own."""
        import pandas as pd

        built: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        cells = []
        for r in self.rows:
            key = (id(r.reasons), id(r.evidence), id(r.candidates), id(r.goods), id(r.decision),
                   r.level, r.score, r.status, r.country, r.formula)
            found = built.get(key)
            if found is None:
                found = built[key] = added_cells(r)
            cells.append(found)
        return pd.DataFrame.from_records(cells, columns=list(ADDED_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """The JSON output contract: ``rows``, ``receipt``, ``summary``, ``problems``."""
        return {
            "rows": [r.to_dict() for r in self.rows],
            "receipt": self.receipt,
            "summary": {"rows": len(self.rows), "levels": self.counts(),
                        "coverage": self.receipt.get("coverage")},
            "problems": [
                {"row": p.row, "column": p.column, "reason": p.reason, "severity": p.severity}
                for p in self.all_problems()
            ],
        }

    @property
    def coverage(self) -> dict[str, Any] | None:
        """Roles found (header → role, how), roles missing with the ``--map`` that fixes them, and
        rows not screened per facet (see :meth:`chainscreen.columns.ColumnReport.coverage`)."""
        return self.receipt.get("coverage")

    def all_problems(self) -> list[Problem]:
        """File-level problems followed by every row's problems, in row order."""
        out = list(self.problems)
        for r in self.rows:
            out.extend(r.problems)
        return out


@dataclass
class Outcome:
    """The result shared by every row with the same facts; ``template.row`` is 0."""

    template: RowResult
    cells: tuple[Any, ...]  # the added_cells values
    #: facets of the row that could not be screened (a subset of :data:`FACETS`)
    unscreened: tuple[str, ...] = ()

    def for_row(self, row: int) -> RowResult:
        t = self.template
        problems = t.problems
        if problems:
            problems = tuple(Problem(row, p.column, p.reason, p.severity) for p in problems)
        return RowResult(row, t.status, t.level, t.score, t.formula, t.reasons, t.evidence,
                         t.candidates, t.supplier, t.country, t.goods, problems, t.decision)


@dataclass
class ScreenChunk:
    """The screened rows of one :class:`~chainscreen.manifest.ManifestChunk`, in input order.

    ``codes[i]`` picks the outcome of row ``chunk.row_numbers[i]``; rows with the same facts
    (supplier, country, goods text, HS code, address) share one outcome, so a chunk costs one
    lookup per row. :attr:`rows` builds the :class:`RowResult` objects; :meth:`added_columns`
    gives the added output columns without building them.
    """

    chunk: ManifestChunk
    #: one outcome index per row (a numpy int64 array, or any sequence of ints)
    codes: Any
    outcomes: list[Outcome]

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def row_numbers(self) -> list[int]:
        """The 1-based input row numbers."""
        return self.chunk.row_numbers

    @property
    def rows(self) -> list[RowResult]:
        """One RowResult per row, reader problems (a line too long, bad JSON) included."""
        return self.results()

    def results(self, *, reader_problems: bool = True) -> list[RowResult]:
        """One RowResult per row; ``reader_problems=False`` leaves the reader's problems out."""
        extra: dict[int, list[Problem]] = {}
        for p in self.chunk.problems if reader_problems else ():
            if p.row is not None:
                extra.setdefault(p.row, []).append(p)
        out = []
        outcomes = self.outcomes
        for n, code in zip(self.chunk.row_numbers, self.code_list(), strict=True):
            result = outcomes[code].for_row(n)
            if n in extra:
                result.problems = tuple(extra[n]) + result.problems
            out.append(result)
        return out

    def code_list(self) -> list[int]:
        """:attr:`codes` as a list of Python ints."""
        codes = self.codes
        return codes.tolist() if hasattr(codes, "tolist") else list(codes)

    def _distinct(self) -> tuple[list[int], Any]:
        """The distinct outcome codes of this chunk and, per row, the position of its code among them."""
        import numpy as np

        cached = self.__dict__.get("_distinct_codes")
        if cached is None or cached[0] is not self.codes:
            distinct, picks = np.unique(np.asarray(self.codes, dtype=np.int64), return_inverse=True)
            cached = self.__dict__["_distinct_codes"] = (self.codes, distinct.tolist(), picks.reshape(-1))
        return cached[1], cached[2]

    def levels(self) -> list[str]:
        """The level of every row."""
        return [self.outcomes[c].template.level for c in self.code_list()]

    def level_counts(self) -> dict[str, int]:
        """Rows per level in this chunk (levels with no row left out)."""
        import numpy as np

        distinct, picks = self._distinct()
        out: dict[str, int] = {}
        for code, n in zip(distinct, np.bincount(picks, minlength=len(distinct)).tolist(), strict=True):
            level = self.outcomes[code].template.level
            out[level] = out.get(level, 0) + n
        return out

    def unscreened_counts(self) -> dict[str, int]:
        """Rows in this chunk whose supplier, origin or goods could not be screened, per facet."""
        import numpy as np

        distinct, picks = self._distinct()
        out: dict[str, int] = {}
        for code, n in zip(distinct, np.bincount(picks, minlength=len(distinct)).tolist(), strict=True):
            for facet in self.outcomes[code].unscreened:
                out[facet] = out.get(facet, 0) + n
        return out

    def added_columns(self) -> dict[str, list[Any]]:
        """The added output columns (:data:`ADDED_COLUMNS`) as lists, one value per row."""
        return {name: array.to_pylist() for name, array in self.added_arrays().items()}

    def added_arrays(self, neutralise: Any = None) -> dict[str, Any]:
        """The added output columns as Arrow arrays: each column is built once over the chunk's
        distinct outcomes and taken per row. ``neutralise`` (array -> array) is applied to each
        column before the take, so on the distinct values only."""
        values, take = self.added_parts(neutralise)
        return {name: column.take(take) for name, column in values.items()}

    def added_parts(self, neutralise: Any = None) -> tuple[dict[str, Any], Any]:
        """:meth:`added_arrays` before the take: each added column's values over the chunk's
        distinct cells, and the index of each row's value in them (an Arrow array). Building
        them is Python work; the take is Arrow's alone (a writer thread does it)."""
        import numpy as np
        import pyarrow as pa

        distinct, picks = self._distinct()
        # outcomes share their cells (one tuple for every supplier with the same goods, origin
        # and verdict, see pipeline._cells): each column is built over the distinct tuples,
        # about a tenth of the outcomes of a chunk, found by their identity
        outcomes = self.outcomes
        rows = [outcomes[c].cells for c in distinct]
        _ids, first, where = np.unique(np.fromiter(map(id, rows), np.uint64, len(rows)),
                                       return_index=True, return_inverse=True)
        cells = [rows[i] for i in first.tolist()]
        take = pa.array(where.reshape(-1)[picks])
        out: dict[str, Any] = {}
        for j, name in enumerate(ADDED_COLUMNS):
            kind = pa.float64() if name in ("Risk score", "Match score") else pa.string()
            values = pa.array([row[j] for row in cells], kind)
            out[name] = neutralise(values) if neutralise is not None else values
        return out, take

    def problem_texts(self) -> list[str]:
        """Each row's problems in one cell ("column 'Country': unknown country 'XX'; ..."), or ""."""
        return self.problem_array().to_pylist()

    def problem_array(self, neutralise: Any = None) -> Any:
        """:meth:`problem_texts` as an Arrow string array, built per distinct outcome and taken."""
        values, take = self.problem_parts(neutralise)
        return values if take is None else values.take(take)

    def problem_parts(self, neutralise: Any = None) -> tuple[Any, Any]:
        """:meth:`problem_array` before the take: the texts of the distinct outcomes and each
        row's index in them, or (the texts of every row, None) when the reader had problems
        with some rows of the chunk."""
        import pyarrow as pa

        distinct, picks = self._distinct()
        outcomes = self.outcomes
        texts = [_problems_cell(p) if p else "" for p in [outcomes[c].template.problems for c in distinct]]
        extra: dict[int, list[str]] = {}
        for p in self.chunk.problems:
            if p.row is not None:
                extra.setdefault(p.row, []).append(problem_text(p))
        if not extra:
            values = pa.array(texts, pa.string())
            if neutralise is not None:
                values = neutralise(values)
            return values, pa.array(picks)
        out = [texts[k] for k in picks.tolist()]
        for i, n in enumerate(self.chunk.row_numbers):
            if n in extra:
                out[i] = "; ".join([*extra[n], *([out[i]] if out[i] else [])])
        values = pa.array(out, pa.string())
        return (neutralise(values) if neutralise is not None else values), None


def _problems_cell(problems: tuple[Problem, ...]) -> str:
    return "; ".join(problem_text(p) for p in problems) if problems else ""


def problem_text(p: Problem) -> str:
    """One problem in words for a cell: "column 'Country': unknown country 'XX'" (+ " (warning)")."""
    where = f"column {p.column!r}: " if p.column else ""
    return f"{where}{p.reason}" + (" (warning)" if p.severity == "warning" else "")


def added_cells(r: RowResult) -> tuple[Any, ...]:
    """The :data:`ADDED_COLUMNS` values of one row's result, in order: the one builder every output uses."""
    best = r.candidates[0] if r.candidates else None
    return (
        r.level, r.score, triage_label(r), r.status, " | ".join(r.reasons),
        best.record.name if best else "", best.score if best else None,
        best.record.list_id if best else "",
        "; ".join(sorted({g.good for g in r.goods if g.scheme == "dol"})),
        r.country or "",
        ", ".join(sorted({f"{e.list_id}@{e.edition}" for e in r.evidence})),
        r.formula, decision_text(r.decision),
    )


def decision_text(decision: dict[str, Any] | None) -> str:
    """One cell: "dismiss by ana on 2026-01-05: note", prefixed "reopened: <why>" when reopened."""
    if not decision:
        return ""
    if decision.get("text"):  # written by chainscreen.review.row_decisions
        return str(decision["text"])
    text = f"{decision.get('status')} by {decision.get('by')} on {str(decision.get('at'))[:10]}"
    if decision.get("note"):
        text += f": {decision['note']}"
    if decision.get("state") == "reopened":
        text = f"reopened: {decision.get('reason')} (was {text})"
    return text


# --- triage: the order every output lists rows in ------------------------------------------------

#: Triage groups, in the order every output lists rows: what to act on first. An entity hit
#: (the supplier matches a listed entity, then a candidate that needs review), a Xinjiang nexus
#: in the row, sector risk (goods and origin), then the rest.
TRIAGE_GROUPS: tuple[str, ...] = ("entity match", "entity review", "Xinjiang nexus", "sector risk", "")

#: Evidence about the goods and their origin, not about the supplier.
SECTOR_KINDS: frozenset[str] = frozenset(
    {"goods_forced_labour", "goods_child_labour", "goods_derived", "uflpa_sector", "wro_merchandise"})
_FORCED_KINDS = frozenset({"goods_forced_labour", "wro_merchandise", "uflpa_sector"})
_ENTITY_KINDS = frozenset({"entity_list", "watchlist"})
_LEVEL_ORDER = {lvl: i for i, lvl in enumerate(LEVELS)}


def triage_group(r: RowResult) -> int:
    """The row's index in :data:`TRIAGE_GROUPS`."""
    kinds = {(e.kind, not needs_review(e)) for e in r.evidence}
    if any(k in _ENTITY_KINDS and full for k, full in kinds):
        return 0
    if any(k in _ENTITY_KINDS for k, _ in kinds):
        return 1
    if any(k == "xinjiang" for k, _ in kinds):
        return 2
    if any(k in SECTOR_KINDS for k, _ in kinds) and r.level in ("high", "elevated", "low"):
        return 3
    return 4


def triage_label(r: RowResult) -> str:
    """The row's triage group in words ("entity match", "sector risk"; "" for the rest)."""
    return TRIAGE_GROUPS[triage_group(r)]


def sector_rank(r: RowResult) -> tuple[int, int, int]:
    """How strongly the goods and origin evidence points at risk, beyond the score: the number of
    lists it comes from, forced labour over child labour, a UFLPA priority sector with a CN origin."""
    sector = [e for e in r.evidence if e.kind in SECTOR_KINDS]
    lists = len({e.list_id for e in sector})
    forced = int(any(e.kind in _FORCED_KINDS for e in sector))
    uflpa_cn = int(r.country == "CN" and any(e.kind == "uflpa_sector" for e in sector))
    return lists, forced, uflpa_cn


def triage_key(r: RowResult, value: float | None = None) -> tuple[Any, ...]:
    """The sort key every output uses: triage group, then level, then within the group the
    score (entity hits: the best match score first), the sector rank, the line's value where the
    manifest has a value column (larger first), and the row number."""
    group = triage_group(r)
    best = max((e.match_score or 0.0 for e in r.evidence if e.kind in _ENTITY_KINDS), default=0.0)
    lists, forced, uflpa_cn = sector_rank(r)
    return (group, _LEVEL_ORDER.get(r.level, len(LEVELS)), -best if group < 2 else 0.0, -r.score,
            -lists, -forced, -uflpa_cn, -(value or 0.0), r.row)


def parse_value(text: Any) -> float | None:
    """A declared value as a number: "6,006.95", "$ 1 200", "1.234,56" (decimal comma), 1200.0."""
    if isinstance(text, int | float):
        return float(text) if text == text else None
    s = "".join(ch for ch in str(text or "") if ch.isdigit() or ch in ".,-")
    if not any(ch.isdigit() for ch in s):
        return None
    if "," in s and "." in s:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        s = s.replace(",", "") if len(tail) == 3 and s.count(",") >= 1 and head else s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def line_values(result: ScreenResult) -> dict[int, float]:
    """Each row's declared value (row number → value) where the manifest maps a value column."""
    header = result.manifest.columns.get("value")
    frame = result.manifest.frame
    if not header or header not in frame.columns:
        return {}
    out: dict[int, float] = {}
    for r, raw in zip(result.rows, frame[header].tolist(), strict=False):
        v = parse_value(raw)
        if v is not None:
            out[r.row] = v
    return out


def triage_order(rows: Sequence[RowResult], values: Mapping[int, float] | None = None) -> list[RowResult]:
    """``rows`` in triage order (:func:`triage_key`)."""
    values = values or {}
    return sorted(rows, key=lambda r: triage_key(r, values.get(r.row)))
