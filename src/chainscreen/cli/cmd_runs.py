"""`chainscreen runs` (list, show, diff, verify) and `chainscreen rescreen`: stored runs and history."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from chainscreen.cli import LEVEL_COLOURS, cli, config, reference, store_url
from chainscreen.errors import ExitCode

db_option = click.option(
    "--db", envvar="CHAINSCREEN_DB", metavar="URL",
    help="Run database, any SQLAlchemy URL; default: a SQLite file in the user data folder. "
         "Env: CHAINSCREEN_DB.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def open_db(db: str | None) -> Any:
    """Open the run store (creating it when new)."""
    from chainscreen.store import open_store

    return open_store(store_url(db))


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def _levels(levels: dict[str, int] | None) -> str:
    if not levels:
        return ""
    return " ".join(click.style(f"{k} {v}", fg=LEVEL_COLOURS.get(k)) for k, v in levels.items()
                    if v and k in ("high", "elevated"))


@cli.group(invoke_without_command=True)
@db_option
@click.option("-n", "--limit", type=int, default=20, show_default=True, help="How many runs to list.")
@json_option
@click.pass_context
def runs(ctx: click.Context, db: str | None, limit: int, as_json: bool) -> None:
    """List stored runs, newest first; show, compare and verify them.

    Every `chainscreen screen` is stored as a run (unless --no-store): the input's sha256 and
    bytes, the list editions, the settings hash, every row's result and candidates.

    \b
    Examples:
      chainscreen runs                      # the last 20 runs
      chainscreen runs show latest          # one run's receipt and hits
      chainscreen runs diff 3 4             # new, resolved and changed hits, and why
      chainscreen runs verify 3             # would a re-run reproduce run 3?
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    if ctx.invoked_subcommand is not None:
        return
    with open_db(db) as store:
        found = store.runs(limit=limit)
    if as_json:
        emit_json([_run_dict(r) for r in found])
        return
    if not found:
        click.echo("No runs stored yet. Screen a file first: chainscreen screen FILE")
        return
    click.echo(f"{'id':>4}  {'uid':<8}  {'started':<25}  {'status':<10}  {'rows':>6}  input")
    for r in found:
        status = click.style(f"{r.status:<10}", fg="green" if r.status == "complete" else "red")
        click.echo(f"{r.id:>4}  {r.uid[:8]}  {r.started:<25}  {status}  "
                   f"{r.row_count if r.row_count is not None else '-':>6}  {r.input_name}  "
                   f"{_levels(r.levels)}")


def _run_dict(r: Any) -> dict[str, Any]:
    return {"id": r.id, "uid": r.uid, "input": r.input_name, "input_path": r.input_path,
            "input_sha256": r.input_sha256, "rows": r.row_count, "status": r.status,
            "started": r.started, "finished": r.finished, "settings_sha256": r.settings_sha256,
            "tool_version": r.tool_version, "lists": r.lists(), "levels": r.levels,
            "error": r.error, "options": r.options}


def _db(ctx: click.Context, db: str | None) -> str | None:
    return db or (ctx.obj or {}).get("db")


@runs.command("show")
@click.argument("run_ref", metavar="RUN")
@db_option
@json_option
@click.pass_context
def runs_show(ctx: click.Context, run_ref: str, db: str | None, as_json: bool) -> None:
    """Show RUN's receipt (input, list editions, settings, tool) and its hits with their review state.

    RUN is a run id, 'latest', or the start of a run uid.

    \b
    Examples:
      chainscreen runs show latest
      chainscreen runs show 3 --json
    """
    from chainscreen.review import hit_state, latest

    with open_db(_db(ctx, db)) as store:
        run = store.resolve(run_ref)
        hits = store.hits(run.id)
        decisions = latest(store.decisions())
    states = [(h, *hit_state(h, decisions)) for h in hits]
    if as_json:
        emit_json({**_run_dict(run), "hits": [
            {"row": h.row, "supplier": h.supplier, "list_id": h.list_id, "record_id": h.record_id,
             "record_name": h.record_name, "score": h.score, "state": state,
             "decision": d.to_dict() if d else None, "reason": reason}
            for h, state, d, reason in states]})
        return
    click.echo(f"{run.label}: {run.input_name}, {run.row_count if run.row_count is not None else '?'} "
               f"rows, {run.status}")
    if run.error:
        click.echo(f"  error: {run.error}")
    click.echo(f"  input     {run.input_path or '-'}\n  sha256    {run.input_sha256}")
    click.echo(f"  started   {run.started}   finished {run.finished or '-'}")
    click.echo(f"  settings  {run.settings_sha256 or '-'}\n  tool      chainscreen {run.tool_version}")
    if run.lists():
        click.echo("  lists")
        for e in run.lists():
            click.echo(f"    {e['id']}@{e['edition']}  {e['sha256'][:12]}...  {e.get('records')} records")
    if run.levels:
        click.echo("  levels    " + ", ".join(f"{k} {v}" for k, v in run.levels.items()))
    if states:
        click.echo(f"\nHits ({len(states)}):")
        for h, state, d, reason in states:
            click.echo("  " + hit_line(h, state, d, reason))


def hit_line(h: Any, state: str, d: Any, reason: str | None) -> str:
    if state == "open":
        tag = click.style("open", fg="yellow")
    elif state == "reopened":
        tag = click.style(f"reopened: {reason}", fg="red") + f" (was {d.status} by {d.by})"
    else:
        tag = click.style(d.status, fg="green") + f" by {d.by} {d.at[:10]}" + (
            f": {d.note}" if d.note else "")
    return (f"row {h.row:>5}:{h.record_id:<18} {h.score:4.2f}  {(h.supplier or '-')[:34]:<34} → "
            f"{h.record_name[:40]:<40}  {tag}")


def _print_diff(changes: list[dict[str, Any]], header: str) -> None:
    counts = {k: sum(1 for c in changes if c["change"] == k) for k in ("new", "resolved", "changed")}
    click.echo(f"{header}: {counts['new']} new, {counts['resolved']} resolved, "
               f"{counts['changed']} changed hit(s)")
    colours = {"new": "red", "resolved": "green", "changed": "yellow"}
    for c in changes:
        rows = c["rows_b"] or c["rows_a"]
        click.echo("  " + click.style(f"{c['change']:<8}", fg=colours[c["change"]])
                   + f" row {rows[0]:>5}  {(c['supplier'] or '-')[:34]:<34} → "
                   + f"{c['record_name'][:40]} ({c['list_id']})")
        for why in c["why"]:
            click.echo(f"             {why}")


@runs.command("diff")
@click.argument("a_ref", metavar="A")
@click.argument("b_ref", metavar="B")
@db_option
@json_option
@click.pass_context
def runs_diff(ctx: click.Context, a_ref: str, b_ref: str, db: str | None, as_json: bool) -> None:
    """Show the hits that are new, resolved or changed from run A to run B, and why.

    Hits are matched by party and list record, not row number. Reasons include a new list
    edition, new or removed rows, a changed row or list entry, and decisions recorded,
    changed or reopened.

    \b
    Examples:
      chainscreen runs diff 3 4
      chainscreen runs diff 3 latest --json
    """
    from chainscreen.review import diff_runs, list_changes
    from chainscreen.store import require_complete, run_side

    with open_db(_db(ctx, db)) as store:
        a, b = store.resolve(a_ref), store.resolve(b_ref)
        for run in (a, b):
            require_complete(run, "compare")
        changes = diff_runs(run_side(store, a), run_side(store, b))
    lists = list_changes(a.lists(), b.lists())
    if as_json:
        emit_json({"a": a.id, "b": b.id, "lists": lists,
                    "settings_changed": a.settings_sha256 != b.settings_sha256,
                    "input_changed": a.input_sha256 != b.input_sha256, "hits": changes})
        return
    _print_diff_header(a, b, lists)
    _print_diff(changes, f"{a.label} → {b.label}")


def _print_diff_header(a: Any, b: Any, lists: dict[str, str]) -> None:
    if a.input_sha256 != b.input_sha256:
        click.echo(f"input changed: {a.input_name} ({a.row_count} rows) → {b.input_name} "
                   f"({b.row_count} rows)")
    for text in lists.values():
        click.echo(text)
    if a.settings_sha256 != b.settings_sha256:
        click.echo("settings changed")


@runs.command("verify")
@click.argument("run_ref", metavar="RUN")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The chainscreen.toml a re-run would use (default: built-in settings).")
@db_option
@json_option
@click.pass_context
def runs_verify(ctx: click.Context, run_ref: str, settings_path: Path | None, db: str | None,
                as_json: bool) -> None:
    """Tell whether re-running RUN today would reproduce it, ingredient by ingredient.

    Checks the run's receipt against what a re-run would use: the input bytes (kept in the
    database or unchanged on disk), every list edition's sha256, the settings hash and the
    tool version. Exit code 0 when all match, 1 when any does not.

    \b
    Examples:
      chainscreen runs verify latest
      chainscreen runs verify 3 --settings chainscreen.toml
    """
    from chainscreen.settings import load_settings
    from chainscreen.store import verify_run

    with open_db(_db(ctx, db)) as store:
        run = store.resolve(run_ref)
        settings = load_settings(settings_path, lists=run.options.get("lists") or None)
        checks = verify_run(store, run, settings, config().reference_dir, lists_dir=config().lists_dir)
    ok = all(c[0] for c in checks)
    if as_json:
        emit_json({"run": run.id, "reproducible": ok,
                    "checks": [{"ok": c[0], "item": c[1], "detail": c[2]} for c in checks]})
    else:
        for good, item, detail in checks:
            mark = click.style("ok  ", fg="green") if good else click.style("DIFF", fg="red")
            click.echo(f"{mark} {item:<32} {detail}")
        click.echo(f"{run.label}: " + ("a re-run would reproduce it" if ok else
                                       "a re-run would NOT reproduce it"))
    if not ok:
        sys.exit(int(ExitCode.ERROR))


@cli.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A chainscreen.toml to use (default: built-in settings).")
@click.option("--lists", "lists", multiple=True, metavar="ID[@EDITION]",
              help="Use only these lists (default: the lists the run used, newest editions).")
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write the outputs (workbook, HTML, JSON) of the new run to this folder.")
@click.option("-f", "--format", "formats", default="xlsx,html,json", show_default=True,
              help="Outputs to write with --out.")
@click.option("--force", is_flag=True, help="Overwrite outputs that already exist.")
@db_option
@json_option
def rescreen(run_ref: str, settings_path: Path | None, lists: tuple[str, ...],
             outdir: Path | None, formats: str, force: bool, db: str | None, as_json: bool) -> None:
    """Re-screen RUN's input against the current lists and settings; store and diff the new run.

    The input comes from the copy kept in the run database (or the original file, when it has
    not changed). The sheet and column mapping of RUN are reused.

    \b
    Examples:
      chainscreen rescreen latest
      chainscreen rescreen 3 -o q3-rescreen --force
    """
    from chainscreen.run import rescreen_run
    from chainscreen.settings import load_settings

    with open_db(db) as store:
        old = store.resolve(run_ref)
        # The run's list selection without edition pins: "current lists" means newest editions.
        chosen = list(lists) or sorted({x.partition("@")[0] for x in old.options.get("lists") or []})
        settings = load_settings(settings_path, lists=chosen or None)
        done = rescreen_run(store, run_ref, settings, outdir=outdir, formats=formats, force=force,
                            reference=reference(settings.lists), cache=config().cache_dir)
    old, new, changes, written = done.old, done.run.stored, done.changes, done.run.written
    assert new is not None
    lists_changed = done.lists
    if as_json:
        emit_json({"old": old.id, "new": new.id, "uid": new.uid, "levels": new.levels,
                   "old_complete": done.compared, "lists": lists_changed, "hits": changes,
                   "outputs": {k: str(v) for k, v in written.items()}})
        return
    click.echo(f"Re-screened {old.label} ({old.input_name}) as {new.label}")
    if done.compared:
        _print_diff_header(old, new, lists_changed)
        _print_diff(changes, f"{old.label} → {new.label}")
    else:
        click.echo(f"{old.label} is {old.status} (it did not finish): no hits to compare with")
    for path in written.values():
        click.echo(f"wrote {path}")

