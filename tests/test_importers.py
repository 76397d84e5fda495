"""Tests of the list importers (chainscreen.importers): one adapter per publisher format.

Samples are in tests/data/lists/ (see its README: genuine cuts of the shared reference data where
a genuine file exists, synthetic files marked as such otherwise). Malformed files are written
here, in tmp_path, and are synthetic.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from chainscreen.errors import InputError
from chainscreen.importers import (
    CBP_HEADER,
    ENTITY_HEADER,
    GOODS_HEADER,
    TIP_HEADER,
    UFLPA_HEADER,
    UFLPA_SECTIONS,
    CountryMapper,
    norm_key,
    parse_date,
    parse_uflpa_name,
    parse_year_ranges,
    read_list,
    split_alias_text,
)

DATA = Path(__file__).parent / "data" / "lists"
REPO = Path(__file__).parents[1]
SHARED = REPO.parent / "shared" / "reference-data"


def rows_by(imported, column: str) -> dict[str, list[str]]:
    pos = imported.header.index(column)
    return {r[pos]: r for r in imported.rows}


# ---------------------------------------------------------------- dol-tvpra


def test_dol_app_layout_2022_sample():
    im = read_list(DATA / "dol_tvpra_2022_sample.csv", "dol-tvpra")
    assert im.kind == "commodity" and im.header == GOODS_HEADER and im.records == 7
    goods = {(r[0], r[3]): r for r in im.rows}
    poly = goods[("Polysilicon", "CN")]
    assert poly[4:8] == ["false", "true", "false", "false"]  # forced labour only
    # A derived good: neither flag set, derived from Indonesian palm.
    kernel = goods[("Crude Palm Kernel Oil", "ID")]
    assert kernel[4:9] == ["false", "false", "false", "true", "ID"]
    assert im.default_id == "dol-tvpra" and im.allowed_ids == ("dol-tvpra",)
    assert im.sources[0][1] == hashlib.sha256(
        (DATA / "dol_tvpra_2022_sample.csv").read_bytes()).hexdigest()


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference data not present")
@pytest.mark.parametrize("year", ["2018", "2020", "2022"])
def test_dol_import_reproduces_the_shipped_file_byte_for_byte(year: str):
    """The importer and scripts/build_reference.py clean the DOL file identically."""
    im = read_list(SHARED / f"dol_tvpra_goods_{year}.csv", "dol-tvpra")
    shipped = (REPO / "reference" / f"dol_tvpra_goods_{year}.csv").read_bytes()
    assert im.data == shipped


def test_dol_published_excel_layout_with_x_marks(tmp_path: Path):
    """DOL's Excel layout (title row, "Good"/"Country" headers, X marks), built here.

    SYNTHETIC layout; the three rows are copied from the genuine 2022 sample.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["2022 List of Goods Produced by Child Labor or Forced Labor (synthetic test copy)"])
    ws.append(["Good", "Country", "Child Labor", "Forced Labor", "Forced Child Labor"])
    ws.append(["Polysilicon", "China", None, "X", None])
    ws.append(["Bricks", "Pakistan", "X", "X", "X"])
    ws.append(["Cocoa", "Ghana", "X", None, None])
    ws.append([None, None, None, None, None])
    path = tmp_path / "dol_goods_synthetic.xlsx"
    wb.save(path)
    im = read_list(path, "dol-tvpra")
    assert im.records == 3
    goods = {(r[0], r[3]): r[4:7] for r in im.rows}
    assert goods == {("Polysilicon", "CN"): ["false", "true", "false"],
                     ("Bricks", "PK"): ["true", "true", "true"],
                     ("Cocoa", "GH"): ["true", "false", "false"]}
    # The same rows in the app CSV layout give the same records.
    app = read_list(DATA / "dol_tvpra_2022_sample.csv", "dol-tvpra")
    app_rows = {(r[0], r[3]): r[4:7] for r in app.rows}
    for key, flags in goods.items():
        assert app_rows[key] == flags


def test_dol_errors_name_row_and_column(tmp_path: Path):
    header = "Good_Name,Good_Sector,Country_Name,Child_Labor,Forced_Labor,Forced_Child_Labor\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "Cocoa,Agriculture,Ghana,Yes,No,No\n"
                   "Gold,Mining,Atlantis,Yes,No,No\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv, row 3, column 'Country_Name': country "
                                         r"'Atlantis'"):
        read_list(bad, "dol-tvpra")
    bad.write_text(header + "Cocoa,Agriculture,Ghana,Maybe,No,No\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'Child_Labor': expected Yes/No"):
        read_list(bad, "dol-tvpra")
    bad.write_text(header + "Cocoa,Agriculture,Ghana,Yes,No,No\n"
                   "Cocoa,Agriculture,Ghana,No,Yes,No\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3.*listed twice \(first in row 2\)"):
        read_list(bad, "dol-tvpra")
    bad.write_text(header + "Cocoa,Agriculture,Ghana,No,No,No\n", encoding="utf-8")
    with pytest.raises(InputError, match="neither child labour, forced labour"):
        read_list(bad, "dol-tvpra")
    bad.write_text("Product,Nation\nCocoa,Ghana\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column\(s\) good \(one of: good_name"):
        read_list(bad, "dol-tvpra")
    with pytest.raises(InputError, match="file not found"):
        read_list(tmp_path / "absent.csv", "dol-tvpra")
    with pytest.raises(InputError, match="unknown format 'pdf'"):
        read_list(bad, "pdf")


# ---------------------------------------------------------------- dol-open-data


def test_dol_open_data_synthetic_year_ranges_become_editions():
    """SYNTHETIC sample in the columns DOL's open-data portal documents: years as ranges."""
    im = read_list(DATA / "dol_open_data_synthetic.csv", "dol-open-data")
    assert im.header == GOODS_HEADER and im.default_id == "dol-tvpra"
    assert im.default_edition == "2024-09-05" and im.records == 5
    labels = [e.default_edition for e in im.earlier]
    # An edition wherever a listing starts or ends; known publication dates where held.
    assert labels == ["2009", "2012", "2014", "2016", "2018-09-20", "2020-09-30", "2022-09-28"]
    by = {e.default_edition: {(r[0], r[3]): r[4:7] for r in e.rows} for e in [*im.earlier, im]}
    assert by["2009"][("Example Beans", "IN")] == ["true", "true", "true"]  # alpha-3 "IND"
    assert by["2016"][("Example Beans", "IN")] == ["true", "false", "false"]  # FL ended 2014
    assert ("Example Pods", "GH") not in by["2014"]  # "2009-2012, 2018-2024": a gap
    assert ("Example Pods", "GH") in by["2018-09-20"]
    assert ("Example Nuts", "BR") in by["2020-09-30"] and ("Example Nuts", "BR") not in \
        by["2022-09-28"]
    assert by["2024-09-05"][("Example Gloves", "MY")] == ["false", "true", "false"]  # "present"
    assert set(by["2024-09-05"]) - set(by["2022-09-28"]) == {("Example Stones", "GH")}
    assert all(r[7:] == ["false", ""] for r in im.rows)  # no derived goods in this format


def test_parse_year_ranges():
    assert parse_year_ranges("2009-2024") == [(2009, 2024)]
    assert parse_year_ranges("2009–2014; 2018-2024") == [(2009, 2014), (2018, 2024)]
    assert parse_year_ranges("2024") == [(2024, 2024)]
    assert parse_year_ranges("") == [] and parse_year_ranges("No") == []
    assert parse_year_ranges("2016-present", 2024) == [(2016, 2024)]
    for bad in ("2024-2009", "sometimes", "2009-2024 maybe", "20-24"):
        with pytest.raises(ValueError):
            parse_year_ranges(bad)


def test_dol_open_data_malformed(tmp_path: Path):
    """Malformed SYNTHETIC open-data files: refused naming the row and column."""
    header = "Country,ISO Code,Sector,Good,Child Labor,Forced Labor,Forced Child Labor\n"
    path = tmp_path / "goods.csv"
    path.write_text(header + "Ghana,GH,Agriculture,Example Pods,2009-2024,,\n"
                    "Ghana,GH,Agriculture,Example Beans,2024-2009,,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"goods\.csv, row 3, column 'Child Labor': "
                                         r"'2024-2009' is not a range"):
        read_list(path, "dol-open-data")
    path.write_text(header + "Ghana,GH,Agriculture,Example Pods,,,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'Child Labor': no year"):
        read_list(path, "dol-open-data")
    path.write_text(header + "Atlantis,XQ,Agriculture,Example Pods,2024,,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'ISO Code': ISO code 'XQ'"):
        read_list(path, "dol-open-data")
    path.write_text(header + "Ghana,GH,Agriculture,Example Pods,2024,,\n"
                    "Ghana,GHA,Agriculture,Example Pods,2022,,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3, column 'Good'.*listed twice \(first in row 2"):
        read_list(path, "dol-open-data")


# ---------------------------------------------------------------- tip


def test_tip_factbook_sample():
    im = read_list(DATA / "tip_tiers_factbook_sample.csv", "tip")
    assert im.header == TIP_HEADER and im.default_id == "tip-tiers"
    assert im.default_edition == "2025"
    tiers = {(r[0], r[1]): r[3] for r in im.rows}
    assert tiers[("2025", "LA")] == "Tier 3"
    assert tiers[("2025", "DZ")] == "Tier 2 Watch List"
    # HTML entities in Factbook names are decoded ("Laos&nbsp;").
    assert all("&" not in r[2] for r in im.rows)


def test_tip_short_forms_and_errors(tmp_path: Path):
    path = tmp_path / "tip.csv"
    path.write_text("country,tier,year\nChina,3,2025\nDE,Tier 1,2025\nAlgeria,2WL,2025\n",
                    encoding="utf-8")
    im = read_list(path, "tip")
    assert [(r[1], r[3]) for r in im.rows] == [("CN", "Tier 3"), ("DE", "Tier 1"),
                                              ("DZ", "Tier 2 Watch List")]
    path.write_text("country,tier,year\nChina,Tier 4,2025\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'tier': tier 'Tier 4'"):
        read_list(path, "tip")
    path.write_text("country,tier,year\nChina,Tier 3,25\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'year'"):
        read_list(path, "tip")


# ---------------------------------------------------------------- ofac


def test_ofac_genuine_sdn_cut():
    im = read_list(DATA / "ofac_genuine" / "sdn.csv", "ofac")
    assert im.kind == "entity" and im.header == ENTITY_HEADER and im.scope == "sanctions"
    assert im.records == 10 and im.default_id == "ofac-sdn"
    recs = rows_by(im, "record_id")
    bnc = recs["ofac-306"]
    assert bnc[1] == "BANCO NACIONAL DE CUBA"
    # "-0-" is empty; the weak alias in the remarks is kept in notes, not matched on.
    assert bnc[2] == "" and "weak aliases (not matched): BNC" in bnc[6]
    assert recs["ofac-2674"][7] == "Person" and recs["ofac-4238"][7] == "Vessel"
    assert recs["ofac-29299"][1] == "XINJIANG PRODUCTION AND CONSTRUCTION CORPS"
    assert "sanctions" in im.title.lower() and "forced" not in im.title.lower()
    assert any("without add.csv and alt.csv" in n for n in im.notes)


def test_ofac_triple_synthetic():
    im = read_list(DATA / "ofac_synthetic" / "sdn.csv", "ofac")
    recs = rows_by(im, "record_id")
    firm = recs["ofac-9000001"]
    assert firm[2] == "SYNTHETIC EXAMPLE TEXTILES | EXAMPLE SYNTHETIC COTTON MILL"  # alt.csv
    assert firm[3] == "CN" and "Urumqi, Xinjiang 830000, China" in firm[4]  # add.csv
    assert recs["ofac-9000003"][3] == "PA"
    assert [n for n, _ in im.sources] == ["sdn.csv", "add.csv", "alt.csv"]
    assert any("1 add/alt rows" in n for n in im.notes)  # ent_num 9999999 is not in sdn.csv


def test_ofac_malformed(tmp_path: Path):
    sdn = tmp_path / "sdn.csv"
    sdn.write_bytes(b'1,"A",-0- ,"X",-0- \r\n\x1a')
    with pytest.raises(InputError, match=r"sdn\.csv, row 1: 5 fields, the OFAC layout has 12"):
        read_list(sdn, "ofac")
    sdn.write_bytes(b'x1,"A",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n')
    with pytest.raises(InputError, match=r"row 1, column 'ent_num'"):
        read_list(sdn, "ofac")
    sdn.write_bytes(b'1,"A","robot","X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n')
    with pytest.raises(InputError, match=r"column 'SDN_Type': unknown SDN_Type 'robot'"):
        read_list(sdn, "ofac")
    sdn.write_bytes(b'1,"A",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n')
    (tmp_path / "alt.csv").write_bytes(b'1,2,"alias","B",-0- \r\n')
    with pytest.raises(InputError, match=r"alt\.csv, row 1, column 'alt_type'"):
        read_list(sdn, "ofac")


# ---------------------------------------------------------------- opensanctions


def test_opensanctions_ftm_jsonl_synthetic():
    im = read_list(DATA / "opensanctions" / "entities.ftm.json", "opensanctions")
    assert im.records == 2  # the Sanction, the Ownership and the non-target are not parties
    recs = rows_by(im, "record_id")
    first = recs["synthetic-os-0001"]
    assert first[2] == "SECP | Synthetic Example Cotton"  # weakAlias left out
    assert first[3] == "CN" and first[5] == "2023-06-09"  # listed: the Sanction's startDate
    assert first[8] == "registrationNumber:000000000000000000"
    assert "program: Synthetic example programme" in first[6]
    second = recs["synthetic-os-0002"]
    assert second[2] == "Synthetic Example Silicon Works" and "countries: CN, HK" in second[6]
    assert im.scope == "forced-labour" and im.default_id == "os-us-dhs-uflpa"
    assert im.default_edition == "2025-01-15"


def test_opensanctions_targets_simple_synthetic():
    im = read_list(DATA / "opensanctions" / "targets.simple.csv", "opensanctions")
    assert im.records == 2  # the CryptoWallet row is not a party
    recs = rows_by(im, "record_id")
    assert recs["synthetic-os-0101"][2] == "Synthetic Seafood | SESE Co."
    assert recs["synthetic-os-0101"][3] == "CN"
    assert recs["synthetic-os-0102"][7] == "Person"
    assert im.scope == "sanctions"
    assert im.default_id is None  # dataset titles are not ids: --id is needed


def test_opensanctions_malformed(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "a", "schema": "Company", "properties": {"name": ["A"]}}\n{oops\n',
                   encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json, row 2: not a JSON object"):
        read_list(bad, "opensanctions")
    bad.write_text(json.dumps({"id": "a", "schema": "Company",
                               "properties": {"name": "A"}}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1, column 'properties\.name'"):
        read_list(bad, "opensanctions")
    bad.write_text(json.dumps({"id": "a", "schema": "Company", "properties": {
        "name": ["A"], "country": ["zz"]}}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="'zz' is not ISO 3166-1"):
        read_list(bad, "opensanctions")
    csv_bad = tmp_path / "targets.simple.csv"
    csv_bad.write_text("id,schema,name\na,Company,A\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing targets.simple.csv column"):
        read_list(csv_bad, "opensanctions")


# ---------------------------------------------------------------- csv watchlist


def test_watchlist_synthetic():
    im = read_list(DATA / "watchlist.csv", "csv")
    assert im.publisher == "user" and im.scope == "watchlist" and im.default_id is None
    recs = rows_by(im, "name")
    fleet = recs["Synthetic Example Fishing Fleet Ltd"]
    assert fleet[2] == "Example Fleet | SEFF" and fleet[3] == "TW" and fleet[5] == "2026-03-01"
    assert fleet[6].startswith("Synthetic test entry") and fleet[9].startswith("https://")
    bricks = recs["Synthetic Example Brickworks"]
    assert bricks[2] == "Example Bricks | Example Kiln Co." and bricks[3] == "PK"
    assert fleet[0] != bricks[0] and fleet[0].startswith("wl-")


def test_watchlist_errors(tmp_path: Path):
    path = tmp_path / "wl.csv"
    path.write_text("name,country,added\nAcme,Atlantis,2026-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"wl\.csv, row 2, column 'country'"):
        read_list(path, "csv")
    path.write_text("name,country,added\nAcme,DE,03/04/2026\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'added'.*YYYY-MM-DD"):
        read_list(path, "csv")
    path.write_text("name,country\nAcme,DE\n,FR\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3, column 'name': empty name"):
        read_list(path, "csv")
    path.write_text("name\nAcme GmbH\nACME GMBH\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3.*appears twice \(first in row 2\)"):
        read_list(path, "csv")
    path.write_text("name;aliases\nAcme;A1|A2\n", encoding="utf-8")  # semicolon-delimited
    assert read_list(path, "csv").rows[0][2] == "A1 | A2"
    path.write_text("name,aliases\nAcme,A1/A2\n", encoding="utf-8")
    assert read_list(path, "csv", alias_sep="/").rows[0][2] == "A1 | A2"


# ---------------------------------------------------------------- dhs-uflpa-html

UFLPA_PAGE = SHARED / "dhs_uflpa_entity_list_page_2026-07-09.html"


def _uflpa(im) -> dict[str, dict[str, str]]:
    return {r[1]: dict(zip(im.header, r, strict=True)) for r in im.rows}


@pytest.mark.skipif(not UFLPA_PAGE.exists(), reason="shared reference data not present")
def test_dhs_uflpa_page_genuine():
    """The DHS page as saved on 2026-07-09: sections, effective dates, aliases in the cell."""
    im = read_list(UFLPA_PAGE, "dhs-uflpa-html")
    assert im.header == UFLPA_HEADER and im.default_id == "uflpa-entity-list"
    assert im.default_edition == "2025-01-14"  # the page's "Last Updated: 01/14/2025"
    assert im.records == 144
    per_section = {s: sum(s in r[5].split(" | ") for r in im.rows) for s in UFLPA_SECTIONS}
    assert per_section == {"i": 9, "ii": 43, "iii": 0, "iv": 0, "v": 108}
    assert "160 listings by section: (i) 9, (ii) 43, (v) 108; 144 entities" in im.notes[0]
    assert any("section (iv) has no table: Entities identified in sections (i) and (ii)" in n
               for n in im.notes)
    by = _uflpa(im)
    xpcc = by["Xinjiang Production and Construction Corps"]
    assert xpcc["sections"] == "i | ii | v"
    assert xpcc["aliases"] == "XPCC | Xinjiang Corps | Bingtuan"
    assert "and its subordinate and affiliated entities" in xpcc["notes"]
    daqo = by["Xinjiang Daqo New Energy, Co. Ltd"]
    assert (daqo["sections"], daqo["effective_dates"], daqo["listed"]) == (
        "i | v", "2022-06-21 | 2024-11-25", "2022-06-21")
    ashele = by["Xinjiang Habahe Ashele Copper Co., Ltd."]
    assert (ashele["sections"], ashele["effective_dates"]) == ("ii | v", "2024-08-09 | 2025-01-15")
    # Aliases as DHS writes them in table (i): "(and two aliases: ...)", "(including one alias:".
    assert by["Hetian Haolin Hair Accessories Co. Ltd."]["aliases"] == (
        "Hotan Haolin Hair Accessories | Hollin Hair Accessories")
    hoshine = by["Hoshine Silicon Industry (Shanshan) Co., Ltd"]
    assert hoshine["aliases"] == "Hesheng Silicon Industry (Shanshan) Co."
    assert "and subsidiaries" in hoshine["notes"] and hoshine["sections"] == "i | v"
    jwd = by["Sichuan Jingweida Technology Group Co., Ltd."]
    assert jwd["aliases"].split(" | ") == [
        "Sichuan Mianyang Jingweida Technology Co., Ltd.", "JWD Technology",
        "Mianyang High-tech Zone Jingweida Technology Co., Ltd."]
    assert "formerly known as: Mianyang High-tech Zone" in jwd["notes"]
    for r in im.rows:
        for name in [r[1], *filter(None, r[2].split(" | "))]:
            assert "known as" not in name and "alias" not in name and name.count("(") == \
                name.count(")"), name
        assert len(r[5].split(" | ")) == len(r[6].split(" | "))


@pytest.mark.skipif(not UFLPA_PAGE.exists(), reason="shared reference data not present")
def test_dhs_uflpa_import_reproduces_the_shipped_file_byte_for_byte():
    im = read_list(UFLPA_PAGE, "dhs-uflpa-html")
    assert im.data == (REPO / "reference" / "uflpa_entity_list.csv").read_bytes()


def test_dhs_uflpa_synthetic_page():
    """SYNTHETIC page in DHS's layout: navigation table and script before the headings, "Entity
    Name" header in (v), an entity under two sections with different dates, (iv) prose."""
    im = read_list(DATA / "uflpa_page_synthetic.html", "dhs-uflpa-html")
    assert im.default_edition == "2025-01-15" and im.records == 5
    by = _uflpa(im)
    cotton = by["Synthetic Example Cotton Co., Ltd."]
    assert (cotton["sections"], cotton["effective_dates"], cotton["listed"]) == (
        "i | v", "2022-06-21 | 2024-11-25", "2022-06-21")
    assert cotton["aliases"] == "Example Cotton Trading | Example Cotton Mill"
    assert cotton["page_rows"] == "i:3 | v:2"
    setc = by["Synthetic Example Training Center"]
    assert setc["aliases"] == "SETC" and setc["sections"] == "ii | v"
    textiles = by["Synthetic Example Textiles Co., Ltd."]
    assert textiles["aliases"] == "Example Textile Printing | Old Example Dyeing Co., Ltd."
    assert by["Synthetic Example Silicon Co., Ltd"]["aliases"] == (
        "Synthetic Example Silicon (Test) Co.")
    assert any(n.startswith("section (iv) has no table: Entities identified") for n in im.notes)


def test_parse_uflpa_name_forms():
    p = parse_uflpa_name("Changzhou Guanghui Food Ingredients Co., Ltd. (also known as GSweet; "
                         "Changzhou Guanghui Food Additive Co., Ltd.; and formerly known as "
                         "Changzhou Guanghui Biotechnology Co., Ltd.)")
    assert p.name == "Changzhou Guanghui Food Ingredients Co., Ltd."
    assert p.aliases == ["GSweet", "Changzhou Guanghui Food Additive Co., Ltd."]
    assert p.former == ["Changzhou Guanghui Biotechnology Co., Ltd."]
    p = parse_uflpa_name("Tanyuan Technology Co. Ltd. (including five aliases: A One; B Two; "
                         "C Three; D Four; and E Five)")
    assert p.announced == 5 and len(p.aliases) == 5
    p = parse_uflpa_name("Kashgar Construction Engineering (Group) Co., Ltd.")
    assert p.name == "Kashgar Construction Engineering (Group) Co., Ltd." and not p.aliases
    p = parse_uflpa_name("Hoshine Silicon Industry (Shanshan) Co., Ltd., and Subsidiaries")
    assert p.name == "Hoshine Silicon Industry (Shanshan) Co., Ltd." and p.scope == "and subsidiaries"
    with pytest.raises(ValueError, match="unbalanced"):
        parse_uflpa_name("Broken Co. (also known as Half Open")


def _page(body: str) -> str:
    return ("<html><body><p><strong>Entities</strong><br><a>Section 2(d)(2)(B)(i)</a></p>"
            + body + "</body></html>")


def test_dhs_uflpa_malformed_pages(tmp_path: Path):
    """Malformed SYNTHETIC pages: refused with the file, the row in the section table and the
    column."""
    path = tmp_path / "page.html"
    path.write_text("<html><body><table><tr><td>x</td></tr></table></body></html>",
                    encoding="utf-8")
    with pytest.raises(InputError, match="no heading 'Section 2"):
        read_list(path, "dhs-uflpa-html")
    path.write_text(_page("<table><tr><th>Name of Entity</th><th>Listed on</th></tr>"
                          "<tr><td>A Co.</td><td>June 21, 2022</td></tr></table>"),
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"page\.html, row 1: table of section \(i\).*no "
                                         r"'Effective Date' column"):
        read_list(path, "dhs-uflpa-html")
    path.write_text(_page("<table><tr><th>Name of Entity</th><th>Effective Date</th></tr>"
                          "<tr><td>A Co.</td><td>June 21, 2022</td></tr>"
                          "<tr><td>B Co.</td><td>21/06/2022</td></tr></table>"),
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3, column 'Effective Date': table of section "
                                         r"\(i\), line 1: '21/06/2022' is not a date"):
        read_list(path, "dhs-uflpa-html")
    path.write_text(_page("<table><tr><th>Name of Entity</th><th>Effective Date</th></tr>"
                          "<tr><td></td><td>June 21, 2022</td></tr></table>"),
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'Name of Entity'.*empty name"):
        read_list(path, "dhs-uflpa-html")
    path.write_text(_page("<table><tr><th>Name of Entity</th><th>Effective Date</th></tr>"
                          "<tr><td>C Co. (also known as D</td><td>June 21, 2022</td></tr>"
                          "</table>"), encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'Name of Entity'.*unbalanced"):
        read_list(path, "dhs-uflpa-html")
    path.write_text(_page("<p>No table here.</p>"), encoding="utf-8")
    with pytest.raises(InputError, match="no entity table"):
        read_list(path, "dhs-uflpa-html")
    # No "Last Updated": the edition must be given.
    path.write_text(_page("<table><tr><th>Name of Entity</th><th>Effective Date</th></tr>"
                          "<tr><td>A Co.</td><td>June 21, 2022</td></tr></table>"),
                    encoding="utf-8")
    im = read_list(path, "dhs-uflpa-html")
    assert im.default_edition is None and "not found: give --edition" in im.notes[-1]


# ---------------------------------------------------------------- cbp-wro

CBP_ORDERS = SHARED / "cbp_wro_findings_entities_2026-06-23.json"


@pytest.mark.skipif(not CBP_ORDERS.exists(), reason="shared reference data not present")
def test_cbp_wro_orders_genuine():
    """CBP's file of 2026-06-23 (JSON extraction): one record per party, order status kept."""
    im = read_list(CBP_ORDERS, "cbp-wro")
    assert im.header == CBP_HEADER and im.default_id == "cbp-wro-entities"
    assert im.default_edition == "2026-06-23" and im.records == 79
    assert "67 orders (Active 62, Inactive-Pending Litigation 1, Partially Modified 4) naming " \
           "79 parties" in im.notes[0]
    recs = [dict(zip(im.header, r, strict=True)) for r in im.rows]
    by = {(r["name"], r["effective_date"]): r for r in recs}
    tianjin = by[("Tianjin Malleable Iron Factory", "1995-10-06")]
    assert tianjin["aliases"].startswith("Tianjin Tongbao Fittings Company | ")
    assert (tianjin["order"], tianjin["status"]) == ("WRO", "Active")
    assert by[("Tianjin Malleable Iron Factory", "1996-04-23")]["order"] == "Finding"
    nepal = [r for r in recs if r["effective_date"] == "1998-07-21"]
    assert [r["name"] for r in nepal] == [
        "Kumar Carpet Pvt.", "Singhe Carpet Pvt., Ltd.", "Norsang Carpet Industries Pvt., Ltd.",
        "Annapurna Carpet", "Everest Carpet", "Valley Carpet", "K.K. Carpet Industries"]
    assert {r["name"]: r["party_removed"] for r in nepal if r["party_removed"]} == {
        "Norsang Carpet Industries Pvt., Ltd.": "1998-10-06", "Annapurna Carpet": "2021-07-23",
        "Everest Carpet": "1998-10-06", "K.K. Carpet Industries": "1998-10-06"}
    assert all(r["address"] == "Kathmandu" and r["status"] == "Partially Modified"
               for r in nepal)
    imaizumi = by[("Imaizumi Tea Manufacturing & Trading Co., Ltd.", "1995-04-27")]
    assert (imaizumi["country"], imaizumi["address"], imaizumi["order_country"]) == (
        "JP", "Nagoya, Japan", "CN")
    da_wang = [r for r in recs if r["name"] == "Da Wang"]
    assert {(r["schema"], r["order_country"], r["country"]) for r in da_wang} == {
        ("Vessel", "FV", "")}
    kingtom = by[("Kingtom Aluminio S.R.L.", "2024-12-04")]
    assert kingtom["status"] == "Inactive-Pending Litigation" and kingtom["country"] == "DO"
    malawi = next(r for r in recs if r["order_country"] == "MW")
    assert "Alliance One International removed from the order 2020-06-03" in malawi["modified"]
    assert next(r for r in recs if r["name"] == "Artisanal Small Mines")["modified"] == \
        "not stated in CBP's file"
    xpcc = next(r for r in recs if r["name"].startswith("Xinjiang Production"))
    assert xpcc["aliases"] == "XPCC" and "covers its subordinates" in xpcc["notes"]
    select = [r["name"] for r in recs if r["effective_date"] == "2024-04-10"]
    assert select == ["Shanghai Select Safety Products Company, Limited",
                      "Select (Nantong) Safety Products Co. Limited",
                      "Select Protective Technology (HK) Limited"]
    assert len({r["record_id"] for r in recs}) == len(recs)


@pytest.mark.skipif(not CBP_ORDERS.exists(), reason="shared reference data not present")
def test_cbp_wro_import_reproduces_the_shipped_file_byte_for_byte():
    assert read_list(CBP_ORDERS, "cbp-wro").data == (
        REPO / "reference" / "cbp_wro_entities.csv").read_bytes()


def test_cbp_wro_csv_synthetic():
    """SYNTHETIC rows in the columns of CBP's CSV: a/k/a, A, B, and C lists, a party removed
    from a partially modified order, an inactive finding, a fishing vessel, month/day/year."""
    im = read_list(DATA / "cbp_wro_synthetic.csv", "cbp-wro")
    assert im.default_edition is None  # CBP's CSV carries no date: --edition, or the file name
    recs = {r[1]: dict(zip(im.header, r, strict=True)) for r in im.rows}
    assert list(recs) == ["Synthetic Example Garment Co., Ltd.", "Example Rug Pvt.",
                          "Sample Carpet Pvt., Ltd.", "Synthetic Loom Industries",
                          "Synthetic Example Aluminio S.R.L.", "Synthetic Example No. 7",
                          "Example Agro S.A. de C.V.", "Example Horticola S.A. de C.V."]
    garment = recs["Synthetic Example Garment Co., Ltd."]
    assert garment["aliases"] == "Example Garment Works | Example Prison No. 9"
    assert (garment["effective_date"], garment["press_release"]) == (
        "2020-08-11", "https://www.cbp.gov/newsroom/example")
    assert recs["Sample Carpet Pvt., Ltd."]["party_removed"] == "2021-07-23"
    assert recs["Example Rug Pvt."]["party_removed"] == ""
    assert recs["Example Rug Pvt."]["modified"] == \
        "Sample Carpet Pvt., Ltd. removed from the order 2021-07-23"
    assert recs["Synthetic Example No. 7"]["schema"] == "Vessel"
    assert "covers its subsidiaries" in recs["Example Horticola S.A. de C.V."]["notes"]


def test_cbp_wro_malformed(tmp_path: Path):
    """Malformed SYNTHETIC CBP files are refused naming the row and column."""
    header = ("Calendar Year,Country Code,Country,Industry,Merchandise,WRO/Finding,Status,Entity,"
              "Remarks,Press Release,Effective Date\n")
    path = tmp_path / "cbp.csv"
    path.write_text(header + "2020,CN,China,X,Garments,WRO,Lifted,Example Co.,,,8/11/2020\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"cbp\.csv, row 2, column 'Status': status 'Lifted'"):
        read_list(path, "cbp-wro")
    path.write_text(header + "2020,CN,China,X,Garments,WRO,Active,Example Co.,,,13/32/2020\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'Effective Date': '13/32/2020' is not"):
        read_list(path, "cbp-wro")
    path.write_text(header + "2020,ZZ,Atlantis,X,Garments,WRO,Active,Example Co.,,,8/11/2020\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, column 'Country Code': country 'Atlantis'"):
        read_list(path, "cbp-wro")
    path.write_text(header + "2020,CN,China,X,Garments,Ban,Active,Example Co.,,,8/11/2020\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'WRO/Finding': 'Ban' is neither WRO nor"):
        read_list(path, "cbp-wro")
    path.write_text(header + "2020,CN,China,X,Garments,WRO,Active,,,,8/11/2020\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'Entity': empty entity"):
        read_list(path, "cbp-wro")
    path.write_text("Entity,Status\nExample Co.,Active\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_list(path, "cbp-wro")
    bad = tmp_path / "cbp.json"
    bad.write_text('{"entities": [{"name": "Example Co.", "status": "Active", '
                   '"effective_date": "2020-01-01", "notes": "Merchandise: X"}]}',
                   encoding="utf-8")
    with pytest.raises(InputError, match=r"cbp\.json, row 1, column 'notes'"):
        read_list(bad, "cbp-wro")


# ---------------------------------------------------------------- shared helpers


def test_shared_helpers():
    countries = CountryMapper()
    assert countries.get("Burma") == "MM" and countries.get("Turkey (Türkiye)") == "TR"
    assert countries.code_or_name("na") == "NA" and countries.code_or_name("P.R. China") == "CN"
    assert countries.get("Atlantis") is None
    assert norm_key("Hoshine Silicon Co., Ltd.") == "hoshinesiliconcoltd"
    assert split_alias_text("Xinjiang Corps; and Bingtuan") == ["Xinjiang Corps", "Bingtuan"]
    assert split_alias_text("ABC Co., Ltd. and JWD Technology") == ["ABC Co., Ltd.",
                                                                    "JWD Technology"]
    assert parse_date("March 5, 2024") == "2024-03-05"
    assert parse_date("2025-01-15T10:00:00") == "2025-01-15"
    assert parse_date("03/05/2024") is None
