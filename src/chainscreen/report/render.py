"""Render screening results with the Jinja templates in ``templates/`` and write JSON / CSV."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.files import atomic_open
from chainscreen.models import LEVELS
from chainscreen.resources import templates_dir
from chainscreen.score import FORMULA, level_rules

if TYPE_CHECKING:
    from collections.abc import Iterable

    from jinja2 import Environment

    from chainscreen.reference import ReferenceSet
    from chainscreen.result import ScreenResult

#: Colour of each level in reports and charts (keys: :data:`chainscreen.models.LEVELS`).
LEVEL_COLOURS = dict(zip(LEVELS, ("#c0392b", "#e67e22", "#d4ac0d", "#27ae60", "#7f8c8d"), strict=True))


def environment() -> Environment:
    """A Jinja environment over ``templates/`` with HTML autoescaping on."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_escape
    env.filters["count"] = count_text
    # the formula and the level rules as score.py states them, never retyped in a template
    env.globals["scoring_formula"] = FORMULA
    env.globals["level_rules"] = level_rules
    return env


def count_text(value: Any) -> str:
    """A count with thousands separators (``12,345``); anything else as text."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


#: Characters that start Markdown markup anywhere in a line (emphasis, code, links, images,
#: raw HTML, tables, strike-through), each escaped with a backslash in user text.
MD_SPECIAL = "\\`*_[]<>|~"
_MD_SPECIAL_RE = re.compile("([" + re.escape(MD_SPECIAL) + "]|&(?=#?[0-9A-Za-z]+;))")
_LINE_BREAKS = re.compile("\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def md_escape(value: Any) -> str:
    """User text (names, file names, goods, command-line words) made inert in Markdown.

    Markup characters get a backslash, an ``&`` that would start an entity (``&lt;``) too, and
    every kind of line break becomes a space, so the text can neither format, link, embed HTML
    nor break out of a table cell or heading. Every Markdown template passes data through
    this (the ``md`` filter); what is left unescaped is the template's own text.
    """
    text = "" if value is None else str(value)
    return _LINE_BREAKS.sub(" ", _MD_SPECIAL_RE.sub(r"\\\1", text))


#: Longest bar label shown whole in a chart (characters).
MAX_LABEL = 40
#: Approximate advance of one character at the charts' 12 px label size (DejaVu Sans, Arial),
#: used to size the label column and the room for each bar's total so neither is clipped.
CHAR_PX = 7.2
DIGIT_PX = 7.7


def bar_chart(counts: list[tuple[str, dict[str, int]]], levels: tuple[str, ...],
              colours: dict[str, str] | None = None) -> dict[str, Any]:
    """Geometry for a stacked horizontal bar chart (rendered as inline SVG by the template).

    ``levels`` are the stacked series in order; ``colours`` maps each to a fill (default: the
    risk-level colours). The legend lists the series that occur. The label column is as wide as
    the longest label (up to :data:`MAX_LABEL` characters; a longer one is cut with an ellipsis
    and kept whole in its tooltip) and each bar leaves room for its total, written with
    thousands separators.
    """
    colours = colours or LEVEL_COLOURS
    bar_h, gap, plot_w = 18, 6, 300
    longest = max((len(label) for label, _ in counts), default=0)
    label_w = int(min(longest, MAX_LABEL) * CHAR_PX) + 12
    label_w = max(label_w, 60)
    top = max((sum(c.values()) for _, c in counts), default=0) or 1
    total_w = int(len(f"{top:,}") * DIGIT_PX) + 10
    width = label_w + plot_w + total_w
    bars: list[dict[str, Any]] = []
    for i, (label, c) in enumerate(counts):
        x = float(label_w)
        segs = []
        for lvl in levels:
            v = c.get(lvl, 0)
            if v:
                w = plot_w * v / top
                segs.append({"x": x, "w": w, "colour": colours[lvl], "level": lvl, "n": v})
                x += w
        short = label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1].rstrip() + "…"
        bars.append({"label": label, "short": short, "y": i * (bar_h + gap), "segs": segs,
                     "total": sum(c.values()), "end": x})
    used = [lvl for lvl in levels if any(c.get(lvl) for _, c in counts)]
    legend, lx = [], float(label_w)
    for lvl in used:  # each item as wide as its label (about 7 px a character at 11 px)
        legend.append({"label": lvl, "colour": colours[lvl], "x": lx})
        lx += 16 + 7 * len(lvl) + 14
    legend_h = 22 if legend else 0
    for b in bars:
        b["y"] += legend_h
    width = max(width, int(lx))
    return {"width": width, "height": len(counts) * (bar_h + gap) + 4 + legend_h, "bar_h": bar_h,
            "label_w": label_w, "bars": bars, "legend": legend}


def lists_table(ref: ReferenceSet, today: date) -> list[dict[str, Any]]:
    """The "Lists used" table: risk lists only (not the HS codes or the goods concordance),
    each with its age, whether it is stale, and the newer publication known, if any."""
    from chainscreen.reference import lists_used

    return [{"info": c.info, "age": c.age_days, "stale": c.stale, "origin": c.origin,
             "behind": c.behind, "known": c.known} for c in lists_used(ref, today)]


_QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")


def goods_family(good: str) -> str:
    """A DOL good without its trailing parenthesised qualifier: ``Bricks (clay)`` -> ``Bricks``.

    The DOL list names one good differently from country to country ("Bricks" for most,
    "Bricks (clay)" for some); charts fold such names into one bar.
    """
    return _QUALIFIER.sub("", good).strip() or good


class GoodsTally:
    """Rows per DOL good and level for a chart, with goods that differ only by a parenthesised
    qualifier folded into one bar labelled with every name seen (``Bricks / Bricks (clay)``).

    A row naming two goods of one family counts once in that family's bar.
    """

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.names: dict[str, set[str]] = {}

    def add(self, goods: Iterable[str], level: str, n: int = 1) -> None:
        """Count ``n`` rows at ``level`` for each family among ``goods`` (DOL good names)."""
        families: dict[str, set[str]] = {}
        for good in goods:
            families.setdefault(goods_family(good), set()).add(good)
        for family, names in families.items():
            self.counts.setdefault(family, Counter())[level] += n
            self.names.setdefault(family, set()).update(names)

    def labelled(self) -> dict[str, Counter[str]]:
        """Counts keyed by bar label: the family's names, the shortest (unqualified) first."""
        return {" / ".join(sorted(self.names[f], key=lambda x: (len(x), x))): c
                for f, c in self.counts.items()}


def report_context(result: ScreenResult, *, max_rows: int = 500,
                   today: date | None = None) -> dict[str, Any]:
    """Everything the screening templates show; ``today`` fixes list ages (tests pass one)."""
    from chainscreen.normalize.countries import country_name
    from chainscreen.result import line_values, triage_group, triage_order

    ordered = triage_order(result.rows, line_values(result))
    groups = {r.row: triage_group(r) for r in ordered}
    # what to act on first: entity hits (matches, then candidates needing review), a Xinjiang
    # nexus, then sector risk by score; the same order as the terminal and the workbook
    entity_hits = [r for r in ordered if groups[r.row] < 2]
    xinjiang = [r for r in ordered if groups[r.row] == 2]
    sector = [r for r in ordered if groups[r.row] == 3 and r.level in ("high", "elevated")]
    flagged = [r for r in ordered if groups[r.row] < 3 or r.level in ("high", "elevated")]
    unscreenable = [r for r in ordered if r.level == "unscreenable"]
    levels = ("high", "elevated", "low", "unscreenable")
    by_country: dict[str, Counter[str]] = {}
    goods_tally = GoodsTally()
    for r in result.rows:
        if r.level == "clear":
            continue
        key = f"{country_name(r.country)} ({r.country})" if r.country else "unknown origin"
        by_country.setdefault(key, Counter())[r.level] += 1
        goods_tally.add({g.good for g in r.goods if g.scheme == "dol"}, r.level)
    by_goods = goods_tally.labelled()

    def top(d: dict[str, Counter[str]]) -> list[tuple[str, dict[str, int]]]:
        order = sorted(d.items(), key=lambda kv: (-kv[1]["high"], -kv[1]["elevated"],
                                                  -sum(kv[1].values()), kv[0]))
        return [(k, dict(v)) for k, v in order[:12]]

    lists = lists_table(result.reference, today or date.today())
    return {
        "result": result,
        "receipt": result.receipt,
        "counts": result.counts(),
        "total": len(result.rows),
        "flagged": flagged[:max_rows],
        "flagged_total": len(flagged),
        "entity_hits": entity_hits[:max_rows],
        "entity_hits_total": len(entity_hits),
        "xinjiang": xinjiang[:max_rows],
        "sector": sector[:max_rows],
        "sector_total": len(sector),
        "sector_scores": len({r.score for r in sector}),
        "unscreenable": unscreenable[:max_rows],
        "unscreenable_total": len(unscreenable),
        # rows a reviewer decided on (cleared, confirmed, escalated, reopened), in row order
        "decided": [r for r in result.rows if r.decision],
        "max_rows": max_rows,
        "problems": result.all_problems(),
        "country_chart": bar_chart(top(by_country), levels),
        "goods_chart": bar_chart(top(by_goods), levels),
        "colours": LEVEL_COLOURS,
        "lists": lists,
        "settings": result.settings,
        "title": f"Screening report: {result.receipt['input']['file'] or 'data frame'}",
    }


def render(result: ScreenResult, template: str, *, today: date | None = None) -> str:
    """Render one of the screening templates (``screening.html.j2``, ``screening.md.j2``)."""
    return environment().get_template(template).render(**report_context(result, today=today))


def write_text(text: str, path: Path) -> Path:
    """Write text atomically (UTF-8)."""
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return path


def write_json(result: ScreenResult, path: Path) -> Path:
    """Write the JSON output contract atomically."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump(result.to_dict(), fh, ensure_ascii=False, indent=1, default=str)
        fh.write("\n")
    return path
