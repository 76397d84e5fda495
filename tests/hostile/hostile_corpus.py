"""Build the hostile-input corpus: malformed files chainscreen must survive (SYNTHETIC data).

Run:  python tests/hostile/hostile_corpus.py OUTDIR [--big]

Each case is a file plus what must happen: ``ok`` (exit 0, every data row out) or an error whose
one-line message contains ``expect``. Files are generated rather than checked in, because some are
large; ``--big`` adds the one-gigabyte single line (too slow for CI; the test uses 20 MiB, over
the 16 MiB line limit, which exercises the same path).
"""

from __future__ import annotations

import io
import json
import random
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Case:
    """One hostile file and its expected outcome."""

    name: str
    data: bytes
    outcome: str  # "ok" or "error"
    expect: str = ""  # a substring of the message (error) or of a problem (ok)
    rows: int | None = None  # data rows expected out, for "ok"


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def _xlsx(build: object) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    build(wb.active)  # type: ignore[operator]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _merged(ws: object) -> None:
    ws.append(["Supplier details", None, "Goods", None])  # type: ignore[attr-defined]
    ws.merge_cells("A1:B1")  # type: ignore[attr-defined]
    ws.merge_cells("C1:D1")  # type: ignore[attr-defined]
    ws.append(["Supplier", "Country", "Description", "HS Code"])  # type: ignore[attr-defined]
    ws.append(["Lakeside Textiles Pvt Ltd", "IN", "cotton yarn", "5205.12"])  # type: ignore[attr-defined]
    ws.append(["Nord Garn AG", "DE", "wool", "5106.10"])  # type: ignore[attr-defined]


def _formulas(ws: object) -> None:
    ws.append(["Supplier", "Country", "Value"])  # type: ignore[attr-defined]
    ws.append(["=HYPERLINK(\"http://x.invalid\",\"click\")", "CN", "=1+1"])  # type: ignore[attr-defined]
    ws.append(["Harbourview Ceramics Co.", "VN", "=SUM(C2:C2)"])  # type: ignore[attr-defined]


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (96 << 20))  # 96 MiB of zeros, ~100 KiB packed
    return buf.getvalue()


def _encrypted() -> bytes:
    # the start of an OLE compound file as Excel writes for a password-protected .xlsx
    return OLE + b"\0" * 504 + "EncryptedInfo".encode("utf-16-le") + b"\0" * 64 + \
        "EncryptedPackage".encode("utf-16-le") + b"\0" * 2048


HEADER = "Supplier,Country,Description,HS Code,Value,Date\n"
NASTY_VALUES = [
    ("X" * 10_000, "CN", "cotton", "5205.12", "10", "2024-01-05"),
    ("🧵 Emoji Threads 🚢 Co., Ltd.", "CN", "garments 👕", "6109.10", "-5", "05/01/2024"),
    ("شركة النسيج المتحدة", "EG", "قطن", "5201.00", "NaN", "5 Jan 2024"),
    ("חברת טקסטיל בע\"מ", "IL", "textiles", "6302.60", "nan", "20240105"),
    ("Zero\u200dWidth\u200bJoiner\u200cTextiles", "IN", "yarn", "5205.12", "1e309", "2024.01.05"),
    ("Co., Ltd.", "CN", "toys", "9503.00", "", "Jan 5, 2024"),
    ("Lakeside Home Textiles", "IN", "towels", "61O9.10", "12", "05-Jan-24"),
    ("=HYPERLINK(\"http://evil.invalid\",\"click\")", "CN", "=1+2", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"),
    ("<script>alert('x')</script> Trading", "<b>CN</b>", "<img src=x onerror=alert(1)>", "6109", "1", "x"),
    ("\t=tab formula", "\r=cr formula", "+", "-", "@", "="),
]


def nasty_values_csv() -> bytes:
    """A CSV whose every value is hostile; returned as bytes."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(HEADER.strip().split(","))
    for row in NASTY_VALUES:
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def cases(big: bool = False) -> list[Case]:
    """Every hostile case; ``big`` adds the 1 GB single line."""
    rng = random.Random(7)
    rows3 = "Lakeside Textiles,IN,cotton yarn,5205.12\nNord Garn AG,DE,wool,5106.10\nAcme Co,CN,toys,9503\n"
    head4 = "Supplier,Country,Description,HS Code\n"
    out = [
        Case("empty.csv", b"", "error", "empty file"),
        Case("header_only.csv", _csv(head4), "ok", rows=0),
        # no header row: every row is data, the columns are named by their content
        Case("no_header.csv", _csv(rows3), "ok", "no header row found", rows=3),
        Case("duplicate_headers.csv", _csv("Supplier,Supplier,Country,Country,Goods\n"
                                           "A Co,B Co,CN,VN,cotton\n"), "ok", "duplicate header", rows=1),
        Case("columns_10000.csv", _csv(",".join(["Supplier", "Country"] + [f"c{i}" for i in range(9998)])
                                       + "\n" + ",".join(["Acme Co", "CN"] + ["1"] * 9998) + "\n"),
             "ok", rows=1),
        Case("long_line_20MiB.csv", _csv(head4 + "Acme Co,CN,toys,9503\n" + "Y" * (20 << 20) + ",CN\n"
                                         + "Nord Garn AG,DE,wool,5106\n"), "ok", "characters", rows=3),
        Case("single_line_20MiB.csv", b"Z" * (20 << 20), "error", "no line break"),
        Case("binary_garbage.csv", bytes(rng.getrandbits(8) for _ in range(200_000)), "error",
             "binary content"),
        # OLE magic over random bytes: read as a legacy .xls, which calamine refuses in one line
        Case("really_xls.xlsx", OLE + bytes(rng.getrandbits(8) for _ in range(4096)), "error",
             "cannot open legacy Excel workbook"),
        Case("zip_bomb.xlsx", _zip_bomb(), "error", "refusing"),
        Case("password_protected.xlsx", _encrypted(), "error", "password-protected"),
        Case("merged_header.xlsx", _xlsx(_merged), "ok", rows=2),
        Case("formulas.xlsx", _xlsx(_formulas), "ok", rows=2),
        Case("mixed_encodings.csv", _csv(head4) + "Müller Textil GmbH,DE,wool,5106\n".encode()
             + "Café Andino S.A.,CO,coffee,0901\n".encode("cp1252") + b"Nord AG,DE,yarn,5205\n",
             "ok", rows=3),
        Case("bom_utf8.csv", b"\xef\xbb\xbf" + _csv(head4 + rows3), "ok", rows=3),
        Case("bom_utf16.csv", (head4 + rows3).encode("utf-16"), "ok", rows=3),
        Case("nul_bytes.csv", _csv(head4) + b"Acme\x00 Co,CN,toys,9503\nNord\x00 AG,DE,wool,5106\n",
             "ok", "NUL", rows=2),
        Case("crlf.csv", _csv((head4 + rows3).replace("\n", "\r\n")), "ok", rows=3),
        Case("cr_only.csv", _csv((head4 + rows3).replace("\n", "\r")), "ok", rows=3),
        Case("quoted_newlines.csv", _csv(head4 + '"Acme\nCo, Ltd",CN,"toys,\r\nplastic",9503\n'
                                         + rows3), "ok", rows=4),
        Case("ragged_rows.csv", _csv(head4 + "Acme Co,CN\n" + "Nord AG,DE,wool,5106,extra,cells\n\n"
                                     + "Last Co,VN,shrimp,0306\n\n\n"), "ok", rows=4),
        Case("hostile_values.csv", nasty_values_csv(), "ok", rows=len(NASTY_VALUES)),
        Case("json_lines_broken.jsonl", _csv('{"Supplier": "Acme Co", "Country": "CN"}\n'
                                             'not json\n[1,2]\n{"Supplier": "B Co", "Extra": 1}\n'),
             "ok", "not valid JSON", rows=4),
    ]
    if big:
        out.append(Case("single_line_1GiB.csv", b"", "error", "no line break"))
    return out


def write(outdir: Path, big: bool = False) -> list[Case]:
    """Write every case to ``outdir`` with ``expected.json``; returns the cases."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = cases(big)
    for case in written:
        path = outdir / case.name
        if case.name == "single_line_1GiB.csv":
            with open(path, "wb") as fh:
                block = b"Z" * (64 << 20)
                for _ in range(16):
                    fh.write(block)
            continue
        path.write_bytes(case.data)
    (outdir / "expected.json").write_text(json.dumps(
        [{"file": c.name, "outcome": c.outcome, "expect": c.expect, "rows": c.rows} for c in written],
        indent=1) + "\n")
    return written


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    made = write(Path(sys.argv[1]), big="--big" in sys.argv)
    print(f"wrote {len(made)} cases to {sys.argv[1]}", file=sys.stderr)
