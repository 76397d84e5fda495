"""`chainscreen lists import|diff|status|validate`, `--lists` pinning and `--max-list-age`.

Every test gets its own empty data folder (CHAINSCREEN_DATA_DIR), so imports never touch the
user's real lists. Samples: tests/data/lists/ (see its README).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainscreen.cli import cli
from chainscreen.reference import load_reference

DATA = Path(__file__).parent / "data" / "lists"
REPO = Path(__file__).parents[1]
SHARED = REPO.parent / "shared" / "reference-data"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("CHAINSCREEN_DATA_DIR", str(folder))
    return folder


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def import_samples() -> None:
    for year, edition in (("2020", "2020-09-30.sample"), ("2022", "2022-09-28.sample")):
        code, out, err = run("lists", "import", str(DATA / f"dol_tvpra_{year}_sample.csv"),
                             "--format", "dol-tvpra", "--edition", edition)
        assert code == 0, err
        assert f"Imported dol-tvpra@{edition}" in out


def test_import_two_editions_diff_and_pinned_screens(data_dir: Path):
    shipped = hashlib.sha256((REPO / "reference" / "catalogue.json").read_bytes()).hexdigest()
    import_samples()
    # Stored beside each other in the data folder, with a catalogue; shipped lists untouched.
    files = sorted(p.name for p in (data_dir / "lists" / "dol-tvpra").iterdir())
    assert files == ["2020-09-30.sample.csv", "2022-09-28.sample.csv"]
    assert hashlib.sha256((REPO / "reference" / "catalogue.json").read_bytes()).hexdigest() \
        == shipped

    code, out, _ = run("lists", "diff", "dol-tvpra", "2020-09-30.sample", "2022-09-28.sample")
    assert code == 0
    assert "6 -> 7 records: +3 added, -2 removed, ~1 changed, 3 unchanged" in out
    assert "+ Polysilicon | CN  (forced labour)" in out
    assert "- Oil (Palm) | ID  (forced labour, child labour)" in out
    assert "~ Garments | BD: forced_labour: 'false' -> 'true'" in out
    code, out, _ = run("lists", "diff", "dol-tvpra", "2020-09-30.sample", "2022-09-28.sample",
                       "--json")
    d = json.loads(out)
    assert d["counts"] == {"added": 3, "removed": 2, "changed": 1, "unchanged": 3}
    assert {(r["good"], r["iso2"]) for r in d["added"]} == {
        ("Polysilicon", "CN"), ("Palm Fruit", "ID"), ("Crude Palm Kernel Oil", "ID")}
    assert {(r["good"], r["iso2"]) for r in d["removed"]} == {("Oil (Palm)", "ID"),
                                                              ("Cotton", "UZ")}
    assert d["changed"] == [{"key": "Garments | BD", "fields": {"forced_labour": ["false",
                                                                                 "true"]}}]

    # The same polysilicon line, screened against each edition.
    results = {}
    for edition in ("2020-09-30.sample", "2022-09-28.sample"):
        code, out, _ = run("check", "Example Solar Materials Co", "--country", "CN", "--goods",
                           "polysilicon", "--hs", "2804.61", "--lists",
                           f"dol-tvpra@{edition}", "--json")
        assert code == 0
        results[edition] = json.loads(out)
    old, new = (results[e]["rows"][0] for e in ("2020-09-30.sample", "2022-09-28.sample"))
    # pinning the DOL edition keeps every other list: only the DOL evidence differs
    old_dol = [e for e in old["evidence"] if e["list_id"] == "dol-tvpra"]
    new_dol = [e for e in new["evidence"] if e["list_id"] == "dol-tvpra"]
    assert old_dol == [] and new_dol[0]["edition"] == "2022-09-28.sample"
    assert any("Polysilicon from China is on the DOL list" in r for r in new["reasons"])
    assert new["score"] > old["score"]
    assert {e["list_id"] for e in old["evidence"]} == {e["list_id"] for e in new["evidence"]} - {"dol-tvpra"}
    # The receipt names the pinned edition and its sha256.
    lists = {x["id"]: x for x in results["2022-09-28.sample"]["receipt"]["lists"]}
    assert lists["dol-tvpra"]["edition"] == "2022-09-28.sample"
    stored = (data_dir / "lists" / "dol-tvpra" / "2022-09-28.sample.csv").read_bytes()
    assert lists["dol-tvpra"]["sha256"] == hashlib.sha256(stored).hexdigest()


def test_newest_edition_is_active_unless_pinned(data_dir: Path):
    import_samples()
    # the library reads no environment: the imported editions' folder is passed in
    ref = load_reference(user=data_dir / "lists")
    # The shipped 2022-09-28 is older than the imported "2022-09-28.sample" label.
    assert ref.info("dol-tvpra").edition == "2022-09-28.sample"
    assert ref.origin(ref.info("dol-tvpra")) == "user"
    assert len(ref.goods) == 7
    ref = load_reference(lists=["all", "dol-tvpra@2022-09-28"], user=data_dir / "lists")
    assert len(ref.goods) == 467 and "uflpa-entity-list" in ref.catalogue
    assert ref.origin(ref.info("dol-tvpra")) == "shipped"


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference data not present")
def test_import_of_a_held_edition_is_a_no_op(data_dir: Path):
    code, out, _ = run("lists", "import", str(SHARED / "dol_tvpra_goods_2020.csv"), "--format",
                       "dol-tvpra", "--edition", "2020-09-30")
    assert code == 0
    assert "dol-tvpra@2020-09-30 is already held (shipped, same sha256" in out
    assert not (data_dir / "lists" / "dol-tvpra").exists()


def test_same_edition_different_content_is_refused():
    code, _, err = run("lists", "import", str(DATA / "dol_tvpra_2022_sample.csv"), "--format",
                       "dol-tvpra", "--edition", "2022-09-28")
    assert code == 1
    assert "dol-tvpra@2022-09-28 already exists (shipped" in err
    assert "give another --edition, e.g. 2022-09-28.2" in err
    code, _, err = run("lists", "import", str(DATA / "dol_tvpra_2022_sample.csv"), "--format",
                       "dol-tvpra", "--edition", "2022-09-28", "--id", "my-goods")
    assert code == 1 and "feeds the list dol-tvpra" in err
    code, _, err = run("lists", "import", str(DATA / "dol_tvpra_2022_sample.csv"), "--format",
                       "dol-tvpra")
    assert code == 1 and "edition" in err  # DOL files carry no date: --edition is needed
    code, _, err = run("lists", "import", str(DATA / "watchlist.csv"), "--format", "csv")
    assert code == 1 and "give --id" in err
    code, _, err = run("lists", "import", str(DATA / "watchlist.csv"), "--format", "csv",
                       "--id", "uflpa-entity-list", "--edition", "2025-01-14")
    assert code == 1 and "uflpa-entity-list is a shipped list" in err  # a watchlist is no UFLPA list


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference data not present")
def test_uflpa_page_import_is_the_shipped_edition(data_dir: Path):
    """The saved DHS page gives the shipped edition byte for byte: nothing is stored."""
    code, out, err = run("lists", "import", str(SHARED / "dhs_uflpa_entity_list_page_2026-07-09.html"),
                         "--format", "dhs-uflpa-html")
    assert code == 0, err
    assert "uflpa-entity-list@2025-01-14 is already held (shipped, same sha256" in out
    assert "144 records" in out
    assert not (data_dir / "lists").exists()


def test_uflpa_page_import_newer_edition_is_used_older_is_not(data_dir: Path):
    """SYNTHETIC page: an edition newer than the shipped one is used; an older one is stored
    but not used unless pinned."""
    page = str(DATA / "uflpa_page_synthetic.html")
    code, out, err = run("lists", "import", page, "--format", "dhs-uflpa-html", "--edition",
                         "2026-08-01.synthetic")
    assert code == 0, err
    assert "Imported uflpa-entity-list@2026-08-01.synthetic: 5 records" in out
    assert "in use: the newest edition of uflpa-entity-list" in out
    code, out, _ = run("check", "Synthetic Example Training Center", "--country", "CN", "--json")
    row = json.loads(out)["rows"][0]
    ev = next(e for e in row["evidence"] if e["list_id"] == "uflpa-entity-list")
    assert ev["edition"] == "2026-08-01.synthetic" and row["level"] == "high"
    assert "listed under §2(d)(2)(B)(ii) effective 2022-06-21, entities working with the " \
           "government of Xinjiang to recruit, transport" in ev["summary"]
    assert "and under §2(d)(2)(B)(v) effective 2022-06-21, facilities and entities" in ev["summary"]
    assert ev["details"]["uflpa_sections"] == ["ii", "v"]
    code, out, err = run("lists", "import", page, "--format", "dhs-uflpa-html")
    assert code == 0, err  # edition from the page: "Last Updated: 01/15/2025"
    assert "Imported uflpa-entity-list@2025-01-15: 5 records" in out
    assert "not in use: uflpa-entity-list@2026-08-01.synthetic (user) is newer" in out
    code, out, err = run("lists", "import", page, "--format", "dhs-uflpa-html", "--edition",
                         "2024-06-01.synthetic")
    assert "not in use" in out


def _check(name: str, country: str, goods: str | None = None) -> dict:
    args = ["check", name, "--country", country, "--json"] + (["--goods", goods] if goods else [])
    code, out, err = run(*args)
    assert code == 0, err
    return json.loads(out)["rows"][0]


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference data not present")
def test_cbp_import_of_the_shared_file_is_the_shipped_edition(data_dir: Path):
    code, out, err = run("lists", "import",
                         str(SHARED / "cbp_wro_findings_entities_2026-06-23.json"), "--format",
                         "cbp-wro")
    assert code == 0, err
    assert "cbp-wro-entities@2026-06-23 is already held (shipped, same sha256" in out
    assert "79 records" in out and not (data_dir / "lists").exists()


def test_cbp_active_order_is_decisive():
    row = _check("Hero Vast Group", "CN")
    ev = next(e for e in row["evidence"] if e["list_id"] == "cbp-wro-entities")
    assert ev["kind"] == "entity_list" and ev["strength"] == 1.0 and row["level"] == "high"
    assert "(edition 2026-06-23; WRO of 2020-08-11 on Garments, status Active)" in ev["summary"]
    assert ev["details"] == {"cbp_status": "Active", "cbp_order": "WRO",
                             "cbp_effective_date": "2020-08-11", "candidate": "match"}


def test_cbp_partially_modified_order_is_flagged_with_what_was_modified():
    row = _check("Kumar Carpet Pvt.", "NP")
    ev = next(e for e in row["evidence"] if e["list_id"] == "cbp-wro-entities")
    assert ev["kind"] == "entity_list" and ev["strength"] == 0.5  # flagged, not decisive
    assert "status Partially Modified (modified: Annapurna Carpet removed from the order " \
           "2021-07-23; Everest Carpet removed" in ev["summary"]
    assert "decisive" not in row["formula"]
    # Alone (no goods, no other list), it does not make the row high.
    row = _check("Tangshan Sanyou Group", "CN")
    ev = next(e for e in row["evidence"] if e["list_id"] == "cbp-wro-entities")
    assert ev["strength"] == 0.5 and "Viscose/Rayon Fiber removed from the order" in ev["summary"]


def test_cbp_party_removed_from_a_modified_order_is_a_historical_note():
    row = _check("Annapurna Carpet", "NP")
    assert not any(e["list_id"] == "cbp-wro-entities" for e in row["evidence"])
    assert any(r.startswith("historical, not counted: supplier matches 'Annapurna Carpet' on "
                            "cbp-wro-entities") and "removed this party from the order on "
                            "2021-07-23" in r for r in row["reasons"])


def test_cbp_inactive_order_is_a_historical_note_that_does_not_raise_the_level():
    row = _check("Kingtom Aluminio S.R.L.", "DO")
    assert not any(e["list_id"] == "cbp-wro-entities" for e in row["evidence"])
    assert row["level"] in ("low", "clear")
    note = next(r for r in row["reasons"] if r.startswith("historical, not counted"))
    assert "Finding of 2024-12-04 on Aluminum extrusions and profile products, status " \
           "Inactive-Pending Litigation" in note
    without = _check("Example Extrusions Ltd", "DO")
    assert without["score"] == row["score"]


def test_cbp_order_with_an_entity_feeds_the_merchandise_evidence():
    row = _check("Example Garment Co", "JO", "garments")
    ev = next(e for e in row["evidence"] if e["kind"] == "wro_merchandise")
    assert ev["list_id"] == "cbp-wro-entities" and ev["strength"] == 1.0
    assert ev["summary"] == (
        "CBP WRO on Garments from Jordan (effective 2026-06-23, status Active; names Needle "
        "Craft Ltd; cbp-wro-entities, edition 2026-06-23); other orders on it name Casual Wear "
        "Apparel L.L.C.")
    row = _check("Example Leaf Co", "MW", "tobacco")
    ev = next(e for e in row["evidence"] if e["kind"] == "wro_merchandise")
    assert ev["strength"] == 0.5 and "partially modified: Premium Tobacco Malawi Lt (PTML) " \
        "removed from the order 2021-05-21" in ev["summary"]


def test_cbp_csv_import_synthetic(data_dir: Path):
    """SYNTHETIC CBP CSV: stored as a newer edition, used, and status-aware."""
    code, out, err = run("lists", "import", str(DATA / "cbp_wro_synthetic.csv"), "--format",
                         "cbp-wro", "--edition", "2026-09-30.synthetic")
    assert code == 0, err
    assert "Imported cbp-wro-entities@2026-09-30.synthetic: 8 records" in out
    assert "in use: the newest edition of cbp-wro-entities" in out
    row = _check("Synthetic Example Garment Co., Ltd.", "CN")
    ev = next(e for e in row["evidence"] if e["list_id"] == "cbp-wro-entities")
    assert ev["edition"] == "2026-09-30.synthetic" and ev["strength"] == 1.0
    row = _check("Example Garment Works", "CN")  # an a/k/a name
    assert any(e["list_id"] == "cbp-wro-entities" for e in row["evidence"])
    row = _check("Sample Carpet Pvt., Ltd.", "NP")
    assert any("removed this party from the order on 2021-07-23" in r for r in row["reasons"])
    code, out, _ = run("lists", "diff", "cbp-wro-entities", "--json")
    d = json.loads(out)
    assert d["counts"]["added"] == 8 and d["counts"]["removed"] == 79


def test_dol_open_data_import_all_editions_and_diff(data_dir: Path):
    """SYNTHETIC open-data file: the year ranges give editions that lists diff compares."""
    sample = str(DATA / "dol_open_data_synthetic.csv")
    code, out, err = run("lists", "import", sample, "--format", "dol-open-data")
    assert code == 0, err
    assert "Imported dol-tvpra@2024-09-05: 5 records" in out and "in use" in out
    code, out, err = run("lists", "import", sample, "--format", "dol-open-data",
                         "--all-editions")
    assert code == 0, err
    assert "Stored the earlier edition dol-tvpra@2009: 3 records" in out
    # The shipped 2022 list (DOL's app data) differs: the open-data one is stored beside it.
    assert "Stored the earlier edition dol-tvpra@2022-09-28.dol-open-data: 4 records" in out
    assert "dol-tvpra@2024-09-05 is already held (user, same sha256" in out
    code, out, _ = run("lists", "diff", "dol-tvpra", "2020-09-30.dol-open-data",
                       "2022-09-28.dol-open-data")
    assert code == 0 and "+1 added, -1 removed, ~0 changed" in out
    assert "+ Example Gloves | MY  (forced labour)" in out and "- Example Nuts | BR" in out
    code, _, err = run("lists", "import", str(DATA / "watchlist.csv"), "--format", "csv",
                       "--id", "w", "--all-editions")
    assert code == 2 and "gives one edition" in err


def test_malformed_import_names_row_and_column(tmp_path: Path):
    bad = tmp_path / "watch.csv"
    bad.write_text("name,country\nAcme,Atlantis\n", encoding="utf-8")
    code, _, err = run("lists", "import", str(bad), "--format", "csv", "--id", "w")
    assert code == 1
    assert err.count("\n") == 1 and "row 2, column 'country'" in err


def test_watchlist_import_and_check(data_dir: Path):
    code, out, err = run("lists", "import", str(DATA / "watchlist.csv"), "--format", "csv",
                         "--id", "my-watchlist", "--edition", "2026-05-17")
    assert code == 0, err
    code, out, _ = run("check", "Synthetic Example Brickworks", "--country", "PK", "--json")
    row = json.loads(out)["rows"][0]
    ev = [e for e in row["evidence"] if e["list_id"] == "my-watchlist"]
    assert ev and ev[0]["kind"] == "watchlist" and ev[0]["edition"] == "2026-05-17"
    assert "on the watchlist my-watchlist" in ev[0]["summary"]
    assert "reason: Synthetic test entry: NGO report of debt bondage" in ev[0]["summary"]
    receipt = {x["id"]: x["edition"] for x in json.loads(out)["receipt"]["lists"]}
    assert receipt["my-watchlist"] == "2026-05-17"
    # A second import of a changed watchlist the same day gets its own edition.
    changed = data_dir.parent / "watchlist2.csv"
    changed.write_text((DATA / "watchlist.csv").read_text(encoding="utf-8")
                       + "Synthetic Example Tannery,,IN,,Synthetic test entry,,\n",
                       encoding="utf-8")
    code, out, _ = run("lists", "import", str(changed), "--format", "csv", "--id",
                       "my-watchlist", "--edition", "2026-06-01")
    assert code == 0 and "+1 added, -0 removed, ~0 changed" in out


def test_ofac_import_is_a_sanctions_list_not_forced_labour():
    code, out, err = run("lists", "import", str(DATA / "ofac_genuine" / "sdn.csv"), "--format",
                         "ofac", "--edition", "2024-05-03")
    assert code == 0, err
    assert "Imported ofac-sdn@2024-05-03: 10 records" in out and "scope: sanctions" in out
    code, out, _ = run("check", "Xinjiang Production and Construction Corps", "--country", "CN",
                       "--json")
    row = json.loads(out)["rows"][0]
    by_list = {e["list_id"]: e for e in row["evidence"]}
    ofac = by_list["ofac-sdn"]
    assert "on the sanctions list ofac-sdn" in ofac["summary"]
    assert "not a forced-labour finding" in ofac["summary"]
    assert "forced labour" not in ofac["summary"].replace("not a forced-labour finding", "")
    assert ofac["details"] == {"list_scope": "sanctions", "candidate": "match"}
    # The UFLPA Entity List hit is still there: a sanctions hit does not hide it.
    assert by_list["uflpa-entity-list"]["kind"] == "entity_list"
    assert row["level"] == "high"


def test_opensanctions_import_into_a_new_id():
    code, out, err = run("lists", "import", str(DATA / "opensanctions" / "targets.simple.csv"),
                         "--format", "opensanctions", "--id", "os-example")
    assert code == 0, err
    assert "Imported os-example@2025-03-01: 2 records" in out


def test_status_validate_and_catalogue(data_dir: Path):
    import_samples()
    code, out, _ = run("lists", "status")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("dol-tvpra "))
    assert "2022-09-28.sample" in line and "user" in line and "5" in line.split()[-1]
    code, out, _ = run("lists", "status", "--json")
    st = {x["id"]: x for x in json.loads(out)}
    assert st["dol-tvpra"]["refresh_days"] == 730 and st["dol-tvpra"]["stale"] is True
    assert len(st["dol-tvpra"]["editions"]) == 5
    code, out, _ = run("lists")
    assert "2020-09-30.sample" in out and "user" in out
    code, out, _ = run("lists", "validate")
    assert code == 0 and "13 of 13 editions valid" in out
    # A changed byte in an imported file is caught.
    path = data_dir / "lists" / "dol-tvpra" / "2020-09-30.sample.csv"
    path.write_bytes(path.read_bytes().replace(b"Cocoa", b"Cocoq"))
    code, out, _ = run("lists", "validate")
    assert code == 1 and "FAIL dol-tvpra@2020-09-30.sample" in out and "sha256 mismatch" in out
    code, out, _ = run("lists", "validate", "--json")
    bad = [x for x in json.loads(out) if not x["ok"]]
    assert [x["list"] for x in bad] == ["dol-tvpra@2020-09-30.sample"]


def test_status_on_a_fresh_install_names_the_lists_known_to_be_behind():
    code, out, _ = run("lists", "status")
    assert code == 0
    lines = {x.split()[0]: x for x in out.splitlines() if x and not x.startswith(" ")}
    assert "behind" in lines["uflpa-entity-list"] and "behind" in lines["dol-tvpra"]
    assert "partial" in lines["tip-tiers"]
    assert lines["hs2022"].split()[3:6] == ["-", "-", "-"]  # not a risk list: no age, no state
    assert "?" not in out
    assert "3 list(s) behind what has been published:" in out
    assert ("uflpa-entity-list: 2025-01-14 (shipped) is older than DHS (Forced Labor Enforcement "
            "Task Force)'s 2026-07-31 edition: DHS added 43 entities on 2026-07-31 (Federal "
            "Register 2026-15628") in out
    assert "then:   chainscreen lists import uflpa-entity-list.html --format dhs-uflpa-html" in out
    assert "dol-tvpra: 2022-09-28 (shipped) is older than US DOL (ILAB)'s 2024-09-05 edition: " \
           "the 2024 List of Goods Produced by Child Labor or Forced Labor names 204 goods from " \
           "82 countries" in out
    assert "tip-tiers: 2025 (shipped) is only part of US Department of State's 2025 edition" in out
    assert "then:   chainscreen lists import tiers.csv --format tip --edition 2025.full" in out
    code, out, _ = run("lists", "status", "--json")
    st = {x["id"]: x for x in json.loads(out)}
    assert st["uflpa-entity-list"]["behind"] == "older"
    assert st["uflpa-entity-list"]["latest_known"]["edition"] == "2026-07-31"
    assert st["tip-tiers"]["behind"] == "incomplete" and st["cbp-wro-entities"]["behind"] == ""


def test_require_latest_fails_until_the_newer_edition_is_imported(data_dir: Path):
    code, _, err = run("check", "Acme", "--country", "CN", "--require-latest")
    assert code == 1 and err.count("\n") == 1
    assert "--require-latest: 3 list(s) behind the latest known publication" in err
    assert "uflpa-entity-list@2025-01-14 (shipped) is older than" in err
    assert "then: chainscreen lists import uflpa-entity-list.html --format dhs-uflpa-html" in err
    code, _, err = run("check", "Acme", "--country", "CN", "--require-latest", "--lists",
                       "cbp-wro-entities")
    assert code == 0, err
    # A newer UFLPA edition (a SYNTHETIC page here) takes that list off the report.
    code, _, err = run("lists", "import", str(DATA / "uflpa_page_synthetic.html"), "--format",
                       "dhs-uflpa-html", "--edition", "2026-08-01.synthetic")
    assert code == 0, err
    code, _, err = run("check", "Acme", "--country", "CN", "--require-latest", "--lists",
                       "uflpa-entity-list")
    assert code == 0, err
    code, out, _ = run("lists", "status")
    assert "2 list(s) behind" in out and "uflpa-entity-list:" not in out
    out_dir = data_dir.parent / "out"
    code, _, err = run("screen", str(DATA / "watchlist.csv"), "--no-store", "-o", str(out_dir),
                       "--require-latest")
    assert code == 1 and "--require-latest: 2 list(s)" in err and not out_dir.exists()


def test_max_list_age_names_the_newer_publication():
    code, _, err = run("check", "Acme", "--country", "CN", "--lists", "uflpa-entity-list",
                       "--max-list-age", "365")
    assert code == 1
    assert "uflpa-entity-list@2025-01-14 is" in err and "DHS added 43 entities" in err


def test_max_list_age():
    code, _, err = run("check", "Acme", "--country", "CN", "--lists", "dol-tvpra@2020-09-30",
                       "--max-list-age", "365")
    assert code == 1
    assert "older than --max-list-age 365:" in err and "dol-tvpra@2020-09-30 is" in err
    assert "days old" in err
    code, _, _ = run("check", "Acme", "--country", "CN", "--lists", "dol-tvpra@2020-09-30",
                     "--max-list-age", "100000")
    assert code == 0


def test_max_list_age_on_screen(tmp_path: Path):
    manifest = tmp_path / "lines.csv"
    manifest.write_text("Supplier,Country,Goods\nExample Solar Materials Co,CN,polysilicon\n",
                        encoding="utf-8")
    code, _, err = run("screen", str(manifest), "-o", str(tmp_path / "out"), "--format", "json",
                       "--no-store", "--lists", "tip-tiers", "--lists", "dol-tvpra@2018-09-20",
                       "--max-list-age", "400")
    assert code == 1 and "dol-tvpra@2018-09-20 is" in err
    assert not (tmp_path / "out").exists()


def test_diff_defaults_and_errors():
    code, out, _ = run("lists", "diff", "dol-tvpra")  # the two newest shipped editions
    assert code == 0 and "dol-tvpra@2020-09-30 -> dol-tvpra@2022-09-28" in out
    assert "+ Polysilicon | CN  (forced labour)" in out
    code, _, err = run("lists", "diff", "tip-tiers")
    assert code == 1 and "one edition" in err
    code, _, err = run("lists", "diff", "nope")
    assert code == 1 and "unknown list 'nope'" in err
    code, _, _ = run("lists", "diff", "dol-tvpra", "2020-09-30")
    assert code == 2
