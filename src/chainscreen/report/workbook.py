"""The annotated workbook: the user's own sheet, untouched, plus added columns and extra sheets.

For an .xlsx input the user's workbook itself is copied (formatting, other sheets and formulas
kept) and the added columns are appended to the right of the screened sheet. Any other input
becomes a new workbook with the original columns followed by the added ones.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.errors import OutputError
from chainscreen.files import atomic_path, neutralise
from chainscreen.result import ADDED_COLUMNS, decision_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from openpyxl.worksheet.worksheet import Worksheet

    from chainscreen.result import RowResult, ScreenResult

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
LEVEL_FILLS = {
    "high": "F8B4B4",
    "elevated": "FCD9A8",
    "low": "FFF3B0",
    "clear": "CDEFD1",
    "unscreenable": "D9D9D9",
}


#: Characters an .xlsx file cannot hold (XML 1.0 forbids them; a lone surrogate is not text);
#: tab, line feed and carriage return are allowed.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def visible_controls(text: str) -> str:
    """``text`` with each control character Excel cannot hold shown as its Unicode control
    picture (U+0001 -> ␁, U+001B -> ␛), so the cell still says something was there."""
    return _XML_ILLEGAL.sub(lambda m: chr(0x2400 + ord(m.group()))
                            if ord(m.group()) < 0x20 else "\ufffd", text)


def _put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    """Write a cell so that text is always stored as inert text, never as a formula."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = visible_controls(value)
        cell.value = value
        cell.data_type = "s"  # "=HYPERLINK(...)" stays a string
        if value.startswith(("=", "+", "-", "@")):
            cell.value = neutralise(value)
            cell.data_type = "s"
    else:
        cell.value = value


def write_workbook(result: ScreenResult, path: Path) -> Path:
    """Write the annotated workbook atomically to ``path``.

    For an .xlsx input the user's own workbook is copied and the added columns go to the right
    of the widest used column of the screened rows (never over the user's cells); data cells
    beyond the header get the names the other outputs give them (``column_7``). When the added
    columns would not fit within Excel's last column, a new workbook is written instead.
    """
    from openpyxl import Workbook

    n = len(result.rows)
    if n + 1 > EXCEL_MAX_ROWS:
        raise OutputError(
            f"{path}: {n:,} rows do not fit in an Excel sheet (max {EXCEL_MAX_ROWS - 1:,}); "
            "use --format csv or json")
    m = result.manifest
    source = Path(m.path) if m.path else None
    notes: list[str] = []
    wb = ws = None
    if m.format == "xlsx" and source is not None and source.suffix.lower() in (".xlsx", ".xlsm"):
        wb = _load_copy(source, notes)
        ws = wb[m.sheet] if m.sheet in wb.sheetnames else wb.worksheets[0]
        header_row = m.header_row or 1
        first_added = _last_used_column(ws, header_row, header_row + n) + 1
        if first_added + len(ADDED_COLUMNS) - 1 > EXCEL_MAX_COLUMNS:
            notes.append(f"the sheet {ws.title!r} uses columns up to the last one Excel has: the "
                         "screened rows are written to a new sheet instead of a copy of the workbook")
            wb = ws = None
        else:
            _name_extra_columns(ws, m.frame.columns, header_row)
            _unmerge_from(ws, header_row, first_added, notes)
    if wb is None or ws is None:
        wb = Workbook()
        ws = wb.active
        ws.title = "Screened"
        header_row = 1
        for j, col in enumerate(m.frame.columns, start=1):
            _put(ws, 1, j, str(col))
        values = m.frame.itertuples(index=False, name=None)
        for i, tup in enumerate(values, start=2):
            for j, v in enumerate(tup, start=1):
                if v is not None and v != "":
                    _put(ws, i, j, v)
        first_added = len(m.frame.columns) + 1

    _annotate(ws, result, header_row, first_added)
    _entity_hits_sheet(wb.create_sheet("Entity hits", 0), result)
    wb.active = 0
    _candidates_sheet(wb.create_sheet("Candidates"), result)
    _problems_sheet(wb.create_sheet("Problems"), result, notes)
    _summary_sheet(wb.create_sheet("Summary"), result)
    _receipt_sheet(wb.create_sheet("Receipt"), result)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _load_copy(source: Path, notes: list[str]) -> Any:
    """The user's workbook, loaded whole, with merged and hyperlinked ranges clipped to the
    cells the sheet has (openpyxl makes an object per cell of such a range: one range over a
    whole sheet is 17 billion of them)."""
    from openpyxl import load_workbook

    try:
        data = _clip_ranges(source.read_bytes(), notes)
        wb = load_workbook(io.BytesIO(data), keep_vba=False, rich_text=False)
        for sheet in wb.worksheets:
            for rng in [r for r in sheet.merged_cells.ranges if r.size == {"rows": 1, "columns": 1}]:
                sheet.merged_cells.remove(rng)  # what clipping left of a range: no merge at all
        return wb
    except OutputError:
        raise
    except Exception as exc:  # the reader opened it; anything left is a damaged part
        text = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        raise OutputError(f"{source}: cannot copy the workbook to annotate it ({text}); "
                          "choose another --format than xlsx") from None


_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_RANGE_TAG = re.compile(rb'<(mergeCell|hyperlink)\b([^>]*?)\bref="([A-Z]{1,3})([0-9]{1,7})'
                        rb':([A-Z]{1,3})([0-9]{1,7})"')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
#: A merged or linked range larger than this (after clipping) is reduced to its first cell.
MAX_RANGE_CELLS = 1_000_000


def _clip_ranges(data: bytes, notes: list[str]) -> bytes:
    """``data`` (an .xlsx) with each sheet's merged and hyperlink ranges clipped to the extent
    of the cells the sheet has (a range still over :data:`MAX_RANGE_CELLS` cells, or wholly
    outside, becomes its first cell). Unchanged when no range needs it."""
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(data))
    edited: dict[str, bytes] = {}
    for info in archive.infolist():
        if _SHEET_PART.fullmatch(info.filename):
            xml = archive.read(info.filename)
            if b"<mergeCell " in xml or b"<hyperlink " in xml:
                clipped = _clip_sheet(xml, notes)
                if clipped is not None:
                    edited[info.filename] = clipped
    if not edited:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in archive.infolist():
            z.writestr(info, edited.get(info.filename) or archive.read(info.filename))
    return out.getvalue()


def _clip_sheet(xml: bytes, notes: list[str]) -> bytes | None:
    """One sheet's XML with its ranges clipped (see :func:`_clip_ranges`); None if unchanged."""
    from openpyxl.utils import column_index_from_string, get_column_letter

    last_row = last_col = 1
    for m in _CELL_REF.finditer(xml):
        last_row = max(last_row, int(m.group(2)))
        last_col = max(last_col, column_index_from_string(m.group(1).decode()))
    changed = False

    def clip(m: re.Match[bytes]) -> bytes:
        nonlocal changed
        c1, r1 = column_index_from_string(m.group(3).decode()), int(m.group(4))
        c2, r2 = column_index_from_string(m.group(5).decode()), int(m.group(6))
        nc2, nr2 = min(c2, last_col), min(r2, last_row)
        if (nc2, nr2) == (c2, r2) and (c2 - c1 + 1) * (r2 - r1 + 1) <= MAX_RANGE_CELLS:
            return m.group(0)
        changed = True
        if nc2 < c1 or nr2 < r1 or (nc2 - c1 + 1) * (nr2 - r1 + 1) > MAX_RANGE_CELLS:
            nc2, nr2 = c1, r1  # a one-cell range: a no-op merge, a link on its first cell
        kind = "merged" if m.group(1) == b"mergeCell" else "hyperlink"
        old = f"{m.group(3).decode()}{r1}:{m.group(5).decode()}{r2}"
        new = f"{m.group(3).decode()}{r1}:{get_column_letter(nc2)}{nr2}"
        notes.append(f"{kind} range {old} reaches beyond the sheet's cells: clipped to {new} in "
                     "the annotated copy")
        return b'<%s%sref="%s"' % (m.group(1), m.group(2), new.encode())

    out = _RANGE_TAG.sub(clip, xml)
    return out if changed else None


def _last_used_column(ws: Worksheet, first_row: int, last_row: int) -> int:
    """The rightmost column holding a value in rows ``first_row`` to ``last_row``."""
    # the cell dictionary, not iter_rows: iter_rows would make every empty cell up to the
    # sheet's last column
    cells = ws._cells  # noqa: SLF001 - openpyxl keeps a worksheet's cells in this dict
    used = [col for (row, col), cell in cells.items()
            if first_row <= row <= last_row and cell.value not in (None, "")]
    return max(used, default=0)


def _unmerge_from(ws: Worksheet, first_row: int, first_col: int, notes: list[str]) -> None:
    """Unmerge ranges reaching into the cells the added columns go to (a merged cell holds no
    value of its own)."""
    for rng in list(ws.merged_cells.ranges):
        if rng.max_col >= first_col and rng.max_row >= first_row:
            ws.unmerge_cells(rng.coord)
            notes.append(f"merged range {rng.coord} unmerged: the added columns go there")


def _name_extra_columns(ws: Worksheet, columns: Any, header_row: int) -> None:
    """Name the header cells over data the header did not name, as the other outputs do."""
    from openpyxl.cell.cell import MergedCell

    for name in columns:
        m = re.fullmatch(r"column_(\d+)", str(name))
        cell = ws.cell(row=header_row, column=int(m.group(1))) if m else None
        if cell is not None and not isinstance(cell, MergedCell) and cell.value in (None, ""):
            _put(ws, header_row, cell.column, str(name))


def _annotate(ws: Worksheet, result: ScreenResult, header_row: int, first_col: int) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="1F3864")
    for k, name in enumerate(ADDED_COLUMNS):
        cell = ws.cell(row=header_row, column=first_col + k, value=name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = head_fill
    added = result.added_frame()
    for r, values in zip(result.rows, added.itertuples(index=False, name=None), strict=True):
        physical = header_row + r.row
        for k, v in enumerate(values):
            if v is None or (isinstance(v, float) and v != v):
                continue
            _put(ws, physical, first_col + k, v)
    last_row = header_row + len(result.rows)
    level_col = get_column_letter(first_col)
    rng = f"{level_col}{header_row + 1}:{level_col}{max(last_row, header_row + 1)}"
    for level, colour in LEVEL_FILLS.items():
        ws.conditional_formatting.add(
            rng, FormulaRule(formula=[f'${level_col}{header_row + 1}="{level}"'],
                             fill=PatternFill("solid", fgColor=colour, bgColor=colour)))
    widths = {"Reasons": 80, "Best match": 40, "Formula": 50, "Lists used": 40, "Decision": 40}
    formats = {"Risk score": "0.0", "Match score": "0.00"}
    wrap = Alignment(wrap_text=True, vertical="top")
    for k, name in enumerate(ADDED_COLUMNS):
        letter = get_column_letter(first_col + k)
        ws.column_dimensions[letter].width = widths.get(name, 14)
        if name in formats:
            for row in range(header_row + 1, last_row + 1):
                ws.cell(row=row, column=first_col + k).number_format = formats[name]
        if name == "Reasons":
            for row in range(header_row + 1, last_row + 1):
                ws.cell(row=row, column=first_col + k).alignment = wrap
    ws.freeze_panes = f"A{header_row + 1}"  # by name: the cell may be part of a merged range
    last_col = get_column_letter(first_col + len(ADDED_COLUMNS) - 1)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{max(last_row, header_row + 1)}"
    for cell in ws[header_row]:
        if cell.column < first_col and cell.value is not None:
            cell.font = bold


def _table(ws: Worksheet, header: list[str], rows: list[list[Any]],
           widths: dict[int, float] | None = None) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor="1F3864")
    for j, h in enumerate(header, start=1):
        cell = ws.cell(row=1, column=j, value=h)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        ws.column_dimensions[get_column_letter(j)].width = (widths or {}).get(j, max(12, len(h) + 4))
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row, start=1):
            if v is not None:
                _put(ws, i, j, v)
    ws.freeze_panes = "A2"
    if rows:
        from openpyxl.utils import get_column_letter
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"


#: Columns of the "Entity hits" sheet (the in-memory and the streamed workbook).
ENTITY_HITS_HEADER: tuple[str, ...] = (
    "Row", "Triage", "Risk level", "Risk score", "Supplier", "Origin (ISO)", "Listed name",
    "Match score", "List", "Record", "UFLPA section", "Effective", "Decision", "Evidence")
#: Column widths of that sheet (1-based column -> characters); the Evidence column wraps.
ENTITY_HITS_WIDTHS: dict[int, float] = {5: 36, 7: 40, 9: 34, 14: 90}
NO_ENTITY_HITS = "No entity hit and no Xinjiang nexus in this file."


def entity_hit_rows(rows: Iterable[RowResult]) -> list[list[Any]]:
    """One sheet line per entity hit or Xinjiang nexus of ``rows`` (given in triage order), with
    the listed record, its list, UFLPA section and effective date."""
    from chainscreen.result import triage_label

    out: list[list[Any]] = []
    for r in rows:
        hits = [e for e in r.evidence if e.kind in ("entity_list", "watchlist", "xinjiang")]
        for e in hits:
            details = e.details or {}
            sections = ", ".join(str(x) for x in details.get("uflpa_sections", []) or [])
            dates = ", ".join(str(x) for x in details.get("effective_dates", []) or [] if x)
            out.append([r.row, triage_label(r), r.level, r.score, r.supplier or "", r.country or "",
                        e.matched_name or ("Xinjiang Uyghur Autonomous Region" if e.kind == "xinjiang" else ""),
                        e.match_score, f"{e.list_id}@{e.edition}", e.record_id or "", sections, dates,
                        decision_text(r.decision), e.summary])
    return out


def _entity_hits_sheet(ws: Worksheet, result: ScreenResult) -> None:
    """The rows to act on first: every entity hit (matches, then candidates that need review) and
    Xinjiang nexus, in triage order, with the listed record, its list, section and date."""
    from openpyxl.styles import Alignment

    from chainscreen.result import line_values, triage_group, triage_order

    rows = entity_hit_rows(triage_order([r for r in result.rows if triage_group(r) < 3],
                                        line_values(result)))
    _table(ws, list(ENTITY_HITS_HEADER), rows, ENTITY_HITS_WIDTHS)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2, min_col=14, max_col=14):
        row[0].alignment = wrap
    if not rows:
        ws.cell(row=2, column=1, value=NO_ENTITY_HITS)


def _candidates_sheet(ws: Worksheet, result: ScreenResult) -> None:
    rows = [
        [r.row, r.supplier or "", rank, c.record.name, c.matched_name, c.record.list_id,
         c.record.record_id, c.score, c.decision, "; ".join(c.reasons)]
        for r in result.rows for rank, c in enumerate(r.candidates, start=1)
    ]
    _table(ws, ["Row", "Supplier", "Rank", "List name", "Matched name/alias", "List",
                "Record", "Score", "Matcher verdict", "Why"], rows,
           {2: 36, 4: 40, 5: 40, 6: 20, 7: 18, 10: 90})
    for row in ws.iter_rows(min_row=2, min_col=8, max_col=8):
        row[0].number_format = "0.00"


def _problems_sheet(ws: Worksheet, result: ScreenResult, notes: list[str] | None = None) -> None:
    rows = [[p.row if p.row is not None else "file", p.column or "", p.severity, p.reason]
            for p in result.all_problems()]
    rows += [["workbook", "", "warning", note] for note in notes or []]
    _table(ws, ["Row", "Column", "Severity", "Reason"], rows, {2: 24, 4: 100})


def _summary_sheet(ws: Worksheet, result: ScreenResult) -> None:
    """Rows by level, then by origin country and by DOL good, each split by level."""
    from collections import Counter, defaultdict

    from chainscreen.models import LEVELS
    from chainscreen.normalize.countries import country_name

    counts = result.counts()
    rows: list[list[Any]] = [["Level", level, count, *[count if lv == level else 0 for lv in LEVELS]]
                             for level, count in counts.items()]
    by_country: dict[str, Counter[str]] = defaultdict(Counter)
    by_goods: dict[str, Counter[str]] = defaultdict(Counter)
    for r in result.rows:
        key = f"{country_name(r.country)} ({r.country})" if r.country else "(origin not given)"
        by_country[key][r.level] += 1
        for good in sorted({g.good for g in r.goods if g.scheme == "dol"}):
            by_goods[good][r.level] += 1

    def order(d: dict[str, Counter[str]]) -> list[tuple[str, Counter[str]]]:
        return sorted(d.items(), key=lambda kv: (-kv[1]["high"], -kv[1]["elevated"],
                                                 -sum(kv[1].values()), kv[0]))

    rows += [["Origin country", k, sum(c.values()), *[c.get(lv, 0) for lv in LEVELS]]
             for k, c in order(by_country)]
    rows += [["DOL-listed goods", k, sum(c.values()), *[c.get(lv, 0) for lv in LEVELS]]
             for k, c in order(by_goods)]
    _table(ws, ["Group", "Value", "Rows", *LEVELS], rows, {1: 18, 2: 36})


def _receipt_sheet(ws: Worksheet, result: ScreenResult) -> None:
    rc = result.receipt
    rows: list[list[Any]] = [
        ["input file", rc["input"]["file"] or "(data frame)"],
        ["input sha256", rc["input"]["sha256"]],
        ["input rows", rc["input"]["rows"]],
        ["columns used", json.dumps(rc["input"]["columns"], ensure_ascii=False)],
        ["settings sha256", rc["settings_sha256"]],
        *[[f"setting {k}", "" if v is None else v if isinstance(v, (str, int, float, bool)) else
           json.dumps(v, ensure_ascii=False, default=str)] for k, v in sorted((rc.get("settings") or {}).items())],
        ["tool", f"{rc['tool']['name']} {rc['tool']['version']}"],
        ["started", rc["started"]],
        ["finished", rc["finished"]],
    ]
    rows += [[f"list {x['id']}", f"edition {x['edition']}; sha256 {x['sha256']}; {x['records']} records"]
             for x in rc["lists"]]
    _table(ws, ["Item", "Value"], rows, {1: 28, 2: 110})
