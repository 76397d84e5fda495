"""Disclosure drafts: regime elements as data, the completeness check, and the draft context.

The elements each regime requires (Canada's S-211 report, the UK and Australian modern slavery
statements, the UFLPA evidence index) are data in ``templates/disclosure/regimes.toml``: id,
title, legal reference, check type, required or recommended, and which screening figures the
draft prints under the element. The organisation's own answers come from a profile TOML whose
key paths are the element ids (``ca.a`` is key ``a`` of table ``[ca]``). Figures come from
screening results in the JSON-contract form (``ScreenResult.to_dict()``) and are aggregated:
an S-211 report must not carry personal information, so no draft but the UFLPA evidence index
(an importer's private file) names a supplier.

Nothing here prints or imports Click; :mod:`chainscreen.cli.cmd_report` is the command line.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.errors import InputError
from chainscreen.models import UFLPA_SECTIONS
from chainscreen.reference import (
    SUPPORT_KINDS,
    behind_known,
    edition_age,
    known_publications,
    list_kinds,
)
from chainscreen.resources import templates_dir

if TYPE_CHECKING:
    from chainscreen.reference import ReferenceSet
    from chainscreen.report.render import GoodsTally

#: Regimes that have a completeness check, in the order the CLI lists them.
REGIMES: tuple[str, ...] = ("s211", "uk-msa", "au-msa", "uflpa-evidence")
CHECKS: tuple[str, ...] = ("text", "yn+text", "choice", "list", "sig", "date", "evidence")
YES_NO = ("yes", "no", "n/a")
EVIDENCE_STATUS = ("have", "requested", "missing")
#: Answers that only hold a place: treated as empty by the check.
_PLACEHOLDER = re.compile(r"^\s*(todo|tbd|tbc|xxx|\.\.\.|…|\[.*\])\s*[:.]?", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ().-]{8,}\d(?!\w)")


@dataclass(frozen=True)
class Element:
    """One element a regime requires or recommends."""

    id: str
    title: str
    ref: str
    check: str
    level: str  # required | recommended
    runs: str = ""  # which figures block the draft prints under it
    runs_cover: bool = False
    options: tuple[str, ...] = ()
    needs_text: bool = False
    fields: tuple[str, ...] = ()
    guidance: str = ""


@dataclass(frozen=True)
class Regime:
    """A disclosure regime: its law and guidance editions, filing facts and elements."""

    id: str
    title: str
    jurisdiction: str
    law: str
    law_url: str
    guidance: str
    guidance_url: str
    law_current_to: str
    guidance_page_date: str
    questionnaire_version: str
    verified_on: str
    personal_information: bool
    deadline: str
    filing: str
    penalties: tuple[str, ...]
    import_ban: str
    attestation_intro: str
    attestation_example: str
    attestation_source: str
    elements: tuple[Element, ...]
    #: size tests deciding whether the law applies: ``{"tests": {field: minimum}, "tests_needed": n}``
    applicability: Mapping[str, Any] = field(default_factory=dict)

    def element(self, element_id: str) -> Element:
        """The element with ``element_id``; KeyError when the regime has none."""
        for el in self.elements:
            if el.id == element_id:
                return el
        raise KeyError(element_id)

    @property
    def prefix(self) -> str:
        """The profile table this regime's answers live in (``ca``, ``uk``, ``au``, ``us``)."""
        return self.elements[0].id.split(".")[0]


@cache
def load_regimes() -> dict[str, Regime]:
    """Read ``templates/disclosure/regimes.toml`` into :class:`Regime` objects."""
    path = templates_dir() / "disclosure" / "regimes.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, Regime] = {}
    for rid in REGIMES:
        raw = dict(data[rid])
        elements = []
        for e in raw.pop("elements"):
            if e["check"] not in CHECKS:
                raise ValueError(f"{path}: {e['id']}: unknown check {e['check']!r}")
            elements.append(Element(
                id=e["id"], title=e["title"], ref=e["ref"], check=e["check"], level=e["level"],
                runs=e.get("runs", ""), runs_cover=bool(e.get("runs_cover", False)),
                options=tuple(e.get("options", ())), needs_text=bool(e.get("needs_text", False)),
                fields=tuple(e.get("fields", ())), guidance=e.get("guidance", "")))
        raw["penalties"] = tuple(raw["penalties"])
        out[rid] = Regime(id=rid, elements=tuple(elements), **raw)
    return out


@cache
def load_common() -> dict[str, Any]:
    """Notice, ILO glossary, OECD steps and ILO indicators printed in every draft."""
    path = templates_dir() / "disclosure" / "common.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------


def load_profile(path: Path) -> dict[str, Any]:
    """Read a profile TOML; :class:`InputError` with the line when it is not valid TOML."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("profile not found", path=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not a valid profile TOML: {exc}", path=str(path)) from None


def lookup(profile: Mapping[str, Any], element_id: str) -> Any:
    """The profile value at an element id's key path (``ca.approval.route``), or None."""
    node: Any = profile
    for part in element_id.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip()) and not _PLACEHOLDER.match(value)
    if isinstance(value, (list, tuple)):
        return any(_filled(v) for v in value)
    if isinstance(value, Mapping):  # a table row such as an OECD step: its numbering is not content
        return any(_filled(v) for k, v in value.items() if k != "step")
    if isinstance(value, bool):
        return value
    return value is not None


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------------------------
# Completeness check
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One line of ``--check`` output."""

    id: str
    status: str  # ok | missing | warning
    message: str
    title: str = ""


@dataclass
class CheckReport:
    """The outcome of :func:`check`: one finding per element plus general warnings."""

    regime: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def missing(self) -> list[Finding]:
        """Required elements not yet covered."""
        return [f for f in self.findings if f.status == "missing"]

    @property
    def warnings(self) -> list[Finding]:
        """Recommended elements not covered and guidance points to look at."""
        return [f for f in self.findings if f.status == "warning"]

    @property
    def ok(self) -> bool:
        """True when every required element is covered."""
        return not self.missing


def element_gap(el: Element, value: Any, has_runs: bool) -> str | None:
    """Why ``value`` does not satisfy ``el`` (None when it does). Pure: no profile access."""
    if el.runs_cover and has_runs:
        return None
    if el.check == "text":
        return None if _filled(value) else "no text in the profile"
    if el.check == "list":
        return None if isinstance(value, list) and _filled(value) else "empty list"
    if el.check == "date":
        return None if _as_date(value) else "no ISO date (YYYY-MM-DD)"
    if el.check in ("yn+text", "choice"):
        options = YES_NO if el.check == "yn+text" else el.options
        answer = value.get("answer") if isinstance(value, Mapping) else value
        text = value.get("text") if isinstance(value, Mapping) else None
        if not isinstance(answer, str) or answer.strip().lower() not in options:
            return f"answer one of {' / '.join(options)}"
        if (el.check == "yn+text" or el.needs_text) and not _filled(text):
            return f"answer {answer!r} given but no explanation text"
        return None
    if el.check == "sig":
        if not isinstance(value, Mapping):
            return "no signature block"
        absent = [f for f in el.fields if not _filled(value.get(f))]
        if "authority_to_bind" in el.fields and value.get("authority_to_bind") is not True \
                and "authority_to_bind" not in absent:
            absent.append("authority_to_bind")
        return f"signature block lacks {', '.join(absent)}" if absent else None
    if el.check == "evidence":
        status = value.get("status") if isinstance(value, Mapping) else None
        if status not in EVIDENCE_STATUS:
            return f"status not recorded (one of {' / '.join(EVIDENCE_STATUS)})"
        if status == "have":
            return None if _filled(value.get("documents")) else "status 'have' but no documents listed"
        return f"evidence {status}"
    raise ValueError(f"unknown check {el.check!r}")


def check(regime: Regime, profile: Mapping[str, Any], results: Sequence[Mapping[str, Any]] = (),
          *, today: date | None = None) -> CheckReport:
    """Which elements of ``regime`` the profile and runs cover, and what to look at.

    A required element not covered is ``missing`` (``--check`` exits non-zero); a recommended
    one is a ``warning``. Applicability, deadline and guidance points are warnings: the check
    never decides whether an entity must report.
    """
    today = today or date.today()
    rep = CheckReport(regime.id)
    has_runs = bool(results)
    for el in regime.elements:
        gap = element_gap(el, lookup(profile, el.id), has_runs)
        if gap is None:
            how = " by the runs" if el.runs_cover and has_runs else ""
            rep.findings.append(Finding(el.id, "ok", "covered" + how, el.title))
        else:
            rep.findings.append(Finding(el.id, "missing" if el.level == "required" else "warning",
                                        gap, el.title))
    known = {el.id for el in regime.elements}
    for key in _leaf_ids(profile.get(regime.prefix), regime.prefix):
        if key not in ("us.subject", "us.summary") and not any(
                key == k or key.startswith(k + ".") or k.startswith(key + ".") for k in known):
            rep.findings.append(Finding(key, "warning", "not an element of this regime (typo?)"))
    for message in _warnings(regime, profile, results, today):
        rep.findings.append(Finding("general", "warning", message))
    return rep


def _leaf_ids(node: Any, prefix: str) -> Iterable[str]:
    if not isinstance(node, Mapping):
        return
    for k in node:
        yield f"{prefix}.{k}"


def _warnings(regime: Regime, profile: Mapping[str, Any], results: Sequence[Mapping[str, Any]],
              today: date) -> list[str]:
    entity = profile.get("entity", {}) or {}
    report = profile.get("report", {}) or {}
    out: list[str] = []
    if not results:
        out.append("no screening runs given: the draft has no figures (use --results, --run or MANIFEST)")
    if regime.id == "s211":
        out += _s211_warnings(regime, entity, report, profile, today)
    elif regime.id == "uk-msa":
        (turnover_field, minimum), = regime.applicability["tests"].items()
        turnover = entity.get(turnover_field)
        if turnover is None:
            out.append(f"applicability not recorded: entity.{turnover_field} (s. 54 applies from "
                       f"GBP {minimum / 1e6:,.0f} M)")
        elif turnover < minimum:
            out.append(f"entity.{turnover_field} {turnover:,} is below GBP {minimum / 1e6:,.0f} M: "
                       "s. 54 may not apply")
        stmt = lookup(profile, "uk.statement")
        if isinstance(stmt, Mapping) and stmt.get("answer") == "no-steps":
            out.append("uk.statement says no steps were taken: the six areas then describe nothing")
    elif regime.id == "au-msa":
        (revenue_field, minimum), = regime.applicability["tests"].items()
        revenue = entity.get(revenue_field)
        if revenue is None:
            out.append(f"applicability not recorded: entity.{revenue_field} (mandatory from "
                       f"AUD {minimum / 1e6:,.0f} M)")
        elif revenue < minimum:
            out.append(f"entity.{revenue_field} {revenue:,} is below AUD {minimum / 1e6:,.0f} M: "
                       "reporting is voluntary")
    elif regime.id == "uflpa-evidence":
        if not profile.get("us", {}).get("subject"):
            out.append("us.subject (the shipment or supplier this index is for) is empty")
        for el in regime.elements:
            v = lookup(profile, el.id)
            if isinstance(v, Mapping) and v.get("status") == "requested":
                out.append(f"{el.id}: requested, not yet received")
    if regime.id != "uflpa-evidence" and not _filled(profile.get("due_diligence", {}).get("steps")):
        out.append("due_diligence.steps (the OECD six-step table) is empty")
    return out


def _s211_warnings(regime: Regime, entity: Mapping[str, Any], report: Mapping[str, Any],
                   profile: Mapping[str, Any], today: date) -> list[str]:
    out: list[str] = []
    tests: Mapping[str, float] = regime.applicability["tests"]
    needed = int(regime.applicability["tests_needed"])
    known: dict[str, Any] = {k: entity.get(k) for k in tests if entity.get(k) is not None}
    if not entity.get("listed_in_canada") and len(known) < len(tests):
        out.append(f"applicability not fully recorded: entity.listed_in_canada, {', '.join(tests)} "
                   f"(s. 2: listed, or {needed} of {len(tests)} thresholds)")
    elif not entity.get("listed_in_canada"):
        met = sum(1 for k, v in known.items() if v >= tests[k])
        if met < needed:
            out.append(f"only {met} of the {len(tests)} size thresholds of s. 2 met: the entity may not be "
                       "required to report (the check does not decide)")
    if not entity.get("activities"):
        out.append("entity.activities not recorded (s. 9: produce, sell, distribute, import, control)")
    fy_end = _as_date(report.get("fy_end"))
    if fy_end is None:
        out.append("report.fy_end is missing: the filing deadline cannot be checked")
    else:
        deadline = date(fy_end.year, 5, 31)
        if fy_end >= deadline:
            deadline = date(fy_end.year + 1, 5, 31)
        filing = _as_date(report.get("filing_date")) or today
        if filing > deadline:
            out.append(f"filing date {filing} is after the deadline {deadline} (s. 11(1))")
    if report.get("joint") and not _filled(report.get("entities_covered")):
        out.append("joint report: list the legal name and business number of every entity covered "
                   "(report.entities_covered)")
    if report.get("revised") and not (_filled(report.get("revision_date"))
                                      and _filled(report.get("revision_changes"))):
        out.append("revised report: give report.revision_date and report.revision_changes (s. 12(2))")
    if entity.get("controls_other_entities"):
        out.append("the entity controls other entities: ca.steps and ca.b-ca.g must also describe "
                   "what the controlled entities did")
    for key in ("steps", "a", "b", "c", "d", "e", "f", "g"):
        text = _text_of(lookup(profile, f"ca.{key}"))
        if _EMAIL.search(text) or _PHONE.search(text):
            out.append(f"ca.{key} seems to contain an e-mail address or phone number: the report "
                       "must not contain personal information")
    a_text = _text_of(lookup(profile, "ca.a"))
    if a_text and not re.search(r"\b(countr|origin|sourced? from|import(ed|s)? from)", a_text, re.I):
        out.append("ca.a does not seem to name the source countries of the goods")
    return out


def _text_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("text") or "")
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------------------
# Figures from runs
# ---------------------------------------------------------------------------------------------

LEVELS = ("high", "elevated", "low", "clear", "unscreenable")
FLAGGED = ("high", "elevated")


def _decision(row: Mapping[str, Any]) -> Mapping[str, Any] | None:
    d = row.get("decision")
    return d if isinstance(d, Mapping) and d.get("status") else None


def run_figures(results: Sequence[Mapping[str, Any]], *, today: date,
                named: bool = False) -> dict[str, Any]:
    """Aggregate screening results (``ScreenResult.to_dict()`` form) into draft figures.

    Counts only, by country, goods, level, list and decision; supplier names appear only
    when ``named`` (the UFLPA evidence index). Rows may carry a ``decision`` object
    ``{status, by, at, note, tags?}``; without one a row counts as undecided.
    """
    from chainscreen.normalize.countries import country_name
    from chainscreen.report.render import GoodsTally

    rows = [r for res in results for r in res.get("rows", [])]
    levels = Counter(r.get("level") for r in rows)
    suppliers = {(r.get("supplier") or "").strip().casefold() for r in rows if r.get("supplier")}
    by_country: dict[str, Counter[str]] = defaultdict(Counter)
    country_suppliers: dict[str, set[str]] = defaultdict(set)
    by_goods: dict[str, Counter[str]] = defaultdict(Counter)
    goods_tally = GoodsTally()  # the chart's bars: near-duplicate goods names folded
    pairs: Counter[tuple[str, str]] = Counter()
    sectors: Counter[str] = Counter()
    list_hits: Counter[str] = Counter()
    uflpa_sections: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    remediation = 0
    xinjiang = 0
    for r in rows:
        level = r.get("level", "unscreenable")
        iso = r.get("country") or ""
        by_country[iso][level] += 1
        if r.get("supplier"):
            country_suppliers[iso].add(r["supplier"].strip().casefold())
        dol = sorted({g.split(":", 1)[1] for g in r.get("goods", []) if g.startswith("dol:")})
        goods_tally.add(dol, level)
        for g in dol:
            by_goods[g][level] += 1
            if level in FLAGGED:
                pairs[(iso, g)] += 1
        for g in r.get("goods", []):
            if g.startswith("uflpa:"):
                sectors[g.split(":", 1)[1]] += 1
        seen_lists = set()
        for e in r.get("evidence", []):
            kinds[e.get("kind", "")] += 1
            if e.get("kind") in ("entity_list", "watchlist"):
                seen_lists.add(e.get("list_id"))
                for sec in (e.get("details") or {}).get("uflpa_sections", []):
                    uflpa_sections[str(sec)] += 1
            if e.get("kind") == "xinjiang":
                xinjiang += 1
        for lid in seen_lists:
            list_hits[lid] += 1
        d = _decision(r)
        if d is None:
            if level in FLAGGED:
                decisions["undecided"] += 1
        else:
            decisions[str(d["status"])] += 1
            row_tags = [str(t).lower() for t in d.get("tags", []) or []]
            tags.update(row_tags)
            if "remediation" in row_tags or "remediat" in str(d.get("note", "")).lower() \
                    or str(d["status"]).lower() == "remediation":
                remediation += 1

    def country_label(iso: str) -> str:
        return f"{country_name(iso)} ({iso})" if iso else "origin not given"

    countries: list[dict[str, Any]] = [
        {"iso2": iso, "name": country_label(iso), "rows": sum(c.values()),
         "suppliers": len(country_suppliers[iso]), "flagged": sum(c[lv] for lv in FLAGGED),
         "levels": {lv: c.get(lv, 0) for lv in LEVELS}}
        for iso, c in by_country.items()
    ]
    countries.sort(key=lambda x: (-x["flagged"], -x["rows"], x["name"]))
    goods: list[dict[str, Any]] = [
        {"good": g, "rows": sum(c.values()), "flagged": sum(c[lv] for lv in FLAGGED),
         "levels": {lv: c.get(lv, 0) for lv in LEVELS}} for g, c in by_goods.items()]
    goods.sort(key=lambda x: (-x["flagged"], -x["rows"], x["good"]))
    lists: dict[tuple[str, str], dict[str, Any]] = {}
    runs = []
    kind_of, known = list_kinds(), known_publications()
    for res in results:
        rc = res.get("receipt", {})
        for x in rc.get("lists", []):
            if kind_of.get(x["id"]) in SUPPORT_KINDS:
                continue  # HS codes and the goods concordance recognise goods: not risk lists
            behind, pub = behind_known(x["id"], str(x["edition"]), x.get("sha256", ""), known)
            lists.setdefault((x["id"], str(x["edition"])), {
                "id": x["id"], "edition": str(x["edition"]), "sha256": x.get("sha256", ""),
                "records": x.get("records"), "age_days": edition_age(str(x["edition"]), today),
                "behind": behind, "known": pub if behind else None})
        res_levels = Counter(r.get("level") for r in res.get("rows", []))
        tool = rc.get("tool") or {}
        runs.append({
            "file": (rc.get("input") or {}).get("file") or "(data frame)",
            "sha256": (rc.get("input") or {}).get("sha256", ""),
            "rows": len(res.get("rows", [])),
            "finished": rc.get("finished", ""),
            "tool": f"{tool.get('name', 'chainscreen')} {tool.get('version', '')}".strip(),
            "settings_sha256": rc.get("settings_sha256", ""),
            "levels": {lv: res_levels.get(lv, 0) for lv in LEVELS},
        })
    settings = next((res.get("receipt", {}).get("settings") for res in results
                     if res.get("receipt", {}).get("settings")), None)
    flagged_pairs = [{"country": country_label(iso), "good": g, "rows": n}
                     for (iso, g), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))]
    out: dict[str, Any] = {
        "has_runs": bool(results),
        "runs": runs,
        "rows": len(rows),
        "suppliers": len(suppliers),
        "levels": {lv: levels.get(lv, 0) for lv in LEVELS},
        "flagged": sum(levels.get(lv, 0) for lv in FLAGGED),
        "countries": countries,
        "n_countries": len([c for c in countries if c["iso2"]]),
        "goods": goods,
        "flagged_pairs": flagged_pairs,
        "uflpa_sectors": sorted(sectors.items(), key=lambda kv: (-kv[1], kv[0])),
        "list_hits": sorted(list_hits.items()),
        # UFLPA Entity List matches by section of §2(d)(2)(B), in the statute's order.
        "uflpa_sections": [{"section": sec, "what": UFLPA_SECTIONS.get(sec, ""), "rows": n}
                           for sec, n in sorted(uflpa_sections.items(),
                                                key=lambda kv: _section_order(kv[0]))],
        "evidence_kinds": sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])),
        "xinjiang_rows": xinjiang,
        "decisions": sorted(decisions.items()),
        "decided": sum(n for s, n in decisions.items() if s != "undecided"),
        "remediation": remediation,
        "indicator_tags": sorted(tags.items(), key=lambda kv: (-kv[1], kv[0])),
        "lists": sorted(lists.values(), key=lambda x: (x["id"], x["edition"])),
        "settings": settings,
        "country_chart": _chart([(c["name"], c["levels"]) for c in countries if c["flagged"]][:12]),
        "goods_chart": _chart(_goods_bars(goods_tally)[:12]),
    }
    if named:
        out["parties"] = _parties(rows, country_label)
    return out


def _section_order(section: str) -> int:
    order = list(UFLPA_SECTIONS)
    return order.index(section) if section in order else len(order)


def _goods_bars(tally: GoodsTally) -> list[tuple[str, dict[str, int]]]:
    """Flagged goods bars, most flagged first (the order of the goods table)."""
    bars = [(label, {lv: c.get(lv, 0) for lv in LEVELS}) for label, c in tally.labelled().items()]
    flagged = [(label, c) for label, c in bars if any(c[lv] for lv in FLAGGED)]
    flagged.sort(key=lambda b: (-sum(b[1][lv] for lv in FLAGGED), -sum(b[1].values()), b[0]))
    return flagged


def _chart(counts: list[tuple[str, dict[str, int]]]) -> dict[str, Any]:
    from chainscreen.report.render import bar_chart

    return bar_chart([(k, {lv: v.get(lv, 0) for lv in ("high", "elevated")}) for k, v in counts],
                     ("high", "elevated"))


def _parties(rows: Sequence[Mapping[str, Any]], label: Any) -> list[dict[str, Any]]:
    """One line per supplier for the UFLPA supply-chain map (tier: the screened rows)."""
    out: dict[str, dict[str, Any]] = {}
    order = {lv: i for i, lv in enumerate(LEVELS)}
    for r in rows:
        name = (r.get("supplier") or "").strip()
        key = name.casefold() or f"row {r.get('row')}"
        p = out.setdefault(key, {"supplier": name or "(no name)", "countries": set(), "goods": set(),
                                 "rows": [], "level": "clear", "lists": set(), "decisions": set()})
        p["countries"].add(label(r.get("country") or ""))
        p["goods"].update(g.split(":", 1)[1] for g in r.get("goods", []))
        p["rows"].append(r.get("row"))
        if order.get(r.get("level", "clear"), 9) < order.get(p["level"], 9):
            p["level"] = r.get("level")
        for e in r.get("evidence", []):
            if e.get("kind") in ("entity_list", "watchlist", "xinjiang", "uflpa_sector"):
                p["lists"].add(f"{e.get('list_id')}@{e.get('edition')}")
        d = _decision(r)
        p["decisions"].add(f"{d['status']}" + (f" ({d.get('by')}, {d.get('at')})" if d.get("by") else "")
                           if d else "none recorded")
    parties = [{**p, "countries": sorted(p["countries"]), "goods": sorted(p["goods"]),
                "lists": sorted(p["lists"]), "decisions": sorted(p["decisions"])}
               for p in out.values()]
    parties.sort(key=lambda p: (order.get(p["level"], 9), p["supplier"].casefold()))
    return parties


# ---------------------------------------------------------------------------------------------
# Draft context
# ---------------------------------------------------------------------------------------------


class _Answers(dict):  # type: ignore[type-arg]
    """A profile table in which an absent key reads as None, so templates need no guards."""

    def __missing__(self, key: str) -> None:
        return None


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _Answers({k: _wrap(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def paragraphs(value: Any) -> list[str]:
    """A profile answer's text split into paragraphs at blank lines."""
    text = _text_of(value) if isinstance(value, Mapping) else (value if isinstance(value, str) else "")
    if not _filled(text):
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def draft_context(regime: Regime, profile: Mapping[str, Any],
                  results: Sequence[Mapping[str, Any]], *, today: date,
                  generated_at: str, profile_name: str = "profile") -> dict[str, Any]:
    """Everything a disclosure template shows: regime data, profile answers, run figures, check."""
    from chainscreen.version import __version__

    report = check(regime, profile, results, today=today)
    status = {f.id: f for f in report.findings}
    sections = []
    for el in regime.elements:
        value = lookup(profile, el.id)
        answer = value.get("answer") if isinstance(value, Mapping) else (
            value if el.check == "choice" else None)
        sections.append({
            "el": el,
            "value": _wrap(value if isinstance(value, Mapping) else {}),
            "answer": answer,
            "paragraphs": paragraphs(value),
            "finding": status[el.id],
        })
    return {
        "regime": regime,
        "common": load_common(),
        "profile": _wrap(profile),
        "entity": _wrap(profile.get("entity", {}) or {}),
        "report": _wrap(profile.get("report", {}) or {}),
        "steps": _oecd_rows(profile),
        "sections": sections,
        "figures": run_figures(results, today=today, named=regime.personal_information
                               and regime.id == "uflpa-evidence"),
        "check": report,
        "today": today.isoformat(),
        "generated_at": generated_at,
        "version": __version__,
        "profile_name": profile_name,
        "fictional": bool((profile.get("profile") or {}).get("fictional")),
        "title": f"{regime.title}: {(profile.get('entity') or {}).get('legal_name') or '[entity name]'}",
    }


def _oecd_rows(profile: Mapping[str, Any]) -> list[dict[str, Any]]:
    given = {int(s.get("step", 0)): s for s in (profile.get("due_diligence", {}) or {}).get("steps", [])
             if isinstance(s, Mapping)}
    return [{"step": s["step"], "title": s["title"], "done": given.get(s["step"], {}).get("done", ""),
             "evidence": given.get(s["step"], {}).get("evidence", "")}
            for s in load_common()["oecd_steps"]]


# ---------------------------------------------------------------------------------------------
# Sector brief (NGOs)
# ---------------------------------------------------------------------------------------------

SECTOR_COLOURS = {"forced labour": "#c0392b", "child labour": "#e67e22"}
#: Countries the sector brief's listing chart shows (the ones with most listings); the table has all.
SECTOR_CHART_TOP = 15


def sector_context(goods_terms: Sequence[str], results: Sequence[Mapping[str, Any]] = (), *,
                   countries: Sequence[str] = (), today: date, generated_at: str,
                   reference: ReferenceSet | None = None) -> dict[str, Any]:
    """What the lists say about some goods, and (with results) an importer's exposure to them.

    ``goods_terms`` are read with the goods concordance (:class:`GoodsMapper`), the same way a
    manifest's goods descriptions are. Entity-list members "in the sector" are found by whole-word
    keyword search in their names, aliases and notes; the brief prints the keywords used.
    """
    from chainscreen.reference import load_reference
    from chainscreen.report.render import bar_chart
    from chainscreen.sector import analyse_sector
    from chainscreen.version import __version__

    ref = reference or load_reference()
    found = analyse_sector(goods_terms, ref, countries=countries)
    dol_goods, sectors, wanted, listed = found.dol_goods, found.sectors, found.countries, found.listed
    chart_rows = [(c["name"], {"forced labour": c["forced"], "child labour": c["child"]}) for c in listed]
    exposure = None
    if results:
        wanted_goods = {f"dol:{x}" for x in dol_goods} | {f"uflpa:{x}" for x in sectors}
        rows = [{**r, "goods": [x for x in r.get("goods", []) if x in wanted_goods]}
                for res in results for r in res.get("rows", [])
                if wanted_goods & set(r.get("goods", []))
                and (not wanted or r.get("country") in wanted)]
        # One pseudo-result holding the matching rows; receipts (lists, runs) from all results.
        fig = run_figures([{"rows": rows, "receipt": results[0].get("receipt", {})}], today=today)
        fig["runs"] = run_figures(results, today=today)["runs"]
        fig["all_rows"] = sum(len(res.get("rows", [])) for res in results)
        exposure = fig
    catalogue = [ref.catalogue[k] for k in ("dol-tvpra", "tip-tiers", "dol-child-labour",
                                            "uflpa-entity-list", "cbp-wro-entities", "uflpa-sectors")
                 if k in ref.catalogue]
    known = known_publications(ref.root)
    sources = []
    for i in catalogue:
        behind, pub = behind_known(i.id, i.edition, i.sha256, known)
        sources.append({"id": i.id, "publisher": i.publisher, "title": i.title,
                        "edition": i.edition, "url": i.source_url, "sha256": i.sha256,
                        "age_days": edition_age(i.edition, today), "behind": behind,
                        "known": pub if behind else None})
    return {
        "title": f"Sector brief: {', '.join(goods_terms)}" + (f" ({', '.join(wanted)})" if wanted else ""),
        "common": load_common(),
        "terms": list(goods_terms),
        "hits": found.hits,
        "dol_goods": dol_goods,
        "sectors": sectors,
        "countries_filter": wanted,
        "listed": listed,
        # the chart stops at SECTOR_CHART_TOP countries; its caption says so when it is cut
        "listing_chart": bar_chart(chart_rows[:SECTOR_CHART_TOP], ("forced labour", "child labour"),
                                   SECTOR_COLOURS),
        "listing_chart_shown": min(len(chart_rows), SECTOR_CHART_TOP),
        "uflpa": found.uflpa,
        "entities": found.entities,
        "keywords": found.keywords,
        "exposure": exposure,
        "sources": sources,
        "today": today.isoformat(),
        "generated_at": generated_at,
        "version": __version__,
    }


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

TEXT_FORMATS = ("html", "md")
FORMATS = ("html", "md", "docx", "pdf")


def render_draft(name: str, context: Mapping[str, Any], fmt: str) -> str:
    """Render ``templates/disclosure/<name>.<fmt>.j2`` (``fmt`` html or md) with ``context``."""
    from chainscreen.report.render import environment

    if fmt not in TEXT_FORMATS:
        raise ValueError(f"{fmt!r} is not a text format")
    return environment().get_template(f"disclosure/{name}.{fmt}.j2").render(**context)


def write_draft(name: str, context: Mapping[str, Any], fmt: str, path: Path) -> Path:
    """Write one draft format atomically: html/md as text, pdf from the HTML, docx from the Markdown."""
    from chainscreen.report.render import write_text

    if fmt in TEXT_FORMATS:
        return write_text(render_draft(name, context, fmt), path)
    if fmt == "pdf":
        from chainscreen.report.pdf import write_pdf

        return write_pdf(render_draft(name, context, "html"), path)
    if fmt == "docx":
        from chainscreen.report.docx import write_docx

        return write_docx(render_draft(name, context, "md"), path,
                          title=str(context.get("title", name)))
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
