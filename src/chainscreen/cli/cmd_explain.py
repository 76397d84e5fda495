"""`chainscreen explain`: the full derivation of one row's score from a JSON result file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from chainscreen.cli import LEVEL_COLOURS, cli
from chainscreen.errors import InputError


@cli.command()
@click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("row", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the row object as JSON.")
def explain(results: Path, row: int, as_json: bool) -> None:
    """Show how ROW's score was derived, from a `screen --format json` RESULTS file.

    Prints each evidence item with its list and edition, weight w, strength s and the factor
    (1 − w·s) it contributes, the product, the score, and the rule that set the level.

    \b
    Examples:
      chainscreen screen lines.csv --format json -o out
      chainscreen explain out/lines.json 12
    """
    from chainscreen.contract import load_results

    data = load_results(results)
    rows = data.get("rows") or []
    match = [r for r in rows if r.get("row") == row]
    if not match:
        raise InputError(f"no row {row} (the file has rows 1 to {len(rows)})", path=str(results))
    r = match[0]
    if as_json:
        click.echo(json.dumps(r, ensure_ascii=False, indent=1))
        return
    settings = (data.get("receipt") or {}).get("settings") or {}
    _print(r, settings)


def _print(r: dict[str, Any], settings: dict[str, Any]) -> None:
    level = r.get("level", "?")
    click.echo(f"row {r['row']}: {r.get('supplier') or '—'}"
               + (f" [{r['country']}]" if r.get("country") else "")
               + (f"; goods {', '.join(r['goods'])}" if r.get("goods") else ""))
    click.echo("level " + click.style(level, fg=LEVEL_COLOURS.get(level, "white"), bold=True)
               + f", score {r.get('score', 0):.1f}, status {r.get('status', '?')}")
    evidence = r.get("evidence") or []
    if evidence:
        from chainscreen.score import derive

        worked = derive([(e["weight"], e["strength"]) for e in evidence])
        click.echo("\nevidence (w = weight of the kind, s = strength of this item):")
        for e, factor in zip(evidence, worked.factors, strict=True):
            click.echo(f"  {e['kind']:<24} w={e['weight']:.2f} s={e['strength']:.2f} "
                       f"w·s={e['weight'] * e['strength']:.3f}  factor (1 − w·s)={factor:.3f}"
                       f"   [{e['list_id']} @ {e['edition']}]")
            click.echo(f"    {e['summary']}")
        click.echo(f"\nproduct of factors = {worked.product:.4f}; score = 100 × (1 − {worked.product:.4f}) "
                   f"= {worked.score:.1f}")
    click.echo(f"formula as recorded: {r.get('formula', '')}")
    if settings:
        from chainscreen.score import level_rules

        click.echo(level_rules(settings))
    for reason in r.get("reasons") or []:
        if not any(reason == e["summary"] for e in evidence):
            click.echo(f"  note: {reason}")
    for c in r.get("candidates") or []:
        click.echo(f"  candidate {c['score']:.2f} {c['decision']:<7} {c['name']} ({c['list_id']}): "
                   + "; ".join(c.get("reasons") or []))
