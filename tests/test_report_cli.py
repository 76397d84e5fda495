"""`chainscreen report` through Click's CliRunner: drafts, --check exit codes, init-profile."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from chainscreen.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "sample_inputs" / "company_profile.toml"
RESULTS = ROOT / "tests" / "golden" / "inputs" / "importer_suppliers.results.json"


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def test_s211_draft_html_md(tmp_path: Path) -> None:
    code, out, err = run("report", "s211", "--profile", str(PROFILE), "--results", str(RESULTS),
                         "-o", str(tmp_path / "s211"), "--today", "2026-11-23")
    assert code == 0, err
    assert out.split() == [str(tmp_path / "s211.html"), str(tmp_path / "s211.md")]
    assert "0 required element(s) missing" in err
    md = (tmp_path / "s211.md").read_text(encoding="utf-8")
    assert "66 supply-chain rows" in md and "Harbor Point Imports LLC" in md
    code, _, err = run("report", "s211", "--profile", str(PROFILE), "--results", str(RESULTS),
                       "-o", str(tmp_path / "s211"))
    assert code == 1 and "already exists" in err


def test_check_exit_codes(tmp_path: Path) -> None:
    code, out, _ = run("report", "s211", "--profile", str(PROFILE), "--results", str(RESULTS),
                       "--check", "--today", "2026-11-23")
    assert code == 0 and "complete;" in out and "ca.attestation" in out
    empty = tmp_path / "company.toml"
    code, out, _ = run("report", "init-profile", "-o", str(empty))
    assert code == 0 and empty.exists()
    code, out, _ = run("report", "s211", "--profile", str(empty), "--check")
    assert code == 3
    assert out.count("MISSING") == 11 and "11 required element(s) missing" in out
    code, out, _ = run("report", "uk-msa", "--profile", str(empty), "--check", "--json")
    data = json.loads(out)
    assert code == 3 and data["missing"] == 2  # uk.statement and the approval; areas only warn
    missing = {f["id"] for f in data["findings"] if f["status"] == "missing"}
    assert missing == {"uk.statement", "uk.approval.form"}


def test_uflpa_index_screens_a_manifest(tmp_path: Path) -> None:
    code, out, err = run("report", "uflpa-evidence", "--profile", str(PROFILE),
                         str(ROOT / "sample_inputs" / "importer_suppliers.xlsx"),
                         "-o", str(tmp_path / "ix.md"), "--format", "md")
    assert code == 0, err
    md = (tmp_path / "ix.md").read_text(encoding="utf-8")
    assert "Table of contents: evidence index" in md and "have (from runs)" in md
    assert "Zhuhai Ninestar" in md  # the importer's own index names its suppliers


def test_sector_cli(tmp_path: Path) -> None:
    code, out, err = run("report", "sector", "--goods", "cotton", "--country", "CN",
                         "--results", str(RESULTS), "-o", str(tmp_path / "cotton"), "--format", "md")
    assert code == 0, err
    md = (tmp_path / "cotton.md").read_text(encoding="utf-8")
    assert "China (CN)" in md and "Importer's exposure" in md and "Benin" not in md


def test_usage_errors(tmp_path: Path) -> None:
    code, _, err = run("report", "s211", "--profile", str(PROFILE), "--format", "rtf")
    assert code == 2 and "unknown format" in err
    code, _, err = run("report", "s211", "--profile", str(tmp_path / "nope.toml"), "--check")
    assert code == 1 and "profile not found" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": 1}', encoding="utf-8")
    code, _, err = run("report", "s211", "--profile", str(PROFILE), "--results", str(bad), "--check")
    assert code == 1 and "not a valid chainscreen JSON result file" in err


def test_run_in_empty_store(tmp_path: Path) -> None:
    """--run on a database without runs is one line on stderr, exit 1 (tests/test_store_results.py
    covers drafts from stored runs)."""
    db = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    code, _, err = run("report", "s211", "--profile", str(PROFILE), "--run", "latest", "--db", db,
                       "--check")
    assert code == 1 and "no runs yet" in err


def test_help_has_examples() -> None:
    for cmd in ("s211", "uk-msa", "au-msa", "uflpa-evidence", "sector", "init-profile"):
        code, out, _ = run("report", cmd, "--help")
        assert code == 0 and "Examples:" in out and "chainscreen report" in out
