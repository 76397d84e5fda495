"""Builders of hostile files (SYNTHETIC data): workbooks with edited sheet XML, entity tricks,
merge ranges and stray far cells. Used by the defect tests and by the class generators."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence

SHEET = "xl/worksheets/sheet1.xml"


def xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    """A one-sheet workbook holding ``rows`` (openpyxl writes every cell as an inline string
    or a number, each ``<row>`` with its ``r``)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def patch(data: bytes, part: str, edit: Callable[[bytes], bytes]) -> bytes:
    """``data`` (a zip) with member ``part`` replaced by ``edit(part's bytes)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            blob = src.read(info.filename)
            z.writestr(info, edit(blob) if info.filename == part else blob)
    return out.getvalue()


def sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(SHEET)


def billion_laughs(levels: int = 9, fan: int = 10) -> bytes:
    """A DTD whose last entity stands for fan**levels copies of "lol"."""
    ents = [b'<!ENTITY lol0 "lol">']
    for i in range(1, levels + 1):
        ents.append(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * fan))
    return b"<!DOCTYPE worksheet [" + b"".join(ents) + b"]>"


def with_entity(data: bytes, kind: str, target: str = "", levels: int = 9) -> bytes:
    """The workbook with its first data cell's text replaced by an entity reference.

    ``kind``: "laughs" (billion laughs), "file" (external entity on ``target``, a path), "url"
    (external entity on ``target``, a URL), "parameter" (an external parameter entity).
    """
    if kind == "laughs":
        dtd, ref = billion_laughs(levels), b"&lol%d;" % levels
    elif kind == "file":
        dtd, ref = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://%s">]>' % target.encode(), b"&xxe;"
    elif kind == "url":
        dtd, ref = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "%s">]>' % target.encode(), b"&xxe;"
    elif kind == "parameter":
        dtd, ref = b'<!DOCTYPE worksheet [<!ENTITY %% p SYSTEM "%s"> %%p;]>' % target.encode(), b"x"
    else:
        raise ValueError(kind)

    def edit(xml: bytes) -> bytes:
        body = re.sub(rb"(<c r=\"A2\"[^>]*><is><t>)[^<]*(</t>)", rb"\g<1>" + ref + rb"\g<2>", xml, count=1)
        if body.startswith(b"<?xml"):
            end = body.index(b"?>") + 2
            return body[:end] + dtd + body[end:]
        return dtd + body

    return patch(data, SHEET, edit)


def reorder_rows(data: bytes, order: Sequence[int]) -> bytes:
    """The sheet's ``<row>`` elements in the given order of their current positions (0-based);
    their ``r`` attributes are kept, so the XML lists rows out of order."""

    def edit(xml: bytes) -> bytes:
        rows = re.findall(rb"<row [^>]*>.*?</row>|<row [^>]*/>", xml, flags=re.S)
        start = xml.index(rows[0])
        end = xml.index(rows[-1]) + len(rows[-1])
        return xml[:start] + b"".join(rows[i] for i in order) + xml[end:]

    return patch(data, SHEET, edit)


def renumber_row(data: bytes, position: int, r: int) -> bytes:
    """Row element at ``position`` (0-based) and its cells renumbered as sheet row ``r``
    (two rows may then share an ``r``)."""

    def edit(xml: bytes) -> bytes:
        rows = re.findall(rb"<row [^>]*>.*?</row>", xml, flags=re.S)
        old = rows[position]
        new = re.sub(rb'(<row [^>]*\br=")\d+"', rb'\g<1>%d"' % r, old, count=1)
        new = re.sub(rb'(<c r="[A-Z]+)\d+"', rb'\g<1>%d"' % r, new)
        return xml.replace(old, new, 1)

    return patch(data, SHEET, edit)


def add_cell(data: bytes, ref: str, text: str) -> bytes:
    """The sheet with one more inline-string cell at ``ref`` (e.g. "XFD1048576"), in its own
    row at the end when that row is not there yet."""
    row = int(re.sub(r"[A-Z]", "", ref))
    cell = b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref.encode(), text.encode())

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb"<dimension ref=\"[^\"]*\"/>", b"", xml)
        found = re.search(rb'<row [^>]*\br="%d"[^>]*>' % row, xml)
        if found:
            end = xml.index(b"</row>", found.end())
            return xml[:end] + cell + xml[end:]
        return xml.replace(b"</sheetData>", b'<row r="%d">' % row + cell + b"</row></sheetData>")

    return patch(data, SHEET, edit)


def add_merge(data: bytes, ref: str) -> bytes:
    """The sheet with a merged range ``ref`` (e.g. "A4:XFD1048576")."""
    merge = b'<mergeCells count="1"><mergeCell ref="%s"/></mergeCells>' % ref.encode()

    def edit(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b"</sheetData>" + merge, 1)

    return patch(data, SHEET, edit)
