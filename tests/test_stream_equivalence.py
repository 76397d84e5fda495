"""Streamed and whole-file screening give identical rows: on the sample inputs, on the real-file
corpus (``tests/data/real/``, when present) and on the hostile corpus (synthetic files from
``tests/hostile/hostile_corpus.py``).

Streamed screening dictionary-encodes each chunk's fact columns and takes the row outcomes from
the distinct ones; the whole-file path screens a Manifest held in memory. Small chunks make the
streamed side cross chunk boundaries (codes reused across chunks) many times.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chainscreen.pipeline import iter_screen, screen
from chainscreen.result import added_cells

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "hostile"))
from hostile_corpus import cases, write  # noqa: E402 - the corpus generator lives beside its tests
from real_corpus import present  # noqa: E402

SAMPLES = sorted(p for p in (HERE.parent / "sample_inputs").iterdir() if p.suffix in (".csv", ".xlsx"))
REAL = present()  # the real-file corpus files fetched so far (tests/real_corpus.py)
#: readable hostile files; the 10,000-column one takes long to map and says nothing new here, and
#: the 20 MiB line is read differently on purpose (kept and cut in memory, emptied when streamed:
#: docs/PERFORMANCE.md)
HOSTILE = [c.name for c in cases() if c.outcome == "ok"
           and c.name not in ("columns_10000.csv", "long_line_20MiB.csv")]


def _compare(path: Path, chunk_rows: int) -> None:
    from collections import Counter

    whole = screen(path)
    screening = iter_screen(path, chunk_rows=chunk_rows)
    streamed, levels, unscreened = [], Counter(), Counter()
    for chunk in screening:
        streamed.extend(chunk.results(reader_problems=False))
        levels.update(chunk.level_counts())
        unscreened.update(chunk.unscreened_counts())
    assert [r.to_dict() for r in streamed] == [r.to_dict() for r in whole.rows]
    assert [added_cells(r) for r in streamed] == [added_cells(r) for r in whole.rows]
    # the run's counts (taken per row from each outcome's kind) are the chunks' own
    assert {k: v for k, v in screening.counts.items() if v} == dict(levels)
    assert dict(levels) == dict(Counter(r.level for r in whole.rows))
    assert {k: v for k, v in screening.unscreened.items() if v} == dict(unscreened)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples(path: Path) -> None:
    _compare(path, chunk_rows=7)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files(path: Path) -> None:
    _compare(path, chunk_rows=1000)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write(folder)
    return folder


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files(corpus: Path, name: str) -> None:
    _compare(corpus / name, chunk_rows=5)


def test_chunk_columns_match_row_results(tmp_path: Path) -> None:
    """The added columns taken per distinct outcome are the cells of each row's own result."""
    path = HERE.parent / "sample_inputs" / "broker_entries.csv"
    for chunk in iter_screen(path, chunk_rows=9):
        arrays = chunk.added_arrays()
        rows = chunk.rows
        for j, (_name, array) in enumerate(arrays.items()):
            assert array.to_pylist() == [added_cells(r)[j] for r in rows]
        assert sum(chunk.level_counts().values()) == len(rows)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_whole_and_streamed_files_are_the_same_bytes(path: Path, tmp_path: Path) -> None:
    """A run held in memory writes the csv a streamed run writes (columns, Problems, quoting,
    line ends, formula guard), and Parquet and JSON lines with the same rows."""
    import pyarrow.parquet as pq

    from chainscreen.run import screen_run

    screen_run(path, outdir=tmp_path / "whole", formats="csv,parquet,jsonl", stream=False)
    screen_run(path, outdir=tmp_path / "streamed", formats="csv,parquet,jsonl", stream=True)
    for fmt in ("csv", "jsonl"):
        (whole,) = (tmp_path / "whole").glob(f"*.{fmt}")
        (streamed,) = (tmp_path / "streamed").glob(f"*.{fmt}")
        assert whole.read_bytes() == streamed.read_bytes(), fmt
    (whole,) = (tmp_path / "whole").glob("*.parquet")
    (streamed,) = (tmp_path / "streamed").glob("*.parquet")
    assert pq.read_table(whole).to_pylist() == pq.read_table(streamed).to_pylist()
    text = next((tmp_path / "whole").glob("*.csv")).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].endswith(',"Problems"')
    assert "\r\n" not in text
