"""Tests of the shipped reference lists and their loader (chainscreen.reference)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from chainscreen.errors import ReferenceDataError
from chainscreen.models import ListInfo
from chainscreen.reference import load_catalogue, load_reference
from chainscreen.resources import reference_dir

ROOT = reference_dir()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ref():
    return load_reference()


@pytest.fixture()
def copy_root(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(ROOT, target)
    return target


def _uflpa(ref):
    return {e.name: e for e in ref.entities if e.list_id == "uflpa-entity-list"}


# ---------------------------------------------------------------- catalogue


def test_catalogue_matches_files():
    raw = json.loads((ROOT / "catalogue.json").read_text(encoding="utf-8"))
    assert raw["schema"] == 1
    field_names = list(ListInfo.__dataclass_fields__)
    for entry in raw["lists"]:
        assert list(entry) == field_names
        data = (ROOT / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert len(_csv_rows(ROOT / entry["file"])) == entry["records"], entry["file"]
    # Every shipped CSV is catalogued.
    catalogued = {e["file"] for e in raw["lists"]}
    assert {p.name for p in ROOT.glob("*.csv")} == catalogued


def test_catalogue_ids_and_editions():
    infos = load_catalogue()
    by_id: dict[str, list[str]] = {}
    for info in infos:
        by_id.setdefault(info.id, []).append(info.edition)
    assert sorted(by_id["dol-tvpra"]) == ["2018-09-20", "2020-09-30", "2022-09-28"]
    for list_id in ("tip-tiers", "dol-child-labour", "uflpa-entity-list", "cbp-wro-entities",
                    "uflpa-sectors", "hs2022", "hs2022-sections"):
        assert len(by_id[list_id]) == 1, list_id
    kinds = {i.id: i.kind for i in infos}
    assert kinds["uflpa-entity-list"] == "entity"
    assert kinds["tip-tiers"] == "country"
    assert kinds["hs2022"] == "nomenclature"
    refresh = {i.id: i.refresh_days for i in infos}
    assert refresh["dol-tvpra"] == 730 and refresh["uflpa-entity-list"] == 90
    if (ROOT / "dol_goods_concordance.csv").exists():
        concordance = [i for i in infos if i.id == "dol-goods-concordance"]
        assert concordance and concordance[0].kind == "concordance"
        assert concordance[0].publisher == "chainscreen"


def test_provenance_mentions_every_file_and_caveat():
    text = (ROOT / "PROVENANCE.md").read_text(encoding="utf-8")
    for info in load_catalogue():
        assert f"`{info.file}`" in text
    for caveat in ("Palm Fruit / Indonesia", "Cotton / Uzbekistan", "Tier 1 **or** Tier 2",
                   "Last Updated: 01/14/2025", "Compared with the third-party scrape",
                   "DHS added 43 entities"):
        assert caveat in text


# ---------------------------------------------------------------- loader


def test_loader_record_counts(ref):
    cat = {i.file: i.records for i in load_catalogue()}
    assert len(ref.goods) == cat["dol_tvpra_goods_2022.csv"] == 467
    assert len(ref.hs) == cat["hs2022_nomenclature.csv"]
    assert len(ref.wro_merchandise) == 67  # one row per CBP order; the records are parties
    assert len(ref.uflpa_sectors) == 12
    n_entities = cat["uflpa_entity_list.csv"] + cat["cbp_wro_entities.csv"]
    assert len(ref.entities) == n_entities
    # TIP: only the latest report year, which the Factbook summary gives as 25 + 20 + 4.
    assert set(ref.tip["report_year"]) == {"2025"}
    assert len(ref.tip) == 49
    assert ref.child_labour["iso2"].is_unique
    assert set(ref.child_labour["findings_year"]) == {"2022"}
    assert {"list_id", "edition"} <= set(ref.goods.columns)
    assert ref.info("dol-tvpra").label() == "dol-tvpra@2022-09-28"


def test_lists_selection_and_pinning():
    ref = load_reference(lists=["dol-tvpra@2018-09-20", "uflpa-entity-list"])
    assert set(ref.catalogue) == {"dol-tvpra", "uflpa-entity-list"}
    assert len(ref.goods) == 418
    assert set(ref.goods["edition"]) == {"2018-09-20"}
    assert {e.list_id for e in ref.entities} == {"uflpa-entity-list"}
    assert ref.tip.empty and "iso2" in ref.tip.columns
    assert [i.edition for i in ref.editions["dol-tvpra"]] == [
        "2022-09-28", "2020-09-30", "2018-09-20"]
    with pytest.raises(ReferenceDataError, match="tip-tiers"):
        ref.info("tip-tiers")


def test_unknown_list_names_known_ids():
    with pytest.raises(ReferenceDataError, match=r"unknown reference list 'nope'.*dol-tvpra"):
        load_reference(lists=["nope"])
    with pytest.raises(ReferenceDataError, match="2022-09-28"):
        load_reference(lists=["dol-tvpra@1999"])


def test_load_is_cached():
    assert load_reference() is load_reference()
    assert load_reference(lists=["hs2022"]) is load_reference(lists=("hs2022",))


def test_changed_byte_raises(copy_root: Path):
    path = copy_root / "uflpa_entity_list.csv"
    data = bytearray(path.read_bytes())
    i = data.index(b"Hetian")
    data[i] = ord("h")
    path.write_bytes(bytes(data))
    with pytest.raises(ReferenceDataError,
                       match=r"reference/uflpa_entity_list.csv: sha256 mismatch \(catalogue"):
        load_reference(copy_root)
    # Without verification the changed file loads (the user asked for it).
    load_reference(copy_root, verify=False)


def test_truncated_file_raises(copy_root: Path):
    path = copy_root / "dol_tvpra_goods_2022.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReferenceDataError, match="changed or truncated"):
        load_reference(copy_root, lists=["dol-tvpra"])


def test_record_count_checked_even_with_matching_hash(copy_root: Path):
    # A catalogue edited to a wrong count is caught by the row count, not the hash.
    cat_path = copy_root / "catalogue.json"
    cat = json.loads(cat_path.read_text(encoding="utf-8"))
    for entry in cat["lists"]:
        if entry["id"] == "uflpa-sectors":
            entry["records"] += 1
    cat_path.write_text(json.dumps(cat), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="13"):
        load_reference(copy_root, lists=["uflpa-sectors"])


def test_missing_file_and_missing_column(copy_root: Path):
    (copy_root / "cbp_wro_entities.csv").unlink()
    with pytest.raises(ReferenceDataError, match="cbp_wro_entities.csv: missing"):
        load_reference(copy_root, lists=["cbp-wro-entities"])
    path = copy_root / "uflpa_priority_sectors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("sector,", "sectr,", 1),
                    encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="missing required column"):
        load_reference(copy_root, lists=["uflpa-sectors"], verify=False)


def test_concordance_optional_but_verified(copy_root: Path):
    path = copy_root / "dol_goods_concordance.csv"
    if not path.exists():
        pytest.skip("no concordance shipped")
    # Loads are cached per root, so each state gets its own copy.
    assert load_reference(copy_root, lists=["dol-goods-concordance"]).concordance is not None
    changed = shutil.copytree(copy_root, copy_root.with_name("changed"))
    (changed / path.name).write_bytes(path.read_bytes() + b"extra,row\n")
    with pytest.raises(ReferenceDataError, match="dol_goods_concordance.csv: sha256 mismatch"):
        load_reference(changed)
    path.unlink()
    assert load_reference(copy_root).concordance is None


def test_missing_catalogue(tmp_path: Path):
    with pytest.raises(ReferenceDataError, match="catalogue.json: missing"):
        load_reference(tmp_path)


# ---------------------------------------------------------------- UFLPA


def test_uflpa_aliases_split(ref):
    by_name = _uflpa(ref)
    haolin = by_name["Hetian Haolin Hair Accessories Co. Ltd."]
    assert "Hotan Haolin Hair Accessories" in haolin.aliases
    assert "Hollin Hair Accessories" in haolin.aliases
    aksu = by_name["Aksu Huafu Color Spinning Co., Ltd."]
    assert aksu.aliases == ("Aksu Huafu Textiles Co., Ltd.", "Akesu Huafu",
                            "Aksu Huafu Dyed Melange Yarn", "Akesu Huafu Melange Yarn Co., Ltd.")
    jwd = by_name["Sichuan Jingweida Technology Group Co., Ltd."]
    assert "JWD Technology" in jwd.aliases
    assert "Mianyang High-tech Zone Jingweida Technology Co., Ltd." in jwd.aliases
    assert "formerly known as" in (jwd.notes or "")
    assert by_name["Sichuan Yuan’an Pharmaceutical Co., Ltd."].aliases == (
        "Sichuan Yuanan Pharmaceutical Co., Ltd.",)
    for e in ref.entities:
        assert e.listed is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", e.listed)


def test_uflpa_names_clean(ref):
    entities = [e for e in ref.entities if e.list_id == "uflpa-entity-list"]
    assert len(entities) == 144  # DHS's page of 2025-01-14: 160 listings, 144 entities
    for e in entities:
        for name in e.all_names():
            assert not re.search(r"also known as|formerly known as|a/k/a|alias", name, re.I), name
            assert name.count("(") == name.count(")"), name
            assert not name.lower().endswith(("subsidiaries", "affiliated entities")), name
            assert name == name.strip() and name
        assert e.country == "CN"
    primaries = [re.sub(r"\W", "", e.name.casefold()) for e in entities]
    assert len(primaries) == len(set(primaries))
    assert len({e.record_id for e in entities}) == len(entities)


def test_uflpa_sections_and_effective_dates(ref):
    """Every listing's section of UFLPA §2(d)(2)(B) and effective date, from the DHS page."""
    info = ref.info("uflpa-entity-list")
    assert info.edition == "2025-01-14" and info.records == 144
    facts = {e.name: ref.entity_facts[(e.list_id, e.record_id)] for e in ref.entities
             if e.list_id == "uflpa-entity-list"}
    per_section: dict[str, int] = {}
    for f in facts.values():
        sections = f["sections"].split(" | ")
        assert len(sections) == len(f["effective_dates"].split(" | "))
        for sec in sections:
            per_section[sec] = per_section.get(sec, 0) + 1
    assert per_section == {"i": 9, "ii": 43, "v": 108}
    assert facts["Xinjiang Production and Construction Corps"]["sections"] == "i | ii | v"
    rows = {r["name"]: r for r in _csv_rows(ROOT / "uflpa_entity_list.csv")}
    hoshine = rows["Hoshine Silicon Industry (Shanshan) Co., Ltd"]
    assert hoshine["aliases"] == "Hesheng Silicon Industry (Shanshan) Co."
    assert hoshine["page_rows"] == "i:5 | v:38"
    assert "and subsidiaries" in hoshine["notes"]
    xpcc = rows["Xinjiang Production and Construction Corps"]
    assert xpcc["aliases"].split(" | ") == ["XPCC", "Xinjiang Corps", "Bingtuan"]
    assert "subordinate and affiliated entities" in xpcc["notes"]
    assert not any("Corpsand" in n or "LtdCo" in n for n in rows)


def test_uflpa_merge_keeps_earliest_date(ref):
    by_name = _uflpa(ref)
    daqo = [e for e in by_name.values() if e.name.startswith("Xinjiang Daqo")]
    assert len(daqo) == 1
    assert daqo[0].listed == "2022-06-21"
    assert "§2(d)(2)(B)(v) effective 2024-11-25" in (daqo[0].notes or "")
    assert "Xinjiang Daqin Energy Co., Ltd." in daqo[0].aliases


def test_cbp_entities(ref):
    """CBP's orders of 2026-06-23: one record per party, each with its order's status."""
    cbp = [e for e in ref.entities if e.list_id == "cbp-wro-entities"]
    assert len(cbp) == 79 and ref.info("cbp-wro-entities").edition == "2026-06-23"
    facts = {e.record_id: ref.entity_facts[("cbp-wro-entities", e.record_id)] for e in cbp}
    by_name: dict[str, list] = {}
    for e in cbp:
        by_name.setdefault(e.name, []).append(e)
    # The same party under a WRO and a Finding stays two records, each with its order.
    tianjin = by_name["Tianjin Malleable Iron Factory"]
    assert sorted(facts[e.record_id]["order"] for e in tianjin) == ["Finding", "WRO"]
    assert all("Tianjin No. 2 Prison" in e.aliases for e in tianjin)
    assert len({e.record_id for e in cbp}) == len(cbp)
    assert by_name["Imaizumi Tea Manufacturing & Trading Co., Ltd."][0].country == "JP"
    assert by_name["Hangton No. 112"][0].schema == "Vessel"
    assert all(e.listed == facts[e.record_id]["effective_date"] for e in cbp)
    statuses = {facts[e.record_id]["status"] for e in cbp}
    assert statuses == {"Active", "Partially Modified", "Inactive-Pending Litigation"}
    assert facts[by_name["Annapurna Carpet"][0].record_id]["party_removed"] == "2021-07-23"
    # Orders CBP no longer lists are gone (the names-only edition had them).
    assert "Brightway Group" not in by_name and "FGV Holdings Berhad" not in by_name


# ---------------------------------------------------------------- DOL, TIP, codes


def test_dol_cotton_china_forced_labour(ref):
    goods = ref.goods
    row = goods[(goods["good"] == "Cotton") & (goods["iso2"] == "CN")]
    assert len(row) == 1
    assert bool(row["forced_labour"].iloc[0]) is True
    assert goods["forced_labour"].dtype == bool
    # Caveat kept, data unchanged: DOL's app data removed Cotton / Uzbekistan in 2022.
    assert goods[(goods["good"] == "Cotton") & (goods["iso2"] == "UZ")].empty


def test_dol_every_country_has_iso2():
    for year in ("2018", "2020", "2022"):
        rows = _csv_rows(ROOT / f"dol_tvpra_goods_{year}.csv")
        assert rows
        for r in rows:
            assert re.fullmatch(r"[A-Z]{2}", r["iso2"]), r
        names = {r["country"]: r["iso2"] for r in rows}
        assert names.get("Burma", "MM") == "MM"
        assert names.get("Congo, Democratic Republic of the", "CD") == "CD"
    turkey = {r["iso2"] for r in _csv_rows(ROOT / "dol_tvpra_goods_2022.csv")
              if r["country"].startswith("Turkey")}
    assert turkey == {"TR"}


def test_namibia_code_survives_as_string(ref):
    assert "NA" in set(ref.child_labour["iso2"])
    assert ref.child_labour.loc[ref.child_labour["iso2"] == "NA", "country"].iloc[0] == "Namibia"
    assert ref.hs["hscode"].iloc[0] == "01"
    assert all(isinstance(v, str) for v in ref.hs["hscode"].head(50))


def test_tip_only_recorded_tiers(ref):
    rows = _csv_rows(ROOT / "state_tip_tiers.csv")
    assert {r["tier"] for r in rows} <= {"Tier 2 Watch List", "Tier 3", "Special Case"}
    assert all(re.fullmatch(r"[A-Z]{2}", r["iso2"]) for r in rows)
    tiers = dict(zip(ref.tip["iso2"], ref.tip["tier"], strict=True))
    assert tiers["CN"] == "Tier 3"
    # GEC codes are not ISO ("ch" is China, "sf" South Africa): codes come from names.
    assert {r["iso2"] for r in rows if r["country"] == "China"} == {"CN"}
    assert {r["iso2"] for r in rows if r["country"] == "South Africa"} == {"ZA"}
    # The Factbook's broken name "none" (africa/ct.json, 2024) is the Central African Republic.
    car = [r for r in rows if r["iso2"] == "CF"]
    assert [(r["report_year"], r["country"]) for r in car] == [
        ("2024", "Central African Republic")]
    assert "none" not in {r["country"] for r in rows}


def test_wro_merchandise(ref):
    wro = ref.wro_merchandise
    fv = wro[wro["fishing_vessels"]]
    assert len(fv) == 6 and set(fv["iso2"]) == {""}
    assert set(wro["status"]) == {"Active", "Partially Modified", "Inactive-Pending Litigation"}
    assert wro["effective_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    # Each order names its entity, so merchandise evidence can say who the order is on.
    jordan = wro[wro["iso2"] == "JO"]
    assert set(jordan["entity"]) == {"Needle Craft Ltd", "Casual Wear Apparel L.L.C."}
    assert set(wro["list_id"]) == {"cbp-wro-entities"}


def test_uflpa_sectors(ref):
    sectors = dict(zip(ref.uflpa_sectors["sector"], ref.uflpa_sectors["added"], strict=True))
    assert sectors["apparel"] == "2022-06-17"
    assert sectors["seafood"] == "2024-07-09"
    assert sectors["red dates"] == "2025-08-19"
    assert ref.info("uflpa-sectors").publisher == "DHS Forced Labor Enforcement Task Force"


# ---------------------------------------------------------------- editions and known publications


def test_edition_dates_ages_and_order():
    from datetime import date

    from chainscreen.reference import edition_age, edition_date, edition_key

    assert edition_date("2022-09-28.sample") == date(2022, 9, 28)
    assert edition_date("2025") == edition_date("2025.full") == date(2025, 12, 31)
    assert edition_date("1") is None  # the concordance's version number
    assert edition_age("2025.full", date(2026, 1, 30)) == 30
    labels = ["2024-09-05", "2016", "2022-09-28.dol-open-data", "2022-09-28", "1"]
    assert sorted(labels, key=edition_key) == [
        "1", "2016", "2022-09-28", "2022-09-28.dol-open-data", "2024-09-05"]


def test_known_publications_and_lists_used(ref):
    from chainscreen.reference import known_publications, lists_used

    known = known_publications()
    assert {k: v.edition for k, v in known.items()} == {
        "uflpa-entity-list": "2026-07-31", "dol-tvpra": "2024-09-05", "tip-tiers": "2025"}
    assert "187 in all" in known["uflpa-entity-list"].changes
    assert "204 goods from 82 countries" in known["dol-tvpra"].changes
    assert known["tip-tiers"].incomplete == (ref.info("tip-tiers").sha256,)
    used = {c.info.id: c for c in lists_used(ref)}
    # Only risk lists: the HS nomenclature and the goods concordance recognise goods.
    assert set(used) == {"dol-tvpra", "tip-tiers", "dol-child-labour", "uflpa-entity-list",
                         "cbp-wro-entities", "uflpa-sectors"}
    assert {k: c.behind for k, c in used.items() if c.behind} == {
        "uflpa-entity-list": "older", "dol-tvpra": "older", "tip-tiers": "incomplete"}
    assert all(c.age_days is not None for c in used.values())
    assert "then: chainscreen lists import uflpa-entity-list.html --format dhs-uflpa-html" in \
        used["uflpa-entity-list"].advice()
    assert used["cbp-wro-entities"].advice() == ""
