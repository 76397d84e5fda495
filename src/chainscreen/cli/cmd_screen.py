"""`chainscreen screen`: screen a manifest file and write the outputs."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from chainscreen.cli import (
    LEVEL_COLOURS,
    cli,
    config,
    exit_on_hits,
    load_settings_checked,
    reference,
    screening_options,
    store_url,
)
from chainscreen.errors import InputError
from chainscreen.models import LEVELS
from chainscreen.report.outputs import DEFAULT_FORMATS, FORMATS, parse_formats
from chainscreen.run import STREAM_ABOVE


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
@click.argument("manifest", type=click.Path(path_type=str))
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("chainscreen-out"), show_default=True, help="Folder for the outputs.")
@click.option("-f", "--format", "formats", default=",".join(DEFAULT_FORMATS), show_default=True,
              help=f"Comma-separated outputs: {', '.join(FORMATS)} (parquet and jsonl: "
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
@click.option("--strict", is_flag=True, default=None,
              help="A missing supplier or country column is an error (exit 1), not a partial "
                   "screen. Setting: strict = true.")
@click.option("--stream/--no-stream", "stream", default=None,
              help=f"Read and write in chunks, in flat memory (default: above {STREAM_ABOVE:,} rows). "
                   "Streamed runs write xlsx (up to Excel's row limit), csv, parquet, jsonl, json and "
                   "a summary html; Markdown is skipped, with the reason.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
              help="spark: screen on Apache Spark (pip install 'chainscreen[spark]', Java 17); MANIFEST "
                   "may then also be a folder of csv/tsv/parquet/jsonl files, a URL Spark reads "
                   "(s3a://..., file://...) or a Spark table name; writes parquet (a folder), "
                   "html, json and jsonl.")
@click.option("--spark-master", metavar="URL",
              help="With --engine spark: the Spark master (default: the active session, else local[*]).")
@click.option("--partitions", type=click.IntRange(min=1), metavar="N",
              help="With --engine spark: tasks that screen the distinct facts (spark.sql.shuffle.partitions; "
                   "default: two per core Spark has).")
def screen(manifest: str, outdir: Path, formats: str, sheet: str | None, maps: tuple[str, ...],
           settings_path: Path | None, lists: tuple[str, ...], fail_on: str | None, force: bool,
           as_json: bool, quiet: bool, db: str | None, no_store: bool,
           max_list_age: int | None, stream: bool | None, strict: bool | None,
           require_latest: bool, engine: str, spark_master: str | None,
           partitions: int | None) -> None:
    """Screen MANIFEST (csv, tsv, txt, xlsx, xls, ods, parquet, jsonl) and write the outputs to --out.

    Every input row comes back with a risk level (high, elevated, low, clear, unscreenable),
    a score with its formula, the evidence found and the list editions it came from.

    \b
    Examples:
      chainscreen screen sample_inputs/importer_suppliers.xlsx
      chainscreen screen entries.csv --map supplier="Shipper Name" --format xlsx,html,csv
      chainscreen screen lines.csv --format json -o results --json --fail-on elevated
      chainscreen screen lines.csv --lists dol-tvpra@2020-09-30 --max-list-age 3650
      chainscreen screen lines.csv --db sqlite:///team-runs.sqlite   # then: chainscreen review latest
      chainscreen screen bills_of_lading.csv --format parquet,html --stream   # 10^7 rows
      chainscreen screen bills/ --engine spark --partitions 8 --format parquet,html   # a Parquet folder
      chainscreen screen factory_list.xls --strict   # exit 1 without a supplier and a country column
    """
    from dataclasses import replace

    from chainscreen.run import screen_run

    try:
        fmts = parse_formats(formats)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="--format") from None
    mapping = _parse_map(maps)
    sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
    settings = load_settings_checked(settings_path, lists, max_list_age, require_latest)
    if strict:
        settings = replace(settings, strict=True)
    progress = _Progress(not quiet and not as_json and sys.stderr.isatty())
    if engine == "spark":
        from chainscreen.spark import spark_session

        spark_session(spark_master, partitions)
    with _maybe_store(db, stored=not no_store) as store:
        try:
            run = screen_run(manifest, settings, sheet=sheet_arg, mapping=mapping or None, store=store,
                             outdir=outdir, formats=fmts, force=force, reference=reference(settings.lists),
                             stream="auto" if stream is None else stream, progress=progress,
                             options={"lists": list(lists)}, engine=engine,  # type: ignore[arg-type]
                             spark_master=spark_master, partitions=partitions, cache=config().cache_dir)
        finally:
            progress.close()
    if as_json:
        click.echo(json.dumps(run.summary(), ensure_ascii=False, indent=1))
    elif not quiet:
        _print_summary(run)
    exit_on_hits(run.counts, fail_on)


@contextmanager
def _maybe_store(db: str | None, *, stored: bool = True) -> Iterator[Any]:
    """The run store (None when not ``stored``: --no-store), closed afterwards."""
    if not stored:
        yield None
        return
    from chainscreen.store import open_store

    store = open_store(store_url(db))
    try:
        yield store
    finally:
        store.close()


def _print_summary(run: Any) -> None:
    counts = run.counts
    name = run.receipt["input"]["file"] or run.input.name
    how = f" ({run.rows / run.seconds:,.0f} rows/s, streamed)" if run.streamed and run.seconds else ""
    click.echo(f"Screened {run.rows:,} rows of {name} in {run.seconds:.2f} s{how}")
    for level in LEVELS:
        click.echo("  " + click.style(f"{level:<13}", fg=LEVEL_COLOURS[level], bold=level == "high")
                   + f"{counts[level]:>9,}")
    _print_columns(run.receipt.get("coverage"))
    if run.result is not None:
        _print_triage(run.result)
    problems = run.all_problems()
    if problems:
        click.echo(f"\n{len(problems)} problem(s) in the input, e.g. {problems[0]}")
    click.echo("\nWrote:")
    for path in run.written.values():
        click.echo(f"  {path}")
    for fmt, why in run.skipped.items():
        click.echo(click.style(f"  not written: {fmt}: {why}", fg="yellow"))
    if run.stored is not None:
        click.echo(f"\nStored as run {run.stored.id} ({run.stored.uid[:8]}); review its hits with: "
                   f"chainscreen review {run.stored.id}")


def _print_columns(coverage: dict[str, Any] | None) -> None:
    """Which column holds what and how it was found; a missing key role loudly, with its fix."""
    if not coverage:
        return
    how = {"map": "--map", "language": "language"}
    found = [f"{r['role']} ← {r['header']!r} ({how.get(r['how'], r['how'])}"
             + (f", {r['language']}" if r.get("language") else "") + ")" for r in coverage["roles"]]
    click.echo("\nColumns: " + ("; ".join(found) if found else "none recognised"))
    if coverage.get("headerless"):
        click.echo("  (no header row: the columns were named column_1, column_2, ...)")
    aside = [f"{r['header']!r} ({r['role']})" for r in coverage.get("set_aside", [])]
    if aside:
        click.echo("  not screened as supplier or origin: " + ", ".join(aside))
    rows = coverage["rows"]
    for gap in coverage["missing"]:
        what = {"supplier": "the entity lists", "country": "the origin's country lists",
                "goods": "the goods lists"}[gap["role"]]
        click.echo(click.style(f"  MISSING {gap['role']} column: {gap['rows_unscreened']:,} of {rows:,} rows "
                               f"not screened against {what}. Fix: {gap['fix']}", fg="yellow", bold=True))
    if coverage["missing"] and coverage.get("unmapped_headers"):
        click.echo("  other headers: " + ", ".join(coverage["unmapped_headers"][:12])
                   + (" ..." if len(coverage["unmapped_headers"]) > 12 else ""))


def _print_triage(result: Any) -> None:
    """The rows to act on first, in the triage order every output uses."""
    from collections import Counter

    from chainscreen.result import TRIAGE_GROUPS, line_values, triage_group, triage_order

    groups = Counter(triage_group(r) for r in result.rows)
    act = [r for r in result.rows if triage_group(r) < 3 or r.level in ("high", "elevated")]
    if not act:
        return
    click.echo("\n" + " · ".join(f"{TRIAGE_GROUPS[g]}: {groups[g]:,}" for g in range(4)))
    click.echo("Act first (entity hits, then Xinjiang nexus, then sector risk by score):")
    for r in triage_order(act, line_values(result))[:10]:
        reason = r.reasons[0] if r.reasons else ""
        click.echo(f"  row {r.row:>5}  " + click.style(f"{r.level:<9}", fg=LEVEL_COLOURS[r.level])
                   + f" {r.score:5.1f}  {TRIAGE_GROUPS[triage_group(r)]:<14}  {(r.supplier or '—')[:36]:<36}  "
                   + reason[:100])
