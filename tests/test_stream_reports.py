"""The reports of a streamed run agree with the in-memory ones: the summary lists rows in triage
order and the streamed workbook has the same "Entity hits" sheet, first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainscreen.pipeline import iter_screen, screen
from chainscreen.report import render
from chainscreen.report import stream as stream_module
from chainscreen.report.stream import StreamOutputs

SAMPLE = Path(__file__).resolve().parents[1] / "sample_inputs" / "importer_suppliers.xlsx"


def _streamed(tmp_path: Path, chunk_rows: int = 7) -> dict[str, Path]:
    screening = iter_screen(SAMPLE, chunk_rows=chunk_rows)
    targets = {"xlsx": tmp_path / "s.xlsx", "html": tmp_path / "s.html"}
    with StreamOutputs(targets) as outputs:
        for chunk in screening:
            outputs.write(chunk)
        written = outputs.commit(screening)
    return written


@pytest.fixture(scope="module")
def whole():  # type: ignore[no-untyped-def]
    return screen(SAMPLE)


@pytest.mark.parametrize("top", [5, 500])
def test_streamed_summary_lists_rows_in_triage_order(top: int, whole, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "TOP_FLAGGED", top)  # 5: the kept list is cut many times
    html = _streamed(tmp_path)["html"].read_text(encoding="utf-8")
    expected = render.report_context(whole)
    section = html.split("<h2>What to act on first")[1].split("</table>")[0]
    rows = [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", section)]
    assert rows == [r.row for r in expected["flagged"]][:top]
    assert f"({min(top, expected['flagged_total'])} of {expected['flagged_total']})" in html
    assert "entity match" in section


def test_streamed_workbook_has_the_entity_hits_sheet_first(whole, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from chainscreen.report.workbook import write_workbook

    streamed = load_workbook(_streamed(tmp_path)["xlsx"])
    in_memory = load_workbook(write_workbook(whole, tmp_path / "whole.xlsx"))
    assert streamed.sheetnames == ["Entity hits", "Screened", "Receipt"]

    def values(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
        return [tuple(c.value for c in row) for row in ws.iter_rows()]

    hits = values(streamed["Entity hits"])
    assert hits == values(in_memory["Entity hits"])
    assert len(hits) > 5 and hits[1][1] == "entity match"
    assert streamed["Entity hits"]["N2"].alignment.wrap_text


def test_streamed_workbook_without_entity_hits_says_so(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"  # synthetic: one supplier on no list
    path.write_text("Supplier,Country,Goods\nAcme Plastics GmbH,DE,plastic toys\n", encoding="utf-8")
    screening = iter_screen(path)
    with StreamOutputs({"xlsx": tmp_path / "plain.xlsx"}) as outputs:
        for chunk in screening:
            outputs.write(chunk)
        outputs.commit(screening)
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "plain.xlsx")["Entity hits"]
    assert ws["A2"].value == "No entity hit and no Xinjiang nexus in this file."


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="=+-@\t\r é'\n0a", max_size=5)), max_size=40),
       st.integers(0, 10), st.booleans())
def test_neutralising_an_arrow_column_agrees_with_the_cell_rule(values: list[str | None], cut: int,
                                                               large: bool) -> None:
    """The streamed writers guard a column at once (the first byte of each value, read from
    the array's buffers); each cell must come out as the one-cell rule writes it, in sliced,
    chunked and large-string arrays too."""
    import pyarrow as pa

    from chainscreen.files import neutralise
    from chainscreen.report.stream import _neutralise_array

    kind = pa.large_string() if large else pa.string()
    array = pa.array(values, kind).slice(min(cut, len(values)))
    expected = [None if v is None else neutralise(v) for v in values[min(cut, len(values)):]]
    assert _neutralise_array(array).to_pylist() == expected
    half = len(array) // 2
    chunked = pa.chunked_array([array.slice(0, half), array.slice(half)], kind)
    assert _neutralise_array(chunked).to_pylist() == expected


def _write_all(tmp_path: Path, background: bool, fail_at: int | None = None) -> dict[str, Path]:
    screening = iter_screen(SAMPLE, chunk_rows=5)
    targets = {f: tmp_path / f"s.{f}" for f in ("csv", "jsonl", "json", "parquet")}
    with StreamOutputs(targets, background=background) as outputs:
        for i, chunk in enumerate(screening):
            if i == fail_at:
                raise KeyboardInterrupt
            outputs.write(chunk)
        return outputs.commit(screening)


def test_writing_in_a_thread_gives_the_same_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    threaded = _write_all(tmp_path / "a", background=True)
    inline = _write_all(tmp_path / "b", background=False)
    assert sorted(threaded) == sorted(inline) == ["csv", "json", "jsonl", "parquet"]
    for fmt in ("csv", "jsonl"):
        assert threaded[fmt].read_bytes() == inline[fmt].read_bytes()
    import pyarrow.parquet as pq

    assert pq.read_table(threaded["parquet"]).equals(pq.read_table(inline["parquet"]))
    a, b = (p["json"].read_text(encoding="utf-8") for p in (threaded, inline))
    # the receipts' finish times may differ by a second; the rows and problems may not
    assert a.split('"receipt"')[0] == b.split('"receipt"')[0]
    assert a.split('"summary"')[1] == b.split('"summary"')[1]


def test_a_writer_failing_in_its_thread_fails_the_run_and_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def full_disk(self, table) -> None:  # type: ignore[no-untyped-def]
        calls.append(table)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(stream_module._CsvWriter, "emit", full_disk)
    with pytest.raises(OSError, match="No space left"):
        _write_all(tmp_path, background=True)
    assert calls and len(calls) == 2  # the chunks after the failure are not written
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_threaded_run_leaves_no_file(tmp_path: Path) -> None:
    import threading

    with pytest.raises(KeyboardInterrupt):
        _write_all(tmp_path, background=True, fail_at=3)
    assert list(tmp_path.iterdir()) == []
    assert not any(t.name == "chainscreen-writer" for t in threading.enumerate())
