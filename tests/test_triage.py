"""Triage: ``high`` needs evidence about the supplier itself, a Xinjiang nexus needs a Xinjiang
place with a China or unknown origin, and every output lists rows in one triage order.

The manifests here are synthetic (invented suppliers), except the listed names taken from the
shipped lists.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from chainscreen.pipeline import screen
from chainscreen.result import RowResult, triage_group, triage_order
from chainscreen.score import needs_review

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "sample_inputs").glob("*.csv")) + sorted((REPO / "sample_inputs").glob("*.xlsx"))
REAL = sorted(p for p in (REPO / "tests" / "data" / "real").glob("**/*")
              if p.is_file() and p.suffix.lower() in (".csv", ".tsv", ".xlsx", ".xls", ".parquet", ".jsonl",
                                                       ".txt", ".json"))


def supplier_specific(r: RowResult) -> bool:
    """An entity-list or watchlist match at match level, or a Xinjiang nexus."""
    return any((e.kind in ("entity_list", "watchlist") and not needs_review(e)) or e.kind == "xinjiang"
               for e in r.evidence)


@pytest.mark.parametrize("path", SAMPLES + REAL, ids=lambda p: p.name)
def test_no_row_is_high_without_supplier_specific_evidence(path: Path) -> None:
    try:
        result = screen(path)
    except Exception as exc:  # noqa: BLE001 - a real file the reader refuses is not this test's subject
        pytest.skip(f"{path.name}: not readable: {exc}")
    high = [r for r in result.rows if r.level == "high"]
    assert all(supplier_specific(r) for r in high), [
        (r.row, r.supplier, [e.kind for e in r.evidence]) for r in high if not supplier_specific(r)]
    ordered = triage_order(result.rows)
    groups = [triage_group(r) for r in ordered]
    assert groups == sorted(groups)


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Supplier", "Country", "Address", "Goods"])


def test_a_xinjiang_place_counts_only_with_a_china_or_unknown_origin() -> None:
    result = screen(frame([
        {"Supplier": "Sunrise Silk Exports", "Country": "India", "Address": "Kashi (Varanasi), Uttar Pradesh",
         "Goods": "silk scarves"},
        {"Supplier": "Steppe Wool LLC", "Country": "Russia", "Address": "Gorno-Altaysk, Altay Republic",
         "Goods": "wool yarn"},
        {"Supplier": "Oasis Trading Co", "Country": "China", "Address": "88 Renmin Road, Kashi",
         "Goods": "cotton yarn"},
        {"Supplier": "Oasis Trading Co", "Country": "", "Address": "88 Renmin Road, Kashi",
         "Goods": "cotton yarn"},
    ]))
    india, russia, china, unknown = result.rows
    for r in (india, russia):
        assert not any(e.kind == "xinjiang" for e in r.evidence)
        assert r.level != "high"
        assert any("check the address" in reason for reason in r.reasons)
    for r in (china, unknown):
        assert any(e.kind == "xinjiang" for e in r.evidence)
        assert r.level == "high"


def test_sector_evidence_alone_is_elevated_at_most_and_ranked_by_value() -> None:
    df = pd.DataFrame([
        {"Supplier": "Harbour Zipper Works", "Country": "China", "Goods": "cotton t-shirts", "Value": "1,200.00"},
        {"Supplier": "Bright Label Printing", "Country": "China", "Goods": "cotton t-shirts", "Value": "98,000.00"},
    ])
    result = screen(df)
    assert all(r.level == "elevated" for r in result.rows)
    assert any("level capped at elevated" in r.formula for r in result.rows)
    from chainscreen.result import line_values

    first = triage_order(result.rows, line_values(result))[0]
    assert first.supplier == "Bright Label Printing"
