"""The real-file corpus: public supplier lists and customs extracts, screened as they are.

Each file (tests/data/real/corpus.toml, provenance in tests/data/real/PROVENANCE.md) must come
back with every row once, its expected roles mapped, and at most 2 % of rows unscreenable. Tests
skip, with the reason, when the corpus has not been fetched (scripts/fetch_real_files.py).
docs/REAL_FILES.md records each file's roles, level counts and time (scripts/real_files_report.py).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from real_corpus import ABSENT, entries, git_blob_id, locate

from chainscreen.manifest import SPREADSHEETS
from chainscreen.pipeline import screen

ENTRIES = entries()
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=ENTRIES, ids=lambda e: e["name"])
def entry(request: pytest.FixtureRequest) -> dict[str, Any]:
    found = locate(request.param["name"])
    if found is None:
        pytest.skip(ABSENT)
    return {**request.param, "path": found}


def _independent_rows(path: Path, fmt: str, encoding: str | None, header_row: int | None,
                      sheet: str | None) -> int:
    """Data rows counted by another reader: Python's csv module, or calamine's rows for a sheet."""
    if fmt in SPREADSHEETS:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_name(sheet or book.sheet_names[0]).to_python(skip_empty_area=False)
    else:
        text = path.read_bytes().decode(encoding or "utf-8").removeprefix("\ufeff")
        try:
            delimiter = csv.Sniffer().sniff(text[:20000], delimiters=",;\t|").delimiter
        except csv.Error:  # one column: no delimiter to find
            delimiter = ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    rows = rows[header_row or 0:]
    while rows and not any(str(c).strip() for c in rows[-1]):
        rows.pop()
    return len(rows)


def test_corpus_has_eight_files_from_five_publishers() -> None:
    assert len(ENTRIES) >= 8
    assert len({e["publisher"] for e in ENTRIES}) >= 5
    for e in ENTRIES:
        assert len(e["blob"]) == 40 and len(e["sha256"]) == 64, e["name"]
        assert e["licence"] and e["repo"] and e["commit"] and e["path"]


def test_file_is_the_publishers_bytes(entry: dict[str, Any]) -> None:
    data = entry["path"].read_bytes()
    assert git_blob_id(data) == entry["blob"]


def test_every_row_back_once_roles_mapped_and_few_unscreenable(entry: dict[str, Any]) -> None:
    result = screen(entry["path"])
    manifest = result.manifest
    rows = [r.row for r in result.rows]
    assert rows == list(range(1, len(rows) + 1))
    assert len(rows) == _independent_rows(entry["path"], manifest.format, manifest.encoding,
                                          manifest.header_row, manifest.sheet)
    for role, header in entry["roles"].items():
        assert manifest.columns.get(role) == header, (role, manifest.roles.roles)
    unscreenable = sum(r.status == "unscreenable" for r in result.rows)
    assert unscreenable <= 0.02 * len(rows), unscreenable
    coverage = result.coverage
    assert coverage is not None and coverage["rows"] == len(rows)
    assert {g["role"] for g in coverage["missing"]} == set(manifest.roles.missing())


def test_report_lists_every_file() -> None:
    report = (REPO / "docs" / "REAL_FILES.md").read_text(encoding="utf-8")
    for e in ENTRIES:
        assert f"`{e['name']}`" in report, e["name"]
