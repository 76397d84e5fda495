"""What the lists say about a sector: the analysis behind the NGO sector brief.

Kept beside the evidence stages, not in the report layer: :func:`analyse_sector` reads goods
words the way a manifest's goods descriptions are read (the goods concordance), then gathers the
DOL listings per country (with TIP tier and child-labour assessment), the UFLPA high-priority
sectors and the entity-list members whose names, aliases or notes carry the sector's keywords.
:mod:`chainscreen.report.disclosure` turns the result into a brief.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chainscreen.errors import InputError
from chainscreen.normalize.countries import country_name, to_iso2
from chainscreen.normalize.goods import GoodsMapper
from chainscreen.reference import ReferenceSet


@dataclass(frozen=True)
class SectorAnalysis:
    """The lists' picture of some goods (optionally limited to some countries)."""

    hits: list[dict[str, Any]]  # how each goods word was read: good, scheme, detail
    dol_goods: list[str]
    sectors: list[str]  # UFLPA high-priority sectors
    countries: list[str]  # ISO-2 filter, empty for all
    #: per country: iso2, name, goods [{good, kinds}], forced and child counts, TIP tier, advancement
    listed: list[dict[str, Any]]
    uflpa: list[dict[str, Any]]  # the UFLPA sector rows: sector, added
    entities: list[dict[str, Any]]  # entity-list members in the sector: name, list_id, country, listed, keyword
    keywords: list[str]  # the words entities were searched for


def analyse_sector(goods_terms: Sequence[str], ref: ReferenceSet, *,
                   countries: Sequence[str] = ()) -> SectorAnalysis:
    """Read ``goods_terms`` with the goods concordance and gather what the lists in ``ref`` say.

    Raises InputError when no DOL good or UFLPA sector matches the terms, or for an unknown country.
    """
    if ref.concordance is None:
        raise InputError("the goods concordance is not loaded; run `chainscreen lists`")
    mapper = GoodsMapper(ref.concordance, ref.hs)
    hits = [h for term in goods_terms for h in mapper.map(term, None)]
    dol_goods = sorted({h.good for h in hits if h.scheme == "dol"})
    sectors = sorted({h.good for h in hits if h.scheme == "uflpa"})
    if not dol_goods and not sectors:
        raise InputError(f"no DOL good or UFLPA sector matches {', '.join(goods_terms)!r}; "
                         "try a commodity word such as cotton, cocoa, shrimp, polysilicon")
    wanted: list[str] = []
    for c in countries:
        iso = to_iso2(c)
        if iso is None:
            raise InputError(f"unknown country {c!r}")
        wanted.append(iso)

    goods = ref.goods
    g = goods[goods["good"].isin(dol_goods)]
    if wanted:
        g = g[g["iso2"].isin(wanted)]
    tip = {r.iso2: r.tier for r in ref.tip.itertuples()}
    cl = {r.iso2: r.advancement_level for r in ref.child_labour.itertuples()}
    by_country: dict[str, dict[str, Any]] = {}
    for r in g.sort_values(["country", "good"]).itertuples():
        row = by_country.setdefault(str(r.iso2), {
            "iso2": r.iso2, "name": country_name(r.iso2) if r.iso2 else r.country,
            "goods": [], "forced": 0, "child": 0,
            "tip": tip.get(r.iso2, "Tier 1 or Tier 2 (not on the Watch List, Tier 3 or special cases)"),
            "advancement": cl.get(r.iso2) or "not assessed"})
        kinds = [k for k, flag in (("forced labour", r.forced_labour), ("child labour", r.child_labour))
                 if bool(flag)]
        if bool(r.forced_child_labour):
            kinds.append("forced child labour")
        row["goods"].append({"good": r.good, "kinds": kinds})
        row["forced"] += int(bool(r.forced_labour))
        row["child"] += int(bool(r.child_labour))
    listed = sorted(by_country.values(), key=lambda c: (-(c["forced"] + c["child"]), c["name"]))

    words = ({t.strip().lower() for t in goods_terms if t.strip()} |
             {x.lower() for x in dol_goods} | {s.lower() for s in sectors})
    conc = ref.concordance
    for kw_cell in conc[conc["good"].isin(dol_goods + sectors)]["keywords"].fillna(""):
        words |= {k.strip().lstrip("=").lower() for k in str(kw_cell).split(";") if k.strip()}
    keywords = sorted(k for k in words if len(k) >= 4)
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keywords) + r")s?\b", re.I) \
        if keywords else None
    entities = []
    for e in ref.entities:
        if wanted and e.country and e.country not in wanted:
            continue
        text = " | ".join([e.name, *e.aliases, e.notes or ""])
        found = pattern.search(text) if pattern is not None else None
        if found:
            entities.append({"name": e.name, "list_id": e.list_id, "country": e.country or "",
                             "listed": e.listed or "", "keyword": found.group(1).lower()})
    entities.sort(key=lambda x: (x["list_id"], x["name"].casefold()))

    uflpa = [{"sector": r.sector, "added": r.added}
             for r in ref.uflpa_sectors.itertuples()
             if any(s.lower() in str(r.sector).lower() or str(r.sector).lower() in s.lower() for s in sectors)]
    return SectorAnalysis(
        hits=[{"good": h.good, "scheme": h.scheme, "detail": h.detail} for h in hits],
        dol_goods=dol_goods, sectors=sectors, countries=wanted, listed=listed, uflpa=uflpa,
        entities=entities, keywords=keywords)
