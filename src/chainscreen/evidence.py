"""Turn one row's normalised facts into evidence items, each naming its list and edition.

Kept apart from :mod:`chainscreen.score` (which only combines items) so the two can be read,
tested and tuned separately. An :class:`EvidenceBuilder` indexes the reference lists once and is
then called per row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from chainscreen.models import MULTI_SEP, UFLPA_SECTIONS, Candidate, Evidence
from chainscreen.normalize.countries import country_name
from chainscreen.normalize.goods import GoodsHit
from chainscreen.reference import ReferenceSet
from chainscreen.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

XUAR_LIST_ID = "uflpa-xuar"
XUAR_EDITION = "Pub. L. 117-78 (2021-12-23)"
#: Origins for which a Xinjiang place name in the row counts as a nexus: China, or not given.
XINJIANG_ORIGINS: frozenset[str | None] = frozenset({"CN", None})


def sector_titles(sectors: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    """Concordance sector key ("pvc", "cotton") -> (the list's title, date added).

    The concordance uses short keys; the sector list uses DHS's titles ("polyvinyl chloride
    (PVC)", "cotton and cotton products"). A key names a title when the title starts with it
    or carries it in brackets.
    """
    out: dict[str, tuple[str, str | None]] = {}
    for rec in sectors.to_dict("records"):
        title = str(rec.get("sector") or "").strip()
        if not title:
            continue
        low = title.lower()
        keys = {low, low.split(" (")[0], low.split(" and ")[0]}
        keys |= set(re.findall(r"\(([^)]+)\)", low))
        for key in keys:
            out.setdefault(key.strip(), (title, str(rec.get("added") or "") or None))
    return out


def one_per_kind(items: Sequence[Evidence]) -> list[Evidence]:
    """Keep the strongest item of each kind; name the others in its summary.

    One HS line often matches several DOL goods ("Cotton" and "Thread/Yarn" for HS 5205). They
    are the same fact about the row — these goods from this country are listed for child
    labour — and must not enter the noisy-OR twice.
    """
    by_kind: dict[str, list[Evidence]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    out: list[Evidence] = []
    for group in by_kind.values():
        best = max(group, key=lambda e: e.strength)  # first of the strongest wins ties
        others = [e.details.get("good") or e.record_id for e in group if e is not best]
        if others:
            names = ", ".join(str(o) for o in others)
            best = replace(best, summary=f"{best.summary}; also listed for the same row: {names}",
                           details={**best.details, "also": others})
        out.append(best)
    return out


def uflpa_listing(facts: dict[str, str]) -> tuple[str, dict[str, object]]:
    """The sections of UFLPA §2(d)(2)(B) an entity is listed under, in words, and as details.

    ``facts`` are the record's ``sections`` and ``effective_dates`` (" | "-separated, parallel).
    """
    sections = [s.strip() for s in facts.get("sections", "").split(MULTI_SEP) if s.strip()]
    dates = [d.strip() for d in facts.get("effective_dates", "").split(MULTI_SEP)]
    dates += [""] * (len(sections) - len(dates))
    parts = []
    for sec, when in zip(sections, dates, strict=False):
        what = UFLPA_SECTIONS.get(sec)
        parts.append(f"§2(d)(2)(B)({sec})" + (f" effective {when}" if when else "")
                     + (f", {what}" if what else ""))
    text = "; listed under " + "; and under ".join(parts) if parts else ""
    return text, {"uflpa_sections": sections, "effective_dates": dates[:len(sections)]}


@dataclass(frozen=True)
class CbpOrder:
    """What a CBP WRO/Finding record's order says for evidence."""

    text: str
    flagged: bool  # partially modified: evidence, not decisive
    historical: bool  # inactive, or this party removed from the order: a note only
    details: dict[str, object]


def cbp_order(facts: dict[str, str]) -> CbpOrder | None:
    """The order a CBP record belongs to, in words, with how its status counts; None when the
    record carries no status (a names-only or imported entity list)."""
    status = facts.get("status", "").strip()
    if not status:
        return None
    order = facts.get("order") or "order"
    when = facts.get("effective_date") or "date unknown"
    what = facts.get("merchandise") or "merchandise not stated"
    removed = facts.get("party_removed", "")
    low = status.lower()
    text = f"{order} of {when} on {what}, status {status}"
    details: dict[str, object] = {"cbp_status": status, "cbp_order": order,
                                  "cbp_effective_date": when}
    if removed:
        text += f"; CBP removed this party from the order on {removed}"
        details["party_removed"] = removed
    elif low.startswith("partially"):
        modified = facts.get("modified") or "CBP's file does not say what"
        text += f" (modified: {modified})"
        details["modified"] = modified
    return CbpOrder(text=text, flagged=low.startswith("partially") and not removed,
                    historical=low.startswith("inactive") or bool(removed), details=details)


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"true", "yes", "1"}


@dataclass
class RowFacts:
    """What a row says, after normalisation."""

    supplier: str | None
    country: str | None  # ISO-2
    goods: Sequence[GoodsHit] = ()
    candidates: Sequence[Candidate] = ()
    xinjiang_term: str | None = None
    xinjiang_field: str | None = None
    description: str = ""
    notes: list[str] = field(default_factory=list)


class EvidenceBuilder:
    """Indexes the reference lists once; :meth:`build` is then cheap per row."""

    def __init__(self, ref: ReferenceSet, settings: Settings) -> None:
        self.settings = settings
        self.ref = ref
        w = settings.weights
        self._w = w
        # strengths by the list's own grading: settings.strengths (DEFAULT_STRENGTHS)
        self._tip_strength = settings.strengths["tip_tier"]
        self._advancement = tuple(settings.strengths["child_labour_advancement"].items())
        self._wro_status = settings.strengths["wro_status"]
        goods = ref.goods
        self._goods_info = ref.info("dol-tvpra") if "dol-tvpra" in ref.catalogue else None
        self._goods: dict[tuple[str, str], dict[str, str]] = {}
        goods_records: list[dict[str, str]] = goods.to_dict("records")  # type: ignore[assignment]
        for rec in goods_records:
            self._goods[(str(rec["good"]).lower(), str(rec["iso2"]))] = rec
        self._tip_info = ref.info("tip-tiers") if "tip-tiers" in ref.catalogue else None
        # Only the latest report counts: a country on Tier 3 in 2020 but absent from the 2025
        # report is Tier 1 or 2 now, not Tier 3.
        years = ref.tip["report_year"].astype(int) if len(ref.tip) else None
        self._tip_year = str(years.max()) if years is not None else None
        latest = ref.tip[years == years.max()] if years is not None else ref.tip
        self._tip = {str(r["iso2"]): r for r in latest.to_dict("records") if r.get("iso2")}
        self._cl_info = ref.info("dol-child-labour") if "dol-child-labour" in ref.catalogue else None
        self._cl = {str(r["iso2"]): r for r in ref.child_labour.to_dict("records") if r.get("iso2")}
        self._sector_info = ref.info("uflpa-sectors") if "uflpa-sectors" in ref.catalogue else None
        self._sectors = sector_titles(ref.uflpa_sectors)
        # the merchandise of each order as a pattern's source, per country; compiled when a
        # country is first screened (a context read from disk then compiles none it does not use)
        self._wro: dict[str, list[tuple[str, dict[str, str]]]] = {}
        self._wro_compiled: dict[str, list[tuple[re.Pattern[str], dict[str, str]]]] = {}
        wro_records: list[dict[str, str]] = ref.wro_merchandise.to_dict("records")  # type: ignore[assignment]
        for rec in wro_records:
            iso2 = str(rec.get("iso2") or "")
            term = str(rec.get("merchandise") or "").strip()
            if not iso2 or not term:
                continue
            source = r"\b" + r"\s+".join(map(re.escape, term.lower().split())) + r"s?\b"
            self._wro.setdefault(iso2, []).append((source, rec))

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the compiled patterns: they are compiled again where they are used."""
        state = dict(self.__dict__)
        state["_wro_compiled"] = {}
        return state

    def _wro_patterns(self, country: str) -> list[tuple[re.Pattern[str], dict[str, str]]]:
        """The compiled merchandise patterns of the orders on ``country``'s goods."""
        found = self._wro_compiled.get(country)
        if found is None:
            found = [(re.compile(source), rec) for source, rec in self._wro.get(country, ())]
            self._wro_compiled[country] = found
        return found

    # -- one function per evidence kind ------------------------------------------------------

    def entity(self, candidates: Sequence[Candidate],
               notes: list[str] | None = None) -> list[Evidence]:
        """The best candidate at or above the review threshold; a match is decisive.

        One item per list scope (forced labour, sanctions, watchlist), so a sanctions or
        watchlist hit never hides a forced-labour list hit on the same supplier. A UFLPA
        Entity List match names the section(s) of §2(d)(2)(B). A CBP order counts by its
        status: Active is decisive; Partially Modified is flagged, not decisive, with what CBP
        modified; Inactive, or a party CBP removed from the order, is a historical note in
        ``notes`` that does not raise the level.
        """
        out: list[Evidence] = []
        scopes_seen: set[str] = set()
        for cand in candidates:
            if cand.decision not in ("match", "review"):
                continue
            rec = cand.record
            info = self.ref.catalogue.get(rec.list_id)
            group = (info.scope if info is not None else "") or "forced-labour"
            if info is not None and info.publisher == "user":
                group = "watchlist"
            edition = info.edition if info else "unknown"
            verb = "matches" if cand.decision == "match" else "may match (needs review)"
            facts = self.ref.entity_facts.get((rec.list_id, rec.record_id), {})
            order = cbp_order(facts)
            if order is not None and order.historical:
                if notes is not None:
                    notes.append(f"historical, not counted: supplier {verb} '{rec.name}' on "
                                 f"{rec.list_id} (edition {edition}), {order.text}")
                continue
            if group in scopes_seen:
                continue
            scopes_seen.add(group)
            kind = "entity_list" if (info is None or info.kind == "entity") else "watchlist"
            # A user's own list (or one imported with scope "watchlist") is a watchlist:
            # weighed, not decisive. Sanctions lists stay decisive but are named as such.
            scope = info.scope if info is not None else ""
            if info is not None and (info.publisher == "user" or scope == "watchlist"):
                kind = "watchlist"
            strength = 1.0 if cand.decision == "match" else 0.5
            listed = f", listed {rec.listed}" if rec.listed else ""
            details: dict[str, object] = {"list_scope": scope} \
                if scope and scope != "forced-labour" else {}
            details["candidate"] = cand.decision  # "match" or "review": review never makes a row high
            if facts.get("sections"):
                listed, extra = uflpa_listing(facts)
                details.update(extra)
            if order is not None:
                listed = f"; {order.text}"
                details.update(order.details)
                if order.flagged:
                    # Part of the order was lifted: a lead for review, never decisive alone.
                    strength = min(strength, self._wro_status.get("partially modified", 0.5))
            why = "; ".join(cand.reasons[:4])
            what = {"sanctions": "the sanctions list ", "watchlist": "the watchlist "}.get(
                "watchlist" if kind == "watchlist" else scope, "")
            note = ""
            if scope == "sanctions":
                note = " (a sanctions designation, not a forced-labour finding)"
            elif kind == "watchlist" and rec.notes:
                note = f" (reason: {rec.notes[:200]})"
            out.append(Evidence(
                kind=kind, list_id=rec.list_id, edition=edition, strength=strength,
                weight=self._w.get(kind, 1.0), record_id=rec.record_id,
                matched_name=cand.matched_name, match_score=cand.score,
                summary=(f"supplier {verb} '{rec.name}' on {what}{rec.list_id} (edition "
                         f"{edition}{listed}){note}, match score {cand.score:.2f}: {why}"),
                details=details,
            ))
        return out

    def goods(self, hits: Sequence[GoodsHit], country: str | None) -> list[Evidence]:
        """DOL TVPRA goods listed for the origin country, and UFLPA sectors from China."""
        out: list[Evidence] = []
        if not country:
            return out
        seen: set[tuple[str, str]] = set()
        for hit in hits:
            if hit.scheme == "dol" and self._goods_info is not None:
                rec = self._goods.get((hit.good.lower(), country))
                if rec is None:
                    continue
                strength = 1.0 if hit.via == "hs" else 0.8
                ed = self._goods_info.edition
                for flag, kind, words in (
                    ("forced_labour", "goods_forced_labour", "forced labour"),
                    ("child_labour", "goods_child_labour", "child labour"),
                ):
                    forced_child = _truthy(rec.get("forced_child_labour"))
                    if not (_truthy(rec.get(flag)) or (forced_child and flag == "forced_labour")):
                        continue
                    if (kind, hit.good) in seen:
                        continue
                    seen.add((kind, hit.good))
                    extra = " (forced child labour)" if forced_child and flag == "forced_labour" else ""
                    out.append(Evidence(
                        kind=kind, list_id="dol-tvpra", edition=ed, strength=strength,
                        weight=self._w[kind], record_id=f"{rec['good']}|{country}",
                        summary=(f"{rec['good']} from {country_name(country)} is on the DOL list of "
                                 f"goods produced by {words}{extra} (dol-tvpra, edition {ed}); "
                                 f"goods matched by {hit.detail}"),
                        details={"good": rec["good"], "via": hit.via},
                    ))
                if _truthy(rec.get("derived")) and ("goods_derived", hit.good) not in seen:
                    # DOL lists some goods (solar cells, refined palm oil) because an input was
                    # made with forced or child labour, not the good itself.
                    seen.add(("goods_derived", hit.good))
                    src = str(rec.get("derived_country") or "")
                    where = country_name(src) if len(src) == 2 else "an unnamed country"
                    out.append(Evidence(
                        kind="goods_derived", list_id="dol-tvpra", edition=ed, strength=strength,
                        weight=self._w["goods_derived"], record_id=f"{rec['good']}|{country}|derived",
                        summary=(f"{rec['good']} from {country_name(country)} is on the DOL list as "
                                 f"made with inputs produced with forced or child labour in {where} "
                                 f"(dol-tvpra, edition {ed}); goods matched by {hit.detail}"),
                        details={"good": rec["good"], "via": hit.via, "input_country": src},
                    ))
            elif hit.scheme == "uflpa" and country == "CN" and self._sector_info is not None:
                key = ("uflpa_sector", hit.good)
                if key in seen:
                    continue
                seen.add(key)
                ed = self._sector_info.edition
                title, added = self._sectors.get(hit.good, (hit.good, None))
                since = f", a priority since {added}" if added else ""
                out.append(Evidence(
                    kind="uflpa_sector", list_id="uflpa-sectors", edition=ed,
                    strength=1.0 if hit.via == "hs" else 0.8, weight=self._w["uflpa_sector"],
                    record_id=title,
                    summary=(f"{title} from China is a UFLPA high-priority sector{since} "
                             f"(uflpa-sectors, edition {ed}); goods matched by {hit.detail}"),
                ))
        return one_per_kind(out)

    def xinjiang(self, term: str | None, where: str | None, country: str | None = None,
                 notes: list[str] | None = None) -> list[Evidence]:
        """A Xinjiang nexus: the row names a place in the Xinjiang Uyghur Autonomous Region and its
        origin is China or not given, so the UFLPA presumption applies.

        Many of the region's place names are also places or words elsewhere (Kashi is also
        Varanasi, Altay a Russian and a Mongolian region, Aksu a Turkish town): where the origin
        is another country the mention is only a note asking to check the address, never evidence.
        """
        if not term:
            return []
        if country not in XINJIANG_ORIGINS:
            if notes is not None:
                notes.append(
                    f"the {where or 'row'} mentions '{term}', also the name of a place in Xinjiang; the origin "
                    f"is {country_name(country)}, so it is not counted: check the address")
            return []
        return [Evidence(
            kind="xinjiang", list_id=XUAR_LIST_ID, edition=XUAR_EDITION, strength=1.0,
            weight=self._w["xinjiang"], record_id="XUAR",
            summary=(f"the {where or 'row'} mentions '{term}' in the Xinjiang Uyghur Autonomous "
                     f"Region: goods made there in whole or part are presumed made with forced "
                     f"labour under the UFLPA ({XUAR_EDITION})"),
        )]

    def country(self, country: str | None, notes: list[str]) -> list[Evidence]:
        """TIP tier and DOL child-labour assessment of the origin country."""
        out: list[Evidence] = []
        if not country:
            return out
        name = country_name(country)
        if self._tip_info is not None:
            ed = self._tip_info.edition
            rec = self._tip.get(country)
            if rec is not None and rec["tier"] in self._tip_strength:
                out.append(Evidence(
                    kind="tip_tier", list_id="tip-tiers", edition=ed,
                    strength=self._tip_strength[rec["tier"]], weight=self._w["tip_tier"],
                    record_id=f"{country}|{rec['report_year']}",
                    summary=(f"{name} is {rec['tier']} in the {rec['report_year']} Trafficking in "
                             f"Persons report (tip-tiers, edition {ed})"),
                ))
            else:
                notes.append(
                    f"{name} is not on the Tier 2 Watch List or Tier 3 in the {self._tip_year} TIP "
                    f"report: Tier 1 or Tier 2 (tip-tiers, edition {ed}, does not say which)")
        if self._cl_info is not None:
            rec = self._cl.get(country)
            level = str(rec.get("advancement_level") or "") if rec else ""
            strength = next((s for p, s in self._advancement if level.lower().startswith(p)), None)
            if rec is not None and strength is not None:
                ed = self._cl_info.edition
                out.append(Evidence(
                    kind="child_labour_assessment", list_id="dol-child-labour", edition=ed,
                    strength=strength, weight=self._w["child_labour_assessment"],
                    record_id=f"{country}|{rec['findings_year']}",
                    summary=(f"DOL child-labour assessment of {name} for {rec['findings_year']}: "
                             f"{level} (dol-child-labour, edition {ed})"),
                ))
        return out

    def wro(self, description: str, country: str | None,
            notes: list[str] | None = None) -> list[Evidence]:
        """CBP Withhold Release Orders / Findings on the same merchandise from the same country.

        Active orders count in full, partially modified ones at half strength with what CBP
        modified; an inactive order is a historical note in ``notes``. One item per row: the
        strongest order, naming the entities of every order that matched.
        """
        if not country or not description:
            return []
        text = description.lower()
        matched = [rec for pattern, rec in self._wro_patterns(country) if pattern.search(text)]
        counted = [(self._wro_status[str(r.get("status") or "").strip().lower()], r)
                   for r in matched
                   if str(r.get("status") or "").strip().lower() in self._wro_status]
        if notes is not None:
            for rec in matched:
                if str(rec.get("status") or "").strip().lower().startswith("inactive"):
                    notes.append(f"historical, not counted: CBP {self._order_text(rec, country)}")
        if not counted:
            return []
        strength, rec = max(counted, key=lambda sr: sr[0])  # first of the strongest on ties
        status = str(rec.get("status") or "").strip()
        others = [str(r.get("entity")) for _, r in counted if r is not rec and r.get("entity")]
        modified = str(rec.get("modified") or "")
        partial = f"; partially modified: {modified}" if modified else ""
        also = f"; other orders on it name {'; '.join(others)}" if others else ""
        return [Evidence(
            kind="wro_merchandise", list_id=str(rec.get("list_id") or ""),
            edition=str(rec.get("edition") or ""), strength=strength,
            weight=self._w["wro_merchandise"],
            record_id=f"{rec['merchandise']}|{country}|{rec.get('effective_date', '')}",
            summary=f"CBP {self._order_text(rec, country)}{partial}{also}",
            details={"cbp_status": status, "cbp_order": str(rec.get("order") or ""),
                     **({"modified": modified} if modified else {})},
        )]

    @staticmethod
    def _order_text(rec: dict[str, str], country: str) -> str:
        named = str(rec.get("entity") or "")
        return (f"{rec.get('order') or 'order'} on {rec['merchandise']} from "
                f"{country_name(country)} (effective {rec.get('effective_date') or 'date unknown'}"
                f", status {rec.get('status')}{'; names ' + named if named else ''}; "
                f"{rec.get('list_id')}, edition {rec.get('edition')})")

    def build(self, facts: RowFacts) -> list[Evidence]:
        """Every evidence item for one row: :meth:`party`, :meth:`xinjiang`, :meth:`origin`, in
        that order (their notes too)."""
        items: list[Evidence] = []
        items += self.party(facts.candidates, facts.notes)
        items += self.xinjiang(facts.xinjiang_term, facts.xinjiang_field, facts.country, facts.notes)
        items += self.origin(facts.goods, facts.description, facts.country, facts.notes)
        return items

    # The two parts of :meth:`build` that depend on fewer facts than the whole row; the
    # pipeline computes each once per distinct value of what it depends on.

    def party(self, candidates: Sequence[Candidate], notes: list[str]) -> list[Evidence]:
        """Evidence about the supplier itself: depends only on its (name, country) candidates."""
        return self.entity(candidates, notes)

    def origin(self, goods: Sequence[GoodsHit], description: str, country: str | None,
               notes: list[str]) -> list[Evidence]:
        """Evidence about the goods and where they come from (goods lists, WRO merchandise,
        country assessments): depends only on (country, goods text, HS code)."""
        items: list[Evidence] = []
        items += self.goods(goods, country)
        items += self.wro(description, country, notes)
        items += self.country(country, notes)
        return items
