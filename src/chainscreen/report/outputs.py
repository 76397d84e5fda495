"""The output formats of a screening and the one place that writes them.

:data:`FORMATS` is the format table: each output's file name, whether it can be written chunk by
chunk (a streamed run) and what it is. :func:`write_outputs` writes an in-memory
:class:`~chainscreen.result.ScreenResult`; :func:`stream_outputs` opens the writers of a streamed
run (:class:`chainscreen.report.stream.StreamOutputs`). Every file goes through a temporary file
renamed into place, so a failure never leaves half an output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chainscreen.errors import InputError, OutputError
from chainscreen.files import check_writable

if TYPE_CHECKING:
    from chainscreen.report.stream import StreamOutputs
    from chainscreen.result import ScreenResult


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its file name after the input's stem, and whether it streams."""

    name: str
    suffix: str  # appended to the input's stem
    streams: bool  # can be written chunk by chunk, in flat memory
    what: str


#: Every output ``screen`` can write, in the order they are written and listed.
FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("xlsx", ".screened.xlsx", True,
                 "annotated copy of the workbook with extra sheets (one sheet and a receipt when streamed)"),
    OutputFormat("html", ".html", True, "self-contained HTML report (a summary when streamed)"),
    OutputFormat("md", ".md", False, "Markdown report"),
    OutputFormat("json", ".json", True, "the JSON output contract (docs/schema)"),
    OutputFormat("csv", ".screened.csv", True, "your columns plus the added columns"),
    OutputFormat("parquet", ".screened.parquet", True, "one record per row, for large files"),
    OutputFormat("jsonl", ".screened.jsonl", True, "one JSON row object per line"),
)}
#: The formats reports (``report --run``) and rescreens write.
REPORT_FORMATS: tuple[str, ...] = ("xlsx", "html", "md", "json", "csv")
DEFAULT_FORMATS: tuple[str, ...] = ("xlsx", "html", "json")
#: Excel's sheet limit, header row included.
XLSX_MAX_ROWS = 1_048_576


def parse_formats(value: str | Iterable[str], allowed: Sequence[str] = tuple(FORMATS)) -> list[str]:
    """``"xlsx,html"`` → ``["xlsx", "html"]``; raises InputError naming an unknown format."""
    items = value.split(",") if isinstance(value, str) else list(value)
    fmts = list(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    bad = [f for f in fmts if f not in allowed]
    if bad or not fmts:
        raise InputError(f"unknown output format {', '.join(bad) or str(value)!r}; "
                         f"choose from {', '.join(allowed)}")
    return fmts


def targets(input_name: str, outdir: Path, formats: Iterable[str]) -> dict[str, Path]:
    """Where each format is written: ``<outdir>/<input stem><suffix>``."""
    stem = Path(input_name).stem
    return {f: outdir / f"{stem}{FORMATS[f].suffix}" for f in formats}


def check_targets(paths: Mapping[str, Path], *, force: bool, inputs: Iterable[Path] = ()) -> None:
    """Before any work: refuse outputs that exist (without ``force``), that are folders, or that
    would replace an input file."""
    protected = set()
    for p in inputs:
        try:
            protected.add(Path(p).resolve())
        except OSError:
            continue
    for path in paths.values():
        if path.is_dir():
            raise OutputError(f"{path}: is a folder, not a file; choose another --out")
        try:
            resolved = path.resolve()
        except OSError:
            resolved = path
        if resolved in protected:
            raise OutputError(f"{path}: is the input file; choose another --out")
        check_writable(path, force)


def write_outputs(result: ScreenResult, paths: Mapping[str, Path]) -> dict[str, Path]:
    """Write ``result`` in each format of ``paths`` (format → file); returns what was written."""
    from chainscreen.report import render

    written: dict[str, Path] = {}
    for fmt, path in paths.items():
        if fmt == "xlsx":
            from chainscreen.report.workbook import write_workbook

            written[fmt] = write_workbook(result, path)
        elif fmt == "html":
            written[fmt] = render.write_text(render.render(result, "screening.html.j2"), path)
        elif fmt == "md":
            written[fmt] = render.write_text(render.render(result, "screening.md.j2"), path)
        elif fmt == "json":
            written[fmt] = render.write_json(result, path)
        elif fmt in ("csv", "parquet", "jsonl"):
            from chainscreen.report.stream import write_result

            written[fmt] = write_result(result, fmt, path)
        else:
            raise InputError(f"unknown output format {fmt!r}")
    return written


def stream_outputs(paths: Mapping[str, Path]) -> StreamOutputs:
    """The chunk-by-chunk writers of a streamed run for the streamable formats of ``paths``."""
    from chainscreen.report.stream import StreamOutputs

    return StreamOutputs({f: p for f, p in paths.items() if FORMATS[f].streams})
