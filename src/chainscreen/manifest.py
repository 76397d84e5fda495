"""Read any supported manifest file, detect its encoding and header, keep every row.

A manifest is whatever table a user has: an importer's supplier master list in Excel, a customs
broker's entry-line export in cp1252 CSV, a procurement pre-screen list, a Parquet extract. This
module turns it into one :class:`Manifest`: every data row in input order, original columns and
headers untouched, every value a string, plus a mapping from chainscreen's canonical fields
(:data:`chainscreen.models.FIELDS`) to the user's own headers, made by :mod:`chainscreen.columns`.

Nothing is dropped silently. Rows that cannot be parsed stay in the frame (empty) with a
:class:`~chainscreen.models.Problem`; things worth knowing about the file (banner rows skipped,
duplicate headers renamed, NUL bytes removed) are file-level problems with severity "warning".
Every failure is an :class:`~chainscreen.errors.InputError` naming the file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import json
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.columns import ColumnReport, assign_roles, list_headers, looks_like_data, map_columns
from chainscreen.errors import InputError
from chainscreen.models import FIELDS, Problem

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Manifest",
    "ManifestChunk",
    "ManifestStream",
    "open_manifest",
    "read_manifest",
    "map_columns",
    "detect_encoding",
    "FORMATS",
]

#: Formats :func:`read_manifest` understands (``format=`` values; ``txt`` is CSV with a sniffed delimiter).
FORMATS: tuple[str, ...] = ("csv", "tsv", "txt", "xlsx", "xls", "ods", "parquet", "jsonl")
#: Spreadsheet formats, read whole (the same title-row and header rules as text). .xlsx goes through
#: openpyxl, whose row-by-row parse places rows by their number and refuses hostile XML; legacy
#: .xls and .ods through python-calamine.
SPREADSHEETS: tuple[str, ...] = ("xlsx", "xls", "ods")

_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "txt",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".ods": "ods",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
_ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"

# Header detection looks this far down for the real header below titles and banners.
_HEADER_SCAN_ROWS = 20
# Rows whose values are looked at to find column roles the headers leave missing.
CONTENT_ROWS = 400
# Encoding detection reads at most this much; the whole file is then decoded with the result.
_DETECT_BYTES = 1 << 20
# Refuse xlsx files that would inflate beyond this (zip bombs, or simply too big for memory).
_XLSX_MAX_UNCOMPRESSED = 1 << 30
_XLSX_MAX_RATIO = 200
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class Manifest:
    """One manifest as read: every data row, in input order, values as strings.

    ``frame`` has the original columns (duplicates renamed ``Name.2``, empty headers named
    ``column_N``) and one row per data row, including blank rows; empty cells are ``""``.
    ``row_numbers[i]`` is the 1-based data-row number of ``frame.iloc[i]``, the number every
    Problem and every output uses. ``columns`` maps canonical fields to the user's headers.
    """

    path: str | None
    format: str
    encoding: str | None
    sha256: str
    frame: pd.DataFrame
    row_numbers: list[int]
    columns: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None
    header_row: int | None = None
    #: how each column got its role (header word, language, content, --map), and the columns
    #: set aside as a buyer or destination
    roles: ColumnReport = field(default_factory=ColumnReport)

    def __len__(self) -> int:
        return len(self.frame)

    def field(self, name: str) -> pd.Series:
        """The column mapped to canonical field ``name`` as strings; all ``""`` when unmapped."""
        import pandas as pd

        if name not in FIELDS:
            raise KeyError(f"unknown field {name!r}; fields: {', '.join(FIELDS)}")
        header = self.columns.get(name)
        if header is None:
            return pd.Series([""] * len(self.frame), index=self.frame.index, dtype=object, name=name)
        return self.frame[header]


# ---------------------------------------------------------------------------------------------
# encodings

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Legacy encodings a manifest plausibly arrives in, most likely first. The order breaks ties:
# short Western text decodes identically in several Windows code pages, and cp1252 is by far the
# commonest; Chinese text is far commoner in supply-chain data than Japanese or Korean.
_LEGACY_ENCODINGS: tuple[str, ...] = (
    "cp1252", "gb18030", "big5", "shift_jis", "euc_kr", "cp1251", "cp1250", "cp1254", "cp1253",
    "cp1257", "cp1256", "cp1255", "cp1258", "cp874",
)


def detect_encoding(data: bytes) -> str:
    """Best guess of the text encoding of ``data``: a Python codec name.

    Order: byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32); UTF-16 without a BOM (NULs in every
    other byte); strict UTF-8; then charset-normalizer restricted to the legacy encodings seen in
    trade data (cp1252 and the other Windows code pages, GB18030, Big5, Shift_JIS, EUC-KR), with
    ties resolved toward cp1252 and GB18030. Pure ASCII is reported as ``utf-8``.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = data[:_DETECT_BYTES]
    guess16 = _bomless_utf16(sample)
    if guess16:
        return guess16
    try:
        # an incremental decoder tolerates a multi-byte character cut off at the sample's end
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=len(sample) == len(data))
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return _detect_legacy(sample.replace(b"\x00", b""))


def _bomless_utf16(sample: bytes) -> str | None:
    head = sample[:4096]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _detect_legacy(sample: bytes) -> str:
    from charset_normalizer import from_bytes

    best: tuple[float, int, str] | None = None
    matches = from_bytes(sample, cp_isolation=list(_LEGACY_ENCODINGS), explain=False)
    for match in matches:
        family = [e for e in match.could_be_from_charset if e in _LEGACY_ENCODINGS] or [match.encoding]
        encoding = min(family, key=lambda e: _LEGACY_ENCODINGS.index(e) if e in _LEGACY_ENCODINGS else 99)
        penalty = match.chaos + _halfwidth_kana_share(str(match))
        rank = _LEGACY_ENCODINGS.index(encoding) if encoding in _LEGACY_ENCODINGS else 99
        key = (round(penalty, 2), rank, encoding)
        if best is None or key < best:
            best = key
    if best is not None:
        return best[2]
    for fallback in ("cp1252", "gb18030"):
        try:
            sample.decode(fallback)
            return fallback
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _halfwidth_kana_share(text: str) -> float:
    # charset-normalizer tends to read short GB18030 text as Shift_JIS half-width katakana, which
    # real business text almost never uses; count it as mess.
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return 0.0
    return sum(1 for c in non_ascii if "\uff61" <= c <= "\uff9f") / len(non_ascii)


# ---------------------------------------------------------------------------------------------
# cell values


def _cell_text(value: Any) -> str:
    """A cell value as the string chainscreen carries: no ``.0`` on whole numbers, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if _is_missing(value):
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return _cell_text(value.item())
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _is_missing(value: Any) -> bool:
    import pandas as pd

    try:
        return value is pd.NaT or value is pd.NA
    except Exception:  # pragma: no cover - exotic objects
        return False


# ---------------------------------------------------------------------------------------------
# reading


def read_manifest(
    source: str | Path | pd.DataFrame,
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    format: str | None = None,
) -> Manifest:
    """Read a manifest file (csv, tsv, txt, xlsx/xlsm, parquet, jsonl) or a DataFrame.

    ``sheet`` picks an xlsx sheet by name or 1-based index (default: the first non-empty sheet);
    ``mapping`` overrides column mapping (``{"supplier": "Shipper Name"}``); ``encoding`` overrides
    text-encoding detection; ``format`` overrides the file extension. Every data row is kept.
    Raises InputError, naming the file, for anything that cannot be read.
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return _from_dataframe(source, mapping)
    name = str(source)
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=name) from None
    if not data:
        raise InputError("empty file", path=name)
    problems: list[Problem] = []
    fmt = _resolve_format(path, data, format, name, problems)
    sha = hashlib.sha256(data).hexdigest()
    used_encoding: str | None = None
    sheet_name: str | None = None
    formula_cells: list[tuple[int, int]] = []
    repaired: list[tuple[int, int]] = []
    if fmt in ("csv", "tsv", "txt"):
        grid, used_encoding, fmt = _read_text_grid(data, fmt, encoding, name, problems, repaired)
        table = _grid_to_table(grid, mapping, name, problems, trailing_blanks="lines")
    elif fmt == "xlsx":
        grid, sheet_name, formula_cells = _read_xlsx_grid(data, sheet, name, problems)
        table = _grid_to_table(grid, mapping, name, problems, trailing_blanks="rows")
    elif fmt in SPREADSHEETS:
        grid, sheet_name = _read_calamine_grid(data, fmt, sheet, name, problems)
        table = _grid_to_table(grid, mapping, name, problems, trailing_blanks="rows")
    elif fmt == "parquet":
        table = _read_parquet(data, name)
    else:
        used_encoding = encoding or detect_encoding(data)
        table = _read_jsonl(data, used_encoding, name, problems)
    manifest = _build(table, mapping, name, problems)
    manifest.path = name
    manifest.format = fmt
    manifest.encoding = used_encoding
    manifest.sha256 = sha
    manifest.sheet = sheet_name
    manifest.header_row = table.header_row
    header_records = (table.header_row or 0)
    for index, line in repaired:
        data_row = index + 1 - header_records
        if 1 <= data_row <= len(manifest.frame):
            manifest.problems.append(Problem(data_row, None, _quote_problem(line)))
        else:
            manifest.problems.append(Problem(None, None, _quote_problem(line)))
    for physical_row, column in formula_cells:
        data_row = physical_row - (table.header_row or 0)
        if 1 <= data_row <= len(manifest.frame) and column <= len(table.headers):
            manifest.problems.append(Problem(
                data_row, table.headers[column - 1],
                "formula without a cached value (the workbook was saved without recalculating); "
                "read as empty", "warning",
            ))
    return manifest


@dataclass
class _Table:
    headers: list[str]
    rows: list[list[str]]
    header_row: int | None
    row_problems: list[Problem] = field(default_factory=list)
    headerless: bool = False


def _resolve_format(path: Path, data: bytes, fmt: str | None, name: str, problems: list[Problem]) -> str:
    head = data[:8]
    if head == _OLE_MAGIC and _ENCRYPTED_MARK in data[:_DETECT_BYTES]:
        # Excel wraps a password-protected .xlsx in an OLE container with an EncryptedPackage stream
        raise InputError("is a password-protected (encrypted) workbook: remove the password in "
                         "Excel (File > Info > Protect Workbook) and save again", path=name)
    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        fmt = _EXTENSIONS.get("." + fmt, fmt)
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}", path=name)
    ext = path.suffix.lower()
    by_name = fmt or _EXTENSIONS.get(ext)
    if head == _OLE_MAGIC:
        # a legacy Excel 97-2003 workbook (or another OLE document, which calamine refuses)
        if by_name not in (None, "xls"):
            problems.append(Problem(None, None, f"named {ext or 'without extension'} but is a legacy "
                                    "Excel workbook; read as .xls", "warning"))
        return "xls"
    if head.startswith(_ZIP_MAGIC):
        kind = "ods" if _ODS_MIMETYPE in data[:200] else "xlsx"
        if by_name not in (None, kind):
            what = "an OpenDocument spreadsheet" if kind == "ods" else "an Excel workbook"
            problems.append(Problem(None, None, f"named {ext or 'without extension'} but is a zip "
                                    f"file; read as {what}", "warning"))
        return kind
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    if head.startswith(b"%PDF"):
        raise InputError("is a PDF, not a table: export the table to .xlsx or .csv", path=name)
    if head.startswith(b"\x1f\x8b"):
        raise InputError("is gzip-compressed: decompress it first", path=name)
    if by_name in ("xlsx", "ods", "parquet"):
        kind = {"xlsx": "an Excel .xlsx workbook", "ods": "an OpenDocument spreadsheet",
                "parquet": "a Parquet file"}[by_name]
        raise InputError(f"is not {kind} (wrong content for its extension)", path=name)
    if by_name is None or by_name == "xls":
        # .xls files that are really text (HTML/CSV exports) and files without extension
        return "txt"
    return by_name


def _read_text_grid(
    data: bytes, fmt: str, encoding: str | None, name: str, problems: list[Problem],
    repaired: list[tuple[int, int]],
) -> tuple[list[list[str]], str, str]:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", path=name) from None
        chosen = encoding
    else:
        chosen = detect_encoding(data)
    wide = codecs.lookup(chosen).name.startswith(("utf-16", "utf-32"))
    if not wide:
        nuls = data.count(0)
        if nuls:
            if nuls > max(16, len(data) // 20):
                raise InputError("does not look like a text table (binary content); "
                                 f"supported formats: {', '.join(FORMATS)}", path=name)
            data = data.replace(b"\x00", b"")
            problems.append(Problem(None, None, f"removed {nuls} NUL byte(s)", "warning"))
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as exc:
        if encoding is not None:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(f"cannot be decoded as {encoding} (line {line}, byte {exc.start}); "
                             "try another --encoding", path=name) from None
        text = data.decode(chosen, errors="replace")
        bad = text.count("\ufffd")
        problems.append(Problem(None, None, f"{bad} byte sequence(s) not valid in {chosen}; "
                                "replaced with U+FFFD", "warning"))
    if wide and "\x00" in text:
        problems.append(Problem(None, None, f"removed {text.count(chr(0))} NUL character(s)", "warning"))
        text = text.replace("\x00", "")
    text = text.removeprefix("\ufeff")
    head = text[:_DETECT_BYTES]  # binary files show it at once; no need to scan gigabytes
    controls = len(_BINARY_CONTROLS.findall(head))
    if controls > max(8, len(head) // 100):
        raise InputError("does not look like a text table (binary content); "
                         f"supported formats: {', '.join(FORMATS)}", path=name)
    delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(text, default=",")
    if fmt == "txt":
        fmt = "tsv" if delimiter == "\t" else "csv"
    old_limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        grid = list(_records(io.StringIO(text, newline=""), delimiter, repaired))
    except csv.Error as exc:  # pragma: no cover - the csv module is lenient with strict=False
        raise InputError(f"cannot parse as delimited text: {exc}", path=name) from None
    finally:
        csv.field_size_limit(old_limit)
    return grid, chosen, fmt


class _LineFeed:
    """The lines csv.reader reads, remembering those of the record being read so that a record
    can be read again differently (lines pushed back are read first)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._back: list[str] = []
        self.taken: list[str] = []

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        line = self._back.pop() if self._back else next(self._lines)
        self.taken.append(line)
        return line

    def push_back(self, lines: Sequence[str]) -> None:
        self._back.extend(reversed(lines))


def _literal_cells(line: str, delimiter: str) -> list[str]:
    """One physical line split with quotes read as ordinary characters."""
    return next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])


def _broken_quote(lines: list[str], delimiter: str, width: int | None) -> bool:
    """Whether a record read over several lines is a quote opened and never closed, or closed
    lines below, rather than a cell that holds line breaks.

    Never closed: the record ends at the end of the file inside the quote (its quotes do not
    pair up). Closed lines below: read with quotes as text, every line of the record is a row
    as wide as the table's rows (``width``, the commonest width of the records before it). A
    cell that really holds line breaks splits the record's cells between its lines, so its
    lines are narrower than the table (an address in the middle column of three: two and two).
    """
    if sum(line.count('"') for line in lines) % 2:
        return True
    if width is None or width < 2:
        return False
    widths = {len(cells) for cells in (_literal_cells(line, delimiter) for line in lines)
              if any(c.strip() for c in cells)}
    filled = sum(1 for line in lines if line.strip())
    return filled >= 2 and widths == {width}


def _records(lines: Iterable[str], delimiter: str, repaired: list[tuple[int, int]],
             ) -> Iterator[list[str]]:
    """CSV records of ``lines``, with broken quotes recovered.

    A quote opened and never closed makes the csv module read the rest of the file (or
    everything up to the next stray quote) as one cell: every row after it would be lost.
    Such a record (see :func:`_broken_quote`) is read again: its first line as one record with
    the quote as text, the lines after it as they read on their own. ``repaired`` receives
    (record index, physical line) of each record read that way.
    """
    from collections import Counter

    feed = _LineFeed(lines)
    reader = csv.reader(feed, delimiter=delimiter)
    widths: Counter[int] = Counter()
    line = 1
    index = 0
    while True:
        feed.taken = []
        try:
            record = next(reader)
        except StopIteration:
            return
        taken = feed.taken
        if len(taken) >= 2:
            common = max(widths, key=lambda w: (widths[w], w)) if widths else None
            if _broken_quote(taken, delimiter, common):
                feed.push_back(taken[1:])
                repaired.append((index, line))
                record = _literal_cells(taken[0], delimiter)
                taken = taken[:1]
        line += len(taken)
        if any(c.strip() for c in record):
            widths[len(record)] += 1
        index += 1
        yield record


def _quote_problem(line: int) -> str:
    return (f"a quote opened on line {line} is never closed (or closes lines below): this row is "
            "read with the quote as text, and the lines below it as rows of their own")


# C0 controls other than whitespace and the DOS end-of-file mark, DEL, and C1 controls
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")


def _sniff_delimiter(text: str, default: str) -> str:
    """The delimiter among , ; TAB | that splits the first records into the most consistent width."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best: tuple[float, int] | None = None
    chosen = default
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        widths = []
        for record in reader:
            if any(cell.strip() for cell in record):
                widths.append(len(record))
            if len(widths) >= 50:
                break
        if not widths:
            continue
        counts = Counter(widths)
        mode = max(counts, key=lambda w: (counts[w], w))
        if mode < 2:
            continue
        score = (round(counts[mode] / len(widths), 2), mode)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def _read_xlsx_grid(
    data: bytes, sheet: str | int | None, name: str, problems: list[Problem],
) -> tuple[list[list[str]], str, list[tuple[int, int]]]:
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError("is not a valid .xlsx workbook (damaged zip)", path=name) from None
    with archive:
        members = archive.infolist()
        inflated = sum(info.file_size for info in members)
        absurd_ratio = inflated > (50 << 20) and inflated > _XLSX_MAX_RATIO * len(data)
        if inflated > _XLSX_MAX_UNCOMPRESSED or absurd_ratio:
            raise InputError(f"workbook would inflate to {inflated / 2**20:,.0f} MiB; refusing "
                             "(save the sheet as .csv instead)", path=name)
        if "xl/workbook.xml" not in {m.filename for m in members} and not any(
            m.filename.endswith("workbook.xml") for m in members
        ):
            raise InputError("is a zip file but not an Excel workbook", path=name)
        import openpyxl

        with warnings.catch_warnings():
            # openpyxl warns about styles, extensions and data validation it ignores; not our user's concern
            warnings.simplefilter("ignore")
            try:
                book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many types for damaged workbooks
                raise _workbook_error(exc, name) from None
            try:
                titles = list(book.sheetnames)
                listing = ", ".join(repr(t) for t in titles)
                order = titles if sheet is None else [_pick_sheet(titles, sheet, name, listing)]
                grid: list[list[str]] = []
                title = order[0] if order else ""
                skipped = []
                for title in order:
                    ws = book[title]
                    if not hasattr(ws, "iter_rows"):  # chartsheets
                        skipped.append(title)
                        continue
                    ws.reset_dimensions()  # the stored dimension is often wrong; read what is there
                    try:
                        grid = _sheet_grid(ws, title, name, problems)
                    except InputError:
                        raise
                    except Exception as exc:  # the sheet XML is parsed only now
                        raise _workbook_error(exc, name) from None
                    if any(any(c.strip() for c in r) for r in grid):
                        break
                    skipped.append(title)
                else:
                    which = f"sheet {title!r}" if sheet is not None else "every sheet"
                    raise InputError(f"{which} is empty; sheets: {listing}", path=name)
                if skipped and sheet is None:
                    problems.append(Problem(None, None, f"skipped empty sheet(s) "
                                            f"{', '.join(map(repr, skipped))}; read {title!r}", "warning"))
                try:
                    formulas = _uncached_formulas(archive, getattr(book[title], "_worksheet_path", None))
                except Exception as exc:  # malformed or hostile sheet XML
                    raise _workbook_error(exc, name) from None
            finally:
                book.close()
    return grid, title, formulas


def _sheet_grid(ws: Any, title: str, name: str, problems: list[Problem]) -> list[list[str]]:
    """The sheet's rows as text, each where its ``r`` number puts it.

    openpyxl's row iterator trusts the XML order: a row listed before a lower-numbered one is
    dropped, and the rows after it shift. Here rows are placed by number. A row number listed
    twice is read as one row when its pieces hold different cells, and the file is refused when
    they give one cell two values (one row's verdict must never land on another's data). The
    grid ends at the last row holding a value, and is refused when that row lies absurdly far
    below the data.
    """
    from openpyxl.utils import get_column_letter

    rows: dict[int, dict[int, str]] = {}
    twice: list[int] = []
    disorder = 0
    last = 0
    for number, cells in _sheet_rows(ws):
        if number in rows:
            twice.append(number)
        elif number < last:
            disorder += 1
        last = max(last, number)
        row = rows.setdefault(number, {})
        for column, value in cells:
            text = _cell_text(value)
            if text:
                if row.get(column, text) != text:
                    from openpyxl.utils import get_column_letter as letter

                    raise InputError(
                        f"sheet {title!r}: the workbook file lists row {number} twice, with different "
                        f"values in cell {letter(column)}{number} ({row[column][:40]!r} and "
                        f"{text[:40]!r}): a damaged file; open it in Excel or LibreOffice and save "
                        "it again", path=name)
                row[column] = text
    used = sorted(n for n, r in rows.items() if r)
    if twice:
        shown = ", ".join(str(n) for n in sorted(set(twice))[:10])
        problems.append(Problem(None, None, f"sheet {title!r}: the workbook file lists row(s) {shown} "
                                "in more than one piece; each is read as one row", "warning"))
    if disorder:
        problems.append(Problem(None, None, f"sheet {title!r}: rows are out of order in the workbook "
                                "file; each is placed by its row number", "warning"))
    if not used:
        return []
    bottom = used[-1]
    if bottom > _SPARSE_ROWS and len(used) * _MIN_ROW_FILL < bottom:
        far = rows[bottom]
        ref = f"{get_column_letter(max(far))}{bottom}"
        raise InputError(f"sheet {title!r} has data down to cell {ref} but only {len(used):,} of its "
                         f"{bottom:,} rows hold anything: a stray cell? delete it (or everything "
                         "below the table), or save the table as .csv", path=name)
    return [[r.get(j, "") for j in range(1, max(r) + 1)] if (r := rows.get(i)) else []
            for i in range(1, bottom + 1)]


def _sheet_rows(ws: Any) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
    """(row number, [(column, value)]) of a read-only sheet, in the order the XML lists them."""
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        book = ws.parent
        source = ws._get_source()
        parser = WorkSheetParser(source, ws._shared_strings, data_only=book.data_only,
                                 epoch=book.epoch, date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
    except (ImportError, AttributeError, TypeError):  # another openpyxl: its own row order
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, [(j, v) for j, v in enumerate(row, start=1) if v is not None]
        return
    with source:
        for number, cells in parser.parse():
            yield number, [(c["column"], c["value"]) for c in cells if c["value"] is not None]


def _workbook_error(exc: BaseException, name: str) -> InputError:
    """One line for a workbook openpyxl cannot read; XML entity tricks named as such.

    Workbook XML is parsed through defusedxml (openpyxl uses it when installed, and
    :func:`_uncached_formulas` does): a DTD that declares entities (billion laughs, external
    files or URLs) is refused before anything is expanded or fetched.
    """
    from defusedxml import DefusedXmlException

    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, DefusedXmlException) for c in chain):
        return InputError("the workbook's XML declares entities (a DTD with entity definitions or "
                          "external references), which no Excel workbook needs; refusing it "
                          "unexpanded (save the sheet again from Excel, or as .csv)", path=name)
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return InputError(f"cannot open workbook: {text[:300]}", path=name)


def _read_calamine_grid(
    data: bytes, fmt: str, sheet: str | int | None, name: str, problems: list[Problem],
) -> tuple[list[list[str]], str]:
    """The cells of one sheet of a legacy .xls or an .ods as strings, from cell A1 (python-calamine)."""
    from python_calamine import CalamineWorkbook

    what = "legacy Excel workbook" if fmt == "xls" else "OpenDocument spreadsheet"
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise InputError(f"cannot open {what}: {type(exc).__name__}: {exc}", path=name) from None
    with book:
        titles = list(book.sheet_names)
        listing = ", ".join(repr(t) for t in titles)
        order = titles if sheet is None else [_pick_sheet(titles, sheet, name, listing)]
        grid: list[list[str]] = []
        title = order[0] if order else ""
        skipped = []
        for title in order:
            try:
                sheet_data = book.get_sheet_by_name(title)
                if sheet_data.height * max(sheet_data.width, 1) > _CALAMINE_MAX_CELLS:
                    raise InputError(f"sheet {title!r} spans {sheet_data.height:,} rows × {sheet_data.width:,} "
                                     "columns: too large to read whole; save the table as .csv", path=name)
                grid = [_trimmed(row) for row in sheet_data.iter_rows()]
            except InputError:
                raise
            except Exception as exc:  # chartsheets and sheets calamine cannot read
                problems.append(Problem(None, None, f"sheet {title!r} cannot be read "
                                        f"({type(exc).__name__}); skipped", "warning"))
                grid = []
            if any(any(c.strip() for c in r) for r in grid):
                break
            skipped.append(title)
        else:
            which = f"sheet {title!r}" if sheet is not None else "every sheet"
            raise InputError(f"{which} is empty; sheets: {listing}", path=name)
    if skipped and sheet is None:
        problems.append(Problem(None, None, f"skipped empty sheet(s) "
                                f"{', '.join(map(repr, skipped))}; read {title!r}", "warning"))
    return grid, title


# A legacy or OpenDocument sheet whose used range spans more cells than this is refused rather
# than read whole (an .xls holds at most 65,536 × 256; an .ods with one stray far cell may not).
_CALAMINE_MAX_CELLS = 50_000_000


def _trimmed(row: Sequence[Any]) -> list[str]:
    """A sheet row as strings without its trailing empty cells."""
    cells = [_cell_text(v) for v in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _pick_sheet(titles: list[str], sheet: str | int, name: str, listing: str) -> str:
    if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in titles):
        index = int(sheet)
        if 1 <= index <= len(titles):
            return titles[index - 1]
        raise InputError(f"no sheet number {index}; sheets: {listing}", path=name)
    if sheet in titles:
        return sheet
    loose = [t for t in titles if t.strip().casefold() == str(sheet).strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    raise InputError(f"no sheet {sheet!r}; sheets: {listing}", path=name)


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _uncached_formulas(archive: Any, part: str | None) -> list[tuple[int, int]]:
    """(row, column) of formula cells with no cached value, found by streaming the sheet XML."""
    if not part:
        return []
    part = part.lstrip("/")
    try:
        handle = archive.open(part)
    except KeyError:
        return []
    with handle:
        tail = b""
        found = False
        while chunk := handle.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                found = True
                break
            tail = chunk[-16:]
    if not found:
        return []
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import coordinate_to_tuple

    out: list[tuple[int, int]] = []
    row_number = 0
    column = 0
    with archive.open(part) as handle:
        for event, element in iterparse(handle, events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start" and tag == "row":
                row_number = int(element.get("r") or row_number + 1)
                column = 0
            elif event == "end" and tag == "c":
                ref = element.get("r")
                if ref:
                    row_number, column = coordinate_to_tuple(ref)
                else:
                    column += 1
                children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                if "f" in children:
                    value = children.get("v")
                    if value is None or not (value.text or "").strip():
                        out.append((row_number, column))
                element.clear()
            elif event == "end" and tag == "row":
                element.clear()
    return out


def _read_parquet(data: bytes, name: str) -> _Table:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        raise InputError(f"cannot read Parquet file: {exc}", path=name) from None
    headers = [str(c) for c in table.column_names]
    columns = [_arrow_column_text(table.column(i)) for i in range(table.num_columns)]
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    if not columns:
        rows = []
    return _Table(headers, rows, header_row=None)


def _arrow_column_text(column: Any) -> list[str]:
    import pyarrow as pa

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        # the common case, and by far the cheapest: no per-value conversion
        return column.fill_null("").to_pylist()
    return [_cell_text(v) for v in column.to_pylist()]


def _read_jsonl(data: bytes, encoding: str, name: str, problems: list[Problem]) -> _Table:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(f"cannot be decoded as {encoding}: {exc}", path=name) from None
    text = text.removeprefix("\ufeff")
    records: list[dict[str, Any] | None] = []
    row_problems: list[Problem] = []
    blank = 0
    keys: dict[str, None] = {}
    for line in text.splitlines():
        if not line.strip():
            blank += 1
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            records.append(None)
            row_problems.append(Problem(len(records), None, f"not valid JSON: {exc.msg}"))
            continue
        except RecursionError:
            records.append(None)
            row_problems.append(Problem(len(records), None, "JSON nested too deeply"))
            continue
        obj, bad = _unicode_checked(obj, line)
        if bad:
            row_problems.append(Problem(len(records) + 1, None, _SURROGATE_PROBLEM))
        if not isinstance(obj, dict):
            records.append(None)
            row_problems.append(Problem(len(records), None, "line is JSON but not an object"))
            continue
        records.append(obj)
        for key in obj:
            keys.setdefault(str(key), None)
    if not records:
        raise InputError("no JSON records", path=name)
    if blank:
        problems.append(Problem(None, None, f"ignored {blank} blank line(s)", "warning"))
    headers = list(keys)
    rows = [
        [_cell_text(rec.get(h)) if rec is not None else "" for h in headers]
        for rec in ({str(k): v for k, v in r.items()} if r is not None else None for r in records)
    ]
    return _Table(headers, rows, header_row=None, row_problems=row_problems)


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_PROBLEM = ("a \\uD800-\\uDFFF escape that is half of a character (not text): "
                      "replaced with U+FFFD")


def _unicode_checked(obj: Any, line: str) -> tuple[Any, bool]:
    """``obj`` (decoded from JSON ``line``) with lone surrogates replaced by U+FFFD, and whether
    there were any. JSON may escape half a UTF-16 pair; such a string cannot be written as
    UTF-8 to any output or database."""
    if not _ESCAPED_SURROGATE.search(line):
        return obj, False
    found = False

    def fix(value: Any) -> Any:
        nonlocal found
        if isinstance(value, str):
            if _SURROGATE.search(value):
                found = True
                return _SURROGATE.sub("\ufffd", value)
            return value
        if isinstance(value, dict):
            return {fix(k): fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return fix(obj), found


def _locate_header(
    grid: list[list[str]], mapping: Mapping[str, str] | None, name: str, problems: list[Problem],
) -> int | None:
    """Index of the header row in ``grid``, or None when the file has no header row.

    Rows skipped above the header become a file-level warning; a file without a header row
    (a plain list of supplier names) gets one saying its columns were named ``column_N``.
    """
    if not any(any(c.strip() for c in r) for r in grid):
        raise InputError("no header row: the file has no non-empty rows", path=name)
    index = _find_header_row(grid, mapping)
    if index is None:
        problems.append(Problem(None, None, "no header row found: every row is read as data and the "
                                "columns are named column_1, column_2, ...", "warning"))
        return None
    if index > 0:
        above = [" ".join(c.strip() for c in r if c.strip()) for r in grid[:index]]
        shown = "; ".join(repr(a[:60]) for a in above if a)
        problems.append(Problem(None, None, f"header found on row {index + 1}; skipped {index} row(s) "
                                f"above it{': ' + shown if shown else ''}", "warning"))
    return index


def _grid_to_table(
    grid: list[list[str]], mapping: Mapping[str, str] | None, name: str, problems: list[Problem],
    *, trailing_blanks: str,
) -> _Table:
    index = _locate_header(grid, mapping, name, problems)
    if index is None:
        headers = _headerless_names(grid)
        rows = list(grid)
    else:
        headers = list(grid[index])
        rows = grid[index + 1 :]
    trailing = 0
    while rows and all(_blank(c) for c in rows[-1]):
        rows.pop()
        trailing += 1
    if trailing:
        problems.append(Problem(None, None, f"ignored {trailing} blank {trailing_blanks} at the end",
                                "warning"))
    if index is None:
        return _Table(headers, rows, header_row=None, headerless=True)
    return _Table(headers, rows, header_row=index + 1)


#: Characters a blank line may hold: white space and the DOS end-of-file mark (Ctrl-Z),
#: which old Windows tools write after the last line.
_BLANK = " \t\r\n\x0b\x0c\x1a\u00a0\u3000\ufeff"


def _blank(cell: str) -> bool:
    return not cell.strip(_BLANK).strip()


def _headerless_names(grid: list[list[str]]) -> list[str]:
    """``column_1`` ... ``column_N`` for a file without a header row, N its widest row."""
    width = max((len(r) for r in grid), default=0)
    return [f"column_{j + 1}" for j in range(width)]


def _find_header_row(grid: list[list[str]], mapping: Mapping[str, str] | None) -> int | None:
    """Index of the header row: the first of the first 20 rows that looks like a header.

    A header maps at least one canonical field (or holds every header named in ``mapping``) and is
    at least half as wide as the widest of those rows, so a one-cell title or a "Supplier list |
    Q3" banner is passed over. When no row maps and the first row reads like the rows below it
    (a plain list of names, a country in a country column), the file has no header row: None.
    Failing that, the first widest row of mostly non-numeric cells.
    """
    scan = grid[:_HEADER_SCAN_ROWS]
    filled = [[c for c in r if c.strip()] for r in scan]
    widest = _typical_widest([len(f) for f in filled])
    wanted = [" ".join(str(v).split()).casefold() for v in (mapping or {}).values() if v and str(v).strip()]
    if wanted and all(re.fullmatch(r"column_\d+", w) for w in wanted) and not any(
            w in {" ".join(c.split()).casefold() for c in cells} for cells in filled for w in wanted):
        return None  # --map supplier=column_1: the user says the file has no header row
    for i, cells in enumerate(filled):
        if not cells or 2 * len(cells) < widest or len(cells) < min(2, widest):
            continue
        if wanted:
            present = {" ".join(c.split()).casefold() for c in cells}
            if all(w in present for w in wanted):
                return i
            continue
        mapped = map_columns(_dedupe(scan[i])[0])
        if mapped:
            # a merged group header ("Supplier details | Goods") above the real one: the row
            # below fills the cells the merge left empty and maps more fields
            if i + 1 < len(scan) and len(filled[i]) < len(scan[i]) and len(filled[i + 1]) > len(cells):
                below = map_columns(_dedupe(scan[i + 1])[0])
                if len(below) > len(mapped):
                    return i + 1
            return i
    if not wanted:
        # a header narrower than the rows around it (a ragged export) still names the columns
        for i, cells in enumerate(filled):
            if len(cells) >= 2 and len(map_columns(_dedupe(scan[i])[0])) >= 2:
                return i
    first = next(i for i, cells in enumerate(filled) if cells)
    if not wanted and looks_like_data(scan[first], grid[first + 1:first + 1 + CONTENT_ROWS]):
        return None
    for i, cells in enumerate(filled):
        if len(cells) == widest and sum(_looks_numeric(c) for c in cells) * 2 < len(cells):
            return i
    return first


def _typical_widest(widths: Sequence[int]) -> int:
    """The widest row among the scanned rows, not counting a row far wider than all others
    (one over-wide data row must not make the real header look like a title)."""
    ordered = sorted(w for w in widths if w)
    if not ordered:
        return 0
    if len(ordered) >= 2 and ordered[-1] > 2 * ordered[-2] and ordered[-1] > 8:
        return ordered[-2]
    return ordered[-1]


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\s$€£¥+\-.,%0-9/:]+", text))


def _dedupe(headers: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """Headers made unique: empty -> ``column_N``, repeats -> ``Name.2``. Also lists what changed."""
    original = {h for h in headers if h.strip()}
    out: list[str] = []
    seen: set[str] = set()
    renamed: list[str] = []
    empty: list[str] = []
    for position, header in enumerate(headers, start=1):
        if not header.strip():
            header = f"column_{position}"
            empty.append(header)
        if header in seen:
            k = 2
            while f"{header}.{k}" in seen or f"{header}.{k}" in original:
                k += 1
            renamed.append(f"{header!r} -> {header}.{k}")
            header = f"{header}.{k}"
        seen.add(header)
        out.append(header)
    return out, renamed, empty


#: Columns beyond the header that rows may add (each kept as ``column_N``); a row with cells in
#: more columns than this is a broken row, not data, and the file is refused naming it.
MAX_EXTRA_COLUMNS = 1024
#: A table bigger than this many cells must hold data in at least 1 cell in :data:`_MIN_FILL`.
_SPARSE_CELLS = 5_000_000
_MIN_FILL = 20
#: A table of more rows than this must have data in at least 1 row in :data:`_MIN_ROW_FILL`.
_SPARSE_ROWS = 10_000
_MIN_ROW_FILL = 100


def _shape_check(rows: list[list[str]], width: int, extra: list[int], name: str) -> None:
    """Refuse shapes no real table has: a row with cells in over :data:`MAX_EXTRA_COLUMNS`
    columns beyond the header, or rows and columns that are almost all empty (a stray cell at
    XFD1048576, a 50,000-field line). Padding them into a table would take gigabytes."""
    if len(extra) > MAX_EXTRA_COLUMNS:
        widest = max(range(len(rows)), key=lambda i: len(rows[i]))
        raise InputError(f"data row {widest + 1} has {len(rows[widest]):,} cells and the header "
                         f"{width:,}: a broken row (a stray quote or delimiter run?); fix that "
                         "row, or remove it", path=name)
    total = len(rows) * (width + len(extra))
    if len(rows) > _SPARSE_ROWS:
        used = [i for i, r in enumerate(rows) if not all(_blank(c) for c in r)]
        if len(used) * _MIN_ROW_FILL < len(rows):
            raise InputError(f"{len(rows):,} data rows but only {len(used):,} hold anything (the "
                             f"last is data row {used[-1] + 1 if used else 0:,}): a stray cell far "
                             "below the data? delete it, or save the data range as .csv", path=name)
    if total > _SPARSE_CELLS:
        filled = sum(1 for r in rows for c in r if c.strip())
        if filled * _MIN_FILL < total:
            widest = max(range(len(rows)), key=lambda i: len(rows[i]))
            raise InputError(f"{len(rows):,} rows by {width + len(extra):,} columns but only "
                             f"{filled:,} cells hold anything (the widest row is data row "
                             f"{widest + 1:,}, {len(rows[widest]):,} cells): a stray cell or a broken "
                             "row? fix it, or save the data range as .csv", path=name)


def _build(table: _Table, mapping: Mapping[str, str] | None, name: str, problems: list[Problem]) -> Manifest:
    import pandas as pd

    headers = list(table.headers)
    rows = table.rows
    if table.headerless:
        # named column_1..N for the widest row: one far wider row gets extra columns instead
        headers = headers[:_typical_widest([len(r) for r in rows])]
    width = len(headers)
    # an empty header over an empty column at the right edge is an export artefact, not data
    while width and not headers[width - 1].strip() and not any(
        len(r) >= width and r[width - 1].strip() for r in rows
    ):
        width -= 1
    headers = headers[:width]
    # cells beyond the header are kept under new columns (column_N, N their position), but
    # only the columns that hold something: one cell at XFD is one column, not 16,000
    extra = sorted({j for r in rows if len(r) > width for j in range(width, len(r)) if r[j].strip()})
    _shape_check(rows, width, extra, name)
    if extra:
        wide_rows = [i for i, r in enumerate(rows) if len(r) > width and any(c.strip() for c in r[width:])]
        problems.append(Problem(None, None, f"{len(wide_rows)} row(s) have more cells than the header "
                                f"(first: data row {wide_rows[0] + 1}); extra cells kept as "
                                f"{', '.join(f'column_{j + 1}' for j in extra)}", "warning"))
        headers += [f"column_{j + 1}" for j in extra]
        rows = [r[:width] + [""] * (width - len(r)) + [r[j] if j < len(r) else "" for j in extra]
                for r in rows]
        width = len(headers)
    unique, renamed, empty = _dedupe([_cell_text(h) for h in headers])
    if renamed:
        problems.append(Problem(None, None, "duplicate header(s) renamed: " + "; ".join(renamed), "warning"))
    if empty:
        problems.append(Problem(None, None, "empty header cell(s) named " + ", ".join(empty), "warning"))
    padded = [r if len(r) == width else (r + [""] * (width - len(r)))[:width] for r in rows]
    columns = {h: [r[j] for r in padded] for j, h in enumerate(unique)}
    frame = pd.DataFrame(columns, dtype=object) if unique else pd.DataFrame(index=range(len(rows)))
    frame.index = pd.RangeIndex(len(rows))
    report = _mapped(unique, mapping, name, padded[:CONTENT_ROWS], headerless=table.headerless)
    return Manifest(
        path=None, format="", encoding=None, sha256="", frame=frame,
        row_numbers=list(range(1, len(rows) + 1)), columns=report.mapping,
        problems=problems + table.row_problems, header_row=table.header_row, roles=report,
    )


def _from_dataframe(df: pd.DataFrame, mapping: Mapping[str, str] | None) -> Manifest:
    headers = [" ".join(map(str, c)) if isinstance(c, tuple) else _cell_text(c) for c in df.columns]
    columns = [[_cell_text(v) for v in df.iloc[:, j].tolist()] for j in range(df.shape[1])]
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else [[] for _ in range(len(df))]
    problems: list[Problem] = []
    manifest = _build(_Table(headers, rows, header_row=None), mapping, "<DataFrame>", problems)
    canonical = manifest.frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    manifest.format = "dataframe"
    manifest.sha256 = hashlib.sha256(canonical).hexdigest()
    return manifest


# ---------------------------------------------------------------------------------------------
# streaming

#: Rows per chunk :meth:`ManifestStream.iter_chunks` yields by default.
CHUNK_ROWS = 50_000
# A physical line longer than this is not read (its row is kept, empty, with a Problem): a
# one-gigabyte "line" is a broken export, and reading it would cost gigabytes of memory.
MAX_LINE_CHARS = 16 << 20
_OVERSIZE_MARK = "\x00oversize:"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


@dataclass
class ManifestChunk:
    """A run of consecutive data rows from a :class:`ManifestStream`.

    ``table`` holds the user's columns (every value a string, headers unique as in
    :class:`Manifest`); ``row_numbers`` are the 1-based data-row numbers; ``problems`` are the
    reader's problems for these rows (a line too long, a record that is not JSON, ...).
    """

    table: Any  # pyarrow.Table
    row_numbers: list[int]
    columns: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    #: what the screening worked out over a column once, for each step that needs it
    #: (``pipeline.encoded_column``: the column dictionary-encoded)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return self.table.num_rows

    def values(self, name: str) -> list[str]:
        """The values of canonical field ``name`` as Python strings; all ``""`` when unmapped."""
        if name not in FIELDS:
            raise KeyError(f"unknown field {name!r}; fields: {', '.join(FIELDS)}")
        header = self.columns.get(name)
        if header is None:
            return [""] * self.table.num_rows
        return self.table.column(header).to_pylist()

    @property
    def frame(self) -> pd.DataFrame:
        """The chunk as a DataFrame of strings (object dtype), index 0..n-1."""
        import pandas as pd

        return pd.DataFrame({h: self.table.column(i).to_pylist() for i, h in
                             enumerate(self.table.column_names)}, dtype=object)


class ManifestStream:
    """A manifest read in chunks: memory stays flat however long the file is.

    Open with :func:`open_manifest`. Format, encoding, header row and column map are detected from
    the start of the file (the same rules as :func:`read_manifest`); :meth:`iter_chunks` then
    yields :class:`ManifestChunk` objects in input order. File-level problems collect in
    ``problems`` as they are found; ``rows`` counts the data rows yielded so far.
    """

    def __init__(self, *, path: str | None, format: str, encoding: str | None, headers: list[str],
                 columns: dict[str, str], problems: list[Problem], sheet: str | None = None,
                 header_row: int | None = None, sha256: str | None = None,
                 roles: ColumnReport | None = None) -> None:
        self.path = path
        self.format = format
        self.encoding = encoding
        self.headers = headers
        self.columns = columns
        self.problems = problems
        self.sheet = sheet
        self.header_row = header_row
        #: how each column got its role; see :class:`chainscreen.columns.ColumnReport`
        self.roles = roles if roles is not None else ColumnReport()
        self.rows = 0
        #: rows expected (exact for Parquet and xlsx, from the bytes per row at the start otherwise)
        self.estimated_rows = 0
        self._sha256 = sha256
        self._hashing: Any = None  # the thread of hash_in_background, until joined
        self._source: Any = None  # set by open_manifest: callable(rows) -> iterator of (table, problems)
        #: the whole manifest, when it was read whole to open it (xlsx): screen it without re-reading
        self.manifest: Manifest | None = None

    @property
    def sha256(self) -> str:
        """sha256 of the input bytes (one cheap separate pass over the file, made once)."""
        if self._hashing is not None:
            self._hashing.join()
            self._hashing = None
        if self._sha256 is None:
            self._sha256 = self._digest()
        return self._sha256

    def hash_in_background(self) -> None:
        """Start computing :attr:`sha256` in a thread (hashing and reading hold no Python lock),
        so a long run does not wait for it at its end. The caller starts it once no process
        will be forked any more (worker processes are not forked beside threads)."""
        if self._sha256 is None and self._hashing is None and self.path:
            import threading

            def run() -> None:
                with contextlib.suppress(OSError):  # the property tries again and says why
                    self._sha256 = self._digest()

            self._hashing = threading.Thread(target=run, name="chainscreen-sha256", daemon=True)
            self._hashing.start()

    def _digest(self) -> str:
        digest = hashlib.sha256()
        with open(self.path or "", "rb") as fh:
            while block := fh.read(1 << 22):
                digest.update(block)
        return digest.hexdigest()

    def iter_chunks(self, rows: int = CHUNK_ROWS) -> Iterator[ManifestChunk]:
        """Yield the data rows in chunks of at most ``rows`` rows, in input order."""
        if rows < 1:
            raise ValueError("rows must be at least 1")
        yield from _rechunk(self, self._source(rows), rows)

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> ManifestStream:
        """Stream over a manifest already in memory (what :func:`screen` does for small files)."""
        stream = cls(path=manifest.path, format=manifest.format, encoding=manifest.encoding,
                     headers=[str(c) for c in manifest.frame.columns], columns=dict(manifest.columns),
                     problems=[p for p in manifest.problems if p.row is None], sheet=manifest.sheet,
                     header_row=manifest.header_row, sha256=manifest.sha256, roles=manifest.roles)
        by_row: dict[int, list[Problem]] = {}
        for p in manifest.problems:
            if p.row is not None:
                by_row.setdefault(p.row, []).append(p)

        def source(rows: int) -> Iterator[_Rows]:
            import pyarrow as pa

            frame = manifest.frame
            for start in range(0, len(frame), rows):
                part = frame.iloc[start:start + rows]
                table = pa.table({h: pa.array([_cell_text(v) for v in part[h].tolist()], pa.string())
                                  for h in stream.headers}) if stream.headers else \
                    pa.table({"": pa.array([""] * len(part), pa.string())}).drop_columns([""])
                numbers = manifest.row_numbers[start:start + rows]
                problems = [p for n in numbers for p in by_row.get(n, ())]
                yield _Rows(table, problems, numbers)

        stream._source = source
        stream.estimated_rows = len(manifest.frame)
        stream.manifest = manifest
        return stream


@dataclass
class _Rows:
    table: Any
    problems: list[Problem]
    numbers: list[int] | None = None  # None: consecutive after the previous rows


def open_manifest(
    source: str | Path,
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    format: str | None = None,
) -> ManifestStream:
    """Open a manifest file for reading in chunks (csv, tsv, txt, parquet, jsonl; xlsx is read whole).

    Detects format, encoding, delimiter, header row and column map from the start of the file,
    with the rules of :func:`read_manifest`, and raises InputError (naming the file) for a file
    that cannot be read at all. Rows are then read by :meth:`ManifestStream.iter_chunks`; CSV goes
    through pyarrow's streaming reader when the file is clean UTF-8 and through Python's csv module
    otherwise (and from the first irregular record on), so every row is kept either way.
    """
    name = str(source)
    path = Path(source)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError("is a directory, not a file", path=name)
        with open(path, "rb") as fh:
            head = fh.read(_DETECT_BYTES)
    except FileNotFoundError:
        raise InputError("file not found", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=name) from None
    if not head:
        raise InputError("empty file", path=name)
    problems: list[Problem] = []
    fmt = _resolve_format(path, head, format, name, problems)
    if fmt in SPREADSHEETS:
        return ManifestStream.from_manifest(read_manifest(source, sheet=sheet, mapping=mapping,
                                                          encoding=encoding, format=format))
    if fmt == "parquet":
        return _open_parquet(path, name, mapping, problems)
    if fmt == "jsonl":
        return _open_jsonl(path, name, head, size, mapping, encoding, problems)
    return _open_text(path, name, head, size, fmt, mapping, encoding, problems)


def _rechunk(stream: ManifestStream, parts: Iterator[_Rows], rows: int) -> Iterator[ManifestChunk]:
    """Cut the reader's pieces into chunks of ``rows``; hold back blank rows until data follows.

    Blank rows at the very end of a text file are an export artefact and are dropped with a
    warning, as :func:`read_manifest` does; blank rows between data rows are kept.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    pending: list[Any] = []  # tables
    pending_numbers: list[list[int]] = []
    pending_problems: list[Problem] = []
    pending_rows = 0
    held: Any = None  # trailing blank rows of the last piece, not yet known to be trailing
    held_numbers: list[int] = []
    next_number = 1
    trim_blanks = stream.format in ("csv", "tsv", "txt")

    def emit(final: bool) -> Iterator[ManifestChunk]:
        nonlocal pending, pending_numbers, pending_rows, pending_problems
        if not pending_rows:
            return
        table = pa.concat_tables(pending) if len(pending) > 1 else pending[0]
        numbers = [n for part in pending_numbers for n in part]
        start = 0
        while table.num_rows - start >= rows or (final and start < table.num_rows):
            stop = min(start + rows, table.num_rows)
            piece_numbers = numbers[start:stop]
            low, high = piece_numbers[0], piece_numbers[-1]
            piece_problems = [p for p in pending_problems if p.row is not None and low <= p.row <= high]
            stream.rows += stop - start
            yield ManifestChunk(table.slice(start, stop - start), piece_numbers, stream.columns,
                                piece_problems)
            start = stop
        rest = table.slice(start)
        pending = [rest] if rest.num_rows else []
        pending_numbers = [numbers[start:]] if rest.num_rows else []
        pending_rows = rest.num_rows
        first = numbers[start] if rest.num_rows else None
        pending_problems = [p for p in pending_problems if first is not None and p.row is not None
                            and p.row >= first]

    for part in parts:
        table = part.table
        n = table.num_rows
        numbers = part.numbers if part.numbers is not None else list(range(next_number, next_number + n))
        if numbers:
            next_number = numbers[-1] + 1
        if trim_blanks and n:
            if held is not None:
                table = pa.concat_tables([held, table])
                numbers = held_numbers + numbers
                held, held_numbers = None, []
            tail = _blank_tail(table, pc)
            if tail:
                held = table.slice(table.num_rows - tail)
                held_numbers = numbers[len(numbers) - tail:]
                table = table.slice(0, table.num_rows - tail)
                numbers = numbers[: len(numbers) - tail]
        if table.num_rows:
            pending.append(table)
            pending_numbers.append(numbers)
            pending_rows += table.num_rows
        pending_problems.extend(part.problems)
        if pending_rows >= rows:
            yield from emit(final=False)
    if held is not None and held.num_rows:
        stream.problems.append(Problem(None, None, f"ignored {held.num_rows} blank lines at the end",
                                       "warning"))
        # row-level problems of dropped rows (an oversized blank line cannot be blank) are kept
    yield from emit(final=True)


def _blank_tail(table: Any, pc: Any) -> int:
    """The length of the run of blank rows at the end of ``table``: looked at from the end, in
    slices four times longer each time, so a piece that ends with a row of data costs one row."""
    n, size = table.num_rows, 1
    while True:
        k = min(size, n)
        blank = _blank_mask(table.slice(n - k), pc)
        if blank is None:
            return 0
        flags = blank.to_numpy(zero_copy_only=False)
        tail = 0
        while tail < k and flags[k - 1 - tail]:
            tail += 1
        if tail < k or k == n:
            return tail
        size *= 4


def _blank_mask(table: Any, pc: Any) -> Any:
    if table.num_columns == 0:
        return None
    mask = None
    for column in table.columns:
        trimmed = pc.utf8_trim_whitespace(pc.utf8_trim(column, characters=_BLANK))
        empty = pc.equal(pc.utf8_length(trimmed), 0)
        mask = empty if mask is None else pc.and_(mask, empty)
    return mask


def _detect_head_text(
    head: bytes, size: int, encoding: str | None, name: str, problems: list[Problem],
) -> tuple[str, str]:
    """The start of the file decoded, and the encoding, with read_manifest's binary checks."""
    whole = len(head) >= size
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", path=name) from None
        chosen = encoding
    else:
        # a multi-byte character cut at the end of the sample is not an encoding error
        cut = head if whole else (head[: head.rfind(b"\n") + 1] or head)
        chosen = detect_encoding(cut)
    wide = codecs.lookup(chosen).name.startswith(("utf-16", "utf-32"))
    sample = head
    if not wide:
        nuls = head.count(0)
        if nuls > max(16, len(head) // 20):
            raise InputError("does not look like a text table (binary content); "
                             f"supported formats: {', '.join(FORMATS)}", path=name)
        sample = head.replace(b"\x00", b"")
    text = codecs.getincrementaldecoder(chosen)("replace").decode(sample, final=whole)
    text = text.removeprefix("\ufeff").replace("\x00", "")
    controls = len(_BINARY_CONTROLS.findall(text))
    if controls > max(8, len(text) // 100):
        raise InputError("does not look like a text table (binary content); "
                         f"supported formats: {', '.join(FORMATS)}", path=name)
    return text, chosen


def _open_text(
    path: Path, name: str, head: bytes, size: int, fmt: str, mapping: Mapping[str, str] | None,
    encoding: str | None, problems: list[Problem],
) -> ManifestStream:
    text, chosen = _detect_head_text(head, size, encoding, name, problems)
    whole = len(head) >= size
    if not whole and "\n" not in text and "\r" not in text:
        raise InputError(f"the first {len(head) >> 20} MiB hold no line break: not a readable table",
                         path=name)
    if not whole:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1]
    delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(text, default=",")
    if fmt == "txt":
        fmt = "tsv" if delimiter == "\t" else "csv"
    grid = list(_records(_capped_lines(io.StringIO(text, newline="")), delimiter, []))
    grid = [[_OVERSIZE_MARK] if r and r[0].startswith(_OVERSIZE_MARK) else r for r in grid]
    index = _locate_header(grid, mapping, name, problems)
    headerless = index is None
    if index is None:
        headers, sample_rows, index = _headerless_names(grid), grid, -1
    else:
        headers = list(grid[index])
        sample_rows = grid[index + 1:]
    if headerless:
        headers = headers[:_typical_widest([len(r) for r in sample_rows])]
    width = len(headers)
    while width and not headers[width - 1].strip() and not any(
        len(r) >= width and r[width - 1].strip() for r in sample_rows
    ):
        width -= 1
    headers = headers[:width]
    # cells beyond the header: kept under column_N where the rows read so far have any (as
    # read_manifest does); cells of later rows in other columns are reported, not kept
    extra = sorted({j for r in sample_rows if len(r) > width for j in range(width, len(r))
                    if r[j].strip()})
    _shape_check(sample_rows, width, extra, name)
    keep = list(range(width)) + extra
    if extra:
        problems.append(Problem(None, None, f"rows have more cells than the header; extra cells "
                                f"kept as {', '.join(f'column_{j + 1}' for j in extra)}", "warning"))
    headers += [f"column_{j + 1}" for j in extra]
    unique, renamed, empty = _dedupe(headers)
    if renamed:
        problems.append(Problem(None, None, "duplicate header(s) renamed: " + "; ".join(renamed), "warning"))
    if empty:
        problems.append(Problem(None, None, "empty header cell(s) named " + ", ".join(empty), "warning"))
    report = _mapped(unique, mapping, name, sample_rows[:CONTENT_ROWS], headerless=headerless)
    stream = ManifestStream(path=name, format=fmt, encoding=chosen, headers=unique, columns=report.mapping,
                            problems=problems, header_row=None if headerless else index + 1, roles=report)
    stream.estimated_rows = _estimate(len(sample_rows), len(text), len(head), size, whole)
    clean = (codecs.lookup(chosen).name == "utf-8" and b"\x00" not in head and "\ufffd" not in text
             and not any(r and r[0] == _OVERSIZE_MARK for r in grid)
             # pyarrow skips header lines, not records: a line break inside a title or header
             # cell would shift every row (the csv module counts records)
             and not any("\n" in c or "\r" in c for r in grid[:index + 1] for c in r))

    def source(rows: int) -> Iterator[_Rows]:
        done = 0
        if clean and unique:
            try:
                for part in _arrow_csv(path, delimiter, index + 1, unique):
                    done += part.table.num_rows
                    yield part
                return
            except _Irregular:
                pass  # from here on, Python's lenient csv module reads the rest
        yield from _python_csv(path, chosen, delimiter, index + 1, unique, stream, skip=done,
                               rows=rows, keep=keep)

    stream._source = source
    return stream


def _estimate(rows: int, chars: int, head_bytes: int, size: int, whole: bool) -> int:
    """Rows in the file, from the rows in its first ``head_bytes`` (exact when that is all of it)."""
    if whole or not chars:
        return rows
    return int(rows * size / max(1, head_bytes * min(1.0, chars / max(1, head_bytes))))


def _mapped(unique: list[str], mapping: Mapping[str, str] | None, name: str,
            rows: Sequence[Sequence[str]] = (), *, headerless: bool = False) -> ColumnReport:
    """Column roles from the headers and a sample of rows; an error when nothing can be screened."""
    try:
        report = assign_roles(unique, mapping, rows, headerless=headerless)
    except InputError as exc:
        raise InputError(str(exc), path=name) from None
    mapped = report.mapping
    if not any(k in mapped for k in ("supplier", "goods", "hs_code")):
        raise InputError(f"no column for supplier, goods or HS code; headers found: "
                         f"{list_headers(unique)}. Use --map supplier=HEADER", path=name)
    return report


class _Irregular(Exception):
    """pyarrow met a record it cannot read as-is; the Python reader takes over."""


def _arrow_csv(path: Path, delimiter: str, skip: int, headers: list[str]) -> Iterator[_Rows]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=headers, block_size=1 << 21),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             ignore_empty_lines=False,
                                             invalid_row_handler=lambda _row: "error"),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in headers}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, check_utf8=True),
        )
    except (pa.ArrowInvalid, OSError):
        raise _Irregular from None
    with reader:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, OSError):
                raise _Irregular from None
            table = pa.Table.from_batches([batch])
            if _holds_byte(table, b"\x00\n\r"):
                # a NUL, or a value over several lines, which may be a quote never closed: the
                # csv module reader tells a broken quote from a cell with line breaks (see
                # _records) and drops NULs
                raise _Irregular
            yield _Rows(table, [])


def _holds_byte(table: Any, needles: bytes) -> bool:
    """Whether any text cell of ``table`` holds one of the bytes ``needles`` (ASCII control
    bytes: UTF-8 never uses them inside another character): looked for in each array's
    character data in place (the bytes between its first and last value offsets), not cell by
    cell and not copied."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    top = max(needles)
    for column in table.columns:
        for array in column.chunks:
            if not len(array):
                continue
            if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
                _validity, offsets, data = array.buffers()
                if data is None:
                    continue
                width = np.int64 if pa.types.is_large_string(array.type) else np.int32
                ends = np.frombuffer(offsets, width)[array.offset: array.offset + len(array) + 1]
                text = np.frombuffer(data, np.uint8)[int(ends[0]):int(ends[-1])]
                # one comparison over the text, the exact test only where it found a low byte
                if (text <= top).any() and np.isin(text[text <= top], list(needles)).any():
                    return True
            elif any(pc.any(pc.match_substring(array.cast(pa.string()), chr(needle))).as_py()
                     for needle in needles):
                return True
    return False


def _capped_lines(handle: Any, counter: list[int] | None = None) -> Iterator[str]:
    """Lines of a text handle, NULs removed; a line over MAX_LINE_CHARS becomes one marker line."""
    while True:
        line = handle.readline(MAX_LINE_CHARS)
        if not line:
            return
        if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            total = len(line)
            while True:  # skip the rest of the line without holding it
                more = handle.readline(MAX_LINE_CHARS)
                total += len(more)
                if not more or more.endswith(("\n", "\r")):
                    break
            yield f"{_OVERSIZE_MARK}{total}\n"
            continue
        if "\x00" in line:
            if counter is not None:
                counter[0] += line.count("\x00")
            line = line.replace("\x00", "")
        if counter is not None and "\ufffd" in line:
            counter[1] += 1
        yield line


def _python_csv(path: Path, encoding: str, delimiter: str, header_records: int, headers: list[str],
                stream: ManifestStream, *, skip: int, rows: int,
                keep: list[int] | None = None) -> Iterator[_Rows]:
    """Rows through Python's csv module: lenient with ragged rows, any encoding, NULs, long lines.

    ``header_records`` records (banner rows and the header) and then ``skip`` data records that
    an earlier reader already delivered are passed over.
    """
    import pyarrow as pa

    width = len(headers)
    # keep: the positions read into the columns, the header's (0..base-1) then extra ones
    base = width if keep is None else next((i for i, j in enumerate(keep) if i != j), len(keep))
    kept = set(keep or ())
    counter = [0, 0]  # NULs removed, lines with undecodable bytes
    old_limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding, errors="replace",
                                                        newline="") as handle:
            repaired: list[tuple[int, int]] = []
            records = _records(_capped_lines(handle, counter), delimiter, repaired)
            for _ in range(header_records):
                if next(records, None) is None:
                    return
            number = skip
            for _ in range(skip):
                if next(records, None) is None:
                    return
            repaired.clear()  # the header's own repair was reported when the file was opened
            while True:
                block: list[list[str]] = []
                problems: list[Problem] = []
                for record in records:
                    number += 1
                    if repaired:
                        problems.append(Problem(number, None, _quote_problem(repaired.pop()[1])))
                    if record and record[0].startswith(_OVERSIZE_MARK):
                        chars = int(record[0][len(_OVERSIZE_MARK):] or 0)
                        problems.append(Problem(number, None, f"line of {chars:,} characters is over "
                                                f"the {MAX_LINE_CHARS:,}-character limit; not read"))
                        record = []
                    elif keep is not None and len(keep) > base:
                        dropped = [c for j, c in enumerate(record) if j >= base and j not in kept
                                   and c.strip()]
                        if dropped:
                            shown = "; ".join(repr(c[:40]) for c in dropped[:5])
                            problems.append(Problem(number, None, f"{len(dropped)} cell(s) beyond the "
                                                    f"last column not kept: {shown}"[:300], "warning"))
                        record = [record[j] if j < len(record) else "" for j in keep]
                    elif len(record) > width:
                        extra = [c for c in record[width:] if c.strip()]
                        if extra:
                            shown = "; ".join(repr(c[:40]) for c in extra[:5])
                            problems.append(Problem(number, None, f"{len(extra)} cell(s) beyond the "
                                                    f"last column not kept: {shown}"[:300], "warning"))
                        record = record[:width]
                    if len(record) < width:
                        record = record + [""] * (width - len(record))
                    block.append(record)
                    if len(block) >= rows:
                        break
                if not block:
                    break
                columns = list(zip(*block, strict=True)) if width else []
                table = pa.table({h: pa.array(columns[j], pa.string()) for j, h in enumerate(headers)}) \
                    if width else pa.table({"_": pa.nulls(len(block))}).drop_columns(["_"])
                yield _Rows(table, problems, list(range(number - len(block) + 1, number + 1)))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=stream.path) from None
    finally:
        csv.field_size_limit(old_limit)
        if counter[0]:
            stream.problems.append(Problem(None, None, f"removed {counter[0]} NUL byte(s)", "warning"))
        if counter[1]:
            stream.problems.append(Problem(None, None, f"{counter[1]} line(s) hold byte sequences not "
                                           f"valid in {encoding}; replaced with U+FFFD", "warning"))


def _open_parquet(path: Path, name: str, mapping: Mapping[str, str] | None,
                  problems: list[Problem]) -> ManifestStream:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        raise InputError(f"cannot read Parquet file: {exc}", path=name) from None
    original = [str(c) for c in parquet.schema_arrow.names]
    unique, renamed, empty = _dedupe([_cell_text(h) for h in original])
    if renamed:
        problems.append(Problem(None, None, "duplicate header(s) renamed: " + "; ".join(renamed), "warning"))
    head_rows: list[list[str]] = []
    try:
        first = next(parquet.iter_batches(batch_size=CONTENT_ROWS), None)
    except Exception:  # a damaged file fails again, with the row count, when read
        first = None
    if first is not None:
        texts = [_arrow_column_text(first.column(j)) for j in range(first.num_columns)]
        head_rows = [list(r) for r in zip(*texts, strict=True)] if texts else []
    report = _mapped(unique, mapping, name, head_rows)
    stream = ManifestStream(path=name, format="parquet", encoding=None, headers=unique,
                            columns=report.mapping, problems=problems, roles=report)
    stream.estimated_rows = parquet.metadata.num_rows

    def source(rows: int) -> Iterator[_Rows]:
        try:
            for batch in parquet.iter_batches(batch_size=rows):
                arrays = [pa.array(_arrow_column_text(batch.column(j)), pa.string())
                          if not (pa.types.is_string(batch.column(j).type)
                                  or pa.types.is_large_string(batch.column(j).type))
                          else batch.column(j).cast(pa.string()).fill_null("")
                          for j in range(batch.num_columns)]
                yield _Rows(pa.table(dict(zip(unique, arrays, strict=True))), [])
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"cannot read Parquet file after row {stream.rows}: {exc}", path=name) from None

    stream._source = source
    return stream


def _open_jsonl(path: Path, name: str, head: bytes, size: int, mapping: Mapping[str, str] | None,
                encoding: str | None, problems: list[Problem]) -> ManifestStream:
    text, chosen = _detect_head_text(head, size, encoding, name, problems)
    if len(head) < size:
        text = text[: text.rfind("\n") + 1]
    keys: dict[str, None] = {}
    seen = 0
    for line in text.splitlines():
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            continue
        obj = _unicode_checked(obj, line)[0]
        if isinstance(obj, dict):
            seen += 1
            for key in obj:
                keys.setdefault(str(key), None)
    if not seen:
        raise InputError("no JSON records", path=name)
    unique, renamed, empty = _dedupe(list(keys))
    report = _mapped(unique, mapping, name)
    stream = ManifestStream(path=name, format="jsonl", encoding=chosen, headers=unique,
                            columns=report.mapping, problems=problems, roles=report)
    stream.estimated_rows = _estimate(seen, len(text), len(head), size, len(head) >= size)

    def source(rows: int) -> Iterator[_Rows]:
        import pyarrow as pa

        blank = 0
        number = 0
        counter = [0, 0]
        known = set(unique)
        with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding=chosen, errors="replace",
                                                        newline="") as handle:
            lines = _capped_lines(handle, counter)
            while True:
                block: list[list[str]] = []
                row_problems: list[Problem] = []
                for line in lines:
                    line = line.removeprefix("\ufeff")
                    if not line.strip():
                        blank += 1
                        continue
                    number += 1
                    values = [""] * len(unique)
                    if line.startswith(_OVERSIZE_MARK):
                        row_problems.append(Problem(number, None, f"line over the {MAX_LINE_CHARS:,}-"
                                                    "character limit; not read"))
                    else:
                        try:
                            obj = json.loads(line)
                        except json.JSONDecodeError as exc:
                            obj = None
                            row_problems.append(Problem(number, None, f"not valid JSON: {exc.msg}"))
                        except RecursionError:
                            obj = None
                            row_problems.append(Problem(number, None, "JSON nested too deeply"))
                        obj, bad = _unicode_checked(obj, line)
                        if bad:
                            row_problems.append(Problem(number, None, _SURROGATE_PROBLEM))
                        if obj is not None and not isinstance(obj, dict):
                            row_problems.append(Problem(number, None, "line is JSON but not an object"))
                        elif isinstance(obj, dict):
                            record = {str(k): v for k, v in obj.items()}
                            values = [_cell_text(record.get(h)) for h in unique]
                            other = [k for k in record if k not in known]
                            if other:
                                row_problems.append(Problem(number, None, "field(s) not in the first "
                                                            f"records, not kept: {', '.join(other)[:200]}",
                                                            "warning"))
                    block.append(values)
                    if len(block) >= rows:
                        break
                if not block:
                    break
                cols = list(zip(*block, strict=True))
                table = pa.table({h: pa.array(cols[j], pa.string()) for j, h in enumerate(unique)})
                yield _Rows(table, row_problems, list(range(number - len(block) + 1, number + 1)))
        if blank:
            stream.problems.append(Problem(None, None, f"ignored {blank} blank line(s)", "warning"))
        if counter[1]:
            stream.problems.append(Problem(None, None, f"{counter[1]} line(s) hold byte sequences not "
                                           f"valid in {chosen}; replaced with U+FFFD", "warning"))

    stream._source = source
    return stream
