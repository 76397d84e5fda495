"""Stored runs give back the JSON output contract (``Store.result_dict``), ``report --run`` drafts
from them exactly what ``--results`` drafts from the same run's JSON, and runs stored before
migration 0002 still load — on SQLite and on PostgreSQL.

The manifest is a synthetic test fixture: made-up suppliers, plus two supplier names read from
the shipped UFLPA Entity List so the run has real hits.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, insert, select

from chainscreen.cli import cli
from chainscreen.resources import reference_dir
from chainscreen.store import StoreError, open_store

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "sample_inputs" / "company_profile.toml"
SCHEMA = ROOT / "docs" / "schema" / "screen-output.schema.json"
#: Fields migration 0002 added to a row and what a row stored before it reads them as.
NEW_ROW_FIELDS = {"goods": [], "formula": "", "problems": []}


def write_manifest(path: Path) -> Path:
    """Synthetic manifest: two listed names (from the shipped list), goods the lists name, a row
    with no supplier and a row with an unknown country (so rows carry problems)."""
    with (reference_dir() / "uflpa_entity_list.csv").open(encoding="utf-8", newline="") as fh:
        listed = [r["name"] for r in csv.DictReader(fh) if r["country"] == "CN"][:2]
    rows = [
        (listed[0], "China", "cotton yarn", "Urumqi, Xinjiang"),
        (listed[1], "CN", "polysilicon wafers", ""),
        ("Nordic Office Paper AB", "Sweden", "copy paper", "Lund"),
        ("Synthetic Garment Works Ltd", "Bangladesh", "cotton t-shirts", "Dhaka"),
        ("", "India", "cotton fabric", ""),
        ("Synthetic Tomato Traders", "Atlantis", "tomato paste", ""),
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier Name", "Country of Origin", "Description of Goods", "Address"])
        w.writerows(rows)
    return path


def cli_run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty run database: a SQLite file, or a database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.sqlite'}"
    return str(request.getfixturevalue("postgresql_url"))


def screen_into(db_url: str, tmp_path: Path) -> dict[str, Any]:
    """Screen the synthetic manifest with `chainscreen screen` into ``db_url``; its JSON output."""
    manifest = write_manifest(tmp_path / "lines.csv")
    code, _, err = cli_run("screen", str(manifest), "-o", str(tmp_path / "out"), "--format",
                           "json", "--db", db_url, "--quiet")
    assert code in (0, 3), err  # 3: hits found
    return dict(json.loads((tmp_path / "out" / "lines.json").read_text(encoding="utf-8")))


@pytest.fixture()
def screened(db_url: str, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """(database URL, the run's JSON output) after `chainscreen screen` stored one run."""
    return db_url, screen_into(db_url, tmp_path)


def validate(data: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_result_dict_is_the_json_output(screened: tuple[str, dict[str, Any]]) -> None:
    db_url, data = screened
    with open_store(db_url) as st:
        stored = st.result_dict(st.resolve("latest").id)
    validate(stored)
    # The fixture must exercise every field the store had to learn to keep.
    assert any(r["goods"] for r in data["rows"]) and any(r["problems"] for r in data["rows"])
    assert any(c["reasons"] for r in data["rows"] for c in r["candidates"])
    assert any(r["level"] == "high" for r in data["rows"])
    assert stored == json.loads(json.dumps(data))


def test_report_from_run_matches_report_from_json(screened: tuple[str, dict[str, Any]],
                                                  tmp_path: Path) -> None:
    db_url, _ = screened
    common = ("--profile", str(PROFILE), "--format", "md", "--today", "2026-11-23")
    code, out, err = cli_run("report", "s211", *common, "--run", "latest", "--db", db_url,
                             "-o", str(tmp_path / "from-run.md"))
    assert code == 0, err
    assert out.split() == [str(tmp_path / "from-run.md")]
    code, _, err = cli_run("report", "s211", *common, "--results",
                           str(tmp_path / "out" / "lines.json"), "-o", str(tmp_path / "from-json.md"))
    assert code == 0, err
    from_run = (tmp_path / "from-run.md").read_text(encoding="utf-8")
    assert from_run == (tmp_path / "from-json.md").read_text(encoding="utf-8")
    assert "6 supply-chain rows" in from_run


def test_run_refs_and_db_from_environment(screened: tuple[str, dict[str, Any]], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """--run takes an id or a uid prefix and repeats; CHAINSCREEN_DB stands in for --db."""
    db_url, _ = screened
    with open_store(db_url) as st:
        run = st.resolve("latest")
    monkeypatch.setenv("CHAINSCREEN_DB", db_url)
    code, out, err = cli_run("report", "s211", "--profile", str(PROFILE), "--check", "--run",
                             str(run.id), "--run", run.uid[:8])
    assert code == 0, err
    assert "2 screening run(s)" in out
    code, _, err = cli_run("report", "s211", "--profile", str(PROFILE), "--check", "--run", "99")
    assert code == 1 and "no run '99'" in err


def test_incomplete_run_is_refused(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as st:
        run = st.start_run(write_manifest(tmp_path / "lines.csv"))
        with pytest.raises(StoreError, match="incomplete"):
            st.result_dict(run.id)


def _copy_into_0001(source_url: str, old_url: str) -> None:
    """A database created at revision 0001 holding the source database's runs, written with only
    the columns 0001 has (as an older chainscreen wrote them)."""
    from alembic import command
    from alembic.config import Config

    from chainscreen.store import Base, _make_engine, migrations_dir

    old = _make_engine(old_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with old.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    at_0001 = MetaData()
    at_0001.reflect(old)
    assert "goods" not in at_0001.tables["row_results"].c
    src = _make_engine(source_url)
    with src.connect() as read, old.begin() as write:
        for name in ("input_blobs", "list_versions", "runs", "run_lists", "row_results",
                     "candidates"):
            table = at_0001.tables[name]
            rows = [{k: v for k, v in m._mapping.items() if k in table.c}
                    for m in read.execute(select(Base.metadata.tables[name]))]
            if rows:
                write.execute(insert(table), rows)
    src.dispose()
    old.dispose()


def test_run_stored_before_0002_still_loads(db_url: str, tmp_path: Path) -> None:
    # The run is screened into a scratch SQLite store, then written into ``db_url`` at 0001.
    new_url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    data = screen_into(new_url, tmp_path)
    old_url = db_url
    _copy_into_0001(new_url, old_url)
    with open_store(old_url) as st:  # upgrades 0001 -> head
        stored = st.result_dict(st.resolve("latest").id)
    validate(stored)
    assert [r["goods"] for r in stored["rows"]] == [[]] * len(data["rows"])
    for new, old in zip(data["rows"], stored["rows"], strict=True):
        assert {k: old[k] for k in NEW_ROW_FIELDS} == NEW_ROW_FIELDS
        assert all(c["reasons"] == [] for c in old["candidates"])
        same = {k for k in new if k not in NEW_ROW_FIELDS and k != "candidates"}
        assert {k: old[k] for k in same} == {k: new[k] for k in same}
    assert stored["summary"] == data["summary"] and stored["receipt"] == data["receipt"]
    # A draft still comes out of the old run, with the same level figures.
    code, _, err = cli_run("report", "s211", "--profile", str(PROFILE), "--run", "latest",
                           "--db", old_url, "--format", "md", "-o", str(tmp_path / "old.md"),
                           "--today", "2026-11-23")
    assert code == 0, err
    assert "6 supply-chain rows" in (tmp_path / "old.md").read_text(encoding="utf-8")


def _screen_and_dismiss(tmp_path: Path, db_url: str, *, repeat: bool) -> Path:
    """Screen a SYNTHETIC manifest whose first row names an entity of the shipped UFLPA list (a
    high row), a Swedish paper mill, and with ``repeat`` the listed row again; then dismiss every
    hit of row 1 as a reviewer would. Returns the manifest; its JSON output is in ``out/``."""
    from chainscreen.normalize.countries import mentions_xinjiang

    with (reference_dir() / "uflpa_entity_list.csv").open(encoding="utf-8", newline="") as fh:
        name = next(r["name"] for r in csv.DictReader(fh)
                    if r["country"] == "CN" and not mentions_xinjiang(r["name"]))
    manifest = tmp_path / "lines.csv"
    manifest.write_text(f"Supplier Name,Country of Origin,Description of Goods\n\"{name}\",CN,toys\n"
                        "Nordic Office Paper AB,SE,copy paper\n"
                        + (f"\"{name}\",CN,toys\n" if repeat else ""), encoding="utf-8")
    code, _, err = cli_run("screen", str(manifest), "-o", str(tmp_path / "out"), "--format", "json",
                           "--db", db_url, "--quiet")
    assert code in (0, 3), err
    row = json.loads((tmp_path / "out" / "lines.json").read_text(encoding="utf-8"))["rows"][0]
    assert row["level"] == "high", row["reasons"]
    for hit in row["candidates"]:
        if hit["decision"] in ("match", "review"):
            code, _, err = cli_run("review", "latest", "--db", db_url, "--decide",
                                   f"1:{hit['record_id']}", "dismiss", "--note",
                                   "another company, checked the registry", "--by", "ana")
            assert code == 0, err
    return manifest


def test_report_from_run_applies_the_reviewers_decisions(db_url: str, tmp_path: Path) -> None:
    """A hit a reviewer dismissed no longer makes its row high in a draft drafted from the run
    (the run's JSON output, written before the review, still shows it as screened)."""
    from chainscreen.cli.cmd_report import load_runs

    _screen_and_dismiss(tmp_path, db_url, repeat=False)
    (after,) = load_runs(("latest",), db=db_url)
    validate(after)
    decided = after["rows"][0]
    assert decided["decision"]["status"] == "dismiss"
    assert decided["level"] != "high", decided["reasons"]
    assert after["summary"]["levels"]["high"] == 0
    common = ("--profile", str(PROFILE), "--format", "md", "--today", "2026-11-23")
    code, _, err = cli_run("report", "uflpa-evidence", *common, "--run", "latest", "--db", db_url,
                           "-o", str(tmp_path / "reviewed.md"))
    assert code == 0, err
    code, _, err = cli_run("report", "uflpa-evidence", *common, "--results",
                           str(tmp_path / "out" / "lines.json"), "-o", str(tmp_path / "screened.md"))
    assert code == 0, err
    assert (tmp_path / "reviewed.md").read_text(encoding="utf-8") != \
        (tmp_path / "screened.md").read_text(encoding="utf-8")


def test_streamed_and_whole_runs_show_the_decisions_alike(tmp_path: Path) -> None:
    """A run screened after a reviewer dismissed a hit shows the decision (and the row's level
    without the dismissed hit) in its outputs, streamed or held in memory: the same CSV bytes.
    The store keeps both runs' levels as screened."""
    from chainscreen.store import open_store

    db_url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    manifest = _screen_and_dismiss(tmp_path, db_url, repeat=True)
    files = {}
    for how in ("whole", "stream"):
        extra = ["--stream"] if how == "stream" else []
        code, _, err = cli_run("screen", str(manifest), "-o", str(tmp_path / how), "--format", "csv,json",
                               "--db", db_url, "--quiet", *extra)
        assert code == 0, err
        files[how] = (tmp_path / how / "lines.screened.csv").read_bytes()
        summary = json.loads((tmp_path / how / "lines.json").read_text(encoding="utf-8"))["summary"]
        assert summary["levels"]["high"] == 0, (how, summary)
    assert files["whole"] == files["stream"]
    rows = list(csv.DictReader(files["stream"].decode("utf-8-sig").splitlines()))
    assert [r["Decision"].startswith("cleared by ana") for r in rows] == [True, False, True], rows
    assert [r["Risk level"] for r in rows] != ["high", "clear", "high"]
    store = open_store(db_url)
    try:
        runs = store.runs()
        assert [r.levels["high"] for r in runs[:2]] == [2, 2]
    finally:
        store.close()
