"""`chainscreen screen`: screen a manifest file and write the outputs."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from chainscreen.cli import FORMATS, LEVEL_COLOURS, LEVEL_ORDER, cli
from chainscreen.errors import ExitCode, InputError


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


def _parse_formats(value: str) -> list[str]:
    fmts = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise click.BadParameter(
            f"unknown format {', '.join(bad) or value!r}; choose from {', '.join(FORMATS)}",
            param_hint="--format")
    return fmts


@cli.command()
@click.argument("manifest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("chainscreen-out"), show_default=True, help="Folder for the outputs.")
@click.option("-f", "--format", "formats", default="xlsx,html,json", show_default=True,
              help=f"Comma-separated outputs: {', '.join(FORMATS)}.")
@click.option("--sheet", help="Worksheet name or 1-based number (xlsx; default: the first).")
@click.option("--map", "maps", multiple=True, metavar="FIELD=HEADER",
              help="Use HEADER for FIELD (supplier, country, goods, hs_code, address, ...). Repeatable.")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A chainscreen.toml with weights, cut points and thresholds.")
@click.option("--lists", "lists", multiple=True, metavar="ID[@EDITION]",
              help="Use only these lists (repeatable; pin an edition with @). Default: all, newest.")
@click.option("--max-list-age", type=click.IntRange(min=0), metavar="DAYS",
              help="Fail (exit 1) if a risk list in use is older than DAYS, e.g. 730; "
                   "`chainscreen lists status` shows ages.")
@click.option("--fail-on", type=click.Choice(["high", "elevated", "low"]),
              help="Exit with code 3 when any row is at or above this level.")
@click.option("--force", is_flag=True, help="Overwrite outputs that already exist.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout instead of text.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary; errors only.")
@click.option("--db", envvar="CHAINSCREEN_DB", metavar="URL",
              help="Run database, any SQLAlchemy URL (e.g. postgresql://user@host/db); default: "
                   "a SQLite file in the user data folder. Env: CHAINSCREEN_DB.")
@click.option("--no-store", is_flag=True, help="Do not store the run in the run database.")
def screen(manifest: Path, outdir: Path, formats: str, sheet: str | None, maps: tuple[str, ...],
           settings_path: Path | None, lists: tuple[str, ...], fail_on: str | None, force: bool,
           as_json: bool, quiet: bool, db: str | None, no_store: bool,
           max_list_age: int | None) -> None:
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
    """
    from chainscreen.report.files import check_writable
    from chainscreen.pipeline import screen as run_screen
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
    show_progress = not quiet and not as_json and sys.stderr.isatty()
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not show_progress or total < 20000:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="screening", file=sys.stderr, show_eta=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    store = run = None
    if not no_store:
        from chainscreen.store import open_store

        store = open_store(db)
        run = store.start_run(manifest, options={"sheet": sheet_arg, "mapping": mapping,
                                                 "lists": list(lists)})
    try:
        result = run_screen(manifest, settings=settings, sheet=sheet_arg, mapping=mapping or None,
                            progress=progress)
        if store is not None and run is not None:
            # Also sets each row's reviewer decision, so the outputs below show it.
            run = store.finish_run(run.id, result)
    except BaseException as exc:
        if store is not None and run is not None:
            store.fail_run(run.id, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
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
    if fail_on:
        threshold = LEVEL_ORDER.index(fail_on)
        if any(r.level in LEVEL_ORDER[: threshold + 1] for r in result.rows):
            sys.exit(int(ExitCode.HITS))


def _targets(manifest: Path, outdir: Path, fmts: list[str]) -> dict[str, Path]:
    stem = manifest.stem
    names = {"xlsx": f"{stem}.screened.xlsx", "html": f"{stem}.html", "md": f"{stem}.md",
             "json": f"{stem}.json", "csv": f"{stem}.screened.csv"}
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
    return written


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


