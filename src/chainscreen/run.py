"""The run flow: open → store → screen → write → finish. The one place that chains them.

Every front end calls :func:`screen_run` (the CLI's ``screen``, ``rescreen`` through
:func:`rescreen_run`, the review web page, the Spark driver)::

    from chainscreen.run import screen_run
    run = screen_run("lines.csv", outdir=Path("out"), formats=["xlsx", "html"])
    run.counts, run.written, run.stored

The input is opened once and the decision to stream is taken once (``stream="auto"``: above
:data:`STREAM_ABOVE` rows). A stored run is ``incomplete`` until its rows, receipt and outputs are
all written; when anything fails it is marked ``failed`` with the error, and the error is raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from chainscreen.errors import InputError, OutputError
from chainscreen.files import is_url, url_name
from chainscreen.models import Problem
from chainscreen.report.outputs import (
    DEFAULT_FORMATS,
    FORMATS,
    XLSX_MAX_ROWS,
    check_targets,
    parse_formats,
    stream_outputs,
    targets,
    write_outputs,
)
from chainscreen.review import apply_decisions, apply_row_decisions, latest
from chainscreen.settings import Settings

if TYPE_CHECKING:
    from chainscreen.engines import SparkInput
    from chainscreen.manifest import ManifestStream
    from chainscreen.pipeline import ScreeningContext
    from chainscreen.reference import ReferenceSet
    from chainscreen.result import RowResult, ScreenChunk, ScreenResult
    from chainscreen.store import RunInfo, Store

#: Above this many (estimated) rows a run streams unless told otherwise.
STREAM_ABOVE = 200_000

ProgressCallback = Callable[[int, int], None]


@dataclass
class Run:
    """What a run produced: the result (None when streamed), counts, outputs, the stored run."""

    #: the input file (a URL stays text: ``s3a://lake/bills.csv``)
    input: Path | str
    receipt: dict[str, Any]
    counts: dict[str, int]
    rows: int
    streamed: bool
    seconds: float
    #: the whole result, for a run screened in memory; None for a streamed run
    result: ScreenResult | None = None
    #: file-level problems (a streamed run's row problems are in its row outputs)
    problems: list[Problem] = field(default_factory=list)
    #: format → file written
    written: dict[str, Path] = field(default_factory=dict)
    #: format → why it was not written (e.g. the workbook of a run too long for Excel)
    skipped: dict[str, str] = field(default_factory=dict)
    #: the stored run, when a store was given
    stored: RunInfo | None = None

    def all_problems(self) -> list[Problem]:
        """File-level problems, then (for a run held in memory) every row's problems."""
        return self.result.all_problems() if self.result is not None else list(self.problems)

    def summary(self) -> dict[str, Any]:
        """The run in plain JSON-ready data (what ``screen --json`` prints)."""
        return {
            "input": str(self.input), "rows": self.rows, "levels": self.counts,
            "outputs": {k: str(v) for k, v in self.written.items()},
            "skipped": dict(self.skipped), "seconds": round(self.seconds, 3),
            "streamed": self.streamed, "coverage": self.receipt.get("coverage"), "receipt": self.receipt,
            "run": {"id": self.stored.id, "uid": self.stored.uid} if self.stored is not None else None,
        }


def screen_run(
    source: str | Path,
    settings: Settings | None = None,
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    store: Store | None = None,
    outdir: Path | None = None,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    force: bool = False,
    stream: bool | Literal["auto"] = "auto",
    reference: ReferenceSet | None = None,
    progress: ProgressCallback | None = None,
    options: Mapping[str, Any] | None = None,
    input_name: str | None = None,
    input_path: str | None = None,
    engine: Literal["local", "spark"] = "local",
    spark_master: str | None = None,
    partitions: int | None = None,
    cache: Path | None = None,
) -> Run:
    """Screen ``source`` and, as asked, store the run and write its outputs to ``outdir``.

    ``stream``: True reads and writes chunk by chunk in flat memory (outputs that need the whole
    result, such as Markdown, are skipped with the reason in :attr:`Run.skipped`); False holds
    the whole file; "auto" streams above :data:`STREAM_ABOVE` rows. Outputs are checked for
    writability before any screening. ``options`` (sheet, mapping, lists, ...) are kept with the
    stored run so ``rescreen`` can repeat it; ``input_name`` / ``input_path`` name the input
    when ``source`` is a temporary copy. ``cache``: a folder where the match index is kept per
    list edition (:func:`chainscreen.pipeline.cached_matcher`; the command line uses
    ``<data dir>/cache``), so a long watchlist is indexed once, not on every run.

    ``engine="spark"`` screens on Apache Spark (:mod:`chainscreen.engines`; ``spark_master``,
    ``partitions``): ``source`` is any file the local engine reads, a folder of csv/tsv/parquet/
    jsonl files, a URL Spark reads (``s3a://...``, given as text) or a Spark table by name;
    Spark writes the Parquet results, and the rows come back in order for the store and the
    html/json/jsonl outputs, exactly as a streamed local run.
    """
    from chainscreen.manifest import open_manifest

    t0 = time.perf_counter()
    settings = settings or Settings()
    if is_url(source) and engine != "spark":
        raise InputError("a URL is read by the Spark engine (--engine spark); to screen it here, "
                         "download the file first", path=str(source))
    # a URL stays text: Path would fold its "//" into "/"
    target: Path | str = str(source) if is_url(source) else Path(source)
    name = input_name or (target.name if isinstance(target, Path) else url_name(target))
    paths = targets(name, outdir, parse_formats(formats)) if outdir is not None else {}
    # a Spark run's earlier Parquet results are a folder, replaced (with force) once the new one is written
    check_targets({f: p for f, p in paths.items()
                   if not (engine == "spark" and f == "parquet" and p.is_dir() and force)},
                  force=force, inputs=[target] if isinstance(target, Path) else [])
    if engine == "spark":
        if settings.strict and isinstance(target, Path) and target.is_file():
            # a file on this machine is opened by the local reader anyway: say what it lacks
            # before Spark starts (a JVM, seconds) and before a run is stored
            require_columns(open_manifest(target, sheet=sheet, mapping=mapping), name)
        run = _screen_spark(target, settings, sheet, mapping, paths, reference, store, name, input_path,
                            options, spark_master, partitions)
        run.seconds = time.perf_counter() - t0
        return run
    if engine != "local":
        raise OutputError(f"unknown engine {engine!r}; engines: local, spark")
    source = Path(source)
    opened = open_manifest(source, sheet=sheet, mapping=mapping)
    if settings.strict:
        require_columns(opened, name)
    streamed = stream is True or (stream == "auto" and opened.estimated_rows > STREAM_ABOVE)
    skipped: dict[str, str] = {}
    if streamed:
        paths, skipped = _streamable(paths, opened.estimated_rows)
    if reference is None:
        from chainscreen.reference import load_reference

        reference = load_reference(lists=settings.lists)
    from chainscreen.pipeline import ScreeningContext

    context = ScreeningContext.build(reference, settings, cache=cache)
    stored = None
    if store is not None:
        opts = {"sheet": sheet, "mapping": dict(mapping or {}), "lists": list(settings.lists or ()),
                **(options or {})}
        stored = store.start_run(source, options=opts, input_name=name, input_path=input_path)
    try:
        if streamed:
            run = _screen_streamed(opened, source, paths, settings, reference, context, store, stored,
                                   progress)
        else:
            run = _screen_whole(opened, source, sheet, mapping, paths, settings, reference, context,
                                store, stored, progress)
    except BaseException as exc:
        if store is not None and stored is not None:
            store.fail_run(stored.id, f"{type(exc).__name__}: {exc}")
        raise
    run.skipped.update(skipped)
    run.seconds = time.perf_counter() - t0
    return run


#: The columns ``--strict`` (setting ``strict``) requires: without them a row cannot be screened
#: against the entity lists or the origin's country lists.
STRICT_ROLES: tuple[str, ...] = ("supplier", "country")


def require_columns(opened: ManifestStream | SparkInput, name: str) -> None:
    """Raise InputError naming the missing supplier or country column and the ``--map`` to add."""
    missing = opened.roles.missing(STRICT_ROLES)
    if missing:
        fixes = " ".join(opened.roles.fix(role) for role in missing)
        headers = ", ".join(opened.headers) or "(none)"
        raise InputError(f"no {' and no '.join(missing)} column (--strict); headers found: {headers}. "
                         f"Add it with {fixes}", path=name)


def _streamable(paths: dict[str, Path], estimated_rows: int) -> tuple[dict[str, Path], dict[str, str]]:
    """The outputs a streamed run writes, and why the others are not written."""
    keep: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    for fmt, path in paths.items():
        if not FORMATS[fmt].streams:
            skipped[fmt] = f"{fmt} needs the whole result in memory and is not written for a streamed run"
        elif fmt == "xlsx" and estimated_rows >= XLSX_MAX_ROWS:
            skipped[fmt] = (f"about {estimated_rows:,} rows do not fit in an Excel sheet (at most "
                            f"{XLSX_MAX_ROWS - 1:,}); the rows are in the other outputs")
        else:
            keep[fmt] = path
    if paths and not keep:
        raise OutputError(f"none of the outputs asked for ({', '.join(paths)}) can be written for a "
                          "streamed run: " + "; ".join(skipped.values())
                          + "; add csv, parquet, jsonl, json or html to --format")
    return keep, skipped


def _screen_whole(opened: ManifestStream, source: Path, sheet: str | int | None,
                  mapping: Mapping[str, str] | None, paths: dict[str, Path], settings: Settings,
                  reference: ReferenceSet, context: ScreeningContext, store: Store | None,
                  stored: RunInfo | None, progress: ProgressCallback | None) -> Run:
    from chainscreen.manifest import read_manifest
    from chainscreen.pipeline import screen

    # an xlsx input was read whole to open it: screen that reading, do not parse the file again
    manifest = opened.manifest if opened.manifest is not None else read_manifest(
        source, sheet=sheet, mapping=mapping)
    result = screen(manifest, settings=settings, reference=reference, progress=progress, context=context)
    screened = result.counts()  # what the store keeps: levels as screened
    if store is not None and stored is not None:
        decisions = store.decisions()
        store.save_rows(stored.id, result.rows, list(manifest.field("address")), decisions=decisions)
        # the outputs written below show the reviewers' decisions: a dismissed hit no longer
        # counts towards its row's level
        apply_decisions(result, decisions)
    written = write_outputs(result, paths)
    if store is not None and stored is not None:
        stored = store.complete_run(stored.id, result.receipt, screened, result.problems,
                                    result.reference)
    return Run(input=source, receipt=result.receipt, counts=result.counts(), rows=len(result.rows),
               streamed=False, seconds=0.0, result=result, problems=list(result.problems),
               written=written, stored=stored)


def _screen_streamed(opened: ManifestStream, source: Path, paths: dict[str, Path],
                     settings: Settings, reference: ReferenceSet, context: ScreeningContext,
                     store: Store | None, stored: RunInfo | None,
                     progress: ProgressCallback | None) -> Run:
    from chainscreen.pipeline import iter_screen

    screening = iter_screen(opened, settings=settings, reference=reference, progress=progress,
                            context=context)
    return _drive_streamed(screening, source, paths, store, stored)


#: Outputs the Spark engine writes (parquet by Spark itself, the others from the rows in order).
SPARK_FORMATS: tuple[str, ...] = ("parquet", "html", "json", "jsonl")


def _screen_spark(source: Path | str, settings: Settings, sheet: str | int | None,
                  mapping: Mapping[str, str] | None, paths: dict[str, Path],
                  reference: ReferenceSet | None, store: Store | None, name: str,
                  input_path: str | None, options: Mapping[str, Any] | None,
                  master: str | None, partitions: int | None) -> Run:
    from chainscreen.engines import spark_screening

    keep = {f: p for f, p in paths.items() if f in SPARK_FORMATS and f != "parquet"}
    skipped = {f: f"{f} holds the input's every column on one machine; the Spark engine writes "
                  f"{', '.join(SPARK_FORMATS)}" for f in paths if f not in SPARK_FORMATS}
    if paths and not keep and "parquet" not in paths:
        raise OutputError(f"the Spark engine writes {', '.join(SPARK_FORMATS)}; add one to --format")
    if reference is None:
        from chainscreen.reference import load_reference

        reference = load_reference(lists=settings.lists)
    stored = None
    if store is not None:
        opts = {"sheet": sheet, "mapping": dict(mapping or {}), "lists": list(settings.lists or ()),
                "engine": "spark", **(options or {})}
        local_file = isinstance(source, Path) and source.is_file()
        stored = store.start_run(source if local_file else None, options=opts, input_name=name,
                                 input_path=input_path if input_path is not None or local_file else str(source))
    try:
        screening = spark_screening(source, settings, reference, mapping=mapping, master=master,
                                    partitions=partitions, parquet=paths.get("parquet"), sheet=sheet,
                                    check=(lambda read: require_columns(read, name)) if settings.strict else None)
        run = _drive_streamed(screening, source, keep, store, stored)
    except BaseException as exc:
        if store is not None and stored is not None:
            store.fail_run(stored.id, f"{type(exc).__name__}: {exc}")
        raise
    run.written = {**screening.written, **run.written}
    run.skipped.update(skipped)
    return run


def _drive_streamed(screening: Any, source: Path | str, paths: dict[str, Path], store: Store | None,
                    stored: RunInfo | None) -> Run:
    """Store and write a screening chunk by chunk (a local :class:`~chainscreen.pipeline.Screening`
    or a :class:`~chainscreen.engines.SparkScreening`)."""
    decisions = store.decisions() if store is not None else None
    in_force = latest(decisions) if decisions else None
    # rows whose level the reviewers' decisions changed: the store keeps the levels as screened,
    # the outputs (and the counts they print) show the decisions, as a run held in memory does
    shift: dict[str, int] = {}
    with stream_outputs(paths) as outputs:
        for chunk in screening:
            if store is not None and stored is not None:
                rows = chunk.rows
                addresses = chunk.chunk.values("address")
                store.save_rows(stored.id, rows, addresses, decisions=decisions)
                if in_force:
                    chunk = _with_decisions(chunk, rows, addresses, in_force, screening, shift)
            outputs.write(chunk)
        screened = dict(screening.counts)
        for level, n in shift.items():
            screening.counts[level] += n
        try:
            written = outputs.commit(screening)
        finally:
            shown = dict(screening.counts)
            screening.counts.clear()
            screening.counts.update(screened)
        dropped = outputs.skipped
    if store is not None and stored is not None:
        stored = store.complete_run(stored.id, screening.receipt, screened,
                                    screening.problems, screening.reference)
    return Run(input=source, receipt=screening.receipt, counts=shown,
               rows=screening.rows, streamed=True, seconds=0.0, problems=screening.problems,
               written=written, skipped=dropped, stored=stored)


def _with_decisions(chunk: ScreenChunk, rows: list[RowResult], addresses: Iterable[str],
                    in_force: Mapping[Any, Any], screening: Any, shift: dict[str, int]) -> ScreenChunk:
    """``chunk`` with the rows a decision in force covers rescored (a dismissed hit no longer
    counts, :func:`~chainscreen.review.apply_row_decisions`) and their Decision cells filled;
    ``shift`` gains the change in rows per level. ``rows`` are the chunk's rows (with the
    decisions the store set on them)."""
    from dataclasses import replace

    from chainscreen.result import Outcome, ScreenChunk, added_cells

    before = [(r.level, r.decision) for r in rows]
    apply_row_decisions(rows, list(addresses), in_force, reference=screening.reference,
                        settings=screening.settings)
    codes = chunk.code_list()
    outcomes = chunk.outcomes
    extra: list[Outcome] = []
    changed: dict[int, int] = {}
    for i, (r, (level, _decision)) in enumerate(zip(rows, before, strict=True)):
        if r.decision is None:
            continue
        if r.level != level:
            shift[level] = shift.get(level, 0) - 1
            shift[r.level] = shift.get(r.level, 0) + 1
        was = outcomes[codes[i]]
        # the reader's problems of the row are added again per row: the outcome keeps the screening's
        template = replace(r, row=0, problems=was.template.problems)
        changed[i] = len(outcomes) + len(extra)
        extra.append(Outcome(template, added_cells(template), was.unscreened))
    if not extra:
        return chunk
    for i, code in changed.items():
        codes[i] = code
    return ScreenChunk(chunk.chunk, codes, [*outcomes, *extra])


@dataclass
class Rescreen:
    """A re-screen: the old and new stored runs, what changed and the new run's outputs."""

    old: RunInfo
    run: Run
    changes: list[dict[str, Any]]
    lists: dict[str, str]
    #: False when the old run did not finish: it has no hits or lists to compare with
    compared: bool = True


def rescreen_run(store: Store, run_ref: str, settings: Settings, *, outdir: Path | None = None,
                 formats: str | Iterable[str] = DEFAULT_FORMATS, force: bool = False,
                 reference: ReferenceSet | None = None, cache: Path | None = None) -> Rescreen:
    """Re-screen a stored run's input against the current lists and ``settings``; store the new
    run (recording the original input's name and path) and diff it against the old one."""
    from chainscreen.review import diff_runs, list_changes
    from chainscreen.store import COMPLETE, input_file, run_side

    old = store.resolve(run_ref)
    opts = old.options
    with input_file(store, old) as path:
        run = screen_run(path, settings, sheet=opts.get("sheet"), mapping=opts.get("mapping") or None,
                         store=store, outdir=outdir, formats=formats, force=force, reference=reference,
                         options={"rescreen_of": old.id}, input_name=old.input_name,
                         input_path=old.input_path, cache=cache)
    assert run.stored is not None
    if old.status != COMPLETE:
        return Rescreen(old=old, run=run, changes=[], lists={}, compared=False)
    changes = diff_runs(run_side(store, old), run_side(store, run.stored))
    return Rescreen(old=old, run=run, changes=changes, lists=list_changes(old.lists(), run.stored.lists()))
