"""`chainscreen screen`: screen a manifest file and write the outputs."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from chainscreen.cli import FORMATS, LEVEL_COLOURS, LEVEL_ORDER, cli, exit_on_hits, screening_options
from chainscreen.errors import InputError


def _parse_map(values: tuple[str, ...]) -> dict[str, str]:
    from chainscreen.models import FIELDS

    out: dict[str, str] = {}
    for item in values:
        field, sep, header = item.partition("=")
        field = field.strip().lower()
        if not sep or not header.strip():
            raise click.BadParameter(f"{item!r}: use FIELD=HEADER, e.g. supplier='Vendor Name'",
                                     param_hint="--map")
        if field not in FIELDS:
            raise click.BadParameter(f"{field!r} is not a field; fields: {', '.join(FIELDS)}",
                                     param_hint="--map")
        out[field] = header.strip()
    return out


#: Outputs of ``screen``: the report formats plus the row formats for large runs.
SCREEN_FORMATS: tuple[str, ...] = (*FORMATS, *(f for f in ("parquet", "jsonl") if f not in FORMATS))
#: Above this many (estimated) rows a run streams unless --no-stream.
STREAM_ABOVE = 200_000
#: Excel's sheet limit, header row included.
XLSX_MAX_ROWS = 1_048_576


def _parse_formats(value: str) -> list[str]:
    fmts = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in fmts if f not in SCREEN_FORMATS]
    if bad or not fmts:
        raise click.BadParameter(
            f"unknown format {', '.join(bad) or value!r}; choose from {', '.join(SCREEN_FORMATS)}",
            param_hint="--format")
    return fmts


class _Progress:
    """A one-line progress display on stderr: rows, share done, rows/s, ETA.

    Shown only on a terminal, only once a run has taken two seconds, at most four times a second.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < 2.0 or now - self.last < 0.25:
            return
        self.last = now
        rate = done / elapsed if elapsed else 0.0
        line = f"screening {done:,} rows · {rate:,.0f} rows/s"
        if total > done and rate:
            eta = (total - done) / rate
            line = (f"screening {done:,} of ~{total:,} rows ({100 * done / total:.0f}%) · "
                    f"{rate:,.0f} rows/s · ETA {int(eta // 60)}m{int(eta % 60):02d}s")
        click.echo("\r" + line + "\x1b[K", file=sys.stderr, nl=False)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("\r\x1b[K", file=sys.stderr, nl=False)


@cli.command()
@click.argument("manifest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("chainscreen-out"), show_default=True, help="Folder for the outputs.")
@click.option("-f", "--format", "formats", default="xlsx,html,json", show_default=True,
              help=f"Comma-separated outputs: {', '.join(SCREEN_FORMATS)} (parquet and jsonl: "
                   "one record per row, for large files).")
@click.option("--sheet", help="Worksheet name or 1-based number (xlsx; default: the first).")
@click.option("--map", "maps", multiple=True, metavar="FIELD=HEADER",
              help="Use HEADER for FIELD (supplier, country, goods, hs_code, address, ...). Repeatable.")
@screening_options("row")
@click.option("--force", is_flag=True, help="Overwrite outputs that already exist.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout instead of text.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary; errors only.")
@click.option("--db", envvar="CHAINSCREEN_DB", metavar="URL",
              help="Run database, any SQLAlchemy URL (e.g. postgresql://user@host/db); default: "
                   "a SQLite file in the user data folder. Env: CHAINSCREEN_DB.")
@click.option("--no-store", is_flag=True, help="Do not store the run in the run database.")
@click.option("--stream/--no-stream", "stream", default=None,
              help=f"Read and write in chunks, in flat memory (default: above {STREAM_ABOVE:,} rows). "
                   "Streamed runs write csv, parquet, jsonl, json and a summary html.")
def screen(manifest: Path, outdir: Path, formats: str, sheet: str | None, maps: tuple[str, ...],
           settings_path: Path | None, lists: tuple[str, ...], fail_on: str | None, force: bool,
           as_json: bool, quiet: bool, db: str | None, no_store: bool,
           max_list_age: int | None, stream: bool | None) -> None:
    """Screen MANIFEST (csv, tsv, xlsx, parquet, jsonl) and write the outputs to --out.

    Every input row comes back with a risk level (high, elevated, low, clear, unscreenable),
    a score with its formula, the evidence found and the list editions it came from.

    \b
    Examples:
      chainscreen screen sample_inputs/importer_suppliers.xlsx
      chainscreen screen entries.csv --map supplier="Shipper Name" --format xlsx,html,csv
      chainscreen screen lines.csv --format json -o results --json --fail-on elevated
      chainscreen screen lines.csv --lists dol-tvpra@2020-09-30 --lists uflpa-entity-list --max-list-age 3650
      chainscreen screen lines.csv --db sqlite:///team-runs.sqlite   # then: chainscreen review latest
      chainscreen screen bills_of_lading.csv --format parquet,html --stream   # 10^7 rows
    """
    from chainscreen.pipeline import screen as run_screen
    from chainscreen.report.files import check_writable
    from chainscreen.settings import load_settings

    fmts = _parse_formats(formats)
    mapping = _parse_map(maps)
    if not manifest.exists():
        raise InputError("file not found", path=str(manifest))
    sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
    settings = load_settings(settings_path, lists=list(lists) or None)
    if max_list_age is not None:
        from chainscreen.reference import check_list_ages, load_reference

        check_list_ages(load_reference(lists=settings.lists), max_list_age)
    targets = _targets(manifest, outdir, fmts)
    for path in targets.values():
        check_writable(path, force)

    t0 = time.perf_counter()
    progress = _Progress(not quiet and not as_json and sys.stderr.isatty())
    if stream is not False:
        from chainscreen.manifest import open_manifest

        opened = open_manifest(manifest, sheet=sheet_arg, mapping=mapping or None)
        memory_only = [f for f in fmts if f in ("xlsx", "md")]
        if "xlsx" in fmts and opened.estimated_rows >= XLSX_MAX_ROWS:
            raise InputError(f"has about {opened.estimated_rows:,} rows; an xlsx sheet holds at most "
                             f"{XLSX_MAX_ROWS - 1:,}: choose --format csv, parquet or jsonl (with html "
                             "for a summary)", path=str(manifest))
        if stream and memory_only:
            raise click.BadParameter(f"{', '.join(memory_only)} cannot be streamed; with --stream "
                                     "choose from csv, parquet, jsonl, json, html", param_hint="--format")
        if stream or (opened.estimated_rows > STREAM_ABOVE and not memory_only):
            try:
                _screen_streamed(opened, manifest, targets, settings, progress, quiet=quiet,
                                 as_json=as_json, fail_on=fail_on, t0=t0, stored=not no_store)
            finally:
                progress.close()
            return

    store = run = None
    if not no_store:
        from chainscreen.store import open_store

        store = open_store(db)
        run = store.start_run(manifest, options={"sheet": sheet_arg, "mapping": mapping,
                                                 "lists": list(lists)})
    try:
        result = run_screen(manifest, settings=settings, sheet=sheet_arg, mapping=mapping or None,
                            progress=progress)
        progress.close()
        if store is not None and run is not None:
            # Also sets each row's reviewer decision, so the outputs below show it.
            run = store.finish_run(run.id, result)
    except BaseException as exc:
        if store is not None and run is not None:
            store.fail_run(run.id, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        progress.close()
        if store is not None:
            store.close()
    written = _write_outputs(result, targets)
    elapsed = time.perf_counter() - t0
    counts = result.counts()
    if as_json:
        click.echo(json.dumps({
            "input": str(manifest), "rows": len(result.rows), "levels": counts,
            "outputs": {k: str(v) for k, v in written.items()}, "seconds": round(elapsed, 3),
            "receipt": result.receipt,
            "run": {"id": run.id, "uid": run.uid} if run is not None else None,
        }, ensure_ascii=False, indent=1))
    elif not quiet:
        _print_summary(result, written, elapsed)
        if run is not None:
            click.echo(f"\nStored as run {run.id} ({run.uid[:8]}); review its hits with: "
                       f"chainscreen review {run.id}")
    exit_on_hits(result.counts(), fail_on)


def _targets(manifest: Path, outdir: Path, fmts: list[str]) -> dict[str, Path]:
    stem = manifest.stem
    names = {"xlsx": f"{stem}.screened.xlsx", "html": f"{stem}.html", "md": f"{stem}.md",
             "json": f"{stem}.json", "csv": f"{stem}.screened.csv",
             "parquet": f"{stem}.screened.parquet", "jsonl": f"{stem}.screened.jsonl"}
    return {f: outdir / names[f] for f in fmts}


def _write_outputs(result: Any, targets: dict[str, Path]) -> dict[str, Path]:
    from chainscreen.report import render
    from chainscreen.report.workbook import write_workbook

    written: dict[str, Path] = {}
    for fmt, path in targets.items():
        if fmt == "xlsx":
            written[fmt] = write_workbook(result, path)
        elif fmt == "html":
            written[fmt] = render.write_text(render.render(result, "screening.html.j2"), path)
        elif fmt == "md":
            written[fmt] = render.write_text(render.render(result, "screening.md.j2"), path)
        elif fmt == "json":
            written[fmt] = render.write_json(result, path)
        elif fmt == "csv":
            written[fmt] = render.write_csv(result, path)
        elif fmt in ("parquet", "jsonl"):
            from chainscreen.report.stream import write_result

            written[fmt] = write_result(result, fmt, path)
    return written


def _screen_streamed(opened: Any, manifest: Path, targets: dict[str, Path], settings: Any,
                     progress: _Progress, *, quiet: bool, as_json: bool, fail_on: str | None,
                     t0: float, stored: bool) -> None:
    """Screen chunk by chunk, writing every output as it goes; nothing is held per row."""
    from chainscreen.pipeline import iter_screen
    from chainscreen.report.stream import StreamOutputs

    screening = iter_screen(opened, settings=settings, progress=progress)
    with StreamOutputs(targets) as outputs:
        for chunk in screening:
            outputs.write(chunk)
        written = outputs.commit(screening)
    progress.close()
    elapsed = time.perf_counter() - t0
    counts = screening.counts
    # The run store takes a whole ScreenResult; a streamed run is not held in memory, so it is
    # not stored (the outputs and their receipt are the record).
    note = "streamed runs are not stored in the run database" if stored else None
    if as_json:
        click.echo(json.dumps({
            "input": str(manifest), "rows": screening.rows, "levels": counts,
            "outputs": {k: str(v) for k, v in written.items()}, "seconds": round(elapsed, 3),
            "receipt": screening.receipt, "run": None, "streamed": True,
            **({"note": note} if note else {}),
        }, ensure_ascii=False, indent=1))
    elif not quiet:
        rate = screening.rows / elapsed if elapsed else 0.0
        click.echo(f"Screened {screening.rows:,} rows of {manifest.name} in {elapsed:.1f} s "
                   f"({rate:,.0f} rows/s, streamed)")
        for level in LEVEL_ORDER:
            click.echo("  " + click.style(f"{level:<13}", fg=LEVEL_COLOURS[level], bold=level == "high")
                       + f"{counts[level]:>11,}")
        if screening.problems:
            click.echo(f"\n{len(screening.problems)} file-level problem(s), e.g. {screening.problems[0]}")
        click.echo("\nWrote:")
        for path in written.values():
            click.echo(f"  {path}")
        if note:
            click.echo(f"\nNote: {note}.")
    exit_on_hits(counts, fail_on)


def _print_summary(result: Any, written: dict[str, Path], elapsed: float) -> None:
    counts = result.counts()
    n = len(result.rows)
    click.echo(f"Screened {n} rows of {result.receipt['input']['file']} in {elapsed:.2f} s")
    for level in LEVEL_ORDER:
        click.echo("  " + click.style(f"{level:<13}", fg=LEVEL_COLOURS[level], bold=level == "high")
                   + f"{counts[level]:>7}")
    flagged = [r for r in result.rows if r.level in ("high", "elevated")]
    if flagged:
        click.echo("\nTop flagged rows:")
        for r in sorted(flagged, key=lambda r: -r.score)[:10]:
            reason = r.reasons[0] if r.reasons else ""
            click.echo(f"  row {r.row:>5}  " + click.style(f"{r.level:<9}", fg=LEVEL_COLOURS[r.level])
                       + f" {r.score:5.1f}  {(r.supplier or '—')[:40]:<40}  {reason[:110]}")
    problems = result.all_problems()
    if problems:
        click.echo(f"\n{len(problems)} problem(s) in the input, e.g. {problems[0]}")
    click.echo("\nWrote:")
    for path in written.values():
        click.echo(f"  {path}")


