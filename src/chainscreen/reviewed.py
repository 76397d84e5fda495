"""A stored run's results with the reviewers' decisions applied: what the reviewed workbook, HTML
report and JSON are written from, for ``chainscreen report --run N`` and the review web app alike.

A run is stored as screened (:mod:`chainscreen.store`); the decisions live beside it and change
as analysts work. :func:`stored_result` puts the run back together as a
:class:`~chainscreen.pipeline.ScreenResult` — the user's rows read again from the input bytes
kept with the run, every row's stored result, the list records from the editions the run used —
and applies the decisions in force now (:func:`chainscreen.review.apply_decisions`), so a
dismissed false positive no longer counts towards its row's level in any output.

>>> with open_store() as store, stored_result(store, store.resolve("latest")) as result:  # doctest: +SKIP
...     write_reviewed(result, Path("reviewed"), ["xlsx", "html", "json"])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.errors import ReferenceDataError, SettingsError
from chainscreen.models import Candidate, EntityRecord, Evidence, Problem
from chainscreen.report.outputs import REPORT_FORMATS

if TYPE_CHECKING:
    from chainscreen.reference import ReferenceSet
    from chainscreen.result import RowResult, ScreenResult
    from chainscreen.settings import Settings
    from chainscreen.store import RunInfo, Store

#: What a reviewed run can be written as.
REVIEWED_FORMATS: tuple[str, ...] = REPORT_FORMATS


def run_reference(run: RunInfo, root: Path | None = None, user: Path | bool | None = None) -> ReferenceSet:
    """The reference lists in the editions ``run`` used; the newest editions when one of them is
    no longer catalogued (its records then come from the newer edition). ``root`` and ``user``
    are the list folders (see :func:`chainscreen.reference.load_reference`)."""
    from chainscreen.reference import load_reference

    pinned = [f"{e['id']}@{e['edition']}" for e in run.lists()]
    try:
        return load_reference(root, lists=pinned or None, user=user)
    except ReferenceDataError:
        return load_reference(root, user=user)


def run_settings(run: RunInfo) -> Settings:
    """The settings recorded in ``run``'s receipt (the defaults where the receipt has none)."""
    from chainscreen.settings import Settings, load_settings

    recorded = dict((run.receipt or {}).get("settings") or {})
    try:
        return load_settings(None, **recorded)
    except (SettingsError, TypeError):
        return Settings()


def entity_index(reference: ReferenceSet) -> dict[tuple[str, str], EntityRecord]:
    """Every entity record of ``reference`` by (list_id, record_id)."""
    return {(e.list_id, e.record_id): e for e in reference.entities}


def stored_rows(store: Store, run_id: int, records: dict[tuple[str, str], EntityRecord], *,
                only: int | None = None) -> list[RowResult]:
    """The run's rows (or only row ``only``) as screened, as RowResult records (evidence,
    candidates, goods, problems); list records come from ``records`` where they are there."""
    from chainscreen.normalize.goods import GoodsHit
    from chainscreen.result import RowResult

    cands: dict[int, list[Candidate]] = {}
    for c in store.candidates(run_id, only):
        record = records.get((c["list_id"], c["record_id"])) or EntityRecord(
            list_id=c["list_id"], record_id=c["record_id"], name=c["record_name"])
        cands.setdefault(c["row"], []).append(Candidate(
            record=record, matched_name=c["matched_name"], score=float(c["score"]),
            decision=c["match_decision"], reasons=tuple(c.get("reasons") or ())))
    out = []
    for m in store.rows(run_id, only):
        goods = []
        for text in m.get("goods") or ():
            scheme, _, good = str(text).partition(":")
            goods.append(GoodsHit(good=good, scheme=scheme, via="", detail=""))
        out.append(RowResult(
            row=m["row"], status=m["status"], level=m["level"], score=float(m["score"]),
            formula=m.get("formula") or "", reasons=tuple(m.get("reasons") or ()),
            evidence=tuple(_evidence(e) for e in m.get("evidence") or ()),
            candidates=tuple(cands.get(m["row"], ())), supplier=m.get("supplier"),
            country=m.get("country") or None, goods=tuple(goods),
            problems=tuple(Problem(m["row"], p.get("column"), p.get("reason", ""),
                                   p.get("severity", "error")) for p in m.get("problems") or ()),
        ))
    return out


def _evidence(data: dict[str, Any]) -> Evidence:
    known = set(Evidence.__dataclass_fields__)
    return Evidence(**{k: v for k, v in data.items() if k in known})


@contextmanager
def stored_result(store: Store, run: RunInfo, *, reference: ReferenceSet | None = None,
                  decisions: bool = True) -> Iterator[ScreenResult]:
    """``run`` as a ScreenResult with the decisions in force applied (``decisions=False``: as
    screened). The input file is read again from the bytes kept with the run; it exists until
    the ``with`` block ends (an .xlsx workbook is annotated from it). ``reference`` defaults to
    :func:`run_reference` over the shipped lists only: front ends pass the user's folders.

    Raises StoreError for a run that did not complete or whose input was not kept.
    """
    from chainscreen.manifest import read_manifest
    from chainscreen.result import ScreenResult
    from chainscreen.review import apply_decisions
    from chainscreen.store import COMPLETE, StoreError, input_file

    if run.status != COMPLETE or run.receipt is None:
        raise StoreError(f"{run.label} is {run.status} (it did not finish); re-screen it with: "
                         f"chainscreen rescreen {run.id}")
    reference = reference or run_reference(run)
    settings = run_settings(run)
    rows = stored_rows(store, run.id, entity_index(reference))
    opts = run.options or {}
    with input_file(store, run) as path:
        manifest = read_manifest(path, sheet=opts.get("sheet"), mapping=opts.get("mapping") or None)
        if len(manifest.frame) != len(rows):
            raise StoreError(f"{run.label}: its input reads as {len(manifest.frame)} rows now, "
                             f"{len(rows)} when screened; cannot rebuild its outputs")
        result = ScreenResult(manifest, rows, dict(run.receipt), settings, reference,
                              list(manifest.problems))
        if decisions:
            apply_decisions(result, store.decisions())
        yield result


def reviewed_names(run: RunInfo, formats: Sequence[str]) -> dict[str, str]:
    """File names of a reviewed run's outputs: ``<input stem>.reviewed.xlsx``, ``.reviewed.html`` ..."""
    stem = Path(run.input_name).stem or "run"
    return {f: f"{stem}.run{run.id}.reviewed.{f}" for f in formats}


def write_reviewed(result: ScreenResult, targets: dict[str, Path]) -> dict[str, Path]:
    """Write ``result`` in each format of ``targets`` (format → path), atomically."""
    from chainscreen.report.outputs import write_outputs

    return write_outputs(result, targets)
