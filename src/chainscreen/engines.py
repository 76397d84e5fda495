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
  Spark engine of ``chainscreen screen --engine spark``: it reads the input with Spark, writes the
  Parquet results with Spark and yields the rows to the run flow (:mod:`chainscreen.run`) as
  :class:`~chainscreen.result.ScreenChunk` s, so the receipt, the summary HTML and the stored run
  are made exactly as for a local run.

pyspark is an optional dependency (``pip install 'chainscreen[spark]'``) and needs Java 17.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import pickle
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.columns import ColumnReport
from chainscreen.errors import InputError
from chainscreen.models import LEVELS, Problem
from chainscreen.result import ADDED_COLUMNS, FACETS, Outcome, ScreenChunk, problem_text

if TYPE_CHECKING:
    import pyarrow as pa

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
#: The 1-based data-row number of an input row.
ROW = "Row"
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


def spark_available() -> str | None:
    """None when pyspark and Java are both here; otherwise why Spark cannot run."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'chainscreen[spark]')"
    if not shutil.which("java"):
        return "no java on the PATH (Spark 4 needs Java 17 or newer)"
    return None


def spark_session(master: str | None = None, partitions: int | None = None) -> Any:
    """The active SparkSession, or a new one on ``master`` (default ``local[*]``).

    Python workers run ``PYSPARK_PYTHON`` (Spark's default: ``python3``); the front ends
    (:func:`chainscreen.spark.spark_session`, the command line) point it at this interpreter
    for local mode.

    ``partitions`` sets how many tasks screen the distinct facts (``spark.sql.shuffle.partitions``).
    """
    why = spark_available()
    if why:
        raise InputError(f"cannot run the Spark engine: {why}")
    import warnings

    from pyspark.sql import SparkSession

    # pyspark 4 warns that it does not yet "fully support" pandas 3; chainscreen passes Arrow
    # batches (mapInArrow), not pandas frames
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        spark = active
    else:
        builder = SparkSession.builder.appName("chainscreen").master(master or "local[*]")
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        if (master or "local").startswith("local"):
            builder = builder.config("spark.ui.enabled", "false")
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
    if partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    return spark


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


def _sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _sniff(path: Path) -> tuple[str, str]:
    """(encoding, delimiter) of a text file, from its start, with the local reader's rules."""
    from chainscreen.manifest import detect_encoding

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    encoding = detect_encoding(head)
    first = head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0] if head else ""
    delimiter = max((",", ";", "\t", "|"), key=first.count) if first else ","
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    return encoding, delimiter


# Python codec name → the charset Spark's CSV reader takes under that name
_SPARK_CHARSETS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16": "utf-16", "utf-16-le": "utf-16le",
                   "utf-16-be": "utf-16be", "utf-32": "utf-32", "latin-1": "iso-8859-1", "iso8859-1": "iso-8859-1",
                   "ascii": "us-ascii"}


def _transcoded(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a text file in an encoding Spark cannot read (cp1252, GB18030, ...),
    in the temporary folder; removed when the process ends."""
    import atexit
    import tempfile

    fd, name = tempfile.mkstemp(prefix="chainscreen-spark-", suffix=path.suffix)
    atexit.register(lambda: Path(name).unlink(missing_ok=True))
    with open(path, encoding=encoding, errors="replace", newline="") as src, \
            os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return Path(name)


def read_spark_input(spark: Any, source: str | Path, mapping: Mapping[str, str] | None = None
                     ) -> tuple[Any, SparkInput]:
    """Read a CSV/TSV, Parquet or JSON-lines file (or folder of them), or a Spark table by name.

    Every column is read as text; empty cells are ``""``. Returns the DataFrame and the input's
    description. Raises InputError when there is no supplier, goods or HS code column.
    """
    from pyspark.sql import functions as F  # noqa: N812

    from chainscreen.columns import assign_roles, list_headers
    from chainscreen.manifest import CONTENT_ROWS

    path = Path(source)
    encoding = None
    if path.exists():
        probe = next(iter(sorted(path.glob("*.*"))), path) if path.is_dir() else path
        suffix = probe.suffix.lower()
        if suffix in (".parquet", ".pq"):
            fmt, df = "parquet", spark.read.parquet(str(path))
        elif suffix in (".jsonl", ".ndjson", ".json"):
            fmt, df = "jsonl", spark.read.json(str(path))
        elif suffix in (".csv", ".tsv", ".txt"):
            encoding, delimiter = _sniff(probe)
            fmt = "tsv" if delimiter == "\t" else "csv"
            read = str(path)
            spark_encoding = _SPARK_CHARSETS.get(codecs.lookup(encoding).name)
            if spark_encoding is None:
                if path.is_dir():
                    raise InputError(f"the Spark engine reads text in UTF-8, UTF-16, UTF-32 or Latin-1; "
                                     f"these files are {encoding}", path=str(source))
                read = str(_transcoded(path, encoding))
                spark_encoding = "utf-8"
            df = (spark.read.option("header", True).option("sep", delimiter).option("encoding", spark_encoding)
                  .option("quote", '"').option("escape", '"').option("multiLine", True)
                  .option("inferSchema", False).option("mode", "PERMISSIVE").csv(read))
        else:
            raise InputError(f"the Spark engine reads csv, tsv, parquet and jsonl, not {suffix or 'this file'}; "
                             "use --engine local", path=str(source))
    else:
        try:
            df = spark.table(str(source))
        except Exception:
            raise InputError("no such file, and no Spark table of that name", path=str(source)) from None
        fmt = "table"
    headers = [str(c).lstrip("\ufeff") for c in df.columns]
    df = df.toDF(*headers)
    df = df.select(*[F.coalesce(F.col(f"`{h}`").cast("string"), F.lit("")).alias(h) for h in headers])
    # the local reader's rules: roles from the headers, and from a sample of values where the
    # headers leave one missing (the same rows the local reader looks at)
    sample = [[str(v) for v in row] for row in df.limit(CONTENT_ROWS).collect()]
    try:
        roles = assign_roles(headers, mapping, sample)
    except InputError as exc:
        raise InputError(str(exc), path=str(source)) from None
    columns = roles.mapping
    if not any(k in columns for k in ("supplier", "goods", "hs_code")):
        raise InputError(f"no column for supplier, goods or HS code; headers found: {list_headers(headers)}. "
                         "Use --map supplier=HEADER", path=str(source))
    info = SparkInput(path=str(source) if fmt != "table" else None, format=fmt,
                      sha256=_sha256(path) if fmt != "table" else None, encoding=encoding,
                      columns=columns, headers=headers, roles=roles)
    return df, info


def _numbered(df: Any) -> Any:
    """``df`` with :data:`ROW`, its 1-based row number in input order (partition order)."""
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
        return df.withColumn(ROW, F.lit(0).cast("long")).drop(mid)
    table = F.create_map(*[x for pid, off in offsets.items() for x in (F.lit(pid), F.lit(off))])
    local = F.col(mid).bitwiseAND(F.lit((1 << 33) - 1))
    return df.withColumn(ROW, (F.element_at(table, part) + local + 1).cast("long")).drop(mid)


class SparkScreening:
    """A Spark run seen by the run flow as a streamed screening (see :func:`spark_screening`).

    Iterating yields :class:`ScreenChunk` s in row order, built from the distinct outcomes
    Spark computed and each row's fact key; after the loop :attr:`receipt` and :attr:`counts`
    are final. :attr:`written` holds the Parquet results Spark wrote.
    """

    def __init__(self, spark: Any, df: Any, info: SparkInput, context: BatchContext,
                 parquet: Path | None, chunk_rows: int = 50_000) -> None:
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

    @property
    def problems(self) -> list[Problem]:
        return list(self.info.problems)

    @property
    def receipt(self) -> dict[str, Any]:
        from chainscreen.pipeline import now, receipt_for

        receipt = receipt_for(self.info, self.rows, self.reference, self.settings, self.started,
                              self._finished or now(), unscreened=self.unscreened)
        receipt["engine"] = {"name": "spark", "master": self.spark.sparkContext.master,
                             "version": self.spark.version}
        if not self.complete:
            receipt["complete"] = False
        return receipt

    def run(self) -> None:
        """Screen on Spark and write the Parquet results; the rows are then iterated."""
        from pyspark import StorageLevel
        from pyspark.sql import functions as F  # noqa: N812

        df = _numbered(self._df)
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
            out = out.select(F.col(ROW), *[F.col(f"`{h}`") for h in headers], *added,
                             F.col(PROBLEMS).alias(prob)).sortWithinPartitions(ROW)
            write_spark_parquet(out, self._parquet)
            self.written["parquet"] = self._parquet

    def __iter__(self) -> Iterator[ScreenChunk]:
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyspark.sql import functions as F  # noqa: N812

        from chainscreen.manifest import ManifestChunk

        # the other mapped fields (line value, date, ...) come too: the outputs read them per row
        extra = [h for f, h in self.info.columns.items() if f not in FACT_FIELDS]
        pairs = self._rows.select(ROW, FACT_ID, *[F.col(f"`{h}`") for h in extra]).toArrow()
        pairs = pairs.sort_by(ROW)
        headers = {f: h for f, h in self.info.columns.items() if f in FACT_FIELDS}
        fact_cols = {f: self._facts.column(FACT_COLUMNS[FACT_FIELDS.index(f)]) for f in headers}
        for start in range(0, pairs.num_rows, self.chunk_rows):
            part = pairs.slice(start, self.chunk_rows)
            codes = [self._code[f] for f in part.column(FACT_ID).to_pylist()]
            picks = pa.array(codes, pa.int64())
            table = pa.table({**{headers[f]: pc.take(col, picks) for f, col in fact_cols.items()},
                              **{h: part.column(h) for h in extra}})
            numbers = part.column(ROW).to_pylist()
            chunk = ManifestChunk(table, numbers, dict(self.info.columns))
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
                    partitions: int | None = None, parquet: Path | None = None) -> SparkScreening:
    """Read ``source`` with Spark, screen it and write the Parquet results (``parquet``);
    iterate the returned screening for the rows in order (what the run flow stores and reports)."""
    spark = spark_session(master, partitions)
    df, info = read_spark_input(spark, source, mapping)
    context = BatchContext.load(context_settings, info.columns, reference)
    screening = SparkScreening(spark, df, info, context, parquet)
    screening.run()
    return screening


__all__ = ["FACT_COLUMNS", "FACT_FIELDS", "BatchContext", "SparkScreening", "screen_batch",
           "screen_spark_frame", "spark_available", "spark_screening", "spark_session"]
