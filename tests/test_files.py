"""Output safety: atomic writes, no silent overwrite, formula neutralising."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainscreen.errors import OutputError
from chainscreen.files import atomic_open, check_writable, neutralise


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"])
def test_formula_strings_are_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Hoshine Silicon", "", -5, 3.2, None])
def test_other_values_pass_through(value: object) -> None:
    assert neutralise(value) == value


def test_existing_output_needs_force(tmp_path: Path) -> None:
    p = tmp_path / "out.html"
    p.write_text("old")
    with pytest.raises(OutputError, match="--force"):
        check_writable(p, force=False)
    check_writable(p, force=True)


def test_atomic_open_leaves_old_file_on_failure(tmp_path: Path) -> None:
    p = tmp_path / "report.json"
    p.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(p) as fh:
        fh.write("half a new fi")
        raise RuntimeError("killed")
    assert p.read_text() == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["report.json"]


def test_atomic_open_replaces_on_success(tmp_path: Path) -> None:
    p = tmp_path / "sub" / "report.json"
    with atomic_open(p) as fh:
        fh.write("new")
    assert p.read_text() == "new"


def test_outputs_get_the_ordinary_file_mode(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        p = tmp_path / "report.html"
        with atomic_open(p) as fh:
            fh.write("<p>published</p>")
        assert p.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


def test_start_writeback_returns_the_end_and_keeps_the_bytes(tmp_path: Path) -> None:
    """After each chunk a streamed output is flushed and its new bytes handed to the disk:
    the offset it returns is the file's end, in text and binary files, and nothing is lost."""
    from chainscreen.files import start_writeback

    with open(tmp_path / "a.csv", "wb") as fh:
        fh.write(b"x" * 5000)
        done = start_writeback(fh, 0)
        assert done == 5000
        fh.write(b"y" * 10)
        assert start_writeback(fh, done) == 5010
    with open(tmp_path / "a.jsonl", "w", encoding="utf-8") as th:
        th.write("é\n")  # two bytes and a newline
        assert start_writeback(th, 0) == 3
    assert (tmp_path / "a.csv").read_bytes() == b"x" * 5000 + b"y" * 10


def test_a_large_file_replaced_is_removed_beside_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An output replacing a large file: the rename only drops a name (the old file got a second
    one), the old file's blocks are freed in a thread; the new file is in place at once, the old
    one is gone once the thread ends, and a reader holding the old file still reads it whole."""
    import threading

    from chainscreen import files

    monkeypatch.setattr(files, "LARGE_REPLACED", 10)
    removed: list[str] = []
    remove = files._remove
    monkeypatch.setattr(files, "_remove", lambda name: (removed.append(name), remove(name)))
    target = tmp_path / "out.csv"
    target.write_text("old contents, long enough\n")
    held = open(target, encoding="utf-8")  # noqa: SIM115 - a reader of the old file
    with atomic_open(target) as fh:
        fh.write("new\n")
    assert target.read_text() == "new\n"
    for thread in threading.enumerate():
        if thread.name == "chainscreen-remove":
            thread.join()
    assert held.read() == "old contents, long enough\n"
    held.close()
    assert len(removed) == 1 and Path(removed[0]).name.endswith(".old.part")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_small_or_absent_file_is_replaced_plainly(tmp_path: Path) -> None:
    import threading

    target = tmp_path / "out.csv"
    with atomic_open(target) as fh:
        fh.write("first\n")
    with atomic_open(target) as fh:
        fh.write("second\n")
    assert target.read_text() == "second\n"
    assert not any(t.name == "chainscreen-remove" for t in threading.enumerate())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
