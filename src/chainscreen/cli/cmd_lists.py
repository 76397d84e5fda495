"""`chainscreen lists`: the risk lists in use, their editions and ages."""

from __future__ import annotations

import json
from typing import Any

import click

from chainscreen.cli import cli


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
        age_txt = f"{age if age is not None else '?':>10}"
        if stale:
            age_txt = click.style(age_txt, fg="yellow")
        click.echo(f"{i.id:<24} {i.kind:<12} {i.edition:<12} {i.records:>8} {age_txt}  {i.title}")


def _info_dict(info: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(info)


