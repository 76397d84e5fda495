"""Outputs written chunk by chunk for a streamed run (:func:`chainscreen.pipeline.iter_screen`).

Each writer fills a temporary file beside its target and renames it into place only when the
whole run has been written (:meth:`StreamOutputs.commit`); a run that fails or is killed leaves
no output file, only a hidden ``.NAME.PID.*.part`` file that the next run sweeps away.

Formats: ``csv`` (the user's columns, the added columns and a Problems column, UTF-8 with BOM,
cells neutralised against formula injection), ``parquet`` (the same columns plus ``Row``),
``jsonl`` (one row object of the JSON contract per line), ``json`` (the whole JSON contract,
written incrementally) and ``html`` (a summary built from aggregates: counts, charts, the top
flagged rows). The xlsx workbook and Markdown need the whole result in memory and are not
streamed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from chainscreen.files import FORMULA_PREFIXES, atomic_path, start_writeback

if TYPE_CHECKING:
    from chainscreen.pipeline import Screening
    from chainscreen.result import ScreenChunk

#: Formats a streamed run can write.
STREAM_FORMATS: tuple[str, ...] = ("xlsx", "csv", "parquet", "jsonl", "json", "html")
#: Flagged rows listed in a streamed HTML report (all of them are in csv/parquet/jsonl).
TOP_FLAGGED = 500
#: File-level and row problems listed in a streamed HTML report.
TOP_PROBLEMS = 200


def _neutralise_array(array: Any) -> Any:
    """Prefix an apostrophe to strings a spreadsheet would run as a formula (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array
    if isinstance(array, pa.ChunkedArray):
        return pa.chunked_array([_neutralise_array(c) for c in array.chunks], array.type)
    mask = _formula_mask(array)
    if not mask.any():
        return array
    quote, empty = pa.scalar("'", array.type), pa.scalar("", array.type)
    return pc.if_else(pa.array(mask), pc.binary_join_element_wise(quote, array, empty), array)


def _formula_mask(array: Any) -> Any:
    """Which strings of a string array open with a formula character (:data:`FORMULA_PREFIXES`,
    all ASCII), read from the first byte of each value in the array's buffers: a regular
    expression over every cell cost six times as long. A null's mask does not matter: the
    apostrophe joined to a null is null."""
    import numpy as np
    import pyarrow as pa

    n = len(array)
    _validity, offsets_buf, data_buf = array.buffers()
    if n == 0 or data_buf is None or offsets_buf is None:
        return np.zeros(n, bool)
    kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets: Any = np.frombuffer(offsets_buf, kind, n + 1, array.offset * np.dtype(kind).itemsize)
    data = np.frombuffer(data_buf, np.uint8)
    starts = offsets[:-1]
    filled = offsets[1:] > starts
    first = np.zeros(n, np.uint8)
    first[filled] = data[starts[filled]]
    return np.isin(first, _FORMULA_BYTES)


_FORMULA_BYTES = bytearray("".join(FORMULA_PREFIXES).encode("ascii"))


def output_columns(headers: list[str]) -> list[str]:
    """The user's headers, then the added columns (renamed on a clash, as in ScreenResult.frame)."""
    from chainscreen.result import ADDED_COLUMNS

    taken = set(headers)
    added = [c if c not in taken else f"{c} (chainscreen)" for c in ADDED_COLUMNS]
    problems = "Problems" if "Problems" not in taken else "Problems (chainscreen)"
    return [*headers, *added, problems]


def chunk_table(chunk: ScreenChunk, *, with_row: bool = False, neutralise: bool = False) -> Any:
    """One chunk as an Arrow table: the user's columns, the added columns, Problems (and Row).

    The added columns are built once per distinct outcome and taken per row
    (:meth:`ScreenChunk.added_arrays`). ``neutralise`` guards every text cell against formula
    injection (the added columns on their distinct values).
    """
    return assemble_table(chunk_parts(chunk, with_row=with_row, neutralise=neutralise))


def chunk_parts(chunk: ScreenChunk, *, with_row: bool = False, neutralise: bool = False) -> tuple[Any, ...]:
    """The Python part of :func:`chunk_table`: the added columns and Problems over the chunk's
    distinct outcomes, with the row indexes that take them per row (see
    :meth:`ScreenChunk.added_parts`). :func:`assemble_table` makes the table of them."""
    import pyarrow as pa

    guard = _neutralise_array if neutralise else None
    added, take = chunk.added_parts(guard)
    problems, problem_take = chunk.problem_parts(guard)
    rows = pa.array(chunk.row_numbers, pa.int64()) if with_row else None
    return chunk.chunk.table, added, take, problems, problem_take, rows, neutralise


def assemble_table(parts: tuple[Any, ...]) -> Any:
    """The table of :func:`chunk_parts`: the user's columns (guarded when asked), each added
    column and Problems taken per row. Arrow work only, so a writer thread does it."""
    import pyarrow as pa

    from chainscreen.result import ADDED_COLUMNS

    table, added, take, problems, problem_take, rows, neutralise = parts
    names = output_columns(list(table.column_names))
    arrays = [_neutralise_array(c) for c in table.columns] if neutralise else list(table.columns)
    arrays += [added[name].take(take) for name in ADDED_COLUMNS]
    arrays.append(problems if problem_take is None else problems.take(problem_take))
    if rows is not None:
        names = ["Row", *names]
        arrays = [rows, *arrays]
    return pa.Table.from_arrays(arrays, names=names)


class _Writer:
    #: why this output was given up part-way (the run goes on; the file is not written)
    dropped: str | None = None

    def __init__(self, path: Path, stack: contextlib.ExitStack) -> None:
        self.path = path
        self.tmp = stack.enter_context(_droppable(self, path))

    def write(self, chunk: ScreenChunk) -> None:
        """Append one chunk: :meth:`prepare`, then :meth:`emit`."""
        self.emit(self.prepare(chunk))

    def prepare(self, chunk: ScreenChunk) -> Any:  # pragma: no cover - abstract
        """The Python part of writing ``chunk`` (in the screening's thread); returns what
        :meth:`emit` hands to the file. Writers whose work is all Python do it all here."""
        raise NotImplementedError

    def emit(self, prepared: Any) -> None:
        """Hand what :meth:`prepare` made to the file: work done by Arrow or the operating
        system without Python's lock, so it may run in the writer thread of
        :class:`StreamOutputs` while the next chunk is screened."""

    def finish(self, screening: Screening) -> None:
        """Write whatever comes after the rows and close the file."""


class _CsvWriter(_Writer):
    def __init__(self, path: Path, stack: contextlib.ExitStack) -> None:
        super().__init__(path, stack)
        self.fh: IO[bytes] = open(self.tmp, "wb")  # noqa: SIM115 - closed in finish()
        self.writer: Any = None
        stack.callback(self._close)
        self.fh.write("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
        self.written = 0  # bytes handed to the disk so far (start_writeback)

    def _close(self) -> None:
        if self.writer is not None and not self.fh.closed:
            with contextlib.suppress(Exception):
                self.writer.close()
        self.fh.close()

    def prepare(self, chunk: ScreenChunk) -> Any:
        return chunk_parts(chunk, neutralise=True)

    def emit(self, prepared: Any) -> None:
        import pyarrow.csv as pacsv

        table = assemble_table(prepared)
        table = table.rename_columns([str(_neutralise_text(n)) for n in table.column_names])
        if self.writer is None:
            self.writer = pacsv.CSVWriter(self.fh, table.schema,
                                          write_options=pacsv.WriteOptions(quoting_style="needed"))
        self.writer.write_table(table)
        self.written = start_writeback(self.fh, self.written)

    def finish(self, screening: Screening) -> None:
        if self.writer is None:  # no rows: still a header line
            from chainscreen.files import neutralise

            line = ",".join(_csv_quote(str(neutralise(h))) for h in output_columns(screening.stream.headers))
            self.fh.write((line + "\n").encode())
        else:
            self.writer.close()
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()


def _neutralise_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _csv_quote(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


class _ParquetWriter(_Writer):
    def __init__(self, path: Path, stack: contextlib.ExitStack) -> None:
        super().__init__(path, stack)
        self.writer: Any = None
        stack.callback(self._close)

    def _close(self) -> None:
        if self.writer is not None and self.writer.is_open:
            self.writer.close()

    def prepare(self, chunk: ScreenChunk) -> Any:
        return chunk_parts(chunk, with_row=True)

    def emit(self, prepared: Any) -> None:
        import pyarrow.parquet as pq

        table = assemble_table(prepared)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.writer.write_table(table)

    def finish(self, screening: Screening) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None:
            names = ["Row", *output_columns(screening.stream.headers)]
            pq.write_table(pa.table({n: pa.array([], pa.string()) for n in names}), self.tmp)
        else:
            self.writer.close()


class _JsonLinesWriter(_Writer):
    """One JSON row object per line; rows sharing an outcome share its serialised text."""

    def __init__(self, path: Path, stack: contextlib.ExitStack) -> None:
        super().__init__(path, stack)
        self.fh: IO[str] = open(self.tmp, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        stack.callback(self.fh.close)
        self._memo: dict[int, str] = {}
        self._outcomes: Any = None
        self.written = 0  # bytes handed to the disk so far (start_writeback)

    def lines(self, chunk: ScreenChunk) -> list[str]:
        """The serialised row objects of one chunk (also used by the JSON writer)."""
        if chunk.outcomes is not self._outcomes:  # the pipeline started a new memo
            self._memo, self._outcomes = {}, chunk.outcomes
        own = {p.row for p in chunk.chunk.problems if p.row is not None}
        out = []
        results = None
        for i, (n, code) in enumerate(zip(chunk.row_numbers, chunk.code_list(), strict=True)):
            if n in own:  # the reader had something to say about this row: serialise it fully
                if results is None:
                    results = chunk.rows
                out.append(json.dumps(results[i].to_dict(), ensure_ascii=False, default=str))
                continue
            tail = self._memo.get(code)
            if tail is None:
                body = chunk.outcomes[code].template.to_dict()
                del body["row"]
                tail = json.dumps(body, ensure_ascii=False, default=str)[1:]
                self._memo[code] = tail
            out.append(f'{{"row": {n}, {tail}' if tail != "}" else f'{{"row": {n}}}')
        return out

    def prepare(self, chunk: ScreenChunk) -> Any:
        return "\n".join(self.lines(chunk)) + "\n"

    def emit(self, prepared: Any) -> None:
        self.fh.write(prepared)
        self.written = start_writeback(self.fh, self.written)

    def finish(self, screening: Screening) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()


class _JsonWriter(_JsonLinesWriter):
    """The whole JSON contract (rows, receipt, summary, problems), rows written as they come."""

    def __init__(self, path: Path, stack: contextlib.ExitStack) -> None:
        super().__init__(path, stack)
        self.fh.write('{"rows": [')
        self.first = True
        fd, problems = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.problems.", suffix=".part",
                                        dir=path.parent)
        os.close(fd)
        self.problems_path = Path(problems)
        stack.callback(self.problems_path.unlink, missing_ok=True)
        self.problems_fh: IO[str] = open(self.problems_path, "w+", encoding="utf-8")  # noqa: SIM115
        stack.callback(self.problems_fh.close)
        self.n_problems = 0

    def prepare(self, chunk: ScreenChunk) -> Any:
        return self.lines(chunk), [json.dumps(row, ensure_ascii=False) for row in _row_problems(chunk)]

    def emit(self, prepared: Any) -> None:
        lines, problems = prepared  # (row lines, problem objects): see prepare
        if lines:
            self.fh.write(("\n" if self.first else ",\n") + ",\n".join(lines))
            self.first = False
            self.written = start_writeback(self.fh, self.written)
        for text in problems:
            self.problems_fh.write(("," if self.n_problems else "") + "\n" + text)
            self.n_problems += 1

    def finish(self, screening: Screening) -> None:
        receipt = json.dumps(screening.receipt, ensure_ascii=False, indent=1, default=str)
        summary = json.dumps({"rows": screening.rows, "levels": dict(screening.counts),
                              "coverage": screening.receipt.get("coverage")}, ensure_ascii=False)
        self.fh.write(f'\n],\n"receipt": {receipt},\n"summary": {summary},\n"problems": [')
        file_level = [{"row": None, "column": p.column, "reason": p.reason, "severity": p.severity}
                      for p in screening.problems]
        self.fh.write(",".join("\n" + json.dumps(p, ensure_ascii=False) for p in file_level))
        if file_level and self.n_problems:
            self.fh.write(",")
        self.problems_fh.seek(0)
        shutil.copyfileobj(self.problems_fh, self.fh)
        self.problems_fh.close()
        self.fh.write("\n]}\n")
        super().finish(screening)


class _XlsxWriter(_Writer):
    """The workbook of a streamed run, written row by row in openpyxl's write-only mode: sheet
    "Entity hits" first (as in the in-memory workbook), the user's columns, the added columns and
    Problems on sheet "Screened", then a Receipt sheet. Entity hits and Xinjiang nexus rows are
    few: they are kept while the run streams and written, in triage order, when it ends (a
    write-only sheet takes its rows whenever they come, whatever its place in the workbook).
    A run longer than an Excel sheet gives the workbook up (:attr:`dropped`), not the run."""

    def __init__(self, path: Path, stack: contextlib.ExitStack) -> None:
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter

        from chainscreen.report.workbook import ENTITY_HITS_WIDTHS

        super().__init__(path, stack)
        self.wb = Workbook(write_only=True)
        self.hits_ws = self.wb.create_sheet("Entity hits")
        for col, width in ENTITY_HITS_WIDTHS.items():
            self.hits_ws.column_dimensions[get_column_letter(col)].width = width
        self.ws = self.wb.create_sheet("Screened")
        self.rows = 0
        self.hits = _TriageRows(None)

    def prepare(self, chunk: ScreenChunk) -> None:
        from chainscreen.report.outputs import XLSX_MAX_ROWS

        if self.dropped:
            return
        self.hits.add(chunk, lambda group, level: group < 3)
        table = chunk_table(chunk)
        if self.rows == 0:
            self.ws.append([_xlsx_cell(str(n)) for n in table.column_names])
        if self.rows + table.num_rows + 1 > XLSX_MAX_ROWS:
            self.dropped = (f"more than {XLSX_MAX_ROWS - 1:,} rows do not fit in an Excel sheet; "
                            "the rows are in the other outputs")
            self.wb = None
            return
        for values in zip(*(c.to_pylist() for c in table.columns), strict=True):
            self.ws.append([_xlsx_cell(v) for v in values])
        self.rows += table.num_rows

    def finish(self, screening: Screening) -> None:
        if self.dropped:
            return
        if self.rows == 0:
            self.ws.append([_xlsx_cell(h) for h in output_columns(screening.stream.headers)])
        self._write_hits()
        receipt = self.wb.create_sheet("Receipt")
        receipt.append(["Item", "Value"])
        for key, value in screening.receipt.items():
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            receipt.append([_xlsx_cell(key), _xlsx_cell(text)])
        self.wb.save(self.tmp)


    def _write_hits(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        from chainscreen.report.workbook import ENTITY_HITS_HEADER, NO_ENTITY_HITS, entity_hit_rows

        ws = self.hits_ws
        head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F3864")
        header = []
        for name in ENTITY_HITS_HEADER:
            cell = WriteOnlyCell(ws, value=name)
            cell.font, cell.fill = head_font, head_fill
            header.append(cell)
        ws.append(header)
        ws.freeze_panes = "A2"
        rows = entity_hit_rows(self.hits.ordered())
        wrap = Alignment(wrap_text=True, vertical="top")
        for values in rows:
            cells = [_xlsx_cell(v) for v in values]
            evidence = WriteOnlyCell(ws, value=cells[-1])
            evidence.alignment = wrap
            ws.append([*cells[:-1], evidence])
        if not rows:
            ws.append([NO_ENTITY_HITS])


class _TriageRows:
    """The rows of a streamed run that belong at the top of a report, kept in triage order
    (:func:`chainscreen.result.triage_key`); ``limit`` keeps only the first so many."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.kept: list[tuple[tuple[Any, ...], Any]] = []  # (triage key, RowResult)
        self.total = 0
        self.cutoff: tuple[Any, ...] | None = None  # a row keyed at or after this cannot be kept

    def add(self, chunk: ScreenChunk, wanted: Any) -> None:
        """Keep the rows of ``chunk`` for which ``wanted(triage group, level)`` is true."""
        from chainscreen.result import parse_value, triage_group, triage_key

        keys: dict[int, tuple[Any, ...] | None] = {}
        values: list[str] | None = None
        for i, (n, code) in enumerate(zip(chunk.row_numbers, chunk.code_list(), strict=True)):
            if code in keys:
                key = keys[code]
            else:
                t = chunk.outcomes[code].template
                # the template's key without the line's value and row number (the last two
                # fields), once per outcome
                key = keys[code] = triage_key(t)[:-2] if wanted(triage_group(t), t.level) else None
            if key is None:
                continue
            self.total += 1
            if values is None:  # the declared value column, read only for chunks with such rows
                values = chunk.chunk.values("value")
            full = (*key, -(parse_value(values[i]) or 0.0), n)
            if self.cutoff is not None and full >= self.cutoff:
                continue
            self.kept.append((full, chunk.outcomes[code].for_row(n)))
            if self.limit is not None and len(self.kept) >= 2 * self.limit:
                self._trim()
        self._trim()

    def _trim(self) -> None:
        self.kept.sort(key=lambda kr: kr[0])
        if self.limit is not None:
            del self.kept[self.limit:]
            if len(self.kept) == self.limit:
                self.cutoff = self.kept[-1][0]

    def ordered(self) -> list[Any]:
        """The kept rows (RowResult) in triage order."""
        self._trim()
        return [r for _k, r in self.kept]


def _xlsx_cell(value: Any) -> Any:
    """A value Excel stores as data: formula-like text neutralised, characters a sheet cannot
    hold (control characters) shown as U+FFFD."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", _neutralise_text(value))


def _row_problems(chunk: ScreenChunk) -> list[dict[str, Any]]:
    """The row problems of one chunk as JSON-contract problem objects, in row order."""
    out: list[dict[str, Any]] = []
    reader: dict[int, list[Any]] = {}
    for p in chunk.chunk.problems:
        if p.row is not None:
            reader.setdefault(p.row, []).append(p)
    for n, code in zip(chunk.row_numbers, chunk.code_list(), strict=True):
        for p in (*reader.get(n, ()), *chunk.outcomes[code].template.problems):
            out.append({"row": n, "column": p.column, "reason": p.reason, "severity": p.severity})
    return out


class _HtmlWriter(_Writer):
    """A summary report from aggregates: rows per level, charts by country and goods, top flagged."""

    def __init__(self, path: Path, stack: contextlib.ExitStack) -> None:
        from chainscreen.report.render import GoodsTally

        super().__init__(path, stack)
        self.by_country: dict[str, Counter[str]] = {}
        self.goods = GoodsTally()
        # entity hits, Xinjiang nexus, then high and elevated rows: the first TOP_FLAGGED in
        # triage order, as the in-memory report lists them
        self.flagged = _TriageRows(TOP_FLAGGED)
        self.problems: list[Any] = []
        self.problems_total = 0

    def prepare(self, chunk: ScreenChunk) -> None:
        from chainscreen.normalize.countries import country_name

        per_code = Counter(chunk.code_list())
        for code, n in per_code.items():
            t = chunk.outcomes[code].template
            if t.level == "clear":
                continue
            key = f"{country_name(t.country)} ({t.country})" if t.country else "unknown origin"
            self.by_country.setdefault(key, Counter())[t.level] += n
            self.goods.add({g.good for g in t.goods if g.scheme == "dol"}, t.level, n)
        self.flagged.add(chunk, lambda group, level: group < 3 or level in ("high", "elevated"))
        for problem in _row_problems(chunk):
            self.problems_total += 1
            if len(self.problems) < TOP_PROBLEMS:
                self.problems.append(problem)

    def finish(self, screening: Screening) -> None:
        from chainscreen.report.render import LEVEL_COLOURS, bar_chart, environment, lists_table
        from chainscreen.result import triage_label

        levels = ("high", "elevated", "low", "unscreenable")

        def top(d: dict[str, Counter[str]]) -> list[tuple[str, dict[str, int]]]:
            order = sorted(d.items(), key=lambda kv: (-kv[1]["high"], -kv[1]["elevated"],
                                                      -sum(kv[1].values()), kv[0]))
            return [(k, dict(v)) for k, v in order[:12]]

        lists = lists_table(screening.reference, date.today())
        flagged = self.flagged.ordered()
        file_problems = [{"row": None, "column": p.column, "reason": p.reason, "severity": p.severity}
                         for p in screening.problems]
        receipt = screening.receipt
        html = environment().get_template("stream_summary.html.j2").render(
            title=f"Screening report: {receipt['input']['file'] or 'data frame'}",
            receipt=receipt, counts=dict(screening.counts), total=screening.rows,
            flagged=flagged, flagged_total=self.flagged.total, colours=LEVEL_COLOURS,
            triage_label=triage_label,
            country_chart=bar_chart(top(self.by_country), levels),
            goods_chart=bar_chart(top(self.goods.labelled()), levels),
            problems=(file_problems + self.problems)[:TOP_PROBLEMS],
            problems_total=len(file_problems) + self.problems_total, lists=lists,
        )
        with open(self.tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(html)
            fh.flush()
            os.fsync(fh.fileno())


_WRITERS: dict[str, type[_Writer]] = {
    "xlsx": _XlsxWriter, "csv": _CsvWriter, "parquet": _ParquetWriter, "jsonl": _JsonLinesWriter, "json": _JsonWriter,
    "html": _HtmlWriter,
}


class StreamOutputs:
    """Every output of a streamed run; use as a context manager around the screening loop::

        with StreamOutputs({"csv": Path("out/x.screened.csv")}) as outputs:
            for chunk in screening:
                outputs.write(chunk)
            outputs.commit(screening)

    Leaving the block without :meth:`commit` (an error, Ctrl-C) removes every temporary file
    and writes nothing.

    Each chunk is prepared in the caller's thread (its table built, its JSON serialised:
    Python work) and handed to the files in a thread of their own, in order, while the caller
    screens the next chunks (``background=False``: all in the caller's thread). Quoting a
    table as CSV, encoding and compressing Parquet and the writes themselves run in Arrow
    and the operating system without Python's lock, so on another core; at most
    :data:`WRITE_AHEAD` prepared chunks wait. A writer's error is raised in the caller by the
    next :meth:`write` or by :meth:`commit`.
    """

    def __init__(self, targets: dict[str, Path], *, background: bool = True) -> None:
        unknown = [f for f in targets if f not in _WRITERS]
        if unknown:
            raise ValueError(f"cannot stream {', '.join(unknown)}; streamable: {', '.join(STREAM_FORMATS)}")
        self.targets = targets
        self._stack = contextlib.ExitStack()
        self._writers: dict[str, _Writer] = {}
        self.committed = False
        self.background = background
        self._queue: Any = None
        self._thread: Any = None
        self._failure: BaseException | None = None  # raised once, in the caller's thread
        self._failed = False  # a writer failed or the run stopped: the writer thread drops chunks

    def __enter__(self) -> StreamOutputs:
        self._stack.__enter__()
        try:
            for fmt, path in self.targets.items():
                sweep_stale_parts(path.parent)
                self._writers[fmt] = _WRITERS[fmt](path, self._stack)
        except BaseException as exc:
            self._stack.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def write(self, chunk: ScreenChunk) -> None:
        """Append one screened chunk to every output."""
        self._raise_failure()
        prepared = [(writer, writer.prepare(chunk)) for writer in self._writers.values()]
        if not self.background:
            self._emit(prepared)
            return
        if self._thread is None:
            import queue
            import threading

            # started at the first chunk, not before: the screening forks its matching
            # workers before it yields one, and a process is not forked with threads running
            self._queue = queue.Queue(WRITE_AHEAD)
            self._thread = threading.Thread(target=self._run, name="chainscreen-writer", daemon=True)
            self._thread.start()
        self._queue.put(prepared)

    @staticmethod
    def _emit(prepared: list[tuple[_Writer, Any]]) -> None:
        for writer, payload in prepared:
            writer.emit(payload)

    def _run(self) -> None:
        while (prepared := self._queue.get()) is not _STOP:
            if not self._failed:  # after a failure the chunks are taken and dropped
                try:
                    self._emit(prepared)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    self._failure, self._failed = exc, True

    def _drain(self) -> None:
        """Wait until every chunk handed over is written (or dropped after a failure)."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def commit(self, screening: Screening) -> dict[str, Path]:
        """Finish every file; they are renamed into place when the ``with`` block ends.

        Returns the outputs that will be written; :attr:`skipped` says why any other was not.
        """
        self._drain()
        self._raise_failure()
        for writer in self._writers.values():
            writer.finish(screening)
        self.committed = True
        return {f: p for f, p in self.targets.items() if not self._writers[f].dropped}

    @property
    def skipped(self) -> dict[str, str]:
        """Outputs given up part-way, and why."""
        return {f: w.dropped for f, w in self._writers.items() if w.dropped}

    def __exit__(self, *exc: Any) -> bool | None:
        if exc[0] is not None:
            self._failed = True  # the chunks still waiting are not written
        self._drain()  # a writer still at work holds the files the exit stack removes
        if exc[0] is None and self._failure is not None:
            failure, self._failure = self._failure, None
            try:
                raise failure
            except BaseException as raised:  # noqa: BLE001 - the files go, then it is raised
                self._stack.__exit__(type(raised), raised, raised.__traceback__)
                raise
        if exc[0] is None and not self.committed:
            # leaving the block without commit means the run did not finish: write nothing
            self._stack.__exit__(_Abandoned, _Abandoned(), None)
            return None
        return self._stack.__exit__(*exc)


#: Prepared chunks that may wait for the writer thread (each holds its rows' table, a few MB).
WRITE_AHEAD = 2
_STOP = object()


class _droppable:  # noqa: N801 - used like a function, as contextlib's helpers are
    """:func:`atomic_path` whose file is discarded, not renamed, when ``writer`` was dropped."""

    def __init__(self, writer: _Writer, path: Path) -> None:
        self.writer = writer
        self.inner = atomic_path(path)

    def __enter__(self) -> Path:
        return self.inner.__enter__()

    def __exit__(self, *exc: Any) -> bool | None:
        if exc[0] is None and self.writer.dropped:
            with contextlib.suppress(_Abandoned):
                self.inner.__exit__(_Abandoned, _Abandoned(), None)
            return None
        return self.inner.__exit__(*exc)


class _Abandoned(Exception):
    """Raised inside the exit stack so that atomic_path discards its temporary file."""


def sweep_stale_parts(folder: Path) -> list[Path]:
    """Remove ``.NAME.PID.*.part`` files left by runs that were killed (their PID is gone)."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for part in folder.glob(".*.part"):
        pid = _pid_of(part.name)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            part.unlink()
            removed.append(part)
    return removed


def _pid_of(name: str) -> int | None:
    # ".lines.screened.csv.12345.abcd1234.part": the PID is the last all-digit field before the
    # random suffix
    fields = name.split(".")
    for text in reversed(fields[:-2]):
        if text.isdigit():
            return int(text)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_result(result: Any, fmt: str, path: Path) -> Path:
    """Write an in-memory ScreenResult as ``csv``, ``parquet`` or ``jsonl``, with the streamed
    layout: the same columns (Problems included), quoting, line ends and formula guard as a
    streamed run's file, built column by column in Arrow."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "jsonl":
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for r in result.rows:
                fh.write(json.dumps(r.to_dict(), ensure_ascii=False, default=str) + "\n")
        return path
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"write_result writes csv, parquet or jsonl, not {fmt}")
    table = result_table(result)
    if fmt == "parquet":
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return path
    table = table.drop_columns(["Row"])
    table = table.rename_columns([_neutralise_text(n) for n in table.column_names])
    table = table.from_arrays([_neutralise_array(c) for c in table.columns], names=table.column_names)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
        pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return path


def result_table(result: Any) -> Any:
    """An in-memory ScreenResult as one Arrow table: Row, the user's columns, the added columns
    and Problems (reader and row problems), as :func:`chunk_table` lays out a streamed chunk."""
    import pyarrow as pa

    from chainscreen.result import ADDED_COLUMNS, problem_text

    reader: dict[int, list[str]] = {}
    for p in result.manifest.problems:
        if p.row is not None:
            reader.setdefault(p.row, []).append(problem_text(p))
    problems = ["; ".join([*reader.get(r.row, ()), *(problem_text(p) for p in r.problems)])
                for r in result.rows]
    frame = result.manifest.frame
    headers = [str(c) for c in frame.columns]
    added = result.added_frame()
    arrays = [pa.array([r.row for r in result.rows], pa.int64())]
    arrays += [pa.array(frame[h].astype(str).tolist(), pa.string()) for h in headers]
    for name in ADDED_COLUMNS:
        values = [None if v is None or (isinstance(v, float) and v != v) else v
                  for v in added[name].tolist()]
        kind = pa.float64() if name in ("Risk score", "Match score") else pa.string()
        arrays.append(pa.array(values, kind))
    arrays.append(pa.array(problems, pa.string()))
    return pa.Table.from_arrays(arrays, names=["Row", *output_columns(headers)])
