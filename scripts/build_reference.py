"""Build the shipped reference lists in ``reference/`` from the gathered source copies.

Run from the repository root::

    .venv/bin/python scripts/build_reference.py --source ../shared/reference-data

The script reads the genuine source files described in the source folder's
``PROVENANCE.md``, cleans them (ISO-2 country codes, ISO dates, split aliases;
the UFLPA page is read by the same code as ``chainscreen lists import``),
and writes UTF-8 CSV files,
``catalogue.json`` and ``PROVENANCE.md`` into ``reference/``.  It never adds a
risk-list entry that is not in the sources, and it stops with an error when a
country cannot be mapped or a source file does not look as expected, so a
changed source is noticed instead of shipped.  Output is deterministic: the
same input gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: The day the source copies in the shared folder were gathered (their PROVENANCE.md).
RETRIEVED = "2026-11-23"

PUBLIC_DOMAIN = "Public domain (US federal government work, 17 U.S.C. 105)"


class BuildError(RuntimeError):
    """A source file does not look as the build expects; nothing is written."""


# ---------------------------------------------------------------------------
# countries, keys, alias splitting and CSV writing: shared with ``chainscreen lists import``
# (chainscreen.importers), so shipped lists and imported editions are cleaned the same way.

from chainscreen.importers import (  # noqa: E402
    COUNTRY_OVERRIDES,
    LEGAL_FORM_AND,
    NON_ISO_CODES,
    UFLPA_SECTIONS,  # noqa: E402
    count_rows,
    norm_key,
    split_alias_text,
    to_csv_bytes,
)
from chainscreen.importers import CountryMapper as _CountryMapper  # noqa: E402
from chainscreen.importers import clean_name as _clean_name  # noqa: E402

__all__ = ["COUNTRY_OVERRIDES", "LEGAL_FORM_AND", "NON_ISO_CODES", "CountryMapper", "norm_key",
           "split_alias_text"]


class CountryMapper(_CountryMapper):
    """:class:`chainscreen.importers.CountryMapper` that fails the build on an unknown name."""

    def require(self, name: str, where: str) -> str:
        """ISO-2 code of ``name``; raise :class:`BuildError` naming ``where`` if unknown."""
        code = self.get(name)
        if code is None:
            raise BuildError(
                f"{where}: country {name!r} does not map to ISO-2; "
                "add it to COUNTRY_OVERRIDES in src/chainscreen/importers.py"
            )
        return code


# ---------------------------------------------------------------------------
# small helpers


def read_rows(path: Path, expected: Sequence[str]) -> list[dict[str, str]]:
    """Read a source CSV as strings and check its header starts with ``expected``."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in expected if c not in header]
        if missing:
            raise BuildError(f"{path.name}: missing columns {missing}; header is {header}")
        return [dict(row) for row in reader]






def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def yes_no(value: str, where: str) -> str:
    if value == "Yes":
        return "true"
    if value == "No":
        return "false"
    raise BuildError(f"{where}: expected Yes/No, got {value!r}")


def iso_date(value: str, fmt: str, where: str) -> str:
    try:
        return datetime.strptime(value.strip(), fmt).date().isoformat()
    except ValueError as exc:
        raise BuildError(f"{where}: bad date {value!r} ({exc})") from None




@dataclass
class Output:
    """One file to write plus its catalogue entry (without hash and count)."""

    file: str
    data: bytes
    info: dict[str, object]
    provenance: str


# ---------------------------------------------------------------------------
# DOL TVPRA list of goods

DOL_EDITIONS = {
    # edition year -> (publication date, source commit, git blob, source sha256)
    "2022": ("2022-09-28", "48678c8e66b96c7b9070c631c1c9cb832c42ed51",
             "0424f528c1bd33a4a60215f2edf1a5c6b2321c03",
             "0ac2d973ec41a2a3c3958f8e94af763f9f6255fcf511bf74e2d6d986ef89cc2e"),
    "2020": ("2020-09-30", "29036d2cfdc0290e72330029700550a98f09f840",
             "9ef1c6071e0be9a35c19383171fbaa386f5a6d59",
             "a3128a852788fae49db4659b9e4b71e9b5c1c3e4dabc746c2bf49901482c7341"),
    "2018": ("2018-09-20", "d33585314ad6a63bf21bb10c52079e50b45f1ebe",
             "d564f0ade01e13e2ea9b01520a4f32b706bb8df5",
             "ee3e871ddc99751de179b5c85b4364fae64f085e3728de8a61b4fa699aac97a8"),
}

DOL_2022_CAVEATS = (
    "Palm Fruit / Indonesia has forced_labour=false in this (DOL app HEAD) data although the "
    "2022-08 and 2022-11-30 app data and the 2020 edition ('Oil (Palm)') say forced labour; "
    "check it against the dol.gov Excel before relying on it. "
    "Cotton / Uzbekistan (forced labour) was removed by DOL in the app data on 2022-11-30 "
    "and is absent here (Silk Cocoons / Uzbekistan remains). Both rows are shipped as the "
    "source has them, unchanged."
)

GOODS_HEADER = ["good", "sector", "country", "iso2", "child_labour", "forced_labour",
                "forced_child_labour", "derived", "derived_country"]


def build_dol_goods(src: Path, countries: CountryMapper) -> list[Output]:
    """One cleaned file per edition of the DOL TVPRA list."""
    outputs = []
    for year, (published, commit, blob, source_sha) in DOL_EDITIONS.items():
        name = f"dol_tvpra_goods_{year}.csv"
        rows = read_rows(src / name, ["Good_Name", "Good_Sector", "Country_Name",
                                      "Child_Labor", "Forced_Labor", "Forced_Child_Labor"])
        out = []
        seen: set[tuple[str, str]] = set()
        for i, r in enumerate(rows, start=2):
            where = f"{name} line {i}"
            iso2 = countries.require(r["Country_Name"], where)
            key = (r["Good_Name"], iso2)
            if key in seen:
                raise BuildError(f"{where}: duplicate good/country {key}")
            seen.add(key)
            derived = yes_no(r.get("Derived_Labor_Exploitation", "No") or "No", where)
            dc = r.get("Derived_Country", "No") or "No"
            derived_country = "" if dc == "No" else countries.require(dc, where)
            out.append([r["Good_Name"], r["Good_Sector"], r["Country_Name"], iso2,
                        yes_no(r["Child_Labor"], where), yes_no(r["Forced_Labor"], where),
                        yes_no(r["Forced_Child_Labor"], where), derived, derived_country])
        data = to_csv_bytes(GOODS_HEADER, out)
        n_goods = len({r[0] for r in out})
        n_countries = len({r[3] for r in out})
        notes = (f"{n_goods} good names, {n_countries} countries. DOL app data "
                 "(USDepartmentofLabor/Child-Labor), not the official dol.gov PDF/Excel.")
        if year == "2022":
            notes += " " + DOL_2022_CAVEATS
        if year == "2020":
            notes += " The June 2021 update (polysilicon, China) is not in this edition."
        outputs.append(Output(
            file=f"dol_tvpra_goods_{year}.csv", data=data,
            info=dict(id="dol-tvpra", kind="commodity",
                      publisher="US Department of Labor, Bureau of International Labor Affairs",
                      title=f"List of Goods Produced by Child Labor or Forced Labor ({year})",
                      edition=published,
                      source_url="https://www.dol.gov/agencies/ilab/reports/child-labor/list-of-goods",
                      retrieved=RETRIEVED, licence=PUBLIC_DOMAIN, refresh_days=730, notes=notes),
            provenance=(
                f"- Source: GitHub `USDepartmentofLabor/Child-Labor` commit `{commit}`, "
                f"`Child Labor/goods_2016.xml` (git blob `{blob}`, source sha256 `{source_sha}`), "
                f"flattened to one row per good x country in the shared copy `{name}`.\n"
                f"- Edition: TVPRA List {year}, published {published}. {n_goods} good names, "
                f"{n_countries} countries, {len(out)} rows.\n"
                "- Transformation: columns renamed; Yes/No to true/false; DOL country names "
                "mapped to ISO-2 (pycountry names plus the override table in "
                "`scripts/build_reference.py`; the build fails on any unmapped name); "
                "`derived_country` (the country of the input a derived good is made from) "
                "as ISO-2. Rows are otherwise unchanged and in source order."
                + ("\n- `derived`/`derived_country` did not exist before 2022: always "
                   "false/empty." if year != "2022" else "")
                + "\n- Caveat: this is DOL's app data; DOL's official list is the PDF/Excel "
                "on dol.gov."
                + (f"\n- Caveats (data kept exactly as the source has it): {DOL_2022_CAVEATS}"
                   if year == "2022" else "")
                + ("\n- Caveat: the June 2021 update, which added polysilicon from China, "
                   "is not in this edition (first seen in commit `844d81e`, 2021-07-14)."
                   if year == "2020" else "")
            ),
        ))
    return outputs


# ---------------------------------------------------------------------------
# TIP tiers (via the World Factbook)

TIP_TIERS = ("Tier 2 Watch List", "Tier 3", "Special Case")

#: Factbook files whose "conventional short form" name was unusable in the snapshot
#: (the Factbook JSON says "none" for the Central African Republic, and a truncated
#: "The Dominican"); the name is taken from the file instead.
FACTBOOK_NAME_FIXES: dict[tuple[str, str], str] = {
    ("none", "africa/ct.json"): "Central African Republic",
    ("The Dominican", "central-america-n-caribbean/dr.json"): "Dominican Republic",
}


def build_tip(src: Path, countries: CountryMapper) -> Output:
    """TIP tiers per report year, ISO-2 from the country name (GEC codes are not ISO)."""
    name = "state_tip_tiers_factbook.csv"
    rows = read_rows(src / name, ["report_year", "tier", "country", "gec_code",
                                  "factbook_file", "tier_rating_text"])
    out = []
    by_gec: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    fixed: list[str] = []
    for i, r in enumerate(rows, start=2):
        where = f"{name} line {i}"
        if r["tier"] not in TIP_TIERS:
            raise BuildError(f"{where}: unexpected tier {r['tier']!r}")
        country = _clean_name(r["country"])
        fix = FACTBOOK_NAME_FIXES.get((country, r["factbook_file"]))
        if fix:
            fixed.append(f"{r['report_year']} {country!r} ({r['factbook_file']}) -> {fix!r}")
            country = fix
        iso2 = countries.require(country, where)
        # One Factbook file is one country: a file mapping to two codes means a bad override.
        if by_gec.setdefault(r["gec_code"], iso2) != iso2:
            raise BuildError(f"{where}: GEC {r['gec_code']} maps to {by_gec[r['gec_code']]} "
                             f"and {iso2}")
        key = (r["report_year"], iso2)
        if key in seen:
            raise BuildError(f"{where}: duplicate report year/country {key}")
        seen.add(key)
        out.append([r["report_year"], iso2, country, r["tier"], r["tier_rating_text"]])
    years = sorted({r[0] for r in out})
    counts = {y: {t: sum(1 for r in out if r[0] == y and r[3] == t) for t in TIP_TIERS}
              for y in years}
    table = "\n".join(
        f"  | {y} | " + " | ".join(str(counts[y][t]) for t in TIP_TIERS) + " |" for y in years)
    data = to_csv_bytes(["report_year", "iso2", "country", "tier", "tier_rating_text"], out)
    return Output(
        file="state_tip_tiers.csv", data=data,
        info=dict(id="tip-tiers", kind="country",
                  publisher="US Department of State (as carried in the CIA World Factbook)",
                  title="Trafficking in Persons Report: Tier 2 Watch List, Tier 3 and "
                        "Special Case countries",
                  edition=years[-1],
                  source_url="https://www.state.gov/trafficking-in-persons-report/",
                  retrieved=RETRIEVED,
                  licence="CC0 1.0 (factbook/factbook.json); TIP and Factbook text are US "
                          "government works in the public domain",
                  refresh_days=365,
                  notes=("Only Tier 2 Watch List, Tier 3 and Special Case are recorded: a "
                         "country absent for a year is Tier 1 or Tier 2 (cannot be told "
                         "apart). Report years " + ", ".join(years) + "; the 2021 report is "
                         "missing and Haiti 2024 is left out (no year in the text).")),
        provenance=(
            "- Source: GitHub `factbook/factbook.json` (weekly JSON conversions of the CIA "
            "World Factbook), HEAD `8662a8b17a784841ab4528631b04090eb2f183eb` (2026-05-17), "
            "'Transnational Issues > Trafficking in persons > tier rating', sampled quarterly "
            "2021-2026 into the shared copy `state_tip_tiers_factbook.csv` (each row names "
            "its Factbook commit there).\n"
            f"- Rows: {len(out)}. Counts per report year (Tier 2 Watch List / Tier 3 / "
            "Special Case):\n\n  | year | T2WL | T3 | Special |\n  |---|---|---|---|\n"
            f"{table}\n\n"
            "- Transformation: the Factbook's GEC codes (`ch` = China, `gm` = Germany) are "
            "**not** ISO and were dropped; `iso2` comes from the country name (pycountry "
            "plus overrides; the build fails on an unmapped name and checks that each GEC "
            "file maps to one code). HTML entities in names were decoded (`Laos&nbsp;`). "
            "Unusable Factbook names were replaced by the country of their Factbook file: "
            + "; ".join(fixed) + ". Factbook commit columns were dropped.\n"
            "- Caveats: only Tier 2 Watch List / Tier 3 / Special Case are recorded; absence "
            "means Tier 1 **or** Tier 2 and chainscreen never invents a tier. The 2021 report "
            "is missing; Haiti 2024 ('Special Category' without a year) was left out. "
            "Screening uses only the latest report year: a country missing from it has "
            "left the watch list or Tier 3, so its older rows are history, not evidence."
        ),
    )


# ---------------------------------------------------------------------------
# DOL child-labour country assessments

CHILD_LABOUR_SOURCES = (
    "| findings year | repo | commit | path |\n|---|---|---|---|\n"
    "| 2018 | USDepartmentofLabor/Child-Labor-Android | b8891386cc88513baa4411196561934f0a36f063 "
    "| app/src/main/assets/countries_2018.xml |\n"
    "| 2019 | USDepartmentofLabor/Child-Labor-Android | b8891386cc88513baa4411196561934f0a36f063 "
    "| app/src/main/assets/countries_2019.xml |\n"
    "| 2020 | USDepartmentofLabor/Child-Labor-Android | b8891386cc88513baa4411196561934f0a36f063 "
    "| app/src/main/assets/countries_2020.xml |\n"
    "| 2021 | USDepartmentofLabor/Child-Labor | f854e0ddd54ddc862dc93edd76b5c05f05219a56 "
    "| Child Labor/countries_2016.xml |\n"
    "| 2022 | USDepartmentofLabor/Child-Labor | 48678c8e66b96c7b9070c631c1c9cb832c42ed51 "
    "| Child Labor/countries_2016.xml |"
)


def build_child_labour(src: Path, countries: CountryMapper) -> Output:
    """DOL Findings on the Worst Forms of Child Labor, one row per country and findings year."""
    name = "dol_findings_country_assessments.csv"
    rows = read_rows(src / name, ["Findings_Year", "Name", "Region", "Advancement_Level",
                                  "Webpage", "Goods_Listed"])
    out = []
    unmapped: set[str] = set()
    for r in rows:
        country = _clean_name(r["Name"])
        iso2 = countries.get(country) or ""
        if not iso2:
            unmapped.add(country)
        out.append([r["Findings_Year"], iso2, country, r["Region"], r["Advancement_Level"],
                    r["Goods_Listed"], r["Webpage"]])
    years = sorted({r[0] for r in out})
    no_assessment = sorted({r[2] for r in out if r[0] == years[-1]
                            and r[4] in ("", "No Assessment")})
    data = to_csv_bytes(["findings_year", "iso2", "country", "region", "advancement_level",
                         "goods_listed", "webpage"], out)
    return Output(
        file="dol_child_labour_assessments.csv", data=data,
        info=dict(id="dol-child-labour", kind="country",
                  publisher="US Department of Labor, Bureau of International Labor Affairs",
                  title="Findings on the Worst Forms of Child Labor: country assessments",
                  edition=years[-1],
                  source_url="https://www.dol.gov/agencies/ilab/resources/reports/child-labor/findings",
                  retrieved=RETRIEVED, licence=PUBLIC_DOMAIN, refresh_days=365,
                  notes=(f"Findings years {years[0]}-{years[-1]}; the {years[-1]} Findings were "
                         f"published in September {int(years[-1]) + 1}. Territories without an "
                         "assessment have an empty advancement level or 'No Assessment'. "
                         "Kosovo carries the user-assigned code XK.")),
        provenance=(
            "- Source: DOL's own app repositories (the country XML of the Sweat & Toil apps), "
            "one file per findings year:\n\n" + CHILD_LABOUR_SOURCES + "\n\n"
            f"- Rows: {len(out)} (one per country and findings year). The findings year is the "
            "year reported on; each report is published the following September.\n"
            "- Transformation: `iso2` from the DOL name (pycountry plus overrides); the long "
            "`Description` and the `Multiple_Territories` columns were dropped to keep the "
            "file small (they stay in the shared source copy). Advancement labels are "
            "verbatim, including the long 'Minimal Advancement - Efforts Made but ...' forms.\n"
            "- Codes: every name maps to a code. Kosovo has no ISO 3166-1 code and carries the "
            "user-assigned `XK`; West Bank and the Gaza Strip -> `PS`; Saint Helena, Ascension "
            "and Tristan da Cunha -> `SH`; Falkland Islands -> `FK`. "
            + (f"Unmapped (empty iso2): {', '.join(sorted(unmapped))}." if unmapped
               else "No territory is left without a code.") + "\n"
            f"- Not assessed in {years[-1]} (empty or 'No Assessment'): "
            + ", ".join(no_assessment) + ".\n"
            "- Caveat: no 2023 or 2024 Findings were found in machine-readable form."
        ),
    )


# ---------------------------------------------------------------------------
# UFLPA Entity List

UFLPA_PAGE = "dhs_uflpa_entity_list_page_2026-07-09.html"
UFLPA_PAGE_SHA256 = "934d49949ce4a44805c04aee41ddd8f7ee73c491e63c6ed9529accc6eddd46b2"
UFLPA_SCRAPE = "uflpa_entity_list_scrape_2026-07-09.csv"
#: The scrape's table number (where its alphabetical order restarts) -> page section, checked.
SCRAPE_TABLES = {"1": "i", "2": "ii", "3": "v"}


@dataclass
class UflpaStats:
    listings: int = 0
    entities: int = 0
    per_section: dict[str, int] = field(default_factory=dict)
    entities_per_section: dict[str, int] = field(default_factory=dict)
    multi: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)


def compare_with_scrape(src: Path, listings: list[tuple[str, int, str, str]]) -> list[str]:
    """What the third-party scrape of the same day (file 9) got wrong or left out.

    ``listings`` are the page's (section, table row, name cell, ISO date) in page order.
    """
    rows = read_rows(src / UFLPA_SCRAPE, ["row_in_snapshot", "name", "aliases", "listedDate",
                                          "table_ordinal", "scraper_parse_defect_suspected"])
    out = []
    if len(rows) != len(listings):
        out.append(f"row count: scrape {len(rows)}, page {len(listings)}")
    moved = dated = 0
    split, damaged = [], []
    for r, (sec, n, cell, iso) in zip(rows, listings, strict=False):
        where = f"scrape row {r['row_in_snapshot']} = page ({sec}) row {n}"
        if SCRAPE_TABLES.get(r["table_ordinal"]) != sec:
            moved += 1
            out.append(f"{where}: scrape table {r['table_ordinal']}, page section ({sec})")
        if iso_date(r["listedDate"], "%B %d, %Y", where) != iso:
            dated += 1
            out.append(f"{where}: date {r['listedDate']!r}, page {iso}")
        if " ".join(r["name"].split()) != cell:
            text = f"`{r['name']}` + aliases `{r['aliases']}` (page: `{cell}`)"
            (damaged if r["scraper_parse_defect_suspected"] == "yes" else split).append(
                f"row {r['row_in_snapshot']}: {text}")
    out.insert(0, f"Rows: both have {len(listings)} listings in the same order; "
                  f"{len(listings) - moved} of them in the same table (the scrape's table "
                  "number, where its alphabetical order restarts, is exactly the page's section: "
                  "1 = (i), 2 = (ii), 3 = (v)); "
                  + ("every effective date is the same." if not dated
                     else f"{dated} effective dates differ."))
    out.append(f"Names: {len(split) + len(damaged)} rows differ, all in the same way: the "
               "scraper took the parenthetical '(and two aliases: ...)' / '(including N "
               f"aliases: ...)' out of the name cell. {len(split)} rows were split cleanly: "
               + "; ".join(s.split(":", 1)[0] for s in split) + ". "
               f"{len(damaged)} rows were damaged (the old build repaired them by hand, and the "
               "page gives the same name, alias and scope as both repairs): "
               + "; ".join(damaged) + ".")
    out.append("Entities (checked when this edition replaced the scrape-based one, see the "
               "history of `reference/uflpa_entity_list.csv`): the same 144 record ids, "
               "aliases, country and earliest effective dates; one primary name is spelled "
               "as the first listing spells it, `Hoshine Silicon Industry (Shanshan) Co., Ltd` "
               "(table (i)), where the scrape-based edition used table (v)'s `Co., Ltd.`.")
    out.append("Only on the page: the section of every listing (so an entity under two "
               "sections is known to be), section (iv)'s statement that no further exporters "
               "have been identified, and the page's 'Last Updated' date.")
    return out


def build_uflpa(src: Path) -> tuple[Output, UflpaStats]:
    """The UFLPA Entity List from the DHS page itself, read by ``lists import --format
    dhs-uflpa-html`` (so importing the same page reproduces the shipped file byte for byte)."""
    from chainscreen.importers import _UflpaPage, parse_date, read_dhs_uflpa_html

    path = src / UFLPA_PAGE
    if sha256(path.read_bytes()) != UFLPA_PAGE_SHA256:
        raise BuildError(f"{UFLPA_PAGE}: sha256 differs from its PROVENANCE.md entry (11)")
    imported = read_dhs_uflpa_html(path)
    page = _UflpaPage()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    listings = [(t.section, n, cells[0], parse_date(cells[1]) or "")
                for t in page.tables for n, (_, cells) in enumerate(t.rows[1:], start=2)]
    entities = [dict(zip(imported.header, r, strict=True)) for r in imported.rows]
    stats = UflpaStats(listings=len(listings), entities=len(entities))
    for sec, *_ in listings:
        stats.per_section[sec] = stats.per_section.get(sec, 0) + 1
    for e in entities:
        secs = e["sections"].split(" | ")
        for sec in secs:
            stats.entities_per_section[sec] = stats.entities_per_section.get(sec, 0) + 1
        if len(secs) > 1:
            dates = e["effective_dates"].split(" | ")
            stats.multi.append(f"{e['name']}: " + ", ".join(
                f"({s}) {d}" for s, d in zip(secs, dates, strict=True)))
    stats.differences = compare_with_scrape(src, listings)
    edition = imported.default_edition
    if edition is None:
        raise BuildError(f"{UFLPA_PAGE}: no 'Last Updated' date found")
    data = imported.data
    sections = ", ".join(f"({s}) {stats.per_section[s]}" for s in UFLPA_SECTIONS
                         if s in stats.per_section)
    multi = "\n".join(f"  - {m}" for m in stats.multi)
    diffs = "\n".join(f"  - {d}" for d in stats.differences)
    return Output(
        file="uflpa_entity_list.csv", data=data,
        info=dict(id="uflpa-entity-list", kind="entity",
                  publisher="US Department of Homeland Security, Forced Labor Enforcement "
                            "Task Force",
                  title="UFLPA Entity List", edition=edition,
                  source_url="https://www.dhs.gov/uflpa-entity-list",
                  retrieved=RETRIEVED,
                  licence=PUBLIC_DOMAIN,
                  refresh_days=90,
                  notes=(f"The DHS page itself as saved on 2026-07-09 ('Last Updated: "
                         f"01/14/2025'): {stats.listings} listings by section of UFLPA "
                         f"2(d)(2)(B): {sections}; section (iv) lists none. {stats.entities} "
                         f"entities ({len(stats.multi)} listed under more than one section). "
                         "Known to be behind: DHS added 43 entities effective 2026-07-31 "
                         "(Federal Register 2026-15628; 187 in all), which are not in this "
                         "edition (see `chainscreen lists status`).")),
        provenance=(
            "- Source: the DHS page https://www.dhs.gov/uflpa-entity-list as a browser saved "
            "it, kept in GitHub `phagehunter/nsfreg` commit "
            "`02787e87e65d9452d34e1413859cbea1b0a94b00`, `data/source-uflpa-2026-07-09.html` "
            f"(git blob `22882e2b793e4827201c0e0ec50239ef96b287f0`, sha256 `{UFLPA_PAGE_SHA256}`); "
            f"shared copy `{UFLPA_PAGE}`. The page says 'Last Updated: 01/14/2025': the edition "
            f"is {edition}.\n"
            "- Read with `chainscreen lists import PAGE --format dhs-uflpa-html` "
            "(`chainscreen.importers.read_dhs_uflpa_html`): one table per section of UFLPA "
            "§2(d)(2)(B) with 'Name of Entity'/'Entity Name' and 'Effective Date'; importing the "
            "same page gives this file byte for byte.\n"
            f"- Listings per section: {sections}; section (iv) has no table (\"We have not "
            "identified additional exporters at this time\"); there is no (iii) heading ((iii) "
            f"lists products). {stats.listings} listings -> {stats.entities} entities. Entities "
            "per section: " + ", ".join(f"({s}) {stats.entities_per_section[s]}"
                                        for s in UFLPA_SECTIONS
                                        if s in stats.entities_per_section) + ".\n"
            "- Aliases are written in the name cell: '(also known as ...)', '(formerly known as "
            "...)', '(including three aliases: ...)', '(and one alias: ...)' and a trailing "
            "acronym such as '(XPCC)'; they were split on ';', '; and', ', and' and 'and' "
            "directly after a legal form. Former names are aliases too (a supplier may still "
            "trade under them) and are named in `notes`. 'and subsidiaries' / 'and its "
            "subordinate and affiliated entities' say what the listing covers and are kept in "
            "`notes`, not in the name.\n"
            f"- An entity listed under more than one section is one record ({len(stats.multi)} "
            "entities; matching key = the name case-folded with punctuation and spaces removed): "
            "`sections` and `effective_dates` list each section with its date, `listed` is the "
            "earliest, `page_rows` gives section:row of every listing (the table's header is "
            "row 1):\n" + multi + "\n"
            "- `country`: CN for every entity (the list names entities in the People's "
            "Republic of China; none of the names says otherwise).\n"
            "- `record_id`: `uflpa-` + the first 10 hex digits of sha1 of the matching key "
            "(the same ids as the scrape-based edition shipped before).\n"
            "- Compared with the third-party scrape of the same page and day "
            f"(`{UFLPA_SCRAPE}`, shipped before this edition):\n" + diffs + "\n"
            "- Known to be behind: DHS added 43 entities effective 2026-07-31 (Federal Register "
            "2026-15628, 3 August 2026; 187 in all). No machine-readable copy of that addition "
            "was found; save the current page and import it."
        ),
    ), stats


# ---------------------------------------------------------------------------
# CBP WRO / Findings

CBP_ORDERS = "cbp_wro_findings_entities_2026-06-23.json"
CBP_ORDERS_SHA256 = "641f33c76a6f2507f02010236914351eb543058bfb1b864595991ba3cd6508a3"
CBP_SCRAPE = "cbp_wro_findings_scrape_2026-07-09.csv"
CBP_OS_NAMES = "cbp_wro_entity_names_opensanctions.csv"


def compare_cbp(src: Path, entities: list[dict[str, str]]) -> list[str]:
    """How the orders file compares with the two partial copies shipped before (files 7, 8)."""
    out = []
    orders = {(e["cbp_entity_field"], e["order"], e["effective_date"]): e for e in entities}
    ours = Counter((e["merchandise"], "" if e["order_country"] == "FV" else e["order_country"],
                    e["status"], e["effective_date"]) for e in orders.values())
    scrape = read_rows(src / CBP_SCRAPE, ["entity", "country", "status", "effectiveDate"])
    theirs = Counter((r["entity"].strip(), "" if r["country"] == "FV" else r["country"].strip(),
                      r["status"].strip(), iso_date(r["effectiveDate"], "%m/%d/%Y", CBP_SCRAPE))
                     for r in scrape)
    differ = sorted((ours - theirs).elements()) + sorted((theirs - ours).elements())
    out.append(f"Orders: {sum(ours.values())} here, {sum(theirs.values())} in the merchandise "
               f"scrape (`{CBP_SCRAPE}`, shipped before as `cbp-wro-merchandise`, whose rows "
               "now come from this file): "
               + ("merchandise, country code, status and effective date agree for every order."
                  if not differ else "these differ: " + "; ".join(map(str, differ)) + "."))
    names = {norm_key(n) for e in entities for n in (e["name"], *e["aliases"].split(" | ")) if n}
    words = [set(re.findall(r"\w+", n.casefold())) for e in entities
             for n in (e["name"], *e["aliases"].split(" | ")) if n]
    os_rows = read_rows(src / CBP_OS_NAMES, ["cbp_entity_field", "entity_name"])
    absent, variants = [], []
    for name in sorted({r["entity_name"] for r in os_rows}):
        if norm_key(name) in names:
            continue
        mine = set(re.findall(r"\w+", name.casefold()))
        close = max((len(mine & w) / len(mine | w) for w in words), default=0.0)
        (variants if close >= 0.5 else absent).append(name)
    out.append(f"Names: of the {len({r['entity_name'] for r in os_rows})} names in the "
               f"OpenSanctions crawler's lookup table (`{CBP_OS_NAMES}`, the names-only edition "
               f"shipped before), {len(absent)} are in no order of CBP's 2026-06-23 file, "
               "which lists only orders in force (CBP's press releases say what became of their orders); "
               "a supplier matching them is no longer flagged by this list: "
               + "; ".join(absent) + f". {len(variants)} more are the crawler's other "
               "spellings of entities that are in the file (half or more of their words "
               "shared): " + "; ".join(variants) + ".")
    return out


def build_cbp(src: Path) -> Output:
    """CBP WRO/Findings: one record per party named in an order, with the order's status and
    dates, read by ``lists import --format cbp-wro``."""
    from chainscreen.importers import read_cbp_wro

    path = src / CBP_ORDERS
    if sha256(path.read_bytes()) != CBP_ORDERS_SHA256:
        raise BuildError(f"{CBP_ORDERS}: sha256 differs from its PROVENANCE.md entry (12)")
    imported = read_cbp_wro(path)
    entities = [dict(zip(imported.header, r, strict=True)) for r in imported.rows]
    if imported.default_edition != "2026-06-23":
        raise BuildError(f"{CBP_ORDERS}: edition {imported.default_edition}, expected 2026-06-23")
    orders: dict[tuple[str, str, str], dict[str, str]] = {}
    for e in entities:
        orders.setdefault((e["cbp_entity_field"], e["order"], e["effective_date"]), e)
    statuses: dict[str, int] = {}
    for e in orders.values():
        statuses[e["status"]] = statuses.get(e["status"], 0) + 1
    status_text = ", ".join(f"{s} {n}" for s, n in sorted(statuses.items()))
    multi = sorted({e["cbp_entity_field"] for e in entities
                    if sum(x["cbp_entity_field"] == e["cbp_entity_field"]
                           and x["order"] == e["order"]
                           and x["effective_date"] == e["effective_date"] for x in entities) > 1})
    modified = [f"`{e['cbp_entity_field']}` ({e['order']} {e['effective_date']}): {e['modified']}"
                for e in orders.values() if e["modified"]]
    removed = [f"{e['name']} ({e['party_removed']})" for e in entities if e["party_removed"]]
    diffs = "\n".join(f"  - {d}" for d in compare_cbp(src, entities))
    return Output(
        file="cbp_wro_entities.csv", data=imported.data,
        info=dict(id="cbp-wro-entities", kind="entity",
                  publisher="US Customs and Border Protection",
                  title="Withhold Release Orders and Findings", edition="2026-06-23",
                  source_url="https://www.cbp.gov/document/stats/withhold-release-orders-findings",
                  retrieved=RETRIEVED, licence=PUBLIC_DOMAIN, refresh_days=90,
                  notes=(f"CBP's file of 2026-06-23 (a third-party extraction of it): "
                         f"{len(orders)} orders ({status_text}) naming {len(entities)} parties; "
                         "each record keeps its order's status, effective date, merchandise and "
                         "remarks. CBP lists only orders in force: lifted orders are absent.")),
        provenance=(
            "- Source: CBP's `withhold-release-orders-findings-fy26-2026-06-23.csv` "
            f"({CBP_URL_TEXT}) as extracted by GitHub `phagehunter/nsfreg` commit "
            "`02787e87e65d9452d34e1413859cbea1b0a94b00`, `data/cbp_wro.json` (git blob "
            f"`a2c5596af16136354a82c9e73f507708f8282b89`, sha256 `{CBP_ORDERS_SHA256}`); shared "
            f"copy `{CBP_ORDERS}`.\n"
            "- Read with `chainscreen lists import FILE --format cbp-wro` "
            "(`chainscreen.importers.read_cbp_wro`, which reads CBP's CSV and this JSON "
            "extraction alike); importing the same file gives this file byte for byte.\n"
            f"- Orders: {len(orders)} ({status_text}); WRO or Finding, industry, merchandise "
            "and remarks are read from the extraction's `notes` ('WRO; Industry: ...; "
            "Merchandise: ...; Remarks: ...').\n"
            f"- Parties: {len(entities)} records, one per party an order names (`record_id` = "
            "`cbpwro-` + 10 hex of sha1 of the normalised entity text, party, order and date). "
            "CBP's `Entity` text was split into parties on ';', on 'and' after a legal form, on "
            "'A, B, and C' lists of names, on '(collectively, G)' (one record G with the named "
            "companies as aliases), 'Fishing Vessel: N' (a vessel) and 'Fishing Vessels owned "
            "by C' (the company). 'and its subsidiaries' is kept in `notes`; '(of Nagoya, "
            "Japan)' and 'State Penitentiary, Ciudad Victoria, Tamaulipas, Mexico' give an "
            "address. Entity texts naming more than one party: "
            + "; ".join(f"`{m}`" for m in multi) + ".\n"
            "- Status: `status` is CBP's (Active, Partially Modified, Inactive-Pending "
            "Litigation). For a partially modified order, `modified` says what CBP removed "
            "from it where the remarks say so, and `party_removed` gives the date a named "
            "party was removed: " + ("; ".join(modified) or "none") + ". Parties removed: "
            + ("; ".join(removed) or "none") + ".\n"
            "- Fishing vessels (CBP country code FV) have no country.\n"
            "- Compared with the partial copies shipped before this edition:\n" + diffs + "\n"
            "- Caveats: a third-party extraction of the official CSV, which CBP does not "
            "publish in a versioned form; re-download CBP's CSV and import it to check. Orders "
            "CBP lifted before 2026-06-23 are not in the file; their history is only in CBP "
            "press releases."
        ),
    )


CBP_URL_TEXT = "https://www.cbp.gov/document/stats/withhold-release-orders-findings"


# ---------------------------------------------------------------------------
# HS nomenclature and UFLPA sectors


def build_hs(src: Path) -> list[Output]:
    """Copy the HS 2022 files as they are (after checking the codes are strings of digits)."""
    nomen = (src / "hs2022_nomenclature.csv").read_bytes()
    sections = (src / "hs2022_sections.csv").read_bytes()
    with io.StringIO(nomen.decode("utf-8")) as fh:
        reader = csv.DictReader(fh)
        for i, r in enumerate(reader, start=2):
            if not (r["hscode"].isdigit() or r["hscode"] == "TOTAL"):
                raise BuildError(f"hs2022_nomenclature.csv line {i}: hscode {r['hscode']!r}")
    if sections.startswith(b"\xef\xbb\xbf"):
        raise BuildError("hs2022_sections.csv: unexpected BOM (the shared copy has none)")
    common = dict(kind="nomenclature", publisher="World Customs Organization (via UN Comtrade "
                  "and the datasets/harmonized-system data package)", edition="2022",
                  source_url="https://github.com/datasets/harmonized-system",
                  retrieved=RETRIEVED, licence="ODC-PDDL-1.0", refresh_days=1825)
    prov = (
        "- Source: GitHub `datasets/harmonized-system` HEAD "
        "`905e5a0fa29f5700d62cb3cc1265f21bc8a92329` (2024-10-25), `datapackage.json` version "
        "2022.0; the data package names UN Comtrade as its source (WCO HS 2022).\n"
        "- Transformation: none (byte-identical to the shared copy; the sections file had "
        "its BOM removed there).\n"
        "- Caveat: `hscode` must be read as a string (leading zeros: `01`, `0101`).")
    return [
        Output(file="hs2022_nomenclature.csv", data=nomen,
               info=dict(id="hs2022", title="Harmonized System 2022 nomenclature",
                         notes=("97 chapters, 1,229 headings, 5,613 subheadings and one TOTAL "
                                "row; hscode is a string with leading zeros."), **common),
               provenance=prov + "\n- Source file `data/harmonized-system.csv` (git blob "
               "`d730f6642f2f53a6f73738d8ab2d77d6e7c5e841`)."),
        Output(file="hs2022_sections.csv", data=sections,
               info=dict(id="hs2022-sections", title="Harmonized System 2022 sections",
                         notes="21 sections (I-XXI).", **common),
               provenance=prov + "\n- Source file `data/sections.csv` (git blob "
               "`841fed88404bf793f75365ba1c026cbbaca8577a`)."),
    ]


UFLPA_SECTOR_CITATION = (
    "DHS Forced Labor Enforcement Task Force, UFLPA Strategy and its updates, as summarised in "
    "DISCLOSURE.md section 4 (thompsoncoburn.com; mondaq 1669074; marketscreener 2024-07-12)")

#: (sector, date added, which strategy document added it)
UFLPA_SECTORS = (
    ("apparel", "2022-06-17", "UFLPA Strategy of 2022-06-17"),
    ("cotton and cotton products", "2022-06-17", "UFLPA Strategy of 2022-06-17"),
    ("silica-based products (including polysilicon)", "2022-06-17",
     "UFLPA Strategy of 2022-06-17"),
    ("tomatoes and downstream products", "2022-06-17", "UFLPA Strategy of 2022-06-17"),
    ("aluminum", "2024-07-09", "UFLPA Strategy update of July 2024"),
    ("polyvinyl chloride (PVC)", "2024-07-09", "UFLPA Strategy update of July 2024"),
    ("seafood", "2024-07-09", "UFLPA Strategy update of July 2024"),
    ("steel", "2025-08-19", "UFLPA Strategy update of 2025-08-19"),
    ("copper", "2025-08-19", "UFLPA Strategy update of 2025-08-19"),
    ("lithium", "2025-08-19", "UFLPA Strategy update of 2025-08-19"),
    ("caustic soda", "2025-08-19", "UFLPA Strategy update of 2025-08-19"),
    ("red dates", "2025-08-19", "UFLPA Strategy update of 2025-08-19"),
)


def build_uflpa_sectors() -> Output:
    """The UFLPA high-priority sectors, with the date each was added."""
    out = [[s, added, f"{doc}; {UFLPA_SECTOR_CITATION}"] for s, added, doc in UFLPA_SECTORS]
    data = to_csv_bytes(["sector", "added", "source"], out)
    return Output(
        file="uflpa_priority_sectors.csv", data=data,
        info=dict(id="uflpa-sectors", kind="commodity",
                  publisher="DHS Forced Labor Enforcement Task Force",
                  title="UFLPA high-priority sectors for enforcement",
                  edition=max(r[1] for r in out),
                  source_url="https://www.dhs.gov/uflpa-strategy",
                  retrieved=RETRIEVED, licence=PUBLIC_DOMAIN, refresh_days=365,
                  notes=("Sector evidence applies when the origin is CN. Dates: 2022-06-17 "
                         "(UFLPA Strategy), 2024-07-09 (July 2024 update), 2025-08-19 (August "
                         "2025 update).")),
        provenance=(
            "- Source: the project's regime checklist (DISCLOSURE.md section 4), which cites "
            "thompsoncoburn.com, mondaq 1669074 and marketscreener 2024-07-12 for the FLETF "
            "UFLPA Strategy (2022-06-17) and its July 2024 and 19 August 2025 updates.\n"
            f"- Rows: {len(out)} sectors; `added` is the date of the strategy document that "
            "added the sector (the July 2024 update is dated 2024-07-09).\n"
            "- Caveat: sector names are FLETF's wording, summarised; the mapping of a good or "
            "HS code to a sector is done by chainscreen, not by DHS."
        ),
    )


# ---------------------------------------------------------------------------
# concordance written by the goods normaliser, registered when present


def concordance_output(out_dir: Path) -> Output | None:
    """Catalogue entry for ``dol_goods_concordance.csv`` if that file exists (not rewritten)."""
    path = out_dir / "dol_goods_concordance.csv"
    if not path.exists():
        return None
    data = path.read_bytes()
    schemes = sorted({row.get("scheme", "") for row in
                      csv.DictReader(io.StringIO(data.decode("utf-8")))} - {""})
    return Output(
        file=path.name, data=data,
        info=dict(id="dol-goods-concordance", kind="concordance", publisher="chainscreen",
                  title="Goods concordance: list goods and sectors to HS 2022 codes and "
                        "keywords",
                  edition="1", source_url="https://github.com/chainscreen/chainscreen",
                  retrieved=RETRIEVED, licence="Apache-2.0", refresh_days=730,
                  notes="Maintained in this repository; not published by DOL."),
        provenance=(
            "- Written by chainscreen's maintainers (not a government publication); it maps "
            "the goods and sectors of the shipped lists (schemes: "
            + (", ".join(schemes) or "none") + ") to HS 2022 codes and keywords. The build "
            "only registers it (hash and record count) and never rewrites it; re-run the "
            "build after editing it, or loading the lists fails its hash check."
        ),
    )


# ---------------------------------------------------------------------------
# known publications: what is known to be newer than (or fuller than) the shipped editions

KNOWN_FILE = "known_publications.json"


def known_publications(outputs: Sequence[Output]) -> list[dict[str, object]]:
    """The latest publication known for each list that has a newer or fuller one."""
    tip = next(o for o in outputs if o.info["id"] == "tip-tiers")
    return [
        dict(list_id="uflpa-entity-list", edition="2026-07-31",
             publisher="DHS (Forced Labor Enforcement Task Force)",
             changes=("DHS added 43 entities on 2026-07-31 (Federal Register 2026-15628, 3 August "
                      "2026), 187 in all; among them SDIC Xinjiang Lithium, TBEA and Xinjiang "
                      "Jinchuan Mining."),
             get=("save https://www.dhs.gov/uflpa-entity-list from your browser (Save page as, "
                  "'Web page, HTML only')"),
             command="chainscreen lists import uflpa-entity-list.html --format dhs-uflpa-html",
             source=("DHS's press release and Federal Register 2026-15628 as recorded in the "
                     "reference data's PROVENANCE.md (entry 11); no machine-readable copy was "
                     "found"),
             incomplete=[]),
        dict(list_id="dol-tvpra", edition="2024-09-05",
             publisher="US DOL (ILAB)",
             changes=("the 2024 List of Goods Produced by Child Labor or Forced Labor names 204 "
                      "goods from 82 countries (the 2022 list: 159 goods from 78 countries)."),
             get=("the list's Excel file from "
                  "https://www.dol.gov/agencies/ilab/reports/child-labor/list-of-goods, or its "
                  "data from DOL's open-data portal (https://dataportal.dol.gov)"),
             command=("chainscreen lists import goods.xlsx --format dol-tvpra --edition "
                      "2024-09-05 (open data: --format dol-open-data)"),
             source=("DOL's 2024 list as recorded in the reference data's PROVENANCE.md "
                     "('Leads checked and not saved'); no machine-readable copy was found"),
             incomplete=[]),
        dict(list_id="tip-tiers", edition="2025",
             publisher="US Department of State",
             changes=("the 2025 Trafficking in Persons report places every country in a tier; the "
                      "shipped edition, from the CIA World Factbook, has only the Tier 2 Watch "
                      "List, Tier 3 and Special Cases, so Tier 1 and Tier 2 cannot be told "
                      "apart."),
             get=("the country narratives of https://www.state.gov/trafficking-in-persons-report/"
                  " as a table of country, tier and year"),
             command="chainscreen lists import tiers.csv --format tip --edition 2025.full",
             source="the reference data's PROVENANCE.md (entry 5, caveats)",
             incomplete=[sha256(tip.data)]),
    ]


def known_provenance(known: Sequence[dict[str, object]]) -> str:
    rows = "\n".join(f"| `{k['list_id']}` | {k['edition']} | {k['changes']} | {k['source']} |"
                      for k in known)
    return (
        f"## `{KNOWN_FILE}`: publications newer or fuller than the shipped editions\n\n"
        "Not a list: `chainscreen lists status`, every report's 'lists used' table and "
        "`--require-latest` read it to say which shipped edition is behind and how to import "
        "the newer one. Written by the build from the facts below; update it when a publisher "
        "publishes.\n\n| list | latest known edition | what changed | source |\n"
        f"|---|---|---|---|\n{rows}\n\n"
        "The TIP entry marks the shipped tip-tiers file (by its sha256) as a part of the 2025 "
        "report, not all of it.\n")


# ---------------------------------------------------------------------------
# catalogue and provenance

CATALOGUE_FIELDS = ("id", "kind", "publisher", "title", "edition", "source_url", "retrieved",
                    "licence", "sha256", "records", "file", "refresh_days", "notes", "scope")
#: Kinds that are risk lists; every shipped risk list is about forced or child labour.
RISK_KINDS = ("country", "commodity", "entity")


def catalogue_entry(o: Output) -> dict[str, object]:
    entry = dict(o.info)
    entry.update(sha256=sha256(o.data), records=count_rows(o.data), file=o.file)
    entry.setdefault("scope", "forced-labour" if entry["kind"] in RISK_KINDS else "")
    missing = set(CATALOGUE_FIELDS) - set(entry)
    extra = set(entry) - set(CATALOGUE_FIELDS)
    if missing or extra:
        raise BuildError(f"{o.file}: catalogue entry fields missing {missing} extra {extra}")
    return {k: entry[k] for k in CATALOGUE_FIELDS}


PROVENANCE_HEAD = """\
# Reference lists shipped with chainscreen: provenance

This file is generated by `scripts/build_reference.py` from the source copies
gathered on {retrieved} (each described, with hashes, in the source folder's
`PROVENANCE.md`). Every row comes from a retrieved file; nothing was typed in,
reconstructed or made up. The
catalogue (`catalogue.json`) gives each file's sha256 and record count;
chainscreen checks both before it uses a list.

Country codes are ISO 3166-1 alpha-2, read as strings (`NA` is Namibia). They
come from pycountry's names plus an explicit override table in the build script
for names pycountry does not know (Burma, Congo, Democratic Republic of the,
Turkey (Türkiye), Russia, ...). The build fails if a name does not map. The one
non-ISO code is `XK` for Kosovo (user-assigned, used by the EU, IMF and US
agencies).

| file | list id | edition | records |
|---|---|---|---|
{table}
"""


def render_provenance(outputs: Sequence[Output], entries: Sequence[dict[str, object]]) -> str:
    table = "\n".join(f"| `{e['file']}` | `{e['id']}` | {e['edition']} | {e['records']} |"
                      for e in entries)
    parts = [PROVENANCE_HEAD.format(retrieved=RETRIEVED, table=table)]
    for o, e in zip(outputs, entries, strict=True):
        parts.append(
            f"## `{o.file}`: {e['title']}\n\n"
            f"- List id `{e['id']}`, kind {e['kind']}, edition {e['edition']}, "
            f"{e['records']} records, sha256 `{e['sha256']}`.\n"
            f"- Publisher: {e['publisher']} ({e['source_url']}).\n"
            f"- Licence: {e['licence']}.\n"
            f"{o.provenance}\n")
    return "\n".join(parts)


def build(source: Path, out_dir: Path) -> dict[str, object]:
    """Build everything in memory, then write it; returns a summary for the console."""
    if not (source / "PROVENANCE.md").exists():
        raise BuildError(f"{source}: not a reference-data folder (no PROVENANCE.md)")
    countries = CountryMapper()
    uflpa, stats = build_uflpa(source)
    outputs: list[Output] = [
        *build_dol_goods(source, countries),
        build_tip(source, countries),
        build_child_labour(source, countries),
        uflpa,
        build_cbp(source),
        build_uflpa_sectors(),
        *build_hs(source),
    ]
    concordance = concordance_output(out_dir)
    if concordance is not None:
        outputs.append(concordance)
    entries = [catalogue_entry(o) for o in outputs]
    catalogue = json.dumps({"schema": 1, "lists": entries}, indent=2, ensure_ascii=False) + "\n"
    known = known_publications(outputs)
    known_blob = json.dumps({"schema": 1, "publications": known}, indent=2,
                            ensure_ascii=False) + "\n"
    provenance = render_provenance(outputs, entries) + "\n" + known_provenance(known)
    out_dir.mkdir(parents=True, exist_ok=True)
    for o in outputs:
        if o is not concordance:
            (out_dir / o.file).write_bytes(o.data)
    (out_dir / "catalogue.json").write_text(catalogue, encoding="utf-8", newline="\n")
    (out_dir / KNOWN_FILE).write_text(known_blob, encoding="utf-8", newline="\n")
    (out_dir / "PROVENANCE.md").write_text(provenance, encoding="utf-8", newline="\n")
    return {"lists": [(e["id"], e["edition"], e["records"], e["file"]) for e in entries],
            "uflpa": stats}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True,
                        help="folder with the gathered source files and their PROVENANCE.md")
    parser.add_argument("--out", type=Path, default=REPO / "reference",
                        help="output folder (default: the repository's reference/)")
    args = parser.parse_args(argv)
    try:
        summary = build(args.source, args.out)
    except BuildError as exc:
        print(f"build_reference: {exc}", file=sys.stderr)
        return 1
    for list_id, edition, records, file in summary["lists"]:  # type: ignore[attr-defined]
        print(f"{list_id:24} {edition:12} {records:6}  {file}")
    s: UflpaStats = summary["uflpa"]  # type: ignore[assignment]
    print(f"uflpa: {s.listings} listings -> {s.entities} entities; listings per section "
          + ", ".join(f"({k}) {v}" for k, v in s.per_section.items())
          + "; entities per section "
          + ", ".join(f"({k}) {s.entities_per_section[k]}" for k in UFLPA_SECTIONS
                      if k in s.entities_per_section)
          + f"; {len(s.multi)} entities under more than one section")
    return 0


if __name__ == "__main__":
    sys.exit(main())
