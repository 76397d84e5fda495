"""The Spark engine's checks that need neither Spark nor Java: which text files Spark's CSV reader
reads as the local reader does, the Java version check, and URLs kept as text. Files here are
SYNTHETIC test fixtures."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from chainscreen.engines import java_problem, scan_text
from chainscreen.files import is_url, url_name

PLAIN = b'Supplier,Country\r\nAcme Ltd,CN\r\n"Beta, Inc","US"\r\n"two\r\nlines",DE\r\n'


@pytest.mark.parametrize(("data", "why"), [
    (PLAIN, None),
    (PLAIN.replace(b"\r\n", b"\n"), None),
    (PLAIN + b"Last Co,FR", None),
    (b"Supplier,Country\n\nAcme Ltd,CN\n", "an empty line"),
    (b"Supplier,Country\r\nAcme Ltd,CN\r\n\r\nBeta,US\r\n", "an empty line"),
    (b'Supplier,Country\n"two\n\nlines",CN\n', "an empty line"),  # inside quotes: read locally anyway
    # a row of blanks or delimiters is a row to Spark too, except at the end, where the local
    # reader drops it
    (b"Supplier,Country\nAcme Ltd,CN\n  \t \n,\nBeta,US\n", None),
    (b"Supplier,Country\nAcme Ltd,CN\n,\n", "a blank line at the end"),
    (b"Supplier,Country\nAcme Ltd,CN\n,", "a blank line at the end"),
    (b"Supplier,Country\nAcme Ltd,CN\n\n", "an empty line"),
    (b"Supplier,Country\r\nAcme Ltd,CN\r\n\xe3\x80\x80\r\n", "a blank line at the end"),
    (b'Supplier,Country\nAcme Ltd,CN\n"",""\n', "a blank line at the end"),
    (b"Supplier,Country\nAcme Ltd,CN\n\x1a", "a blank line at the end"),  # Ctrl-Z: no row
    (b"Supplier,Country\rAcme Ltd,CN\r", "a line break that is a lone CR"),
    (b"Supplier,Country\nAcme\x00 Ltd,CN\n", "a NUL byte"),
    (b'Supplier,Country\n"Acme Ltd,CN\nBeta,US\n', "a quote that is never closed"),
])
def test_scan_text_says_when_spark_would_read_other_rows(tmp_path: Path, data: bytes, why: str | None) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(data)
    digest, found = scan_text(path)
    assert digest == hashlib.sha256(data).hexdigest()
    assert found == why


def test_scan_text_across_blocks(tmp_path: Path) -> None:
    """The file is read 4 MiB at a time: a blank line whose two line breaks fall in two blocks
    is still found."""
    head = b"Supplier,Country\n"
    first = head + b"A" * ((4 << 20) - len(head) - 4) + b",CN\n"  # exactly the first block
    assert len(first) == 4 << 20
    path = tmp_path / "long.csv"
    path.write_bytes(first + b"Acme Ltd,CN\n")
    assert scan_text(path)[1] is None
    path.write_bytes(first + b"\nAcme Ltd,CN\n")
    assert scan_text(path)[1] == "an empty line"


def _fake_java(tmp_path: Path, banner: str) -> Path:
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{banner}' >&2\n", encoding="utf-8")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    return home


@pytest.mark.parametrize(("banner", "ok"), [
    ('openjdk version "17.0.9" 2023-10-17', True),
    ('openjdk version "21" 2023-09-19', True),
    ('openjdk version "11.0.21" 2023-10-17', False),
    ('java version "1.8.0_392"', False),
])
def test_java_older_than_17_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       banner: str, ok: bool) -> None:
    why = java_problem(str(_fake_java(tmp_path, banner)))
    if ok:
        assert why is None
    else:
        assert why is not None and "needs Java 17 or newer" in why and "set JAVA_HOME" in why


def test_no_java_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "has no bin/java" in (java_problem(str(tmp_path / "nowhere")) or "")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "no java on the PATH" in (java_problem() or "")


def test_the_front_end_checks_the_java_of_java_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``chainscreen screen --engine spark`` says with an old Java, before starting Spark."""
    pytest.importorskip("pyspark")
    from click.testing import CliRunner

    from chainscreen.cli import cli

    monkeypatch.setenv("JAVA_HOME", str(_fake_java(tmp_path, 'openjdk version "11.0.21" 2023-10-17')))
    source = tmp_path / "lines.csv"
    source.write_text("Supplier,Country\nAcme Ltd,CN\n", encoding="utf-8")
    # a master named: an active session (another test's) is not reused unchecked
    result = CliRunner().invoke(cli, ["screen", str(source), "--engine", "spark", "--spark-master", "local[1]",
                                      "-o", str(tmp_path / "out"), "--no-store"])
    assert result.exit_code != 0
    assert "is Java 11; Spark 4 needs Java 17 or newer" in result.stderr
    assert "Traceback" not in result.stderr


def test_urls_stay_text() -> None:
    assert is_url("s3a://lake/in/bills.csv") and is_url("file:///tmp/x.csv") and is_url("abfss://c@a.dfs/x")
    assert not is_url("bills.csv") and not is_url("C://x.csv") and not is_url(Path("s3a://lake/x.csv"))
    assert url_name("s3a://lake/in/bills.csv") == "bills.csv"
    assert url_name("s3a://lake/in/") == "in"
    assert url_name("s3a://lake") == "lake"


def test_strict_spark_run_refuses_a_file_without_a_country_before_spark_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --strict, a file on this machine that lacks the supplier or country column is refused
    in one line before Spark (a JVM) starts and before a run is stored. SYNTHETIC file."""
    import chainscreen.engines as engines
    from chainscreen.errors import InputError
    from chainscreen.run import screen_run
    from chainscreen.settings import Settings
    from chainscreen.store import open_store

    def no_spark(*args: object, **kwargs: object) -> object:
        raise AssertionError("Spark was started")

    monkeypatch.setattr(engines, "spark_screening", no_spark)
    monkeypatch.setattr(engines, "spark_session", no_spark)
    manifest = tmp_path / "lines.csv"
    manifest.write_text("Supplier Name,Description of Goods\nAcme Synthetic Textiles,cotton yarn\n",
                        encoding="utf-8")
    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    try:
        with pytest.raises(InputError, match="no country column"):
            screen_run(manifest, settings=Settings(strict=True), engine="spark", store=store)
        assert store.runs() == []
    finally:
        store.close()
