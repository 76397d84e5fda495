"""`chainscreen lists`: the risk lists, their editions and ages; import, diff, status, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from chainscreen.cli import cli, config, reference_args
from chainscreen.errors import ExitCode

#: Import formats, in the order help shows them (kept here so `--help` needs no import).
IMPORT_FORMATS = ("dol-tvpra", "dol-open-data", "dhs-uflpa-html", "cbp-wro", "opensanctions", "ofac",
                  "csv", "tip")


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@click.pass_context
def lists(ctx: click.Context, as_json: bool) -> None:
    """Show the risk lists chainscreen uses: id, edition, records, age, shipped or imported.

    Every edition is listed, shipped ones (read-only, inside the package) and the ones you
    imported (in your data folder); the newest edition of each id is used unless a screen
    pins another with --lists ID@EDITION.

    \b
    Examples:
      chainscreen lists
      chainscreen lists --json
      chainscreen lists import sdn.csv --format ofac --edition 2024-05-03
      chainscreen lists diff dol-tvpra 2020-09-30 2022-09-28
      chainscreen lists status
    """
    if ctx.invoked_subcommand is not None:
        return
    from datetime import date

    from chainscreen.reference import RISK_KINDS, all_editions, edition_age

    editions = all_editions(**reference_args())
    today = date.today()
    if as_json:
        click.echo(json.dumps([{**_info_dict(e.info), "origin": e.origin,
                                "age_days": edition_age(e.info.edition, today)}
                               for e in editions],
                              indent=1, ensure_ascii=False))
        return
    click.echo(f"{'id':<24} {'kind':<12} {'edition':<18} {'records':>8} {'age (days)':>10}  "
               f"{'origin':<8} title")
    for e in editions:
        i = e.info
        age = edition_age(i.edition, today)
        stale = i.kind in RISK_KINDS and age is not None and i.refresh_days is not None and age > i.refresh_days
        age_txt = f"{age if age is not None and i.kind in RISK_KINDS else '-':>10}"
        if stale:
            age_txt = click.style(age_txt, fg="yellow")
        click.echo(f"{i.id:<24} {i.kind:<12} {i.edition:<18} {i.records:>8} {age_txt}  "
                   f"{e.origin:<8} {i.title}")


def _info_dict(info: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(info)


@lists.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), required=True,
              help="The file's layout: dol-tvpra (DOL goods list, CSV or XLSX), dol-open-data "
                   "(the same list from DOL's open-data portal, years as ranges), dhs-uflpa-html "
                   "(the DHS UFLPA Entity List page saved from the browser), cbp-wro (CBP's "
                   "Withhold Release Orders and Findings CSV), opensanctions "
                   "(FtM JSON lines or targets.simple.csv), ofac (sdn.csv; add.csv and alt.csv "
                   "beside it are read too), csv (your watchlist), tip (country, tier, year).")
@click.option("--id", "list_id", metavar="ID",
              help="List id (default: the format's: dol-tvpra, uflpa-entity-list, tip-tiers, "
                   "ofac-sdn, os-<dataset>; required for csv).")
@click.option("--edition", metavar="DATE",
              help="Publication date YYYY-MM-DD (default: the date the file gives; today for "
                   "a watchlist).")
@click.option("--title", help="Title shown in reports (default: the format's).")
@click.option("--source-url", help="Where the file was downloaded (default: the publisher's page).")
@click.option("--scope", type=click.Choice(["forced-labour", "sanctions", "watchlist"]),
              help="What the list is about; decides the wording and weight of a match "
                   "(default: the format's).")
@click.option("--alias-sep", metavar="SEP",
              help="csv: separator of the aliases cell (default: '|' and ';').")
@click.option("--sheet", help="xlsx: worksheet name (default: the first).")
@click.option("--all-editions", is_flag=True,
              help="dol-open-data: also store every earlier edition the year ranges give (an "
                   "edition held with other content is stored as EDITION.dol-open-data).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_(file: Path, fmt: str, list_id: str | None, edition: str | None, title: str | None,
            source_url: str | None, scope: str | None, alias_sep: str | None,
            sheet: str | None, all_editions: bool, as_json: bool) -> None:
    """Import FILE, a list as its publisher distributes it, as a new edition.

    The file is validated (an error names the row and column), converted to chainscreen's
    format and stored with its sha256 in your data folder, beside the older editions (never
    overwriting them). Shipped lists stay as they are. Importing an edition you already have
    with the same content does nothing.

    \b
    Examples:
      chainscreen lists import dol_goods_2024.xlsx --format dol-tvpra --edition 2024-09-05
      chainscreen lists import goods.csv --format dol-open-data --all-editions
      chainscreen lists import uflpa-entity-list.html --format dhs-uflpa-html
      chainscreen lists import withhold-release-orders-findings-fy26-2026-06-23.csv --format cbp-wro
      chainscreen lists import sdn.csv --format ofac --edition 2024-05-03
      chainscreen lists import targets.simple.csv --format opensanctions --id uflpa-entity-list
      chainscreen lists import watchlist.csv --format csv --id my-watchlist
      chainscreen lists import tip_2025.csv --format tip
    """
    from chainscreen.importers import read_list
    from chainscreen.reference import diff_editions, store_earlier_editions, store_edition

    options: dict[str, object] = {}
    if fmt in ("dol-tvpra", "dol-open-data", "tip", "csv", "cbp-wro"):
        options["sheet"] = sheet
    if fmt == "csv":
        options["alias_sep"] = alias_sep
    imported = read_list(file, fmt, **options)
    if all_editions and not imported.earlier:
        raise click.UsageError(f"--all-editions: a {fmt} file gives one edition")
    earlier = store_earlier_editions(imported, list_id=list_id, scope=scope,
                                     user_root=config().lists_dir,
                                     root=config().reference_dir) if all_editions else []
    result = store_edition(imported, user_root=config().lists_dir, root=config().reference_dir,
                           list_id=list_id, edition=edition, title=title,
                           source_url=source_url, scope=scope)
    info = result.info
    summary: dict[str, Any] = {"status": result.status, "list": info.label(),
                               "origin": result.origin, "records": info.records,
                               "in_use": result.in_use.label() if result.in_use else None,
                               "replaces": result.replaces.label() if result.replaces else None,
                               "sha256": info.sha256, "path": str(result.path),
                               "sources": [{"file": n, "sha256": s} for n, s in imported.sources]}
    if earlier:
        summary["earlier"] = [{"status": r.status, "list": r.info.label(), "origin": r.origin,
                               "records": r.info.records} for r in earlier]
    diff = None
    if result.previous is not None and result.status == "added":
        diff = diff_editions(info.id, result.previous.edition, info.edition, **reference_args())
        summary["diff"] = {"from": result.previous.label(), "added": len(diff.added),
                           "removed": len(diff.removed), "changed": len(diff.changed)}
    if as_json:
        click.echo(json.dumps(summary, indent=1, ensure_ascii=False))
        return
    for r in earlier:
        if r.status == "unchanged":
            click.echo(f"{r.info.label()} is already held ({r.origin}, same content)")
        else:
            click.echo(f"Stored the earlier edition {r.info.label()}: {r.info.records} records")
    if result.status == "unchanged":
        click.echo(f"{info.label()} is already held ({result.origin}, same sha256 "
                   f"{info.sha256[:16]}..., {info.records} records): nothing stored")
        return
    click.echo(f"Imported {info.label()}: {info.records} records, sha256 {info.sha256[:16]}...")
    for name, sha in imported.sources:
        click.echo(f"  from {name} (sha256 {sha[:16]}...)")
    click.echo(f"  stored in {result.path}")
    if result.in_use is None or result.in_use == info:
        click.echo(f"  in use: the newest edition of {info.id}")
        if result.replaces is not None:
            click.echo(click.style(f"  it replaces the shipped edition {result.replaces.label()} "
                                   "in every screening from now on", fg="yellow")
                       + f" (pin the shipped one with --lists {result.replaces.label()})")
    else:
        click.echo(f"  not in use: {result.in_use.label()} ({result.in_use_origin}) is newer; "
                   f"screen with this edition with --lists {info.label()}")
    if diff is not None:
        click.echo(f"  compared with {diff.old.label()}: +{len(diff.added)} added, "
                   f"-{len(diff.removed)} removed, ~{len(diff.changed)} changed "
                   f"(chainscreen lists diff {info.id} {diff.old.edition} {info.edition})")
    if info.scope:
        click.echo(f"  scope: {info.scope}")


@lists.command()
@click.argument("list_id", metavar="ID")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--limit", type=click.IntRange(min=0), default=0,
              help="Show at most this many records per section (0 = all).")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
def diff(list_id: str, old: str | None, new: str | None, limit: int, as_json: bool) -> None:
    """Records added, removed and changed between two editions of list ID.

    Without OLD NEW, compares the two newest editions. Records are matched by their key
    (good and country, country and year, record id or name) and compared by content hash,
    so you can see what a new edition means before re-screening.

    \b
    Examples:
      chainscreen lists diff dol-tvpra
      chainscreen lists diff dol-tvpra 2020-09-30 2022-09-28
      chainscreen lists diff my-watchlist --json
    """
    from chainscreen.reference import diff_editions

    if (old is None) != (new is None):
        raise click.UsageError("give both OLD and NEW editions, or neither")
    d = diff_editions(list_id, old, new, **reference_args())
    if as_json:
        click.echo(json.dumps(d.to_dict(), indent=1, ensure_ascii=False))
        return
    click.echo(f"{d.old.label()} -> {d.new.label()} (key: {', '.join(d.key)})")
    click.echo(f"  {d.old.records} -> {d.new.records} records: +{len(d.added)} added, "
               f"-{len(d.removed)} removed, ~{len(d.changed)} changed, {d.unchanged} unchanged")
    show = (lambda xs: xs[:limit]) if limit else (lambda xs: xs)
    for title, mark, rows in (("Added", "+", d.added), ("Removed", "-", d.removed)):
        if rows:
            click.echo(f"\n{title}:")
            for r in show(rows):
                click.echo(click.style(f"  {mark} ", fg="green" if mark == "+" else "red")
                           + _describe(d.key_of(r), r, d.new.kind))
            if limit and len(rows) > limit:
                click.echo(f"  ... and {len(rows) - limit} more")
    if d.changed:
        click.echo("\nChanged:")
        for o, n, fields in show(d.changed):
            parts = ", ".join(f"{f}: {o.get(f, '')!r} -> {n.get(f, '')!r}" for f in fields)
            click.echo(click.style("  ~ ", fg="yellow") + f"{d.key_of(n)}: {parts}")
        if limit and len(d.changed) > limit:
            click.echo(f"  ... and {len(d.changed) - limit} more")


def _describe(key: str, record: dict[str, str], kind: str) -> str:
    if kind == "commodity" and "forced_labour" in record:
        flags = [w for f, w in (("forced_labour", "forced labour"),
                                ("child_labour", "child labour"),
                                ("forced_child_labour", "forced child labour"),
                                ("derived", "derived")) if record.get(f) == "true"]
        return f"{key}  ({', '.join(flags)})"
    if kind == "entity":
        extra = [record.get("name", "")] if record.get("name") and key != record.get("name") \
            else []
        if record.get("country"):
            extra.append(record["country"])
        return f"{key}  ({', '.join(extra)})" if extra else key
    if "tier" in record:
        return f"{key}  ({record['tier']})"
    return key


@lists.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(as_json: bool) -> None:
    """Each list's edition in use, where it comes from, its age, and whether it is behind.

    A list older than its refresh period is marked stale: DOL's goods list is refreshed
    every two years, TIP tiers every June, the UFLPA Entity List several times a year. A list
    older than the latest publication chainscreen knows of is marked behind (partial when it
    has that edition only in part), with where to get the newer one and how to import it.
    HS codes and the goods concordance recognise goods; they are not risk lists and have no
    age here.

    \b
    Examples:
      chainscreen lists status
      chainscreen lists status --json
    """
    from chainscreen.reference import RISK_KINDS, list_status

    rows = list_status(**reference_args())
    if as_json:
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    click.echo(f"{'id':<24} {'in use':<18} {'origin':<8} {'age':>6} {'refresh':>8}  "
               f"{'status':<8} editions")
    for r in rows:
        risk = r["kind"] in RISK_KINDS
        age = str(r["age_days"]) if risk and r["age_days"] is not None else "-"
        refresh = str(r["refresh_days"]) if risk and r["refresh_days"] is not None else "-"
        state = {"older": "behind", "incomplete": "partial"}.get(r["behind"]) or (
            "stale" if r["stale"] and risk else "ok" if risk else "-")
        colour = {"ok": "green", "-": None}.get(state, "yellow")
        styled = click.style(f"{state:<8}", fg=colour)
        click.echo(f"{r['id']:<24} {r['edition']:<18} {r['origin']:<8} {age:>6} {refresh:>8}  "
                   f"{styled} {len(r['editions'])}")
    click.echo("\nAges in days since the edition's date (a year counts from its last day); "
               "'-': not a risk list (HS codes, goods concordance).")
    behind = [r for r in rows if r["behind"]]
    if behind:
        click.echo(f"\n{len(behind)} list(s) behind what has been published:")
        for r in behind:
            k = r["latest_known"]
            how = "older than" if r["behind"] == "older" else "only part of"
            click.echo(f"\n  {r['id']}: {r['edition']} ({r['origin']}) is {how} "
                       f"{k['publisher']}'s {k['edition']} edition: {k['changes']}")
            click.echo(f"    get it: {k['get']}")
            click.echo(f"    then:   {k['command']}")
    stale = [r["id"] for r in rows if r["stale"] and r["kind"] in RISK_KINDS and not r["behind"]]
    if stale:
        click.echo(f"\n{len(stale)} other stale list(s): {', '.join(stale)}: past their refresh "
                   "period; chainscreen knows of no newer edition, check the publisher's page "
                   "(`chainscreen lists --json` gives each list's source_url).")


@lists.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def validate(as_json: bool) -> None:
    """Re-check every edition's sha256, record count, columns and content.

    Exits 1 when any edition fails, naming the file and the problem.

    \b
    Examples:
      chainscreen lists validate
      chainscreen lists validate --json
    """
    from chainscreen.reference import validate_lists

    results = validate_lists(**reference_args())
    failed = [(e, p) for e, p in results if p]
    if as_json:
        click.echo(json.dumps([{"list": e.info.label(), "origin": e.origin, "file": str(e.path),
                                "ok": p is None, "problem": p} for e, p in results],
                              indent=1, ensure_ascii=False))
    else:
        for e, p in results:
            mark = click.style("ok  ", fg="green") if p is None else click.style("FAIL", fg="red")
            click.echo(f"{mark} {e.info.label():<40} {e.origin:<8} "
                       + (f"{e.info.records} records" if p is None else p))
        click.echo(f"\n{len(results) - len(failed)} of {len(results)} editions valid")
    if failed:
        sys.exit(int(ExitCode.ERROR))
