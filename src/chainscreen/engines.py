"""Screening engines: the screening context and batch function every engine calls, and Apache Spark.

The local engine (:class:`chainscreen.pipeline.Screening`) and Spark compute a row's outcome with
the same per-batch function, :func:`chainscreen.pipeline.screen_facts`,
so their results are identical row for row:

- :class:`BatchContext` is what a screening needs and nothing else: the local engine's
  :class:`~chainscreen.pipeline.ScreeningContext` (reference lists with their editions, match
  index, goods mapper, settings) and the column map. It is picklable and shipped once.
- :func:`screen_batch` screens an Arrow batch of fact columns (:data:`FACT_COLUMNS`) and returns
  the added columns (:data:`chainscreen.result.ADDED_COLUMNS`), ``Problems`` and each fact's
  outcome, pickled. Spark calls it from ``mapInArrow``; any other engine can.
- :func:`screen_spark_frame` screens a Spark DataFrame: the distinct facts are screened once
  against the broadcast context and joined back to the rows. :func:`spark_screening` is the
  Spark engine of ``chainscreen screen --engine spark``: it reads the input
  (:func:`read_spark_input`: with Spark, or with the local reader on the driver for a file
  Spark would read otherwise), writes the Parquet results with Spark and yields the rows to the
  run flow (:mod:`chainscreen.run`) as :class:`~chainscreen.result.ScreenChunk` s, so the
  receipt, the summary HTML and the stored run are made exactly as for a local run.

pyspark is an optional dependency (``pip install 'chainscreen[spark]'``) and needs Java 17.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import pickle
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.columns import ColumnReport
from chainscreen.errors import InputError
from chainscreen.files import is_url, url_name
from chainscreen.models import LEVELS, Problem
from chainscreen.result import ADDED_COLUMNS, FACETS, Outcome, ScreenChunk, problem_text

if TYPE_CHECKING:
    import pyarrow as pa

    from chainscreen.manifest import ManifestStream
    from chainscreen.pipeline import ScreeningContext
    from chainscreen.reference import ReferenceSet
    from chainscreen.settings import Settings

#: The row facts an outcome depends on, in the order :meth:`Screening.outcomes` takes them.
FACT_FIELDS: tuple[str, ...] = ("supplier", "country", "goods", "hs_code", "address")
#: The fact columns of a batch given to :func:`screen_batch`.
FACT_COLUMNS: tuple[str, ...] = tuple(f"__cs_{f}" for f in FACT_FIELDS)
#: The key of a set of facts (a 64-bit hash; a collision is detected and refused).
FACT_ID = "__cs_fact"
#: Each fact's pickled :class:`~chainscreen.result.Outcome`, for the driver.
OUTCOME = "__cs_outcome"
#: The 1-based data-row number of an input row, as the results name it.
ROW = "Row"
#: The same number inside a Spark run (a user's column may be called ``Row``).
ROW_ID = "__cs_row"
#: The local reader's problems of a row, in words ("" for none): rows read on the driver.
READER = "__cs_reader"
PROBLEMS = "Problems"
#: Added columns that are numbers; the others are strings.
NUMBER_COLUMNS: tuple[str, ...] = ("Risk score", "Match score")


class BatchContext:
    """What screening a batch needs: the :class:`~chainscreen.pipeline.ScreeningContext` (lists
    and their editions, match index, goods mapper, evidence rules, settings) and the column map.

    Read-only as far as results go (its memos hold only what the lists give for a value) and
    picklable: Spark broadcasts it once, and each executor's Python worker unpickles it once.
    Matching runs in the worker itself (no extra processes): Spark already runs one per core.
    """

    def __init__(self, context: ScreeningContext, columns: Mapping[str, str]) -> None:
        self.context = context
        self.columns = dict(columns)

    @classmethod
    def load(cls, settings: Settings | None = None, columns: Mapping[str, str] | None = None,
             reference: ReferenceSet | None = None) -> BatchContext:
        """The context for ``settings`` (default settings; the lists they name)."""
        from chainscreen.pipeline import ScreeningContext
        from chainscreen.settings import Settings

        settings = settings or Settings()
        if reference is None:
            from chainscreen.reference import load_reference

            reference = load_reference(lists=settings.lists)
        context = ScreeningContext.build(reference, settings)
        context.matcher.workers = 1
        return cls(context, columns or {})

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def reference(self) -> ReferenceSet:
        return self.context.reference

    def outcomes(self, keys: Sequence[tuple[str, ...]]) -> list[Outcome]:
        """The outcome of each fact tuple (supplier, country, goods, hs_code, address): the local
        engine's per-batch core, :func:`chainscreen.pipeline.screen_facts`."""
        from chainscreen.pipeline import screen_facts

        return screen_facts(self.context, keys, self.columns)

    def editions(self) -> list[tuple[str, str, str]]:
        """(list id, edition, sha256) of every list in force."""
        return sorted((i.id, i.edition, i.sha256) for i in self.reference.catalogue.values())


def added_schema() -> list[tuple[str, str]]:
    """(name, kind) of the columns :func:`screen_batch` adds: ``string``, ``double`` or ``binary``."""
    return ([(n, "double" if n in NUMBER_COLUMNS else "string") for n in ADDED_COLUMNS]
            + [(PROBLEMS, "string"), (OUTCOME, "binary")])


def screen_batch(context: BatchContext, batch: pa.RecordBatch | pa.Table, *,
                 outcomes: bool = True) -> pa.RecordBatch:
    """Screen a batch with the :data:`FACT_COLUMNS` (strings; null is empty).

    Returns the batch's columns followed by the added columns, ``Problems`` and (``outcomes``)
    each row's pickled :class:`~chainscreen.result.Outcome`. Rows with the same facts are
    screened once. The function is pure: the same batch and context give the same result.
    """
    import pyarrow as pa

    values = [[v or "" for v in batch.column(c).to_pylist()] for c in FACT_COLUMNS]
    keys = list(zip(*values, strict=True))
    distinct = list(dict.fromkeys(keys))
    computed = context.outcomes(distinct)
    index = {k: i for i, k in enumerate(distinct)}
    picks = [index[k] for k in keys]
    arrays = list(batch.columns)
    names = list(batch.schema.names)
    for j, (name, kind) in enumerate(added_schema()[:len(ADDED_COLUMNS)]):
        column = [computed[i].cells[j] for i in picks]
        arrays.append(pa.array(column, pa.float64() if kind == "double" else pa.string()))
        names.append(name)
    texts = ["; ".join(problem_text(p) for p in o.template.problems) for o in computed]
    arrays.append(pa.array([texts[i] for i in picks], pa.string()))
    names.append(PROBLEMS)
    if outcomes:
        blobs = [pickle.dumps(o, protocol=pickle.HIGHEST_PROTOCOL) for o in computed]
        arrays.append(pa.array([blobs[i] for i in picks], pa.binary()))
        names.append(OUTCOME)
    return pa.RecordBatch.from_arrays(arrays, names=names)


# ---------------------------------------------------------------------------------------------
# Spark


def spark_available(java_home: str | None = None) -> str | None:
    """None when pyspark and Java 17+ are both here; otherwise why Spark cannot run.
    ``java_home``: the ``JAVA_HOME`` Spark will use (the front ends pass the environment's)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'chainscreen[spark]')"
    return java_problem(java_home)


#: Spark 4 runs on Java 17 or newer.
JAVA_MIN = 17


def java_problem(java_home: str | None = None) -> str | None:
    """None when the Java that Spark would start (``java_home``/bin/java when ``JAVA_HOME`` is
    set, else ``java`` on the PATH, as Spark's launcher chooses) is version 17 or newer;
    otherwise why not, in words."""
    home = java_home
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        where = f"JAVA_HOME={home} has no bin/java" if home else "no java on the PATH"
        return f"{where} (Spark 4 needs Java {JAVA_MIN} or newer)"
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{java} -version failed: {exc}"
    # 'openjdk version "17.0.9" 2023-10-17', 'java version "1.8.0_392"'
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if found is None:
        return f"cannot tell which Java {java} is (Spark 4 needs Java {JAVA_MIN} or newer)"
    major = int(found[1])
    if major == 1 and found[2]:
        major = int(found[2])
    if major < JAVA_MIN:
        return (f"{java} is Java {major}; Spark 4 needs Java {JAVA_MIN} or newer "
                "(install it and put it first on the PATH, or set JAVA_HOME)")
    return None


def spark_session(master: str | None = None, partitions: int | None = None, *,
                  java_home: str | None = None) -> Any:
    """The active SparkSession, or a new one on ``master`` (default ``local[*]``), after checking
    that the Java it will start is 17 or newer (``java_home``: ``JAVA_HOME``; else the PATH's).

    Python workers run ``PYSPARK_PYTHON`` (Spark's default: ``python3``); the front ends
    (:func:`chainscreen.spark.spark_session`, the command line) point it at this interpreter
    for local mode.

    ``partitions`` sets how many tasks screen the distinct facts (``spark.sql.shuffle.partitions``).
    """
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise InputError("cannot run the Spark engine: pyspark is not installed "
                         "(pip install 'chainscreen[spark]')") from None
    import warnings

    from pyspark.sql import SparkSession

    # pyspark 4 warns that it does not yet "fully support" pandas 3; chainscreen passes Arrow
    # batches (mapInArrow), not pandas frames
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        spark = active
    else:
        why = java_problem(java_home)  # a running session has shown that its Java works
        if why:
            raise InputError(f"cannot run the Spark engine: {why}")
        builder = SparkSession.builder.appName("chainscreen").master(master or "local[*]")
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        if (master or "local").startswith("local"):
            builder = builder.config("spark.ui.enabled", "false")
            for key, value in local_memory().items():
                builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
    if partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    return spark


def local_memory() -> dict[str, str]:
    """Memory settings for a local-mode session, where the driver's JVM is also the executor.

    The driver receives every distinct fact's outcome (about 1.7 KB pickled) and 16 bytes and
    the mapped extra fields of every row; with Spark's defaults (a 1 GB heap, 1 GB of collected
    results) a 10^7-row manifest with a few hundred thousand distinct facts fails. A quarter of
    the machine's memory (at most 8 GB) for the heap, and no cap on collected results: the heap
    is the limit. On a cluster, set ``spark.driver.memory`` and ``spark.driver.maxResultSize``
    for the same reason (docs/SPARK.md)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    gigabytes = max(1, min(8, total // (4 << 30)))
    return {"spark.driver.memory": f"{gigabytes}g", "spark.driver.maxResultSize": "0"}


def _fact_exprs(columns: Mapping[str, str]) -> list[Any]:
    from pyspark.sql import functions as F  # noqa: N812

    out = []
    for name, fact in zip(FACT_FIELDS, FACT_COLUMNS, strict=True):
        header = columns.get(name)
        expr = F.coalesce(F.col(f"`{header}`").cast("string"), F.lit("")) if header else F.lit("")
        out.append(expr.alias(fact))
    return out


def _spark_schema(fields: Sequence[tuple[str, str]]) -> Any:
    from pyspark.sql.types import BinaryType, DoubleType, LongType, StringType, StructField, StructType

    kinds = {"string": StringType(), "double": DoubleType(), "binary": BinaryType(), "long": LongType()}
    return StructType([StructField(n, kinds[k], True) for n, k in fields])


def screen_facts(facts: Any, context: BatchContext, *, outcomes: bool = False) -> Any:
    """Screen a Spark DataFrame of distinct facts (:data:`FACT_COLUMNS` and :data:`FACT_ID`)
    against ``context``, shipped to the executors once as a broadcast variable."""
    spark = facts.sparkSession
    shipped = spark.sparkContext.broadcast(context)
    fields = [(FACT_ID, "long"), *((c, "string") for c in FACT_COLUMNS)]
    added = added_schema() if outcomes else added_schema()[:-1]

    def screen(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        ctx = shipped.value
        for batch in batches:
            if batch.num_rows:
                yield screen_batch(ctx, batch, outcomes=outcomes)

    return facts.mapInArrow(screen, _spark_schema([*fields, *added]))


def _with_fact_id(df: Any, columns: Mapping[str, str]) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    df = df.select("*", *_fact_exprs(columns))
    return df.withColumn(FACT_ID, F.xxhash64(*[F.col(c) for c in FACT_COLUMNS]))


def _distinct_facts(rows: Any) -> Any:
    return rows.select(FACT_ID, *FACT_COLUMNS).dropDuplicates([FACT_ID, *FACT_COLUMNS])


def output_names(headers: Sequence[str]) -> list[str]:
    """The added columns' names beside ``headers`` (" (chainscreen)" appended on a clash)."""
    taken = set(headers)
    return [c if c not in taken else f"{c} (chainscreen)" for c in ADDED_COLUMNS]


def screen_spark_frame(df: Any, context: BatchContext, *, problems: bool = False) -> Any:
    """``df`` with the added columns (and ``Problems``): its distinct facts screened once and
    joined back. The rows keep their columns; their order is Spark's."""
    from pyspark.sql import functions as F  # noqa: N812

    headers = list(df.columns)
    rows = _with_fact_id(df, context.columns)
    screened = screen_facts(_distinct_facts(rows), context).drop(*FACT_COLUMNS)
    joined = rows.join(screened, on=FACT_ID, how="left")
    names = output_names(headers)
    added = [F.col(f"`{c}`").alias(n) for c, n in zip(ADDED_COLUMNS, names, strict=True)]
    if problems:
        added.append(F.col(PROBLEMS).alias(PROBLEMS if PROBLEMS not in headers else f"{PROBLEMS} (chainscreen)"))
    return joined.select(*[F.col(f"`{h}`") for h in headers], *added)


@dataclass
class SparkInput:
    """What a Spark run read: the receipt's ``input`` fields (a table has no file or sha256)."""

    path: str | None
    format: str
    sha256: str | None
    encoding: str | None
    columns: dict[str, str]
    headers: list[str]
    sheet: str | None = None
    problems: list[Problem] = field(default_factory=list)
    #: how each column got its role (the receipt's ``input.roles``, as for a local run)
    roles: ColumnReport = field(default_factory=ColumnReport)
    #: read on the driver by the local reader: the rows carry :data:`ROW_ID` and :data:`READER`
    numbered: bool = False
    #: the local reader's problems of each row (row number → problems), for a driver-read input
    row_problems: dict[int, list[Problem]] = field(default_factory=dict)
    #: the temporary Parquet copy of a driver-read input, removed when the run is over
    staged: Path | None = None
    #: how the rows reached Spark: ``spark`` (Spark's own reader) or ``driver`` (the local reader)
    reader: str = "spark"


# Python codec name → the charset Spark's CSV reader takes under that name
_SPARK_CHARSETS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16": "utf-16", "utf-16-le": "utf-16le",
                   "utf-16-be": "utf-16be", "utf-32": "utf-32", "latin-1": "iso-8859-1", "iso8859-1": "iso-8859-1",
                   "ascii": "us-ascii"}

#: The formats Spark reads itself, by file suffix.
_SPARK_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
                   ".json": "jsonl", ".csv": "csv", ".tsv": "tsv", ".txt": "csv"}


def _sniff(path: Path) -> tuple[str, str]:
    """(encoding, delimiter) of a text file, from its start, with the local reader's rules."""
    from chainscreen.manifest import detect_encoding

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    encoding = detect_encoding(head)
    first = head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0] if head else ""
    return encoding, _delimiter(first, path.suffix)


def _delimiter(first_line: str, suffix: str) -> str:
    if suffix.lower() == ".tsv":
        return "\t"
    return max((",", ";", "\t", "|"), key=first_line.count) if first_line else ","


# Spark's CSV reader skips an empty line, where the local reader keeps it as a (blank) row; a line
# of blanks and delimiters is a row to both, but the local reader drops such rows at the very end.
_EMPTY_LINES = (b"\n\n", b"\n\r\n")
_BLANK_ROW = re.compile(rb'(?:[ \t\r\x0b\x0c\x1a,;|"]|\xc2\xa0|\xe3\x80\x80|\xef\xbb\xbf)*')
_LONE_CR = re.compile(rb"\r(?!\n)")


def scan_text(path: Path) -> tuple[str, str | None]:
    """The sha256 of a text file and, from the same pass, why Spark's CSV reader would not give
    the local reader's rows (None when it would): an empty line, a blank last line, a line break
    that is a lone CR, a NUL byte, a quote left open, or a line too long for the local reader.
    Conservative: an empty line inside a quoted value counts too."""
    from chainscreen.manifest import MAX_LINE_CHARS

    digest = hashlib.sha256()
    why: str | None = None
    carry = b"\n"  # from the last line break read: every piece searched starts and ends with one
    quotes = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
            if why is not None:
                continue
            data = carry + block
            cut = data.rfind(b"\n")
            piece, carry = data[:cut + 1], data[cut:]
            why = _odd_bytes(piece)
            if why is None and any(e in piece for e in _EMPTY_LINES):
                why = "an empty line"
            if why is None and len(carry) > MAX_LINE_CHARS:
                why = "a line longer than the local reader reads"
            quotes += piece.count(b'"')
    tail = carry[1:]
    if why is None:
        why = _odd_bytes(tail)
    if why is None and (quotes + tail.count(b'"')) % 2:
        why = "a quote that is never closed"
    if why is None:
        why = _blank_end(path)
    return digest.hexdigest(), why


def _blank_end(path: Path) -> str | None:
    """Whether the last line (before a final line break) is blank: the local reader drops it."""
    with open(path, "rb") as fh:
        fh.seek(max(0, fh.seek(0, os.SEEK_END) - 65536))
        end = fh.read()
    for ending in (b"\r\n", b"\n"):
        if end.endswith(ending):
            end = end[: -len(ending)]
            break
    last = end[max(end.rfind(b"\n"), end.rfind(b"\r")) + 1:]
    return "a blank line at the end" if _BLANK_ROW.fullmatch(last) else None


def _odd_bytes(piece: bytes) -> str | None:
    if b"\x00" in piece:
        return "a NUL byte"
    if b"\r" in piece and _LONE_CR.search(piece):
        return "a line break that is a lone CR"
    return None


def read_spark_input(spark: Any, source: str | Path, mapping: Mapping[str, str] | None = None, *,
                     sheet: str | int | None = None) -> tuple[Any, SparkInput]:
    """Read the input of a Spark run; every column as text, empty cells ``""``.

    - A file on this machine (csv, tsv, txt, xlsx, xls, ods, parquet, jsonl) is opened by the local
      reader (:func:`chainscreen.manifest.open_manifest`: format, encoding, title rows, header,
      column roles, sheet). A plain UTF-8 CSV/TSV with its header on the first line and no blank
      line (:func:`scan_text`) is then read by Spark's CSV reader in parallel; any other file is
      read on the driver by the local reader and handed to Spark as Parquet, with the local
      reader's row numbers and row problems. Either way rows, row numbers, roles and problems
      are the local run's.
    - A folder of csv/tsv/parquet/jsonl files, a URL (``s3a://``, ``abfss://``, ``hdfs://``,
      ``file://``; a file or a folder) or a Spark table by name is read by Spark's own readers.

    Returns the DataFrame and the input's description. Raises InputError when there is no
    supplier, goods or HS code column.
    """
    if is_url(source):
        target = str(source)
        return _read_with_spark(spark, target, _url_suffix(spark, target), mapping, name=target)
    path = Path(source)
    if path.is_file():
        return _read_file(spark, path, str(source), mapping, sheet)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_")))
        known = [p for p in files if p.suffix.lower() in _SPARK_SUFFIXES]
        probe = known[0] if known else (files[0] if files else path)
        return _read_with_spark(spark, str(path), probe.suffix.lower(), mapping, name=str(source),
                                probe=probe if probe.is_file() else None)
    try:
        df = spark.table(str(source))
    except Exception:
        raise InputError("no such file, and no Spark table of that name", path=str(source)) from None
    return _described(df, "table", mapping, name=str(source), path=None, encoding=None)


def _url_suffix(spark: Any, url: str) -> str:
    """The suffix naming the format of the data at ``url``: its own, or (a folder) that of the
    first data file in it, listed through Spark's file systems."""
    suffix = Path(url_name(url)).suffix.lower()
    if suffix in _SPARK_SUFFIXES:
        return suffix
    try:
        jvm = spark.sparkContext._jvm
        where = jvm.org.apache.hadoop.fs.Path(url)
        fs = where.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        names = sorted(str(s.getPath().getName()) for s in fs.listStatus(where) if s.isFile())
    except Exception as exc:
        raise InputError(f"cannot list it through Spark: {str(exc).splitlines()[0][:300]}", path=url) from None
    known = [Path(n).suffix.lower() for n in names if not n.startswith((".", "_"))
             and Path(n).suffix.lower() in _SPARK_SUFFIXES]
    return known[0] if known else suffix


def _read_with_spark(spark: Any, target: str, suffix: str, mapping: Mapping[str, str] | None, *,
                     name: str, probe: Path | None = None) -> tuple[Any, SparkInput]:
    """Read ``target`` (a folder or URL) with Spark's reader for ``suffix``."""
    fmt = _SPARK_SUFFIXES.get(suffix)
    encoding = None
    if fmt == "parquet":
        df = spark.read.parquet(target)
    elif fmt == "jsonl":
        df = spark.read.json(target)
    elif fmt in ("csv", "tsv"):
        if probe is not None:
            encoding, delimiter = _sniff(probe)
        else:  # a URL: Spark reads text as UTF-8; the delimiter from the first line
            try:
                first = spark.read.text(target).limit(1).collect()
            except Exception as exc:
                raise InputError(f"Spark cannot read it: {str(exc).splitlines()[0][:300]}", path=name) from None
            encoding, delimiter = "utf-8", _delimiter(first[0][0].lstrip("\ufeff") if first else "", suffix)
        spark_encoding = _SPARK_CHARSETS.get(codecs.lookup(encoding).name)
        if spark_encoding is None:
            raise InputError(f"the Spark engine reads a folder of text files in UTF-8, UTF-16, UTF-32 "
                             f"or Latin-1; these files are {encoding}", path=name)
        fmt = "tsv" if delimiter == "\t" else "csv"
        df = _spark_csv(spark, target, delimiter, spark_encoding)
    else:
        raise InputError(f"the Spark engine reads csv, tsv, parquet and jsonl folders, not "
                         f"{suffix or 'these files'}; use --engine local", path=name)
    return _described(df, fmt, mapping, name=name, path=name, encoding=encoding)


def _spark_csv(spark: Any, target: str, delimiter: str, encoding: str) -> Any:
    return (spark.read.option("header", True).option("sep", delimiter).option("encoding", encoding)
            .option("quote", '"').option("escape", '"').option("multiLine", True)
            .option("inferSchema", False).option("mode", "PERMISSIVE").csv(target))


def _as_text(df: Any, headers: Sequence[str]) -> Any:
    from pyspark.sql import functions as F  # noqa: N812

    df = df.toDF(*headers)
    return df.select(*[F.coalesce(F.col(f"`{h}`").cast("string"), F.lit("")).alias(h) for h in headers])


def _described(df: Any, fmt: str, mapping: Mapping[str, str] | None, *, name: str, path: str | None,
               encoding: str | None) -> tuple[Any, SparkInput]:
    """``df`` as text, with roles found by the local reader's rules: from the headers, and from a
    sample of values where the headers leave one missing (the rows the local reader looks at)."""
    from chainscreen.columns import assign_roles, list_headers
    from chainscreen.manifest import CONTENT_ROWS

    headers = [str(c).lstrip("\ufeff") for c in df.columns]
    df = _as_text(df, headers)
    sample = [[str(v) for v in row] for row in df.limit(CONTENT_ROWS).collect()]
    try:
        roles = assign_roles(headers, mapping, sample)
    except InputError as exc:
        raise InputError(str(exc), path=name) from None
    columns = roles.mapping
    if not any(k in columns for k in ("supplier", "goods", "hs_code")):
        raise InputError(f"no column for supplier, goods or HS code; headers found: {list_headers(headers)}. "
                         "Use --map supplier=HEADER", path=name)
    return df, SparkInput(path=path, format=fmt, sha256=None, encoding=encoding, columns=columns,
                          headers=headers, roles=roles)


def _read_file(spark: Any, path: Path, name: str, mapping: Mapping[str, str] | None,
               sheet: str | int | None) -> tuple[Any, SparkInput]:
    """A file on this machine, read as the local engine reads it (see :func:`read_spark_input`)."""
    from chainscreen.columns import list_headers
    from chainscreen.manifest import open_manifest

    stream = open_manifest(path, sheet=sheet, mapping=mapping)
    if not any(k in stream.columns for k in ("supplier", "goods", "hs_code")):
        raise InputError(f"no column for supplier, goods or HS code; headers found: "
                         f"{list_headers(stream.headers)}. Use --map supplier=HEADER", path=name)
    if (stream.format in ("csv", "tsv") and stream.header_row == 1 and not stream.problems
            and codecs.lookup(stream.encoding or "utf-8").name in ("utf-8", "utf-8-sig", "ascii")):
        sha256, why = scan_text(path)
        if why is None:
            delimiter = "\t" if stream.format == "tsv" else _sniff(path)[1]
            df = _spark_csv(spark, str(path), delimiter, "utf-8")
            if [str(c).lstrip("\ufeff") for c in df.columns] == stream.headers:
                return _as_text(df, stream.headers), _input_of(stream, name, sha256)
    return _read_on_driver(spark, stream, name)


def _input_of(stream: ManifestStream, name: str, sha256: str | None) -> SparkInput:
    return SparkInput(path=name, format=stream.format, sha256=sha256, encoding=stream.encoding,
                      columns=dict(stream.columns), headers=list(stream.headers), sheet=stream.sheet,
                      problems=list(stream.problems), roles=stream.roles)


def _read_on_driver(spark: Any, stream: ManifestStream, name: str) -> tuple[Any, SparkInput]:
    """Read a file with the local reader on the driver into a temporary Parquet file, with each
    row's number and reader problems, and hand that to Spark."""
    import atexit
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(tempfile.mkdtemp(prefix="chainscreen-spark-"))
    atexit.register(shutil.rmtree, folder, True)
    schema = pa.schema([*(pa.field(h, pa.string()) for h in stream.headers),
                        pa.field(ROW_ID, pa.int64(), nullable=False), pa.field(READER, pa.string())])
    row_problems: dict[int, list[Problem]] = {}
    with pq.ParquetWriter(folder / "part-00000.parquet", schema) as writer:
        for chunk in stream.iter_chunks():
            texts: dict[int, list[str]] = {}
            for p in chunk.problems:
                if p.row is not None:
                    row_problems.setdefault(p.row, []).append(p)
                    texts.setdefault(p.row, []).append(problem_text(p))
            reader = ["; ".join(texts[n]) if n in texts else "" for n in chunk.row_numbers]
            arrays = [c.cast(pa.string()) for c in chunk.table.columns]
            arrays += [pa.array(chunk.row_numbers, pa.int64()), pa.array(reader, pa.string())]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    info = _input_of(stream, name, stream.sha256)
    info.problems = list(stream.problems)  # with those found while reading (blank lines at the end)
    info.numbered, info.row_problems, info.staged, info.reader = True, row_problems, folder, "driver"
    return _staged_frame(spark, folder), info


def _staged_frame(spark: Any, folder: Path) -> Any:
    """The rows read on the driver, as a Spark DataFrame."""
    if spark.sparkContext.master.startswith("local"):
        return spark.read.parquet(str(folder))
    # executors elsewhere cannot read the driver's temporary folder: the rows go with the plan
    import pyarrow.parquet as pq

    return spark.createDataFrame(pq.read_table(folder))


def _numbered(df: Any) -> Any:
    """``df`` with :data:`ROW_ID`, its 1-based row number in input order (partition order)."""
    from pyspark.sql import functions as F  # noqa: N812

    mid = "__cs_mid"
    df = df.withColumn(mid, F.monotonically_increasing_id())
    part = F.shiftright(F.col(mid), 33)
    counts = sorted((r[0], r[1]) for r in df.groupBy(part.alias("p")).count().collect())
    offsets, total = {}, 0
    for pid, n in counts:
        offsets[pid] = total
        total += n
    if not offsets:
        return df.withColumn(ROW_ID, F.lit(0).cast("long")).drop(mid)
    table = F.create_map(*[x for pid, off in offsets.items() for x in (F.lit(pid), F.lit(off))])
    local = F.col(mid).bitwiseAND(F.lit((1 << 33) - 1))
    return df.withColumn(ROW_ID, (F.element_at(table, part) + local + 1).cast("long")).drop(mid)


class SparkScreening:
    """A Spark run seen by the run flow as a streamed screening (see :func:`spark_screening`).

    Iterating yields :class:`ScreenChunk` s in row order, built from the distinct outcomes
    Spark computed and each row's fact key; after the loop :attr:`receipt` and :attr:`counts`
    are final. :attr:`written` holds the Parquet results Spark wrote.
    """

    def __init__(self, spark: Any, df: Any, info: SparkInput, context: BatchContext,
                 parquet: Path | None, chunk_rows: int = 50_000, partitions: int | None = None) -> None:
        from chainscreen.pipeline import now

        self.spark = spark
        self.info = info
        self.context = context
        self.settings = context.settings
        self.reference = context.reference
        self.counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
        #: rows not screened on a facet (supplier, origin, goods): the receipt's coverage
        self.unscreened: dict[str, int] = dict.fromkeys(FACETS, 0)
        self.complete = False
        self.rows = 0
        self.chunk_rows = chunk_rows
        self.started = now()
        self._finished: str | None = None
        self.stream = info  # headers and problems, as a ManifestStream has them
        self.written: dict[str, Path] = {}
        self._df = df
        self._parquet = parquet
        #: tasks that screen the distinct facts (and join them back): the caller's, else
        #: :func:`default_partitions`
        self.partitions = partitions or default_partitions(spark)

    @property
    def problems(self) -> list[Problem]:
        return list(self.info.problems)

    @property
    def receipt(self) -> dict[str, Any]:
        from chainscreen.pipeline import now, receipt_for

        receipt = receipt_for(self.info, self.rows, self.reference, self.settings, self.started,
                              self._finished or now(), unscreened=self.unscreened)
        receipt["engine"] = {"name": "spark", "master": self.spark.sparkContext.master,
                             "version": self.spark.version, "reader": self.info.reader,
                             "partitions": self.partitions}
        if not self.complete:
            receipt["complete"] = False
        return receipt

    def run(self) -> None:
        """Screen on Spark and write the Parquet results; the rows are then iterated.

        The shuffles of this run (the distinct facts, a join too large to broadcast) have
        :attr:`partitions` partitions; the session's setting is restored afterwards."""
        conf = self.spark.conf
        before = conf.get(SHUFFLE_PARTITIONS)
        conf.set(SHUFFLE_PARTITIONS, str(self.partitions))
        try:
            self._run()
        finally:
            conf.set(SHUFFLE_PARTITIONS, before)

    def _run(self) -> None:
        from pyspark import StorageLevel
        from pyspark.sql import functions as F  # noqa: N812

        df = self._df if self.info.numbered else _numbered(self._df)
        rows = _with_fact_id(df, self.info.columns).persist(StorageLevel.MEMORY_AND_DISK)
        self._rows = rows
        facts = _distinct_facts(rows)
        screened = screen_facts(facts, self.context, outcomes=True).persist(StorageLevel.MEMORY_AND_DISK)
        self._screened = screened
        # the outcomes come to the driver once per distinct fact; a hash collision is refused
        found = screened.select(FACT_ID, *FACT_COLUMNS, OUTCOME).toArrow()
        ids = found.column(FACT_ID).to_pylist()
        if len(set(ids)) != len(ids):
            raise InputError("two different sets of row facts share a 64-bit key; screen this file "
                             "with --engine local", path=self.info.path)
        self._code = {fid: i for i, fid in enumerate(ids)}
        self._outcomes = [pickle.loads(b) for b in found.column(OUTCOME).to_pylist()]
        self._facts = found.select(list(FACT_COLUMNS))
        if self._parquet is not None:
            headers = self.info.headers
            names = output_names(headers)
            added = [F.col(f"`{c}`").alias(n) for c, n in zip(ADDED_COLUMNS, names, strict=True)]
            prob = PROBLEMS if PROBLEMS not in headers else f"{PROBLEMS} (chainscreen)"
            out = rows.join(F.broadcast(screened.drop(*FACT_COLUMNS, OUTCOME)) if len(ids) < 200_000
                            else screened.drop(*FACT_COLUMNS, OUTCOME), on=FACT_ID, how="left")
            problems = F.col(PROBLEMS)
            if self.info.numbered:  # the local reader's problems first, as a local run writes them
                reader = F.col(READER)
                problems = (F.when(reader == "", problems).when(problems == "", reader)
                            .otherwise(F.concat(reader, F.lit("; "), problems)))
            out = out.select(F.col(ROW_ID).alias(ROW), *[F.col(f"`{h}`") for h in headers], *added,
                             problems.alias(prob)).sortWithinPartitions(ROW)
            write_spark_parquet(out, self._parquet)
            self.written["parquet"] = self._parquet

    def __iter__(self) -> Iterator[ScreenChunk]:
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyspark.sql import functions as F  # noqa: N812

        from chainscreen.manifest import ManifestChunk

        # the other mapped fields (line value, date, ...) come too: the outputs read them per row
        extra = [h for f, h in self.info.columns.items() if f not in FACT_FIELDS]
        pairs = self._rows.select(ROW_ID, FACT_ID, *[F.col(f"`{h}`") for h in extra]).toArrow()
        pairs = pairs.sort_by(ROW_ID)
        by_row = self.info.row_problems
        headers = {f: h for f, h in self.info.columns.items() if f in FACT_FIELDS}
        fact_cols = {f: self._facts.column(FACT_COLUMNS[FACT_FIELDS.index(f)]) for f in headers}
        for start in range(0, pairs.num_rows, self.chunk_rows):
            part = pairs.slice(start, self.chunk_rows)
            codes = [self._code[f] for f in part.column(FACT_ID).to_pylist()]
            picks = pa.array(codes, pa.int64())
            table = pa.table({**{headers[f]: pc.take(col, picks) for f, col in fact_cols.items()},
                              **{h: part.column(h) for h in extra}})
            numbers = part.column(ROW_ID).to_pylist()
            chunk = ManifestChunk(table, numbers, dict(self.info.columns),
                                  [p for n in numbers for p in by_row.get(n, ())] if by_row else [])
            self.rows += len(numbers)
            screened = ScreenChunk(chunk, codes, self._outcomes)
            for level in screened.levels():
                self.counts[level] += 1
            for facet, n in screened.unscreened_counts().items():
                self.unscreened[facet] += n
            yield screened
        from chainscreen.pipeline import now

        self.complete = True
        self._finished = now()
        self._rows.unpersist()
        self._screened.unpersist()
        if self.info.staged is not None:
            shutil.rmtree(self.info.staged, ignore_errors=True)


SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"


def default_partitions(spark: Any) -> int:
    """Tasks for screening the distinct facts when none are asked for: two per core Spark has
    (``defaultParallelism``). Spark's own default (200 shuffle partitions) costs each small run
    200 Python tasks: about 50 s on two loaded cores for 1,800 distinct facts (docs/PERFORMANCE.md)."""
    return max(2, 2 * int(spark.sparkContext.defaultParallelism))


def write_spark_parquet(df: Any, path: Path) -> None:
    """Write ``df`` as a Parquet dataset (a folder of part files) at ``path``, replacing it only
    once the whole dataset is written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.spark")
    df.write.mode("overwrite").parquet(str(tmp))
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    tmp.rename(path)


def spark_screening(source: str | Path, context_settings: Settings, reference: ReferenceSet, *,
                    mapping: Mapping[str, str] | None = None, master: str | None = None,
                    partitions: int | None = None, parquet: Path | None = None,
                    sheet: str | int | None = None,
                    check: Callable[[SparkInput], None] | None = None) -> SparkScreening:
    """Read ``source`` (:func:`read_spark_input`), screen it on Spark and write the Parquet
    results (``parquet``); iterate the returned screening for the rows in order (what the run
    flow stores and reports). ``check`` sees what was read before any screening (and may raise)."""
    spark = spark_session(master, partitions)
    df, info = read_spark_input(spark, source, mapping, sheet=sheet)
    if check is not None:
        check(info)
    context = BatchContext.load(context_settings, info.columns, reference)
    screening = SparkScreening(spark, df, info, context, parquet, partitions=partitions)
    screening.run()
    return screening


__all__ = ["FACT_COLUMNS", "FACT_FIELDS", "BatchContext", "SparkInput", "SparkScreening", "java_problem",
           "read_spark_input", "scan_text", "screen_batch", "screen_spark_frame", "spark_available",
           "spark_screening", "spark_session"]
