"""The pipeline: read → normalise → match → collect evidence → score. The only module that chains stages.

Library entry point::

    from chainscreen.pipeline import screen
    result = screen("lines.csv")
    result.frame        # the input rows with the added columns
    result.to_dict()    # the JSON output contract (docs/schema/screen-output.schema.json)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chainscreen import __version__
from chainscreen.evidence import EvidenceBuilder, RowFacts
from chainscreen.manifest import Manifest, read_manifest
from chainscreen.match import EntityMatcher
from chainscreen.models import Candidate, Evidence, Problem
from chainscreen.normalize.countries import mentions_xinjiang, to_iso2
from chainscreen.normalize.goods import GoodsHit, GoodsMapper, HSCode, parse_hs
from chainscreen.normalize.names import is_meaningful_name
from chainscreen.reference import ReferenceSet, load_reference
from chainscreen.score import combine
from chainscreen.settings import Settings

#: Columns added to the user's rows, in order.
ADDED_COLUMNS: tuple[str, ...] = (
    "Risk level", "Risk score", "Screening status", "Reasons", "Best match", "Match score",
    "Match list", "Goods matched", "Origin (ISO)", "Lists used", "Formula", "Decision",
)

ProgressCallback = Callable[[int, int], None]
CHUNK = 5000


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
        return {lvl: c.get(lvl, 0) for lvl in ("high", "elevated", "low", "clear", "unscreenable")}

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
        """Only the added columns, one row per input row."""
        records = []
        for r in self.rows:
            best = r.candidates[0] if r.candidates else None
            records.append({
                "Risk level": r.level,
                "Risk score": r.score,
                "Screening status": r.status,
                "Reasons": " | ".join(r.reasons),
                "Best match": best.record.name if best else "",
                "Match score": best.score if best else None,
                "Match list": best.record.list_id if best else "",
                "Goods matched": "; ".join(sorted({g.good for g in r.goods if g.scheme == "dol"})),
                "Origin (ISO)": r.country or "",
                "Lists used": ", ".join(sorted({f"{e.list_id}@{e.edition}" for e in r.evidence})),
                "Formula": r.formula,
                "Decision": _decision_text(r.decision),
            })
        return pd.DataFrame.from_records(records, columns=list(ADDED_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """The JSON output contract: ``rows``, ``receipt``, ``summary``, ``problems``."""
        return {
            "rows": [r.to_dict() for r in self.rows],
            "receipt": self.receipt,
            "summary": {"rows": len(self.rows), "levels": self.counts()},
            "problems": [
                {"row": p.row, "column": p.column, "reason": p.reason, "severity": p.severity}
                for p in self.all_problems()
            ],
        }

    def all_problems(self) -> list[Problem]:
        """File-level problems followed by every row's problems, in row order."""
        out = list(self.problems)
        for r in self.rows:
            out.extend(r.problems)
        return out


def screen(
    source: str | Path | pd.DataFrame | Manifest,
    *,
    settings: Settings | None = None,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    reference: ReferenceSet | None = None,
    lists: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> ScreenResult:
    """Screen a manifest file or DataFrame against the reference lists.

    Every input row comes back as a :class:`RowResult` in input order, with a level, a score,
    the formula, the evidence (each item naming its list and edition) and reasons in words.
    """
    settings = settings or Settings()
    started = _now()
    manifest = source if isinstance(source, Manifest) else read_manifest(
        source, sheet=sheet, mapping=mapping)
    ref = reference or load_reference(lists=lists or settings.lists)
    matcher = EntityMatcher(ref.entities, settings)
    mapper = GoodsMapper(ref.concordance, ref.hs) if ref.concordance is not None else None
    builder = EvidenceBuilder(ref, settings)

    n = len(manifest.frame)
    rows: list[RowResult] = []
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        rows.extend(_screen_chunk(manifest, start, stop, matcher, mapper, builder, settings))
        if progress is not None:
            progress(stop, n)
    receipt = build_receipt(manifest, ref, settings, started, _now())
    return ScreenResult(manifest, rows, receipt, settings, ref, list(manifest.problems))


def _screen_chunk(
    manifest: Manifest, start: int, stop: int, matcher: EntityMatcher,
    mapper: GoodsMapper | None, builder: EvidenceBuilder, settings: Settings,
) -> list[RowResult]:
    cols = manifest.columns

    def col(name: str) -> list[str]:
        return [str(v).strip() if v is not None else "" for v in manifest.field(name).iloc[start:stop]]

    suppliers, countries, goods_text = col("supplier"), col("country"), col("goods")
    hs_text, addresses = col("hs_code"), col("address")
    iso = {v: to_iso2(v) for v in set(countries) if v}
    parties = [(s if is_meaningful_name(s) else None, iso.get(c)) for s, c in zip(suppliers, countries, strict=True)]
    candidates = matcher.match_many(parties)

    out: list[RowResult] = []
    for i in range(stop - start):
        row_no = manifest.row_numbers[start + i]
        problems: list[Problem] = []
        missing: list[str] = []
        supplier, country_raw = suppliers[i], countries[i]
        desc, hs_raw, address = goods_text[i], hs_text[i], addresses[i]

        has_name = is_meaningful_name(supplier)
        if supplier and not has_name:
            problems.append(Problem(row_no, cols.get("supplier"), f"supplier name {supplier[:60]!r} is not a name", "warning"))
        country = iso.get(country_raw) if country_raw else None
        if country_raw and country is None:
            problems.append(Problem(row_no, cols.get("country"), f"unknown country {country_raw[:60]!r}"))
            missing.append(f"unknown country {country_raw[:60]!r}")
        elif not country_raw and "country" in cols:
            missing.append("no country of origin")
        hs: HSCode | None = None
        if hs_raw:
            try:
                hs = parse_hs(hs_raw)
            except ValueError as exc:
                problems.append(Problem(row_no, cols.get("hs_code"), f"HS code {hs_raw[:30]!r}: {exc}"))
                missing.append(f"unreadable HS code {hs_raw[:30]!r}")
        if not has_name and not desc and hs is None:
            reason = "no supplier name and no goods description or HS code"
            problems.append(Problem(row_no, None, reason))
            out.append(RowResult(row_no, "unscreenable", "unscreenable", 0.0, "not screened",
                                 (f"not screened: {reason}",), (), (), supplier or None,
                                 country, (), tuple(problems)))
            continue
        # A field the input has no column for at all (e.g. `check` with a name only) is a
        # note, not a data gap: the row is judged on what it was given.
        if not has_name and "supplier" in cols:
            missing.append("no supplier name")
        if not desc and hs is None and ("goods" in cols or "hs_code" in cols):
            missing.append("no goods description or HS code")
        absent = [label for field, label in (("country", "country"), ("supplier", "supplier name"),
                                             ("goods", "goods"))
                  if field not in cols and not (field == "goods" and "hs_code" in cols)]

        hits = tuple(mapper.map(desc or None, hs)) if mapper is not None else ()
        term, where = None, None
        for fname, text in (("address", address), ("supplier name", supplier), ("goods description", desc)):
            term = mentions_xinjiang(text) if text else None
            if term:
                where = fname
                break
        facts = RowFacts(supplier=supplier or None, country=country, goods=hits,
                         candidates=candidates[i], xinjiang_term=term, xinjiang_field=where,
                         description=desc)
        if absent:
            facts.notes.append(f"no {', '.join(absent)} given: not screened for {'/'.join(absent)} risk")
        evidence = builder.build(facts)
        verdict = combine(evidence, settings, missing=missing, notes=facts.notes)
        status = "partial" if missing else "screened"
        if verdict.level == "unscreenable":
            status = "unscreenable"
        out.append(RowResult(row_no, status, verdict.level, verdict.score, verdict.formula,
                             verdict.reasons, verdict.evidence, tuple(candidates[i]),
                             supplier or None, country, hits, tuple(problems)))
    return out


def build_receipt(
    manifest: Manifest, ref: ReferenceSet, settings: Settings, started: str, finished: str
) -> dict[str, Any]:
    """What is needed to reproduce a run: hashes of input, lists and settings, tool version."""
    return {
        "input": {
            "file": Path(manifest.path).name if manifest.path else None,
            "sha256": manifest.sha256,
            "format": manifest.format,
            "encoding": manifest.encoding,
            "sheet": manifest.sheet,
            "rows": len(manifest.frame),
            "columns": dict(manifest.columns),
        },
        "lists": [
            {"id": info.id, "edition": info.edition, "sha256": info.sha256, "records": info.records}
            for info in sorted(ref.catalogue.values(), key=lambda i: i.id)
        ],
        "settings_sha256": settings.digest(),
        "settings": settings.to_dict(),
        "tool": {"name": "chainscreen", "version": __version__},
        "started": started,
        "finished": finished,
    }


def _decision_text(decision: dict[str, Any] | None) -> str:
    """One cell: "dismiss by ana on 2026-01-05: note", prefixed "reopened: <why>" when reopened."""
    if not decision:
        return ""
    text = f"{decision.get('status')} by {decision.get('by')} on {str(decision.get('at'))[:10]}"
    if decision.get("note"):
        text += f": {decision['note']}"
    if decision.get("state") == "reopened":
        text = f"reopened: {decision.get('reason')} (was {text})"
    return text


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
