"""The Spark engine gives the local engine's results exactly, row for row (level, score, reasons,
evidence, problems), in Spark local mode (``local[2]``).

Skipped, with the reason, where pyspark or Java is missing. Marked ``spark`` (deselect with
``-m "not spark"``); one SparkSession is shared by the whole test session. Manifests here are
synthetic test fixtures (SYNTHETIC), apart from the shipped samples; the listed supplier is a real
UFLPA Entity List record read from the shipped list.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chainscreen.spark import spark_available

WHY = spark_available()
pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(WHY is not None, reason=f"Spark tests need pyspark and Java: {WHY}"),
    # pyspark 4 warns about pandas 3 and about py4j's sockets; neither concerns these tests
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent / "hostile"))
from hostile_corpus import NASTY_VALUES  # noqa: E402


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from chainscreen.spark import spark_session

    session = spark_session("local[2]", partitions=2)
    yield session
    session.stop()


def listed_names() -> list[str]:
    with (ROOT / "reference" / "uflpa_entity_list.csv").open(encoding="utf-8", newline="") as fh:
        return [r["name"] for r in csv.DictReader(fh) if r["country"] == "CN"][:5]


def mixed_rows(n: int) -> list[list[str]]:
    """SYNTHETIC: listed, multilingual, hostile and ordinary rows, many repeated, n in all."""
    base = [[name, "CN", "polysilicon", "2804.61", "Shanshan, Xinjiang"] for name in listed_names()]
    base += [
        ["新疆棉纺织有限公司", "中国", "棉纱", "5205.12", "新疆乌鲁木齐"],
        ["宁波海岸家纺有限公司", "China", "毛巾", "6302.60", ""],
        ["Müller Textil GmbH", "Deutschland", "Wolle", "5106.10", "Köln"],
        ["شركة النسيج المتحدة", "مصر", "قطن", "5201.00", ""],
        ["Dhaka Knit Garments Ltd", "BD", "cotton t-shirts", "6109.10", "Dhaka"],
        ["", "", "", "", ""],
        ["Acme Plastics GmbH", "XX", "plastic toys", "95O3", ""],
        ["  Padded Name Co  ", " CN ", " tomatoes ", "0702.00", ""],
    ]
    base += [[s, c, g, h, ""] for s, c, g, h, _v, _d in NASTY_VALUES]
    return [base[(i * 7) % len(base)] if i % 3 else base[i % len(base)] for i in range(n)]


HEADER = ["Supplier", "Country", "Description", "HS Code", "Address"]


def test_screen_dataframe_equals_the_local_engine(spark: Any) -> None:
    import pandas as pd

    from chainscreen.pipeline import screen
    from chainscreen.result import ADDED_COLUMNS
    from chainscreen.spark import screen_dataframe

    rows = mixed_rows(3000)
    frame = pd.DataFrame(rows, columns=HEADER)
    local = screen(frame).frame
    sdf = spark.createDataFrame([[i, *r] for i, r in enumerate(rows)], ["id", *HEADER])
    out = screen_dataframe(sdf).toPandas().sort_values("id").reset_index(drop=True)
    assert list(out.columns) == ["id", *HEADER, *ADDED_COLUMNS]
    for name in ADDED_COLUMNS:
        assert _cells(out[name]) == _cells(local[name]), name
    assert set(out["Risk level"]) >= {"high", "clear", "unscreenable"}


def _cells(column: Any) -> list[Any]:
    """A column's values with a missing number (None, NaN) as None, so that equal means equal."""
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in column.tolist()]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _blank_lines(path: Path, *, title: bool) -> Path:
    """SYNTHETIC: blank and whitespace-only lines between rows and at the end, quoted line
    breaks (LF and CRLF), a quote never closed, and (``title``) a title row and an empty row
    above the header."""
    lines = [
        *(["Supplier master export FY2026 (SYNTHETIC test data),,,,", ",,,,"] if title else []),
        ",".join(HEADER),
        f'{listed_names()[0]},CN,polysilicon,2804.61,"Shanshan,\nXinjiang"',
        "",
        "Dhaka Knit Garments Ltd,BD,cotton t-shirts,6109.10,Dhaka",
        "   ",
        ",,,,",
        'Müller Textil GmbH,Deutschland,"Wolle\r\nund Garn",5106.10,Köln',
        '"Unclosed Quote Co,CN,plastic toys,9503,',
        "Acme Plastics GmbH,XX,plastic toys,95O3,",
        "",
        "",
    ]
    path.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    return path


#: Every sample input, and SYNTHETIC files: (name, how the Spark engine reads it)
INPUTS = [
    ("broker_entries.csv", "driver"),  # cp1252: the local reader decodes it
    ("procurement_prescreen.csv", "spark"),
    ("importer_suppliers.xlsx", "driver"),  # title rows above the header; Spark reads no xlsx
    ("mixed.csv", "driver"),  # a lone CR inside a quoted value: read locally, to be sure
    ("blank_lines.csv", "driver"),
    ("titled_blank_lines.csv", "driver"),
]


def _input(tmp_path: Path, name: str) -> Path:
    if name == "mixed.csv":
        return _write_csv(tmp_path / name, mixed_rows(2000))
    if name.endswith("blank_lines.csv"):
        return _blank_lines(tmp_path / name, title=name.startswith("titled"))
    return ROOT / "sample_inputs" / name


@pytest.mark.parametrize(("name", "reader"), INPUTS)
def test_a_spark_run_equals_a_local_run(spark: Any, tmp_path: Path, name: str, reader: str) -> None:
    import pyarrow.parquet as pq

    from chainscreen.run import screen_run
    from chainscreen.store import COMPLETE, open_store

    source = _input(tmp_path, name)
    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    try:
        fmts = "parquet,html,json"
        local = screen_run(source, outdir=tmp_path / "local", formats=fmts, store=store, stream=True)
        remote = screen_run(source, outdir=tmp_path / "spark", formats=fmts, store=store, engine="spark")
        assert remote.counts == local.counts and remote.rows == local.rows
        assert remote.problems == local.problems
        theirs = pq.read_table(remote.written["parquet"]).sort_by("Row").to_pylist()
        ours = pq.read_table(local.written["parquet"]).to_pylist()
        assert theirs == ours
        a = json.loads(remote.written["json"].read_text(encoding="utf-8"))
        b = json.loads(local.written["json"].read_text(encoding="utf-8"))
        assert a["rows"] == b["rows"] and a["summary"] == b["summary"]
        assert {k: v for k, v in a["receipt"].items() if k not in ("started", "finished", "engine")} == \
            {k: v for k, v in b["receipt"].items() if k not in ("started", "finished")}
        assert a["receipt"]["engine"]["name"] == "spark"
        assert a["receipt"]["engine"]["reader"] == reader
        assert remote.written["html"].exists()
        assert remote.stored is not None and remote.stored.status == COMPLETE
        assert remote.stored.levels == local.counts
    finally:
        store.close()
    if name.endswith("blank_lines.csv"):
        # the rows after the blank lines keep the local numbers; the reader's own problems are kept
        assert [r["Row"] for r in theirs] == list(range(1, 9))
        assert theirs[2]["Supplier"] == "Dhaka Knit Garments Ltd"
        assert "never closed" in theirs[6]["Problems"]
        assert any("blank lines at the end" in p.reason for p in remote.problems)


def test_a_url_is_read_by_spark(spark: Any, tmp_path: Path) -> None:
    """``file://`` URLs (standing in for s3a://, abfss://): a file, and a folder whose files name
    the format; through the command line, which keeps the URL as text."""
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from chainscreen.cli import cli
    from chainscreen.run import screen_run

    folder = tmp_path / "bills"
    folder.mkdir()
    source = _write_csv(folder / "part-1.csv", mixed_rows(300))
    local = screen_run(source, outdir=tmp_path / "local", formats="parquet", stream=True)
    ours = pq.read_table(local.written["parquet"]).to_pylist()
    url = source.as_uri()
    remote = screen_run(folder.as_uri(), outdir=tmp_path / "folder", formats="parquet,json", engine="spark")
    assert remote.input == folder.as_uri() and remote.written["parquet"].name == "bills.screened.parquet"
    assert pq.read_table(remote.written["parquet"]).sort_by("Row").to_pylist() == ours
    receipt = json.loads(remote.written["json"].read_text(encoding="utf-8"))["receipt"]
    assert receipt["input"]["file"] == "bills" and receipt["engine"]["reader"] == "spark"
    # two tasks per core (local[2]) screened the facts; the session's own setting is back
    assert receipt["engine"]["partitions"] == 4
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    result = CliRunner().invoke(cli, ["screen", url, "--engine", "spark", "-o", str(tmp_path / "cli"),
                                      "--format", "parquet", "--no-store", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input"] == url
    written = tmp_path / "cli" / "part-1.screened.parquet"
    assert pq.read_table(written).sort_by("Row").to_pylist() == ours


def test_a_url_needs_the_spark_engine(tmp_path: Path) -> None:
    from chainscreen.errors import InputError
    from chainscreen.run import screen_run

    with pytest.raises(InputError, match="--engine spark"):
        screen_run("s3a://lake/bills.csv", outdir=tmp_path)
