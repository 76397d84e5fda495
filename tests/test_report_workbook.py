"""The annotated workbook: reloads cleanly, keeps the user's sheet, neutralises formulas, opens in
LibreOffice (headless conversion; skipped, saying so, when LibreOffice is absent)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from chainscreen.pipeline import screen
from chainscreen.report.workbook import write_workbook
from chainscreen.result import ADDED_COLUMNS

# Synthetic rows; the first is a listed entity so one row is high.
ROWS = [
    ["HOSHINE SILICON INDUSTRY (SHANSHAN) CO LTD", "China", "silicon metal", "2804.69"],
    ["Nordic Office Paper AB", "Sweden", "copy paper A4", "4802.56"],
    ["=1+1", "SE", "+paper", "-4802"],
    ["@SUM(A1:A2)", "SE", "paper", "4802"],
]


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    """A synthetic user workbook with a title row, styling, a formula and a second sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Vendors"
    ws["A1"] = "Vendor master (synthetic)"
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(["Vendor Name", "Country of Origin", "Description of Goods", "HTS Code", "Spend"])
    for i, row in enumerate(ROWS, start=4):
        ws.append([*row, 1000 * i])
    ws["E8"] = "=SUM(E4:E7)"
    ws["B4"].fill = PatternFill("solid", fgColor="FFFF00")
    wb.create_sheet("Notes")["A1"] = "keep me"
    path = tmp_path / "vendors.xlsx"
    wb.save(path)
    return path


@pytest.fixture()
def annotated(source: Path, tmp_path: Path) -> Path:
    return write_workbook(screen(source), tmp_path / "out.xlsx")


def test_user_sheet_kept_and_annotated(annotated: Path) -> None:
    wb = load_workbook(annotated)
    assert wb.sheetnames == ["Entity hits", "Vendors", "Notes", "Candidates", "Problems", "Summary", "Receipt"]
    ws = wb["Vendors"]
    assert ws["A1"].value == "Vendor master (synthetic)" and ws["A1"].font.bold
    assert ws["B4"].fill.fgColor.rgb.endswith("FFFF00")
    assert ws["E8"].value == "=SUM(E4:E7)"  # the user's own formula stays a formula
    assert wb["Notes"]["A1"].value == "keep me"
    header = [c.value for c in ws[3]]
    assert header[5:5 + len(ADDED_COLUMNS)] == list(ADDED_COLUMNS)
    level = header.index("Risk level") + 1
    assert ws.cell(row=4, column=level).value == "high"
    assert ws.cell(row=4, column=header.index("Risk score") + 1).number_format == "0.0"
    assert ws.cell(row=4, column=header.index("Reasons") + 1).alignment.wrap_text
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref.startswith("A3:")
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert len(rules) == 5


def test_extra_sheets(annotated: Path) -> None:
    wb = load_workbook(annotated)
    cand = list(wb["Candidates"].iter_rows(values_only=True))
    assert cand[0][:3] == ("Row", "Supplier", "Rank")
    assert cand[0][8] == "Matcher verdict"  # not to be confused with the reviewer's Decision
    hits = list(wb["Entity hits"].iter_rows(values_only=True))
    assert hits[0][:3] == ("Row", "Triage", "Risk level")
    assert hits[1][1] == "entity match" and hits[1][2] == "high"
    assert {r[8] for r in cand[1:]} >= {"match"}  # every candidate, with its decision and reasons
    assert all(r[9] for r in cand[1:])
    summary = list(wb["Summary"].iter_rows(values_only=True))
    assert summary[0][:3] == ("Group", "Value", "Rows")
    assert sum(r[2] for r in summary if r[0] == "Level") == len(ROWS)
    assert {r[0] for r in summary[1:]} >= {"Level", "Origin country"}
    receipt = {r[0]: r[1] for r in wb["Receipt"].iter_rows(min_row=2, values_only=True)}
    assert len(receipt["input sha256"]) == 64 and receipt["tool"].startswith("chainscreen ")
    assert "setting cut_high" in receipt and any(k.startswith("list uflpa-entity-list") for k in receipt)


def test_csv_input_cells_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier Name", "Country of Origin", "Description of Goods", "HTS Code"])
        w.writerows(ROWS)
    out = write_workbook(screen(path), tmp_path / "lines.xlsx")
    ws = load_workbook(out)["Screened"]
    for cell in (ws["A4"], ws["C4"], ws["A5"]):
        assert cell.data_type == "s" and cell.value.startswith("'"), cell.value
    assert ws["D4"].value in ("'-4802", -4802)  # text that looks like a formula is inert


def test_libreoffice_opens_workbook(annotated: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-calc-nogui): skipped")
    outdir = tmp_path / "lo"
    proc = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
         "--convert-to", 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2',
         "--outdir", str(outdir), str(annotated)],
        capture_output=True, text=True, timeout=180, check=False)
    converted = outdir / "out-Vendors.csv"  # the second sheet: "Entity hits" comes first
    assert proc.returncode == 0 and converted.exists(), proc.stdout + proc.stderr
    with converted.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "Vendor master (synthetic)"
    assert "Risk level" in rows[2]
    assert rows[3][rows[2].index("Risk level")] == "high"
    assert rows[7][4] == "22000"  # LibreOffice computed the user's =SUM formula
