"""End-to-end tests through the command line (Click's CliRunner), checking real output values.

The manifests here are synthetic test fixtures; the supplier names of listed entities are read
from the shipped UFLPA Entity List so the tests follow the real list.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chainscreen import __version__
from chainscreen.cli import cli
from chainscreen.reference import load_reference

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "docs" / "schema" / "screen-output.schema.json").read_text()
)

# synthetic rows: (supplier, country, goods, hs)
ROWS = [
    ("HOSHINE SILICON INDUSTRY (SHANSHAN) CO LTD", "China", "silicon metal", "2804.69"),
    ("Lakeside Spinning Mills", "CN", "cotton yarn 100%", "5205.12.0000"),
    ("Nordic Office Paper AB", "Sweden", "copy paper A4", "4802.56"),
    ("", "", "", ""),
    ("Golden Valley Exports", "Atlantis", "cocoa beans", "1801"),
    ("=HYPERLINK(\"http://evil.example\",\"click\")", "SE", "paper", "4802"),
]


@pytest.fixture()
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "lines.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier Name", "Country of Origin", "Description of Goods", "HTS Code"])
        w.writerows(ROWS)
    return path


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out
    code, out, _ = run("--help")
    assert code == 0
    for word in ("screen", "check", "lists", "Exit codes"):
        assert word in out
    code, out, _ = run("screen", "--help")
    assert code == 0 and "Examples:" in out


def test_screen_json_contract(manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run("screen", str(manifest), "-o", str(out), "--format", "json", "--json")
    assert code == 0, stderr
    data = json.loads((out / "lines.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    rows = data["rows"]
    assert [r["row"] for r in rows] == list(range(1, len(ROWS) + 1))
    ref = load_reference()

    hoshine = rows[0]
    assert hoshine["level"] == "high"
    entity = [e for e in hoshine["evidence"] if e["kind"] == "entity_list"]
    assert entity and entity[0]["list_id"] == "uflpa-entity-list"
    assert entity[0]["edition"] == ref.info("uflpa-entity-list").edition
    assert "Hoshine" in entity[0]["matched_name"] or "Hesheng" in entity[0]["matched_name"]

    cotton = rows[1]
    kinds = {e["kind"]: e for e in cotton["evidence"]}
    assert "goods_forced_labour" in kinds
    assert kinds["goods_forced_labour"]["list_id"] == "dol-tvpra"
    assert kinds["goods_forced_labour"]["edition"] == ref.info("dol-tvpra").edition
    assert "uflpa_sector" in kinds
    assert cotton["level"] in ("high", "elevated")

    clean = rows[2]
    assert clean["level"] == "clear" and clean["score"] == 0
    assert rows[3]["level"] == "unscreenable"
    assert rows[4]["level"] == "unscreenable" or any("Atlantis" in p["reason"] for p in rows[4]["problems"])
    assert any("Atlantis" in r for r in rows[4]["reasons"])

    summary = json.loads(stdout)
    assert summary["rows"] == len(ROWS)
    assert sum(summary["levels"].values()) == len(ROWS)


def test_fail_on_high_exits_3(manifest: Path, tmp_path: Path) -> None:
    code, _, _ = run("screen", str(manifest), "-o", str(tmp_path / "o"), "--format", "json",
                     "--fail-on", "high", "-q")
    assert code == 3


def test_workbook_and_html(manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    code, stdout, stderr = run("screen", str(manifest), "-o", str(out), "--format", "xlsx,html,csv,md")
    assert code == 0, stderr
    wb = load_workbook(out / "lines.screened.xlsx")
    assert wb.sheetnames[:2] == ["Entity hits", "Screened"]
    assert {"Candidates", "Problems", "Summary", "Receipt"} <= set(wb.sheetnames)
    ws = wb["Screened"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Supplier Name", "Country of Origin", "Description of Goods", "HTS Code"]
    assert "Risk level" in header and "Risk score" in header
    assert ws.max_row == len(ROWS) + 1
    level_col = header.index("Risk level") + 1
    assert ws.cell(row=2, column=level_col).value == "high"
    evil = ws.cell(row=7, column=1)
    assert evil.data_type == "s" and not str(evil.value).startswith("=")
    html = (out / "lines.html").read_text(encoding="utf-8")
    assert "<svg" in html and "uflpa-entity-list" in html
    assert "<script" not in html.lower()
    with (out / "lines.screened.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == len(ROWS) + 1
    assert rows[6][0].startswith("'=")
    assert "Screened 6 rows" in stdout


def test_existing_output_needs_force(manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert run("screen", str(manifest), "-o", str(out), "--format", "json", "-q")[0] == 0
    code, _, err = run("screen", str(manifest), "-o", str(out), "--format", "json", "-q")
    assert code == 1 and "--force" in err
    assert run("screen", str(manifest), "-o", str(out), "--format", "json", "-q", "--force")[0] == 0


def test_bad_input_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    code, _, err = run("screen", str(tmp_path / "missing.csv"))
    assert code == 1 and "missing.csv" in err and "Traceback" not in err
    bad = tmp_path / "nothing.csv"
    bad.write_text("Colour,Size\nred,3\n", encoding="utf-8")
    code, _, err = run("screen", str(bad), "-o", str(tmp_path / "o"))
    assert code == 1
    assert "Colour" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_usage_errors_exit_2(manifest: Path) -> None:
    assert run("screen", str(manifest), "--format", "pdfx")[0] == 2
    assert run("screen", str(manifest), "--map", "nonsense")[0] == 2


def test_check_listed_and_clean() -> None:
    code, out, _ = run("check", "Hoshine Silicon Industry Shanshan", "--country", "CN", "--json")
    assert code == 0
    data = json.loads(out)
    row = data["rows"][0]
    assert row["level"] == "high"
    assert row["candidates"][0]["decision"] == "match"
    code, out, _ = run("check", "Nordic Office Paper AB", "--country", "SE", "--goods", "paper", "--json")
    assert json.loads(out)["rows"][0]["level"] == "clear"


def test_check_stdin_and_fail_on() -> None:
    code, out, _ = run("check", "--country", "CN", "--fail-on", "high",
                       input="Hoshine Silicon Industry (Shanshan) Co Ltd\nNordic Office Paper AB\n")
    assert code == 3
    assert out.count("formula:") == 2
    assert out.startswith(chr(27)) or out.startswith("HIGH")


def test_lists_prints_catalogue() -> None:
    code, out, _ = run("lists")
    assert code == 0
    for list_id in ("dol-tvpra", "tip-tiers", "uflpa-entity-list", "dol-child-labour"):
        assert list_id in out
    code, out, _ = run("lists", "--json")
    ids = {x["id"] for x in json.loads(out)}
    assert "uflpa-entity-list" in ids


def test_every_command_is_loaded_from_its_module() -> None:
    """The commands ``chainscreen --help`` lists are those their modules register, each module
    named right in ``COMMANDS`` (a command missing there would never be found)."""
    import importlib
    import pkgutil

    import chainscreen.cli as package
    from chainscreen.cli import COMMANDS

    modules = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("cmd_"))
    assert sorted(set(COMMANDS.values())) == modules
    for name in modules:
        importlib.import_module(f"chainscreen.cli.{name}")
    assert set(cli.commands) == set(COMMANDS)
    for command, module in COMMANDS.items():
        assert cli.commands[command].callback.__module__ == f"chainscreen.cli.{module}", command
    out = CliRunner().invoke(cli, ["--help"])
    assert out.exit_code == 0
    listed = out.output.split("Commands:")[1].split()
    assert all(command in listed for command in COMMANDS)


def test_the_command_line_freezes_what_is_left_before_the_process_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    # main() leaves the objects still alive out of the interpreter's last full collection, on
    # success and on error alike (a check's context, a run's memos: 50 ms, 0.35 s at 10^6 rows)
    import gc
    import sys

    from chainscreen.cli import main

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    for argv, code in ((["chainscreen", "--version"], 0),
                       (["chainscreen", "screen", "/no/such/lines.csv"], 1)):
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == code
    assert frozen == [True, True]
