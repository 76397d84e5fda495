"""The hostile-input corpus through ``chainscreen screen``: no traceback, no hang, no lost row,
no half-written file; injection strings come out inert; a killed run leaves no output."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_corpus import NASTY_VALUES, Case, cases, write

from chainscreen.cli import cli

CASES = cases()
OK = [c for c in CASES if c.outcome == "ok"]
ERRORS = [c for c in CASES if c.outcome == "error"]
INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write(folder)
    return folder


def _screen(path: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["screen", str(path), "-o", str(out), "--force", "--no-store",
                                      "-q", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c.name)
def test_unreadable_files_give_one_line_and_no_output(corpus: Path, tmp_path: Path, case: Case) -> None:
    code, _out, err = _screen(corpus / case.name, tmp_path / "out", "--format", "csv,json,html")
    assert code == 1
    assert case.expect in err
    assert "Traceback" not in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# header mapping of 10,000 columns takes seconds; one reading mode is enough for it
READ_MODES = [(c, s) for c in OK for s in (False, True) if s or c.name != "columns_10000.csv"]


@pytest.mark.parametrize(("case", "stream"), READ_MODES,
                         ids=[f"{c.name}-{'streamed' if s else 'in-memory'}" for c, s in READ_MODES])
def test_readable_files_keep_every_row_and_explain_problems(
    corpus: Path, tmp_path: Path, case: Case, stream: bool
) -> None:
    out = tmp_path / "out"
    code, _out, err = _screen(corpus / case.name, out, "--format", "csv,json,html",
                              "--stream" if stream else "--no-stream")
    assert code == 0, err
    stem = Path(case.name).stem
    data = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    assert len(data["rows"]) == case.rows == data["summary"]["rows"]
    assert [r["row"] for r in data["rows"]] == list(range(1, case.rows + 1))
    for row in data["rows"]:
        assert row["reasons"] or row["level"] == "clear"
        assert all(p["reason"] for p in row["problems"])
        if row["status"] == "unscreenable":
            assert any(r.startswith("not screened") or "missing" in r or "no " in r
                       for r in row["reasons"]), row["reasons"]
    reasons = " ".join(p["reason"] for p in data["problems"])
    assert case.expect in reasons
    text = (out / f"{stem}.screened.csv").read_text(encoding="utf-8-sig")
    old_limit = csv.field_size_limit(1 << 30)  # the 20 MiB line comes back whole in memory mode
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(old_limit)
    assert len(records) == case.rows + 1
    for record in records:
        for cell in record:
            assert not cell.startswith(INJECTION_PREFIXES), cell[:80]
    html = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert not list(out.glob(".*.part"))


def test_hostile_values_are_inert_in_the_workbook(corpus: Path, tmp_path: Path) -> None:
    import openpyxl

    code, _out, err = _screen(corpus / "hostile_values.csv", tmp_path, "--format", "xlsx")
    assert code == 0, err
    ws = openpyxl.load_workbook(tmp_path / "hostile_values.screened.xlsx")["Screened"]  # the rows sheet
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {str(c.value) for c in cells}
    assert "'" + NASTY_VALUES[7][0] in texts  # the HYPERLINK formula, kept as text
    assert NASTY_VALUES[0][0] in texts  # the 10,000-character name, whole


def test_existing_outputs_are_not_overwritten_without_force(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "crlf.screened.csv"
    target.write_text("mine")
    for stream in ("--stream", "--no-stream"):
        result = CliRunner().invoke(cli, ["screen", str(corpus / "crlf.csv"), "-o", str(tmp_path),
                                          "--format", "csv", "--no-store", "-q", stream])
        assert result.exit_code == 1
        assert "already exists; use --force" in result.stderr
    assert target.read_text() == "mine"


def _big_manifest(path: Path, rows: int) -> None:
    # distinct SYNTHETIC suppliers so that screening takes long enough to be killed half-way
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Supplier,Country,Description,HS Code\n")
        for i in range(rows):
            fh.write(f"Synthetic Supplier {i} Textile Co Ltd,CN,cotton yarn,5205.{i % 90 + 10}\n")


def _kill_when(proc: subprocess.Popen[bytes], ready: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_streamed_run_leaves_no_output_file(tmp_path: Path) -> None:
    src = tmp_path / "lines.csv"
    _big_manifest(src, 120_000)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "chainscreen", "screen", str(src), "-o", str(out), "--stream",
           "--format", "csv,json,jsonl,parquet,html", "--no-store", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_when(proc, lambda: out.exists() and any(out.glob(".*.part")))
    assert proc.returncode == -signal.SIGKILL
    visible = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert visible == []  # only hidden .part files are left
    # the next run into the folder sweeps the dead run's temporary files
    small = tmp_path / "small.csv"
    small.write_text("Supplier,Country\nAcme Co,CN\n")
    code, _o, err = _screen(small, out, "--stream", "--format", "csv")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["small.screened.csv"]


def test_killed_stored_run_is_marked_incomplete(tmp_path: Path) -> None:
    from chainscreen.store import INCOMPLETE, open_store

    src = tmp_path / "lines.csv"
    _big_manifest(src, 60_000)
    db = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "chainscreen", "screen", str(src), "-o", str(out), "--no-stream",
           "--format", "csv,json", "--db", db, "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def started() -> bool:
        if not (tmp_path / "runs.sqlite").exists():
            return False
        try:
            with open_store(db) as store:
                return bool(store.runs())
        except Exception:
            return False

    _kill_when(proc, started)
    with open_store(db) as store:
        runs = store.runs()
    assert [r.status for r in runs] == [INCOMPLETE]
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]
