"""`chainscreen check`: a pre-contract check of one supplier or a list of names."""

from __future__ import annotations

import json
import sys
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
    reference_args,
    screening_options,
)


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--country", help="Country of origin or of the supplier (name or ISO code).")
@click.option("--hs", "hs_code", help="HS / HTS code of the goods, e.g. 2804.61.")
@click.option("--goods", help="Description of the goods, e.g. 'polysilicon'.")
@click.option("--address", help="Supplier address (a Xinjiang address is itself evidence).")
@screening_options("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the screen output contract).")
def check(names: tuple[str, ...], country: str | None, hs_code: str | None, goods: str | None,
          address: str | None, settings_path: Path | None, lists: tuple[str, ...],
          fail_on: str | None, as_json: bool, max_list_age: int | None,
          require_latest: bool) -> None:
    """Check one supplier (or several) before a contract: verdict, evidence, candidates.

    With no NAMES, reads one name per line from standard input.

    \b
    Examples:
      chainscreen check "Hoshine Silicon Industry" --country CN --hs 2804.61
      chainscreen check "Acme Textiles" --country Bangladesh --goods "cotton t-shirts"
      chainscreen check "Hoshine Silicon" --lists dol-tvpra@2020-09-30 --max-list-age 3650
      cat suppliers.txt | chainscreen check --country CN --fail-on high --json
    """
    if not names:
        if sys.stdin is None or sys.stdin.isatty():
            raise click.UsageError("give a NAME, or names on standard input (one per line)")
        text = _decode_input(sys.stdin.buffer.read()) if hasattr(sys.stdin, "buffer") \
            else sys.stdin.read()
        names = tuple(line.strip() for line in text.splitlines() if line.strip())
        if not names:
            raise click.UsageError("no names on standard input")
    else:
        # bytes that were not UTF-8 on the command line arrive as lone surrogates
        names = tuple(_decode_input(n.encode("utf-8", "surrogateescape")) for n in names)
    # Only the fields given become columns, so an absent one is "not given", not "missing".
    given = {"country": country, "goods": goods, "hs_code": hs_code, "address": address}
    settings = load_settings_checked(settings_path, lists, max_list_age, require_latest)
    if not as_json:
        from chainscreen.collector import gc_paused

        # The screening context from the cache on disk: no list loading, no pandas. Modules,
        # context and memos all live until the process ends, so the collector is paused
        # meanwhile (13 collections, ≈ 10 ms of a check, found nothing to reclaim).
        with gc_paused():
            counts = _check_names(names, {k: v for k, v in given.items() if v}, settings)
        exit_on_hits(counts, fail_on)
        return
    import pandas as pd

    from chainscreen.pipeline import screen as run_screen

    columns = {"supplier": list(names)}
    columns.update({k: [v] * len(names) for k, v in given.items() if v})
    mapping = {f: f for f in columns}
    result = run_screen(pd.DataFrame(columns), settings=settings, mapping=mapping,
                        reference=reference(settings.lists))
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str))
    exit_on_hits(result.counts(), fail_on)


def _check_names(names: tuple[str, ...], facts: dict[str, str], settings: Any) -> dict[str, int]:
    """Screen and print each name with ``facts``; the rows per level."""
    from chainscreen.models import LEVELS
    from chainscreen.pipeline import cached_context, screen_one

    ctx = cached_context(settings, config().cache_dir, **reference_args())
    counts = dict.fromkeys(LEVELS, 0)
    for i, name in enumerate(names, start=1):
        r = screen_one(ctx, {"supplier": name, **facts}, row=i)
        counts[r.level] += 1
        _print_check(r)
    return counts


def _decode_input(data: bytes) -> str:
    """Names as typed or piped in: UTF-8 when they are, else Windows-1252 (what a Western
    Windows export is), else the encoding charset-normalizer finds; never undecodable text.

    A few short names are too little for statistics to tell cp1252 from its cousins, so
    cp1252 is tried first; pipe other legacy encodings as UTF-8 (``iconv -t utf-8``)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("cp1252", errors="replace")


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


