"""Command-line interface. Click lives here and nowhere else: parse options, call the library,
print, and map errors to exit codes (0 ok, 1 error, 2 usage, 3 hits at or above --fail-on)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from chainscreen import __version__
from chainscreen.errors import ChainscreenError, ExitCode, InputError

LEVEL_ORDER = ("high", "elevated", "low", "clear", "unscreenable")
LEVEL_COLOURS = {"high": "red", "elevated": "yellow", "low": "bright_yellow", "clear": "green",
                 "unscreenable": "white"}
FORMATS = ("xlsx", "html", "md", "json", "csv")


class _Group(click.Group):
    """Turns ChainscreenError into one line on stderr and its exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChainscreenError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            ctx.exit(int(exc.exit_code))
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug, not bad input: still one line unless asked for more
            if os.environ.get("CHAINSCREEN_DEBUG"):
                raise
            click.secho(f"internal error: {type(exc).__name__}: {exc} "
                        "(set CHAINSCREEN_DEBUG=1 for the traceback)", fg="red", err=True)
            ctx.exit(int(ExitCode.ERROR))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="chainscreen")
def cli() -> None:
    """Screen supply-chain manifests for forced-labour and child-labour risk.

    \b
    Examples:
      chainscreen screen suppliers.xlsx                 # annotated workbook + HTML report
      chainscreen screen lines.csv --format json -o out # JSON for programs
      chainscreen screen lines.csv --fail-on high       # exit 3 if any row is high
      chainscreen check "Hoshine Silicon" --country CN  # one supplier, before a contract
      chainscreen lists                                 # the risk lists shipped, with editions

    Exit codes: 0 ok, 1 error, 2 usage error, 3 rows at or above --fail-on.
    """


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
        raise click.BadParameter(f"unknown format {', '.join(bad) or value!r}; choose from {', '.join(FORMATS)}",
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
@click.option("--fail-on", type=click.Choice(["high", "elevated", "low"]),
              help="Exit with code 3 when any row is at or above this level.")
@click.option("--force", is_flag=True, help="Overwrite outputs that already exist.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout instead of text.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary; errors only.")
def screen(manifest: Path, outdir: Path, formats: str, sheet: str | None, maps: tuple[str, ...],
           settings_path: Path | None, lists: tuple[str, ...], fail_on: str | None, force: bool,
           as_json: bool, quiet: bool) -> None:
    """Screen MANIFEST (csv, tsv, xlsx, parquet, jsonl) and write the outputs to --out.

    Every input row comes back with a risk level (high, elevated, low, clear, unscreenable),
    a score with its formula, the evidence found and the list editions it came from.

    \b
    Examples:
      chainscreen screen sample_inputs/importer_suppliers.xlsx
      chainscreen screen entries.csv --map supplier="Shipper Name" --format xlsx,html,csv
      chainscreen screen lines.csv --format json -o results --json --fail-on elevated
    """
    from chainscreen.report.files import check_writable
    from chainscreen.screen import screen as run_screen
    from chainscreen.settings import load_settings

    fmts = _parse_formats(formats)
    mapping = _parse_map(maps)
    if not manifest.exists():
        raise InputError("file not found", path=str(manifest))
    sheet_arg: str | int | None = int(sheet) if sheet and sheet.isdigit() else sheet
    settings = load_settings(settings_path, lists=list(lists) or None)
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

    try:
        result = run_screen(manifest, settings=settings, sheet=sheet_arg, mapping=mapping or None,
                            progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    written = _write_outputs(result, targets)
    elapsed = time.perf_counter() - t0
    counts = result.counts()
    if as_json:
        click.echo(json.dumps({
            "input": str(manifest), "rows": len(result.rows), "levels": counts,
            "outputs": {k: str(v) for k, v in written.items()}, "seconds": round(elapsed, 3),
            "receipt": result.receipt,
        }, ensure_ascii=False, indent=1))
    elif not quiet:
        _print_summary(result, written, elapsed)
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


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--country", help="Country of origin or of the supplier (name or ISO code).")
@click.option("--hs", "hs_code", help="HS / HTS code of the goods, e.g. 2804.61.")
@click.option("--goods", help="Description of the goods, e.g. 'polysilicon'.")
@click.option("--address", help="Supplier address (a Xinjiang address is itself evidence).")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A chainscreen.toml with weights, cut points and thresholds.")
@click.option("--lists", "lists", multiple=True, metavar="ID[@EDITION]",
              help="Use only these lists (repeatable).")
@click.option("--fail-on", type=click.Choice(["high", "elevated", "low"]),
              help="Exit with code 3 when any name is at or above this level.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the screen output contract).")
def check(names: tuple[str, ...], country: str | None, hs_code: str | None, goods: str | None,
          address: str | None, settings_path: Path | None, lists: tuple[str, ...],
          fail_on: str | None, as_json: bool) -> None:
    """Check one supplier (or several) before a contract: verdict, evidence, candidates.

    With no NAMES, reads one name per line from standard input.

    \b
    Examples:
      chainscreen check "Hoshine Silicon Industry" --country CN --hs 2804.61
      chainscreen check "Acme Textiles" --country Bangladesh --goods "cotton t-shirts"
      cat suppliers.txt | chainscreen check --country CN --fail-on high --json
    """
    import pandas as pd

    from chainscreen.screen import screen as run_screen
    from chainscreen.settings import load_settings

    if not names:
        if sys.stdin is None or sys.stdin.isatty():
            raise click.UsageError("give a NAME, or names on standard input (one per line)")
        names = tuple(line.strip() for line in sys.stdin if line.strip())
        if not names:
            raise click.UsageError("no names on standard input")
    frame = pd.DataFrame({
        "supplier": list(names),
        "country": [country or ""] * len(names),
        "goods": [goods or ""] * len(names),
        "hs_code": [hs_code or ""] * len(names),
        "address": [address or ""] * len(names),
    })
    settings = load_settings(settings_path, lists=list(lists) or None)
    mapping = {f: f for f in ("supplier", "country", "goods", "hs_code", "address")}
    result = run_screen(frame, settings=settings, mapping=mapping)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        for r in result.rows:
            _print_check(r)
    if fail_on:
        threshold = LEVEL_ORDER.index(fail_on)
        if any(r.level in LEVEL_ORDER[: threshold + 1] for r in result.rows):
            sys.exit(int(ExitCode.HITS))


def _print_check(r: Any) -> None:
    head = click.style(f"{r.level.upper():<12}", fg=LEVEL_COLOURS[r.level], bold=True)
    click.echo(f"{head} {r.score:5.1f}  {r.supplier or '—'}" + (f"  [{r.country}]" if r.country else ""))
    click.echo(f"  formula: {r.formula}")
    for reason in r.reasons:
        click.echo(f"  - {reason}")
    if r.candidates:
        click.echo("  candidates considered:")
        for c in r.candidates:
            click.echo(f"    {c.score:.2f} {c.decision:<7} {c.record.name}  ({c.record.list_id}"
                       f"{', alias ' + repr(c.matched_name) if c.matched_name != c.record.name else ''})")
            if c.reasons:
                click.echo(f"         why: {'; '.join(c.reasons)}")
    click.echo()


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@click.pass_context
def lists(ctx: click.Context, as_json: bool) -> None:
    """Show the risk lists chainscreen uses: id, edition, records and age.

    \b
    Examples:
      chainscreen lists
      chainscreen lists --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from datetime import date

    from chainscreen.reference import load_catalogue

    catalogue = load_catalogue()
    today = date.today()
    if as_json:
        click.echo(json.dumps([{**_info_dict(i), "age_days": i.age_days(today)} for i in catalogue],
                              indent=1, ensure_ascii=False))
        return
    click.echo(f"{'id':<24} {'kind':<12} {'edition':<12} {'records':>8} {'age (days)':>10}  title")
    for i in catalogue:
        age = i.age_days(today)
        stale = age is not None and i.refresh_days is not None and age > i.refresh_days
        age_txt = click.style(f"{age:>10}", fg="yellow") if stale else f"{age if age is not None else '?':>10}"
        click.echo(f"{i.id:<24} {i.kind:<12} {i.edition:<12} {i.records:>8} {age_txt}  {i.title}")


def _info_dict(info: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(info)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="chainscreen")


if __name__ == "__main__":  # pragma: no cover
    main()
