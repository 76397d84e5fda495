"""End to end through the command line: screen → review → decide → newer list edition →
rescreen shows the reopened decision and the new hit; runs, show, diff, verify; decisions
exported and imported. On SQLite and on a real PostgreSQL server.

The manifest is a synthetic fixture (see test_store.py); the "older edition" is a copy of the
shipped lists with one real record and one real alias removed, the newer one the shipped lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from test_store import DERIVED_EDITION, derived_reference, pick_records, write_manifest

from chainscreen.cli import cli


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.sqlite'}"
    return str(request.getfixturevalue("postgresql_url"))


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_screen_decide_update_rescreen(tmp_path: Path, db: str) -> None:
    manifest = write_manifest(tmp_path / "lines.csv")
    changed, added = pick_records()
    old = {"CHAINSCREEN_REFERENCE_DIR": str(derived_reference(tmp_path / "ref"))}

    code, out, err = run("screen", str(manifest), "-o", str(tmp_path / "o1"), "--db", db,
                         "--format", "json", env=old)
    assert code == 0, err
    assert "Stored as run 1" in out and "chainscreen review 1" in out

    code, out, _ = run("review", "1", "--db", db)
    assert code == 0 and "1 open of 1 hit(s)" in out and changed["record_id"] in out
    assert added["record_id"] not in out  # not on the older edition

    code, out, _ = run("review", "1", "--db", db, "--decide", f"1:{changed['record_id']}",
                       "dismiss", "--note", "different company, checked 2026-01", "--by", "ana")
    assert code == 0 and "dismiss" in out and "by ana" in out
    code, out, _ = run("review", "1", "--db", db)
    assert "0 open of 1 hit(s)" in out
    code, out, _ = run("review", "1", "--db", db, "--all")
    assert "dismiss by ana" in out and "different company" in out

    # The same lists again: the decision is applied and shown in the outputs.
    code, out, err = run("screen", str(manifest), "-o", str(tmp_path / "o2"), "--db", db,
                         "--format", "json,xlsx", env=old)
    assert code == 0, err
    rows = json.loads((tmp_path / "o2" / "lines.json").read_text(encoding="utf-8"))["rows"]
    assert rows[0]["decision"]["status"] == "dismiss" and rows[0]["decision"]["by"] == "ana"
    assert rows[0]["decision"]["state"] == "current" and rows[2]["decision"] is None
    sheet = load_workbook(tmp_path / "o2" / "lines.screened.xlsx")["Screened"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    cell = sheet.cell(row=2, column=header.index("Decision") + 1).value
    assert cell.startswith("cleared by ana on ") and "different company" in cell

    # A newer edition of the list (the shipped one): the entry changed, and a record was added.
    code, out, err = run("rescreen", "latest", "--db", db, "-o", str(tmp_path / "o3"),
                         "--format", "json")
    assert code == 0, err
    assert "Re-screened run 2" in out and "as run 3" in out
    assert f"new list edition uflpa-entity-list {DERIVED_EDITION} → " in out
    assert "1 new, 0 resolved, 1 changed hit(s)" in out
    assert "decision reopened: list entry changed (was dismiss by ana)" in out
    assert added["name"][:30] in out
    rows = json.loads((tmp_path / "o3" / "lines.json").read_text(encoding="utf-8"))["rows"]
    assert rows[0]["decision"]["state"] == "reopened"
    assert rows[0]["decision"]["reason"] == "list entry changed"

    code, out, _ = run("review", "3", "--db", db)
    assert "2 open of 2 hit(s)" in out and "reopened: list entry changed" in out

    code, out, _ = run("runs", "--db", db)
    assert code == 0 and [line.split()[0] for line in out.splitlines()[1:]] == ["3", "2", "1"]
    code, out, _ = run("runs", "show", "3", "--db", db, "--json")
    shown = json.loads(out)
    assert shown["status"] == "complete" and shown["rows"] == 3
    assert {h["state"] for h in shown["hits"]} == {"open", "reopened"}

    code, out, _ = run("runs", "diff", "1", "3", "--db", db, "--json")
    diff = json.loads(out)
    assert [h["change"] for h in diff["hits"]] == ["new", "changed"]

    # Run 2 used the derived edition, which the shipped lists no longer have.
    code, out, _ = run("runs", "verify", "2", "--db", db)
    assert code == 1 and f"uflpa-entity-list@{DERIVED_EDITION}" in out and "NOT" in out
    code, out, _ = run("runs", "verify", "3", "--db", db)
    assert code == 0 and "would reproduce" in out


def test_decisions_export_import_between_databases(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "lines.csv")
    changed, _ = pick_records()
    a, b = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite", "b.sqlite"))
    for url in (a, b):
        assert run("screen", str(manifest), "--db", url, "--format", "json", "-o",
                   str(tmp_path / "o"), "--force", "-q")[0] == 0
    run("review", "1", "--db", a, "--decide", f"1:{changed['record_id']}", "escalate",
        "--by", "ana", "--note", "ask the supplier")
    for name in ("decisions.csv", "decisions.yaml"):
        code, out, _ = run("review", "--db", a, "--export", str(tmp_path / name))
        assert code == 0 and "wrote 1 decision(s)" in out
    code, out, _ = run("review", "--db", b, "--import", str(tmp_path / "decisions.yaml"))
    assert code == 0 and "imported 1 new decision(s)" in out
    code, out, _ = run("review", "--db", b, "--import", str(tmp_path / "decisions.csv"))
    assert "imported 0 new decision(s)" in out  # the same decision is not added twice
    code, out, _ = run("review", "1", "--db", b, "--all", "--json")
    (h,) = [h for h in json.loads(out)["hits"] if h["record"] == changed["record_id"]]
    assert h["state"] == "decided" and h["decision"]["status"] == "escalate"


def test_review_usage_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    manifest = write_manifest(tmp_path / "lines.csv")
    run("screen", str(manifest), "--db", url, "--format", "json", "-o", str(tmp_path / "o"), "-q")
    code, _, err = run("review", "--db", url)
    assert code == 2 and "give a RUN" in err
    code, _, err = run("review", "1", "--db", url, "--decide", "x:y", "dismiss", "--by", "a")
    assert code == 2 and "ROW:RECORD" in err
    code, _, err = run("review", "1", "--db", url, "--decide", "3:nope", "dismiss", "--by", "a")
    assert code == 1 and "has no hit on record 'nope' in row 3" in err
    code, _, err = run("runs", "show", "42", "--db", url)
    assert code == 1 and "no run '42'" in err
    code, out, _ = run("screen", str(manifest), "--db", url, "--no-store", "--format", "json",
                       "-o", str(tmp_path / "o"), "--force")
    assert code == 0 and "Stored as run" not in out
    assert len(json.loads(run("runs", "--db", url, "--json")[1])) == 1
