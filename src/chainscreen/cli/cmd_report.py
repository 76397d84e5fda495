"""`chainscreen report`: disclosure drafts (S-211, UK and AU modern slavery, UFLPA evidence index),
NGO sector briefs, the completeness check and the profile template."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from chainscreen.cli import cli, reference, reference_args, store_url
from chainscreen.errors import ExitCode, InputError

DRAFT_FORMATS = ("html", "md", "docx", "pdf")
#: What each regime command is about, for its help text.
REGIME_HELP = {
    "s211": "Canada: annual report under the Fighting Against Forced Labour and Child Labour in "
            "Supply Chains Act (S-211), one section per element of s. 11, approval and attestation.",
    "uk-msa": "UK: Modern Slavery Act 2015 s. 54 statement (the statement, six areas, approval).",
    "au-msa": "Australia: Modern Slavery Act 2018 s. 16 statement (seven mandatory criteria, approval).",
    "uflpa-evidence": "US: index of the evidence an importer needs under the UFLPA for a shipment "
                      "or supplier (supply-chain map, list checks with editions, decisions).",
}


@cli.group(invoke_without_command=True)
@click.option("--run", "run_ref", metavar="RUN",
              help="Write RUN's reviewed outputs: the workbook, HTML report and JSON with the "
                   "reviewers' decisions applied (as the review web app's downloads).")
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("chainscreen-out"), show_default=True, help="Folder for --run's outputs.")
@click.option("-f", "--format", "formats", default="xlsx,html,json", show_default=True,
              help="With --run: comma-separated xlsx, html, md, json, csv.")
@click.option("--force", is_flag=True, help="With --run: overwrite outputs that already exist.")
@click.option("--db", envvar="CHAINSCREEN_DB", metavar="URL",
              help="Run database for --run, any SQLAlchemy URL; default: a SQLite file in the user "
                   "data folder. Env: CHAINSCREEN_DB.")
@click.pass_context
def report(ctx: click.Context, run_ref: str | None, outdir: Path, formats: str, force: bool,
           db: str | None) -> None:
    """Draft disclosures and sector briefs from a profile and screening runs, or write a stored
    run's reviewed outputs (--run). Not legal advice.

    With --run, a dismissed hit no longer counts towards its row's level and every row a
    reviewer decided on says so ("cleared by ana on 2026-01-05: ...").

    \b
    Examples:
      chainscreen report --run latest -o reviewed
      chainscreen report init-profile -o company.toml
      chainscreen report s211 --profile company.toml suppliers.xlsx -o drafts/s211 --format html,pdf
      chainscreen report s211 --profile company.toml --results run.json --check
      chainscreen report sector --goods cotton --country CN suppliers.xlsx -o cotton
    """
    if ctx.invoked_subcommand is not None:
        if run_ref is not None:
            raise click.UsageError("--run before a subcommand writes a run's reviewed outputs; "
                                   "give the subcommand its own --run (after its name)")
        return
    if run_ref is None:
        click.echo(ctx.get_help())
        return
    from chainscreen.cli import reference_args, store_url
    from chainscreen.files import check_writable
    from chainscreen.reviewed import (
        REVIEWED_FORMATS,
        reviewed_names,
        run_reference,
        stored_result,
        write_reviewed,
    )
    from chainscreen.store import open_store

    fmts = [f.strip().lower() for f in formats.split(",") if f.strip()]
    bad = [f for f in fmts if f not in REVIEWED_FORMATS]
    if bad or not fmts:
        raise click.BadParameter(f"unknown format {', '.join(bad) or formats!r}; choose from "
                                 f"{', '.join(REVIEWED_FORMATS)}", param_hint="--format")
    with open_store(store_url(db)) as store:
        run = store.resolve(run_ref)
        targets = {f: outdir / name for f, name in reviewed_names(run, fmts).items()}
        for path in targets.values():
            check_writable(path, force)
        with stored_result(store, run, reference=run_reference(run, **reference_args())) as result:
            written = write_reviewed(result, targets)
    decided = sum(1 for r in result.rows if r.decision)
    click.echo(f"{run.label} ({run.input_name}): {decided} row(s) with a reviewer's decision", err=True)
    for path in written.values():
        click.echo(str(path))


#: Where the --db option leaves its value for :func:`load_runs` (``click.Context.meta`` key).
DB_META = "chainscreen.report.db"


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    # --db is not a parameter of the report commands themselves: only load_runs reads it.
    ctx.meta[DB_META] = value
    return value


def load_runs(refs: tuple[str, ...], db: str | None = None) -> list[dict[str, Any]]:
    """Stored runs as ``ScreenResult.to_dict()`` dicts, in the order given, with the reviewers'
    decisions in force applied: a dismissed hit no longer counts towards its row's level, so a
    draft does not report a supplier a reviewer cleared. A run whose input was not kept (over
    100 MiB) and whose file is gone or changed comes as stored (``Store.result_dict``), its
    decisions not applied, and says so in its problems.

    ``refs`` are what ``chainscreen runs`` accepts: an id, ``latest`` or a uid prefix. ``db`` is
    the database URL; by default the ``--db`` option's value (``$CHAINSCREEN_DB``), else the
    user's default store. The one place that reads the run store for reports.
    """
    if not refs:
        return []
    from chainscreen.reviewed import run_reference, stored_result
    from chainscreen.store import StoreError, open_store

    if db is None:
        ctx = click.get_current_context(silent=True)
        db = ctx.meta.get(DB_META) if ctx is not None else None
    out: list[dict[str, Any]] = []
    with open_store(store_url(db)) as st:
        for ref in refs:
            run = st.resolve(ref)
            data = st.result_dict(run.id)  # raises for a run that did not finish
            try:
                with stored_result(st, run, reference=run_reference(run, **reference_args())) as result:
                    data = result.to_dict()
            except StoreError as exc:  # the input is neither kept nor unchanged on disk
                data["problems"].append({"row": None, "column": None, "severity": "warning",
                                         "reason": f"{exc}; the reviewers' decisions are not "
                                                   "applied to its rows"})
            out.append(data)
    return out


def gather_results(results: tuple[Path, ...], manifests: tuple[Path, ...],
                   runs: tuple[str, ...]) -> list[dict[str, Any]]:
    """Results JSON files, then stored runs, then manifests screened now, as contract dicts."""
    from chainscreen.contract import load_results

    out: list[dict[str, Any]] = [load_results(path) for path in results]
    out.extend(load_runs(runs))
    if manifests:
        from chainscreen.pipeline import screen as run_screen

        for path in manifests:
            if not path.exists():
                raise InputError("file not found", path=str(path))
            out.append(run_screen(path, reference=reference(None)).to_dict())
    return out


def _formats(value: str) -> list[str]:
    fmts = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in fmts if f not in DRAFT_FORMATS]
    if bad or not fmts:
        raise click.BadParameter(f"unknown format {', '.join(bad) or value!r}; choose from "
                                 f"{', '.join(DRAFT_FORMATS)}", param_hint="--format")
    return fmts


def _targets(out: Path, fmts: list[str]) -> dict[str, Path]:
    """``-o drafts/s211`` → drafts/s211.html, .md ...; ``-o x.pdf`` with one format → x.pdf."""
    if len(fmts) == 1 and out.suffix.lower() == f".{fmts[0]}":
        return {fmts[0]: out}
    base = out.with_suffix("") if out.suffix.lower() in {f".{f}" for f in DRAFT_FORMATS} else out
    return {f: base.with_name(f"{base.name}.{f}") for f in fmts}


def _today(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--today") from None


def _write(name: str, ctx: dict[str, Any], fmts: list[str], out: Path, force: bool) -> list[Path]:
    from chainscreen.files import check_writable
    from chainscreen.report.disclosure import write_draft

    targets = _targets(out, fmts)
    for path in targets.values():
        check_writable(path, force)
    return [write_draft(name, ctx, fmt, path) for fmt, path in targets.items()]


def _inputs(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.argument("manifests", nargs=-1, type=click.Path(dir_okay=False, path_type=Path)),
        click.option("--results", "results", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="A `screen --format json` output to take figures from (repeatable)."),
        click.option("--run", "runs", multiple=True, metavar="RUN",
                     help="A stored run to take figures from: an id from `chainscreen runs`, "
                          "'latest' or a uid prefix (repeatable), e.g. --run latest --run 3."),
        click.option("--db", envvar="CHAINSCREEN_DB", metavar="URL", expose_value=False,
                     callback=_remember_db,
                     help="Run database for --run, any SQLAlchemy URL, e.g. sqlite:///runs.sqlite; "
                          "default: a SQLite file in the user data folder. Env: CHAINSCREEN_DB."),
        click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
                     help="Output file; one file per format with the format's suffix."),
        click.option("-f", "--format", "formats", default="html,md", show_default=True,
                     help=f"Comma-separated: {', '.join(DRAFT_FORMATS)} (pdf needs chainscreen[pdf], "
                          "docx chainscreen[docx])."),
        click.option("--today", metavar="YYYY-MM-DD",
                     help="Date the draft as of this day (list ages, deadline check); default today."),
        click.option("--force", is_flag=True, help="Overwrite outputs that already exist."),
    ]):
        f = option(f)
    return f


def _make_regime_command(regime_id: str) -> None:
    @report.command(name=regime_id, help=f"""{REGIME_HELP[regime_id]}

    Figures come from MANIFEST files (screened now), --results JSON files or --run. --check lists
    every required element the profile and runs do not cover yet and exits 3 if any is missing.

    \b
    Examples:
      chainscreen report {regime_id} --profile company.toml suppliers.xlsx -o drafts/{regime_id}
      chainscreen report {regime_id} --profile company.toml --results out/suppliers.json --format html,pdf
      chainscreen report {regime_id} --profile company.toml --check
    """)
    @click.option("--profile", "profile_path", required=True,
                  type=click.Path(dir_okay=False, path_type=Path),
                  help="The organisation's profile TOML (`chainscreen report init-profile`).")
    @click.option("--check", "check_only", is_flag=True,
                  help="Only check completeness: list gaps, exit 3 if a required element is missing.")
    @click.option("--json", "as_json", is_flag=True, help="With --check: print the findings as JSON.")
    @_inputs
    def command(profile_path: Path, check_only: bool, as_json: bool, manifests: tuple[Path, ...],
                results: tuple[Path, ...], runs: tuple[str, ...], out: Path | None, formats: str,
                today: str | None, force: bool) -> None:
        from chainscreen.report import disclosure

        fmts = _formats(formats)
        day = _today(today)
        regime = disclosure.load_regimes()[regime_id]
        profile = disclosure.load_profile(profile_path)
        data = gather_results(results, manifests, runs)
        if check_only:
            rep = disclosure.check(regime, profile, data, today=day)
            _print_check(rep, profile_path, len(data), as_json)
            if not rep.ok:
                sys.exit(int(ExitCode.HITS))
            return
        ctx = disclosure.draft_context(regime, profile, data, today=day,
                                       generated_at=_stamp(today), profile_name=profile_path.name)
        written = _write(regime_id, ctx, fmts, out or Path(f"{regime_id}-draft"), force)
        rep = ctx["check"]
        click.echo(f"{regime_id}: {len(rep.missing)} required element(s) missing, "
                   f"{len(rep.warnings)} warning(s); run with --check for the list.", err=True)
        for path in written:
            click.echo(str(path))


def _stamp(today: str | None) -> str:
    # A fixed --today also fixes the generated stamp, so drafts can be compared byte for byte.
    if today:
        return f"{today}T00:00:00+00:00"
    return datetime.now(UTC).isoformat(timespec="seconds")


def _print_check(rep: Any, profile_path: Path, runs: int, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({
            "regime": rep.regime, "ok": rep.ok, "missing": len(rep.missing),
            "warnings": len(rep.warnings),
            "findings": [{"id": f.id, "status": f.status, "message": f.message, "title": f.title}
                         for f in rep.findings]}, ensure_ascii=False, indent=1))
        return
    click.echo(f"{rep.regime} completeness check: {profile_path.name}, {runs} screening run(s)")
    colours = {"ok": "green", "missing": "red", "warning": "yellow"}
    for f in rep.findings:
        label = click.style(f"{f.status.upper() if f.status == 'missing' else f.status:<8}",
                            fg=colours[f.status], bold=f.status == "missing")
        title = f" — {f.title[:70]}" if f.title else ""
        click.echo(f"  {label} {f.id:<22} {f.message}{title if f.status != 'ok' else ''}")
    verdict = "complete" if rep.ok else f"{len(rep.missing)} required element(s) missing"
    click.echo(f"{verdict}; {len(rep.warnings)} warning(s)")


for _rid in ("s211", "uk-msa", "au-msa", "uflpa-evidence"):
    _make_regime_command(_rid)


@report.command()
@click.option("--goods", "goods", multiple=True, required=True,
              help="A commodity word or phrase, read like a goods description (repeatable).")
@click.option("--country", "countries", multiple=True,
              help="Limit to this country (name or ISO code; repeatable).")
@_inputs
def sector(goods: tuple[str, ...], countries: tuple[str, ...], manifests: tuple[Path, ...],
           results: tuple[Path, ...], runs: tuple[str, ...], out: Path | None, formats: str,
           today: str | None, force: bool) -> None:
    """Sector brief for NGOs: which countries the lists name for some goods, with forced/child
    labour, TIP tiers, entity-list members in the sector and, with manifests, an importer's exposure.

    \b
    Examples:
      chainscreen report sector --goods cotton -o cotton-brief
      chainscreen report sector --goods cotton --country CN --country IN sample_inputs/importer_suppliers.xlsx
      chainscreen report sector --goods shrimp --goods "fish" --format html,pdf -o seafood
    """
    from chainscreen.report import disclosure

    fmts = _formats(formats)
    day = _today(today)
    data = gather_results(results, manifests, runs)
    ctx = disclosure.sector_context(list(goods), data, countries=list(countries), today=day,
                                    reference=reference(None),
                                    generated_at=_stamp(today))
    # the default file name: letters and digits only (a goods word is not a path)
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(goods).lower()).strip("-")[:40] or "goods"
    for path in _write("sector", ctx, fmts, out or Path(f"sector-{slug}"), force):
        click.echo(str(path))


@report.command(name="init-profile")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("company.toml"), show_default=True, help="Where to write the template.")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def init_profile(out: Path, force: bool) -> None:
    """Write a commented profile template to fill in (every element id, with its legal reference).

    \b
    Examples:
      chainscreen report init-profile -o company.toml
      chainscreen report s211 --profile company.toml --check
    """
    from chainscreen.files import check_writable
    from chainscreen.report.render import write_text
    from chainscreen.resources import templates_dir

    check_writable(out, force)
    write_text((templates_dir() / "profile.toml").read_text(encoding="utf-8"), out)
    click.echo(str(out))
