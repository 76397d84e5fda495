"""`chainscreen review`: list a run's open hits, record decisions, export and import them."""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from chainscreen.cli import cli
from chainscreen.cli.cmd_runs import db_option, emit_json, hit_line, json_option, open_db
from chainscreen.errors import InputError
from chainscreen.review import STATUSES


def _reviewer() -> str:
    try:
        return os.environ.get("CHAINSCREEN_REVIEWER") or getpass.getuser()
    except Exception:  # no login name (some containers): the user must say who they are
        return ""


@cli.command()
@click.argument("run_ref", metavar="[RUN]", required=False)
@click.option("--decide", nargs=2, metavar="ROW:RECORD DECISION",
              help=f"Record a decision on one hit: ROW:RECORD then one of {', '.join(STATUSES)}.")
@click.option("--note", default="", help="Why (with --decide).")
@click.option("--by", "by", help="Who decides (with --decide); default: $CHAINSCREEN_REVIEWER or "
                                 "your login name.")
@click.option("--all", "show_all", is_flag=True, help="List decided hits too, not only open ones.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every decision to a .csv or .yaml file (for version control).")
@click.option("--import", "import_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Add the decisions of a .csv or .yaml file (identical ones are skipped).")
@click.option("--force", is_flag=True, help="With --export: overwrite a file that already exists.")
@db_option
@json_option
def review(run_ref: str | None, decide: tuple[str, str] | None, note: str, by: str | None,
           show_all: bool, export_path: Path | None, import_path: Path | None, force: bool,
           db: str | None, as_json: bool) -> None:
    """List RUN's open hits, or record a reviewer's decision on one of them.

    A decision (confirm, dismiss, escalate) is kept per normalised party and list record,
    and applies automatically to later runs. It reopens ("list entry changed", "row changed")
    when the list entry or the row changes. RUN is a run id, 'latest', or a run uid prefix.

    \b
    Examples:
      chainscreen review latest
      chainscreen review 3 --decide 44:uflpa-0123456789 dismiss --note "different company" --by ana
      chainscreen review --export decisions.csv
      chainscreen review --export decisions.csv --force   # replace last week's file
      chainscreen review --import decisions.yaml
    """
    from chainscreen.files import check_writable
    from chainscreen.review import hit_state, latest, make_decision, read_decisions, write_decisions
    from chainscreen.store import require_complete

    if run_ref is None and not (export_path or import_path):
        raise click.UsageError("give a RUN to review, or --export / --import a decisions file")
    if export_path is not None:
        # before anything is imported or decided, so a refusal changes nothing
        check_writable(export_path, force)
    with open_db(db) as store:
        if import_path is not None:
            added = store.add_decisions(read_decisions(import_path))
            click.echo(f"imported {added} new decision(s) from {import_path}", err=as_json)
        if decide is not None:
            if run_ref is None:
                raise click.UsageError("--decide needs the RUN the hit is in")
            target, status = decide
            status = status.lower()
            if status not in STATUSES:
                raise click.BadParameter(f"{status!r}: use one of {', '.join(STATUSES)}",
                                         param_hint="--decide")
            row_text, sep, record = target.partition(":")
            if not sep or not row_text.strip().isdigit() or not record.strip():
                raise click.BadParameter(f"{target!r}: use ROW:RECORD, e.g. 44:uflpa-0123456789",
                                         param_hint="--decide")
            run = store.resolve(run_ref)
            require_complete(run, "review")
            row, record = int(row_text), record.strip()
            match = [h for h in store.hits(run.id) if h.row == row and record in (
                h.record_id, f"{h.list_id}:{h.record_id}")]
            if not match:
                raise InputError(f"{run.label} has no hit on record {record!r} in row {row}; "
                                 f"list them with: chainscreen review {run.id} --all")
            who = by or _reviewer()
            decision = make_decision(match[0], status, note=note, by=who,
                                     at=datetime.now(UTC).isoformat(timespec="seconds"))
            store.add_decisions([decision])
            click.echo(f"{run.label} row {row}: {status} {match[0].record_name!r} "
                       f"({match[0].list_id}) by {decision.by}", err=as_json)
        if export_path is not None:
            write_decisions(store.decisions(), export_path)
            click.echo(f"wrote {store.count('decisions')} decision(s) to {export_path}", err=as_json)
        if run_ref is None or decide is not None:
            return
        run = store.resolve(run_ref)
        require_complete(run, "review")
        decisions = latest(store.decisions())
        states = [(h, *hit_state(h, decisions)) for h in store.hits(run.id)]
    shown = [s for s in states if show_all or s[1] != "decided"]
    if as_json:
        emit_json({"run": run.id, "hits": [
            {"row": h.row, "record": h.record_id, "list_id": h.list_id, "supplier": h.supplier,
             "record_name": h.record_name, "matched_name": h.matched_name, "score": h.score,
             "match": h.match_decision, "state": state, "reason": reason,
             "decision": d.to_dict() if d else None} for h, state, d, reason in shown]})
        return
    n_open = sum(1 for s in states if s[1] != "decided")
    click.echo(f"{run.label} ({run.input_name}): {n_open} open of {len(states)} hit(s)")
    for h, state, d, reason in shown:
        click.echo("  " + hit_line(h, state, d, reason))
    if n_open:
        click.echo(f"\nDecide with: chainscreen review {run.id} --decide ROW:RECORD "
                   f"{'|'.join(STATUSES)} --note TEXT --by NAME")
