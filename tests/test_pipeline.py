"""The pipeline and the run flow as units: screen / iter_screen agree, rows with the same facts share
one outcome, and screen_run opens, stores, screens, writes and finishes — including the ways a
run can fail half-way. Manifests here are synthetic test fixtures; the listed supplier is a real
UFLPA Entity List record read from the shipped list.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from chainscreen.errors import OutputError
from chainscreen.pipeline import MAX_FACT_CHARS, iter_screen, screen
from chainscreen.reference import load_reference
from chainscreen.resources import reference_dir
from chainscreen.result import ADDED_COLUMNS, added_cells
from chainscreen.run import rescreen_run, screen_run
from chainscreen.settings import Settings
from chainscreen.store import COMPLETE, FAILED, open_store


def listed_name() -> str:
    with (reference_dir() / "uflpa_entity_list.csv").open(encoding="utf-8", newline="") as fh:
        return next(r["name"] for r in csv.DictReader(fh) if r["country"] == "CN")


def write_lines(path: Path, n: int = 12) -> Path:
    """A small synthetic manifest: n rows cycling through four suppliers, one of them listed."""
    suppliers = [listed_name(), "Dhaka Knit Garments Ltd", "Acme Plastics GmbH", ""]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier", "Country", "Goods", "HS Code"])
        for i in range(n):
            w.writerow([suppliers[i % 4], ["CN", "BD", "DE", "CN"][i % 4],
                        ["polysilicon", "cotton t-shirts", "plastic toys", ""][i % 4],
                        ["2804.61", "6109.10", "9503.00", ""][i % 4]])
    return path


def test_streamed_and_whole_screening_give_identical_rows(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "lines.csv", 30)
    whole = screen(path)
    streamed = [r for chunk in iter_screen(path, chunk_rows=7) for r in chunk.rows]
    assert [r.to_dict() for r in whole.rows] == [r.to_dict() for r in streamed]
    assert [r.row for r in whole.rows] == list(range(1, 31))


def test_the_collector_is_paused_while_a_screening_runs_and_restored(tmp_path: Path) -> None:
    """A streamed screening pauses the cyclic garbage collector while it runs (the caller's
    work on each chunk included) and restores it when the run ends or the loop is left."""
    import gc

    path = write_lines(tmp_path / "lines.csv", 30)
    assert gc.isenabled()
    seen = [gc.isenabled() for _chunk in iter_screen(path, chunk_rows=7)]
    assert seen and not any(seen) and gc.isenabled()
    for _chunk in iter_screen(path, chunk_rows=7):
        assert not gc.isenabled()
        break
    assert gc.isenabled()  # the loop left: the generator is closed with its last reference
    gc.disable()
    try:  # a caller that paused it keeps it paused
        list(iter_screen(path, chunk_rows=7))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_rows_with_the_same_facts_share_one_outcome(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "lines.csv", 40)
    screening = iter_screen(path, chunk_rows=40)
    (chunk,) = list(screening)
    assert len(chunk.codes) == 40 and len(set(chunk.codes)) == 4
    cells = chunk.added_columns()
    assert list(cells) == list(ADDED_COLUMNS)
    rows = chunk.rows
    assert [added_cells(r) for r in rows] == [tuple(cells[c][i] for c in ADDED_COLUMNS)
                                             for i in range(40)]


def test_overlong_facts_are_cut_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("Supplier,Country\n" + "A" * (MAX_FACT_CHARS + 10) + ",CN\n", encoding="utf-8")
    (row,) = screen(path).rows
    assert any(f"longer than {MAX_FACT_CHARS:,}" in p.reason and p.severity == "warning"
               for p in row.problems)


def test_receipt_names_input_lists_and_settings(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "lines.csv")
    receipt = screen(path).receipt
    assert receipt["input"]["rows"] == 12 and len(receipt["input"]["sha256"]) == 64
    ids = {x["id"] for x in receipt["lists"]}
    assert {"uflpa-entity-list", "dol-tvpra", "tip-tiers"} <= ids
    assert receipt["settings_sha256"] == Settings().digest()


def test_pinning_one_edition_keeps_every_other_list() -> None:
    # ``--lists dol-tvpra@2020-09-30`` once dropped the entity lists, so a listed entity went unseen
    pinned = load_reference(lists=["dol-tvpra@2020-09-30"])
    assert pinned.info("dol-tvpra").edition == "2020-09-30"
    assert set(load_reference().catalogue) == set(pinned.catalogue)
    only = load_reference(lists=["dol-tvpra"])
    assert "uflpa-entity-list" not in only.catalogue  # a bare id still means only that list


def test_check_with_a_pinned_edition_still_finds_a_listed_entity(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from chainscreen.cli import cli

    res = CliRunner().invoke(cli, ["check", listed_name(), "--country", "CN", "--json",
                                   "--lists", "dol-tvpra@2020-09-30"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)["rows"][0]
    assert row["level"] == "high"
    assert any(e["list_id"] == "uflpa-entity-list" for e in row["evidence"])


# -- the run flow ------------------------------------------------------------------------------


def test_screen_run_writes_stores_and_completes(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "lines.csv")
    with open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}") as store:
        run = screen_run(path, store=store, outdir=tmp_path / "out", formats="xlsx,json,html")
        assert run.stored is not None and run.stored.status == COMPLETE
        assert run.stored.row_count == 12 and run.stored.levels == run.counts
    assert set(run.written) == {"xlsx", "json", "html"} and not run.skipped
    assert all(p.exists() for p in run.written.values())
    assert run.counts["high"] >= 3  # the listed supplier's three rows


def test_a_run_that_fails_writing_is_stored_as_failed(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import chainscreen.report.workbook as workbook

    def broken(result: object, path: Path) -> Path:
        raise ValueError("Cannot convert ('uflpa-entity-list',) to Excel")

    monkeypatch.setattr(workbook, "write_workbook", broken)
    path = write_lines(tmp_path / "lines.csv")
    with open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}") as store:
        with pytest.raises(ValueError, match="Cannot convert"):
            screen_run(path, store=store, outdir=tmp_path / "out", formats="json,xlsx")
        (stored,) = store.runs()
        assert stored.status == FAILED and "Cannot convert" in (stored.error or "")


def test_lists_option_does_not_break_the_workbook(tmp_path: Path) -> None:
    # a tuple in the settings (the --lists selection) once crashed the Receipt sheet
    path = write_lines(tmp_path / "lines.csv")
    settings = Settings(lists=("uflpa-entity-list",))
    run = screen_run(path, settings, outdir=tmp_path / "out", formats="xlsx")
    from openpyxl import load_workbook

    receipt = load_workbook(run.written["xlsx"])["Receipt"]
    values = {r[0].value: r[1].value for r in receipt.iter_rows(min_row=2)}
    assert values["setting lists"] == '["uflpa-entity-list"]'


def test_outputs_are_checked_before_screening(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "lines.csv")
    out = tmp_path / "out"
    out.mkdir()
    (out / "lines.json").write_text("precious", encoding="utf-8")
    with open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}") as store:
        with pytest.raises(OutputError, match="already exists"):
            screen_run(path, store=store, outdir=out, formats="json")
        assert store.runs() == []  # refused before anything was stored
    assert (out / "lines.json").read_text(encoding="utf-8") == "precious"


def test_output_never_replaces_the_input(tmp_path: Path) -> None:
    # JSON lines saved as .json: the JSON output for its folder would be the input itself
    path = tmp_path / "lines.json"
    original = '{"Supplier": "Acme Plastics GmbH", "Country": "DE"}\n'
    path.write_text(original, encoding="utf-8")
    with pytest.raises(OutputError, match="is the input file"):
        screen_run(path, outdir=tmp_path, formats="json", force=True)
    assert path.read_text(encoding="utf-8") == original


def test_automatic_streaming_writes_the_workbook_and_says_what_it_skipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chainscreen.run as run_module

    monkeypatch.setattr(run_module, "STREAM_ABOVE", 5)  # stands in for 200,000 rows
    path = write_lines(tmp_path / "lines.csv", 30)
    with open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}") as store:
        run = screen_run(path, store=store, outdir=tmp_path / "out", formats="xlsx,md,json")
        assert run.streamed and run.result is None
        assert set(run.written) == {"xlsx", "json"} and "md" in run.skipped
        # a streamed run is stored like any other, row by row
        assert run.stored is not None and run.stored.status == COMPLETE
        assert len(store.rows(run.stored.id)) == 30
    whole = screen(path)
    data = json.loads(run.written["json"].read_text(encoding="utf-8"))
    assert [r["level"] for r in data["rows"]] == [r.level for r in whole.rows]
    from openpyxl import load_workbook

    sheet = load_workbook(run.written["xlsx"])["Screened"]
    assert sheet.max_row == 31
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Supplier", "Country", "Goods", "HS Code"] and "Risk level" in header


def test_streaming_with_only_unstreamable_outputs_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "lines.csv")
    with pytest.raises(OutputError, match="md"):
        screen_run(path, outdir=tmp_path / "out", formats="md", stream=True)


def test_xlsx_input_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chainscreen.manifest as manifest_module

    calls = {"n": 0}
    real = manifest_module.read_manifest

    def counting(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(manifest_module, "read_manifest", counting)
    sample = Path(__file__).resolve().parents[1] / "sample_inputs" / "importer_suppliers.xlsx"
    run = screen_run(sample, outdir=tmp_path / "out", formats="json")
    assert run.rows == 66 and calls["n"] == 1


def test_rescreen_keeps_the_original_input_name_and_path(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "lines.csv")
    with open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}") as store:
        first = screen_run(path, store=store)
        again = rescreen_run(store, "latest", Settings())
        new = again.run.stored
        assert new is not None and first.stored is not None
        assert new.input_path == first.stored.input_path == str(path.resolve())
        assert new.input_name == "lines.csv" and new.input_sha256 == first.stored.input_sha256
        assert new.options["rescreen_of"] == first.stored.id
        assert again.changes == []
