"""Reading manifests: formats, encodings, dialects, headers, column mapping, and keeping every row."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainscreen.errors import InputError
from chainscreen.manifest import Manifest, detect_encoding, map_columns, read_manifest
from chainscreen.models import FIELDS

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "data" / "manifests"

CHINESE_SUPPLIERS = ["新疆棉纺织有限公司", "宁波海岸家纺有限公司", "广州华南服装厂"]
WESTERN_SUPPLIERS = ["Société Générale Côte d'Ivoire", "Müller Textil GmbH", "Café Andino S.A."]


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def small_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Supplier": ["Lakeside Home Textiles Pvt Ltd", "", "Harbourview Ceramics Co.", "Nord Garn AG"],
        "Country": ["IN", "", "VN", "DE"],
        "HS Code": ["520512", "", "0901.11", "6302.60"],
        "Value": ["1200", "", "15.5", "0"],
    })


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le-bom", "utf-16-be-bom"]
)
def test_western_names_survive_each_encoding(tmp_path: Path, encoding: str) -> None:
    text = "Supplier,Country,Goods\n" + "".join(f'"{n}",CI,cocoa\n' for n in WESTERN_SUPPLIERS)
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    m = read_manifest(write(tmp_path, "suppliers.csv", data))
    assert list(m.field("supplier")) == WESTERN_SUPPLIERS
    assert list(m.frame.columns) == ["Supplier", "Country", "Goods"]
    expected = {"utf-8-sig": "utf-8-sig", "cp1252": "cp1252", "utf-8": "utf-8"}.get(encoding, "utf-16")
    assert m.encoding == expected


def test_gb18030_chinese_supplier_names(tmp_path: Path) -> None:
    text = "供应商,国家,产品\n" + "".join(f"{n},CN,棉纱\n" for n in CHINESE_SUPPLIERS)
    m = read_manifest(write(tmp_path, "cn.csv", text, "gb18030"))
    assert m.encoding == "gb18030"
    assert list(m.field("supplier")) == CHINESE_SUPPLIERS
    assert m.columns == {"supplier": "供应商", "country": "国家", "goods": "产品"}


def test_gb18030_mixed_with_english_headers(tmp_path: Path) -> None:
    text = "Supplier,Country,Goods\n江苏锦华纺织有限公司,CN,cotton yarn\nLakeside Home Textiles,IN,towels\n"
    m = read_manifest(write(tmp_path, "mixed.csv", text, "gb18030"))
    assert m.encoding == "gb18030"
    assert m.field("supplier")[0] == "江苏锦华纺织有限公司"


def test_cp1252_short_file(tmp_path: Path) -> None:
    m = read_manifest(write(tmp_path, "short.csv", "Supplier\nMüller\n", "cp1252"))
    assert m.encoding == "cp1252"
    assert m.field("supplier").tolist() == ["Müller"]


@pytest.mark.parametrize(("text", "encoding"), [
    ("Société Générale Côte d'Ivoire; Müller; “quoted” – dash", "cp1252"),
    ("新疆棉纺织有限公司，宁波海岸家纺有限公司，广州华南服装厂", "gb18030"),
    ("plain ascii only", "utf-8"),
    ("Société Générale Côte d'Ivoire", "utf-8"),
])
def test_detect_encoding(text: str, encoding: str) -> None:
    assert detect_encoding(text.encode(encoding)) == encoding


def test_encoding_override_and_bad_override(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.csv", "Supplier\nMüller\n", "latin-1")
    assert read_manifest(path, encoding="latin-1").encoding == "latin-1"
    with pytest.raises(InputError, match="unknown encoding"):
        read_manifest(path, encoding="no-such-codec")
    with pytest.raises(InputError, match=r"latin\.csv.*cannot be decoded as utf-8.*line 2"):
        read_manifest(path, encoding="utf-8")


def test_nul_bytes_stripped_with_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "nul.csv", b"Supplier,Country\nAcme\x00 Mills,IN\n")
    m = read_manifest(path)
    assert m.field("supplier").tolist() == ["Acme Mills"]
    assert any("NUL" in p.reason and p.row is None for p in m.problems)


# --------------------------------------------------------------------------- dialects


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_sniffing(tmp_path: Path, delimiter: str) -> None:
    rows = [["Supplier", "Country", "Description"], ["Acme, Inc.", "US", "bolts; nuts"],
            ["Nord Garn AG", "DE", "yarn"]]
    buf = io.StringIO()
    import csv

    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    m = read_manifest(write(tmp_path, "x.txt", buf.getvalue()))
    assert m.frame.values.tolist() == rows[1:]
    assert m.format == ("tsv" if delimiter == "\t" else "csv")


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_and_quoted_newlines(tmp_path: Path, newline: str) -> None:
    text = newline.join(['Supplier,Address', '"Acme Mills","12 Road{nl}Line two"', 'Beta Co,Main St', ""])
    text = text.replace("{nl}", newline)
    m = read_manifest(write(tmp_path, "nl.csv", text))
    assert len(m) == 2
    assert m.field("address")[0] == f"12 Road{newline}Line two"
    assert m.field("supplier")[1] == "Beta Co"


def test_tsv_extension(tmp_path: Path) -> None:
    m = read_manifest(write(tmp_path, "x.tsv", "Vendor\tCOO\nAcme, Ltd\tCN\n"))
    assert m.format == "tsv"
    assert m.columns == {"supplier": "Vendor", "country": "COO"}
    assert m.field("supplier")[0] == "Acme, Ltd"


# --------------------------------------------------------------------------- headers


def test_banner_rows_above_header(tmp_path: Path) -> None:
    text = ("ACME Imports — Supplier list Q3 2026,,,\n,,,\n"
            "Vendor Name,Country of Origin,Product,Spend\nNord Garn AG,DE,yarn,100\n")
    m = read_manifest(write(tmp_path, "banner.csv", text))
    assert m.header_row == 3
    assert m.columns["supplier"] == "Vendor Name"
    assert m.field("supplier").tolist() == ["Nord Garn AG"]
    banner = [p for p in m.problems if "header found on row 3" in p.reason]
    assert banner and banner[0].row is None and banner[0].severity == "warning"
    assert "ACME Imports" in banner[0].reason


def test_two_cell_banner_is_not_a_header(tmp_path: Path) -> None:
    text = ("Supplier list,Q3 2026\nSupplier,Country,Product,HS Code,Value\n"
            "Nord Garn AG,DE,yarn,5205.12,10\n")
    m = read_manifest(write(tmp_path, "b.csv", text))
    assert m.header_row == 2
    assert len(m) == 1


def test_mapping_override_finds_header_below_banner(tmp_path: Path) -> None:
    text = "Report,,\nFirma,Land,Ware\nNord Garn AG,DE,Garn\n"
    m = read_manifest(write(tmp_path, "de.csv", text), mapping={"supplier": "Firma", "goods": "Ware"})
    assert m.header_row == 2
    # the German header "Land" is the country; the overrides name the other two
    assert m.columns == {"supplier": "Firma", "country": "Land", "goods": "Ware"}


def test_duplicate_and_empty_headers(tmp_path: Path) -> None:
    text = "Supplier,Name,Name,,Country\nA,n1,n2,x,CN\n"
    m = read_manifest(write(tmp_path, "dup.csv", text))
    assert list(m.frame.columns) == ["Supplier", "Name", "Name.2", "column_4", "Country"]
    assert m.frame.iloc[0].tolist() == ["A", "n1", "n2", "x", "CN"]
    reasons = " ".join(p.reason for p in m.problems)
    assert "Name.2" in reasons and "column_4" in reasons


def test_ragged_rows_padded_and_extra_cells_kept(tmp_path: Path) -> None:
    text = "Supplier,Country\nA\nB,CN,surplus\n"
    m = read_manifest(write(tmp_path, "rag.csv", text))
    assert m.frame.values.tolist() == [["A", "", ""], ["B", "CN", "surplus"]]
    assert list(m.frame.columns) == ["Supplier", "Country", "column_3"]
    assert any("more cells than the header" in p.reason for p in m.problems)


# --------------------------------------------------------------------------- mapping


@pytest.mark.parametrize(("header", "field"), [
    ("Vendor Name ", "supplier"), ("SHIPPER NAME", "supplier"), ("MID name", "supplier"),
    ("Ctry of Origin", "country"), ("COO", "country"), ("Country Code", "country"),
    ("HTS #", "hs_code"), ("Tariff No.", "hs_code"), ("HTSUS", "hs_code"), ("Commodity Code", "hs_code"),
    ("Description of Goods", "goods"), ("Merchandise", "goods"), ("Main Product", "goods"),
    ("Entered Value", "value"), ("Annual Spend (USD)", "value"), ("Value USD", "value"),
    ("Arrival Date", "date"), ("Vendor No", "supplier_id"), ("MID", "supplier_id"),
    ("Qty", "quantity"), ("Manufacturer Address", "address"), ("VendorName", "supplier"),
    ("HTSCode", "hs_code"), ("Suplier Name", "supplier"), ("Descripton", "goods"),
])
def test_header_aliases(header: str, field: str) -> None:
    assert map_columns([header]) == {field: header}


@pytest.mark.parametrize("header", ["Supplier Contact", "Supplier Email", "Item No", "Entry No",
                                    "Notes", "Line", "Contact", "Product Origin"])
def test_attribute_headers_are_not_the_party_or_goods(header: str) -> None:
    mapped = map_columns([header])
    assert mapped.get("supplier") != header and mapped.get("goods") != header


def test_supplier_preference_manufacturer_first() -> None:
    headers = ["Shipper Name", "Vendor Name", "Manufacturer Name", "Country"]
    assert map_columns(headers)["supplier"] == "Manufacturer Name"
    assert map_columns(["Exporter", "Supplier"])["supplier"] == "Supplier"


def test_override_mapping_and_bad_override() -> None:
    headers = ["Shipper Name", "Manufacturer Name", "COO"]
    assert map_columns(headers, {"supplier": "Shipper Name"})["supplier"] == "Shipper Name"
    assert map_columns(headers, {"supplier": "shipper  name"})["supplier"] == "Shipper Name"
    assert "country" not in map_columns(headers, {"country": ""})
    listing = "no such column; headers found: Shipper Name, Manufacturer Name, COO"
    with pytest.raises(InputError, match=listing):
        map_columns(headers, {"supplier": "Vendor"})
    with pytest.raises(InputError, match="unknown field 'vendor'"):
        map_columns(headers, {"vendor": "COO"})
    with pytest.raises(InputError, match="both supplier and address"):
        map_columns(headers, {"supplier": "COO", "address": "COO"})


def test_bad_override_in_read_names_file(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", "Supplier,Country\nA,CN\n")
    expected = r"o\.csv: --map supplier=Vendor: no such column; headers found: Supplier, Country"
    with pytest.raises(InputError, match=expected):
        read_manifest(path, mapping={"supplier": "Vendor"})


def test_missing_columns_error_lists_headers(tmp_path: Path) -> None:
    path = write(tmp_path, "nomap.csv", "Alpha,Beta,Gamma\n1,2,3\n")
    with pytest.raises(InputError) as err:
        read_manifest(path)
    assert str(err.value) == (f"{path}: no column for supplier, goods or HS code; headers found: "
                              "Alpha, Beta, Gamma. Use --map supplier=HEADER")


header_text = st.one_of(
    st.sampled_from(["Supplier", "Vendor Name", "Manufacturer", "Shipper", "Country", "COO", "HS Code",
                     "HTS #", "Description", "Product", "Commodity", "Commodity Code", "Value",
                     "Date", "Name", "Supplier Country", "Manufacturer Address", "Vendor No", "MID",
                     "Category", "Origin", "Qty", "", "Supplier Name", "Company"]),
    st.text(max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(header_text, max_size=12))
def test_map_columns_never_maps_one_header_to_two_fields(headers: list[str]) -> None:
    mapped = map_columns(headers)
    assert len(set(mapped.values())) == len(mapped)
    assert set(mapped) <= set(FIELDS)
    assert all(h in headers for h in mapped.values())


# --------------------------------------------------------------------------- xlsx


def make_xlsx(path: Path, rows: list[list[object]], *, title: str = "Suppliers",
              extra_sheets: dict[str, list[list[object]]] | None = None,
              merge: str | None = None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    for name, sheet_rows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    wb.save(path)
    return path


def test_xlsx_numbers_dates_formulas_and_leading_zeros(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "s.xlsx", [
        ["Supplier", "HS Code", "Value", "Date", "Supplier ID", "Total"],
        ["Nord Garn AG", 520512.0, 1234.5, datetime(2026, 3, 1), "00042", "=C2*2"],
        ["Lakeside Home Textiles", 630260, 7, date(2026, 3, 2), "00043", None],
    ])
    m = read_manifest(path)
    assert m.format == "xlsx" and m.sheet == "Suppliers" and m.header_row == 1
    assert m.frame.values.tolist() == [
        ["Nord Garn AG", "520512", "1234.5", "2026-03-01", "00042", ""],
        ["Lakeside Home Textiles", "630260", "7", "2026-03-02", "00043", ""],
    ]
    formula = [p for p in m.problems if "formula without a cached value" in p.reason]
    assert [(p.row, p.column, p.severity) for p in formula] == [(1, "Total", "warning")]


def test_xlsx_cached_formula_value_is_read(tmp_path: Path) -> None:
    src = make_xlsx(tmp_path / "f.xlsx", [["Supplier", "Value"], ["A", "=1+1"]])
    # give the formula a cached value, as Excel would on save
    with zipfile.ZipFile(src) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # openpyxl writes the empty value as <v /> or <v></v> depending on whether lxml is installed
    empty = re.compile(r"<f>1\+1</f><v\s*(/>|></v>)")
    assert empty.search(sheet)
    cached = empty.sub("<f>1+1</f><v>2</v>", sheet)
    parts["xl/worksheets/sheet1.xml"] = cached.encode()
    with zipfile.ZipFile(src, "w") as zout:
        for n, b in parts.items():
            zout.writestr(n, b)
    m = read_manifest(src)
    assert m.field("value").tolist() == ["2"]
    assert not any("formula" in p.reason for p in m.problems)


def test_xlsx_merged_header_and_banner(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [
        ["ACME Imports — Supplier list Q3 2026"],
        [],
        ["Supplier", None, "Country"],
        ["Nord Garn AG", "Hamburg", "DE"],
    ], merge="A3:B3")
    m = read_manifest(path)
    assert m.header_row == 3
    assert list(m.frame.columns) == ["Supplier", "column_2", "Country"]
    assert m.frame.values.tolist() == [["Nord Garn AG", "Hamburg", "DE"]]


def test_xlsx_sheet_selection(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "two.xlsx", [], title="Cover",
                     extra_sheets={"Lines": [["Supplier"], ["A"]], "Other": [["Vendor"], ["B"], ["C"]]})
    m = read_manifest(path)  # first non-empty sheet
    assert m.sheet == "Lines" and any("skipped empty sheet" in p.reason for p in m.problems)
    assert read_manifest(path, sheet="Other").field("supplier").tolist() == ["B", "C"]
    assert read_manifest(path, sheet=3).sheet == "Other"
    with pytest.raises(InputError, match="no sheet 'Missing'; sheets: 'Cover', 'Lines', 'Other'"):
        read_manifest(path, sheet="Missing")
    with pytest.raises(InputError, match="no sheet number 9"):
        read_manifest(path, sheet=9)
    with pytest.raises(InputError, match="sheet 'Cover' is empty"):
        read_manifest(path, sheet="Cover")


def test_xlsx_trailing_blank_rows_dropped_middle_kept(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [["Supplier", "Country"], ["A", "CN"], [None, None], ["B", "IN"]]:
        ws.append(row)
    ws.cell(row=40, column=2).number_format = "0.00"  # formatting far below the data
    ws.cell(row=40, column=2).value = None
    wb.save(tmp_path / "t.xlsx")
    m = read_manifest(tmp_path / "t.xlsx")
    assert m.frame.values.tolist() == [["A", "CN"], ["", ""], ["B", "IN"]]
    assert m.row_numbers == [1, 2, 3]


def test_ole_file_that_is_no_workbook_is_one_clear_error(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    for name in ("old.xls", "renamed.xlsx", "renamed.csv"):
        with pytest.raises(InputError, match=r"cannot open legacy Excel workbook"):
            read_manifest(write(tmp_path, name, ole))


def _xls(path: Path, rows: list[list[object]]) -> Path:
    """A legacy .xls written with xlwt (synthetic fixture)."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Lieferanten")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                sheet.write(i, j, value)
    book.save(str(path))
    return path


def _ods(path: Path, rows: list[list[object]]) -> Path:
    """An OpenDocument spreadsheet written with odfpy through pandas (synthetic fixture)."""
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows])
    frame.to_excel(path, engine="odf", header=False, index=False)
    return path


# synthetic rows: a title and a blank row above German headers
TITLED = [["Lieferantenliste 2026 (Entwurf)"], [],
          ["Lieferant", "Ursprungsland", "Warenbeschreibung", "Zolltarifnummer"],
          ["Nord Garn AG", "Deutschland", "Baumwollgarn", "5205.12"],
          ["Lakeside Textiles Ltd", "IN", "cotton yarn", 520512]]


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_xls_and_ods_are_read_with_title_rows_and_header_words(tmp_path: Path, fmt: str) -> None:
    path = (_xls if fmt == "xls" else _ods)(tmp_path / f"lieferanten.{fmt}", TITLED)
    m = read_manifest(path)
    assert m.format == fmt and m.header_row == 3 and len(m) == 2
    assert m.columns == {"supplier": "Lieferant", "country": "Ursprungsland", "goods": "Warenbeschreibung",
                         "hs_code": "Zolltarifnummer"}
    assert {r.role: (r.how, r.language) for r in m.roles.roles}["country"] == ("language", "de")
    assert m.field("hs_code").tolist() == ["5205.12", "520512"]
    assert any("header found on row 3" in p.reason for p in m.problems)


def test_ods_named_xlsx_is_read_as_ods(tmp_path: Path) -> None:
    src = _ods(tmp_path / "real.ods", [["Supplier", "Country"], ["Acme Co", "CN"]])
    m = read_manifest(write(tmp_path, "renamed.xlsx", src.read_bytes()))
    assert m.format == "ods" and m.field("supplier").tolist() == ["Acme Co"]
    assert any("OpenDocument" in p.reason for p in m.problems)


def test_xlsx_named_csv_is_read_as_workbook(tmp_path: Path) -> None:
    src = make_xlsx(tmp_path / "real.xlsx", [["Supplier"], ["A"]])
    path = write(tmp_path, "fake.csv", src.read_bytes())
    m = read_manifest(path)
    assert m.format == "xlsx" and m.field("supplier").tolist() == ["A"]
    assert any("zip" in p.reason for p in m.problems)


def test_xlsx_zip_bomb_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 << 20))
    with pytest.raises(InputError, match="inflate"):
        read_manifest(path)


def test_damaged_xlsx(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="damaged zip"):
        read_manifest(write(tmp_path, "bad.xlsx", b"PK\x03\x04" + bytes(100)))
    with pytest.raises(InputError, match=r"not an Excel \.xlsx workbook"):
        read_manifest(write(tmp_path, "text.xlsx", "Supplier\nA\n"))


# --------------------------------------------------------------------------- bad input


def test_garbage_named_csv(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(4000))
    with pytest.raises(InputError, match=r"garbage\.csv: does not look like a text table"):
        read_manifest(write(tmp_path, "garbage.csv", data))


def test_zero_byte_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"empty\.csv: empty file"):
        read_manifest(write(tmp_path, "empty.csv", b""))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_manifest(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="directory"):
        read_manifest(tmp_path)


def test_blank_only_text_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no non-empty rows"):
        read_manifest(write(tmp_path, "blank.csv", "\n\n ,\n"))


@pytest.mark.parametrize("name", ["h.csv", "h.tsv", "h.xlsx"])
def test_header_only_file_has_zero_rows(tmp_path: Path, name: str) -> None:
    if name.endswith(".xlsx"):
        path = make_xlsx(tmp_path / name, [["Supplier", "Country"]])
    else:
        sep = "\t" if name.endswith(".tsv") else ","
        path = write(tmp_path, name, f"Supplier{sep}Country\n")
    m = read_manifest(path)
    assert len(m) == 0 and m.row_numbers == []
    assert list(m.frame.columns) == ["Supplier", "Country"]
    assert m.field("supplier").tolist() == []


def test_blank_rows_in_the_middle_are_kept(tmp_path: Path) -> None:
    text = "Supplier,Country\nA,CN\n\n,\nB,IN\n\n\n"
    m = read_manifest(write(tmp_path, "gaps.csv", text))
    assert m.field("supplier").tolist() == ["A", "", "", "B"]
    assert m.row_numbers == [1, 2, 3, 4]
    assert any("ignored 2 blank lines at the end" in p.reason for p in m.problems)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", " ", "\u3000", "A", " b "]),
                          st.sampled_from(["", "\t", "CN"])), max_size=80))
def test_blank_tail_is_the_run_of_blank_rows_at_the_end(rows: list[tuple[str, str]]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from chainscreen.manifest import _blank_mask, _blank_tail

    table = pa.table({"a": [r[0] for r in rows], "b": [r[1] for r in rows]}, schema=pa.schema(
        [("a", pa.string()), ("b", pa.string())]))
    flags = _blank_mask(table, pc).to_pylist() if rows else []
    expected = 0
    while expected < len(flags) and flags[len(flags) - 1 - expected]:
        expected += 1
    assert _blank_tail(table, pc) == expected
    for tail in (1, 3, 4, 5, 16, 17, 63, 64, 65):  # at and across the slice lengths looked at
        longer = pa.concat_tables([table, pa.table({"a": [" "] * tail, "b": [""] * tail},
                                                   schema=table.schema)])
        assert _blank_tail(longer, pc) == expected + tail


def test_the_stream_hash_computed_in_a_thread_is_the_files(tmp_path: Path) -> None:
    from chainscreen.manifest import open_manifest

    path = write(tmp_path, "lines.csv", "Supplier,Country\n" + "Acme,CN\n" * 5000)  # synthetic
    stream = open_manifest(path)
    stream.hash_in_background()
    stream.hash_in_background()  # once only
    assert stream.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert open_manifest(path).sha256 == stream.sha256


def test_jsonl_bad_line_kept_as_row_problem(tmp_path: Path) -> None:
    text = '{"Supplier": "A", "HS": 520512.0}\n{not json}\n[1, 2]\n{"Supplier": "B", "Extra": {"k": 1}}\n'
    m = read_manifest(write(tmp_path, "x.jsonl", text))
    assert m.frame.values.tolist() == [["A", "520512", ""], ["", "", ""], ["", "", ""],
                                       ["B", "", '{"k": 1}']]
    assert [(p.row, p.severity) for p in m.problems] == [(2, "error"), (3, "error")]


def test_unknown_format_option(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown format 'xml'"):
        read_manifest(write(tmp_path, "a.csv", "Supplier\nA\n"), format="xml")


# --------------------------------------------------------------------------- round trips


def _write_all_formats(frame: pd.DataFrame, tmp_path: Path) -> dict[str, Path]:
    out = {
        "csv": tmp_path / "f.csv", "tsv": tmp_path / "f.tsv", "parquet": tmp_path / "f.parquet",
        "jsonl": tmp_path / "f.jsonl", "xlsx": tmp_path / "f.xlsx",
    }
    frame.to_csv(out["csv"], index=False)
    frame.to_csv(out["tsv"], index=False, sep="\t")
    frame.to_parquet(out["parquet"], index=False)
    frame.to_json(out["jsonl"], orient="records", lines=True, force_ascii=False)
    make_xlsx(out["xlsx"], [list(frame.columns), *frame.values.tolist()])
    return out


def test_row_count_in_equals_row_count_out_for_every_format(tmp_path: Path) -> None:
    frame = small_frame()
    expected = frame.values.tolist()
    for fmt, path in _write_all_formats(frame, tmp_path).items():
        m = read_manifest(path)
        assert m.format == fmt
        assert m.row_numbers == [1, 2, 3, 4], fmt
        if fmt == "xlsx":
            # openpyxl writes "" as an empty cell: the blank row reads back as blanks
            assert m.frame.values.tolist() == expected, fmt
        else:
            assert m.frame.values.tolist() == expected, fmt
        assert m.columns == {"supplier": "Supplier", "country": "Country", "hs_code": "HS Code",
                             "value": "Value"}
        assert m.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_parquet_typed_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Supplier": ["A", None, "C"], "HS": [520512.0, None, 630260.0],
                          "When": pd.to_datetime(["2026-01-02", None, "2026-03-04"])})
    frame.to_parquet(tmp_path / "t.parquet")
    m = read_manifest(tmp_path / "t.parquet")
    assert m.frame.values.tolist() == [
        ["A", "520512", "2026-01-02"], ["", "", ""], ["C", "630260", "2026-03-04"],
    ]


def test_dataframe_source() -> None:
    frame = small_frame()
    frame.loc[1, "HS Code"] = None
    m = read_manifest(frame)
    assert isinstance(m, Manifest)
    assert m.path is None and m.format == "dataframe" and m.encoding is None
    assert len(m) == 4 and m.field("hs_code")[1] == ""
    assert m.field("goods").tolist() == ["", "", "", ""]
    assert m.sha256 == read_manifest(frame.fillna("")).sha256
    with pytest.raises(KeyError):
        m.field("nonsense")


# --------------------------------------------------------------------------- shipped samples


SAMPLES = {
    "importer_suppliers.xlsx": {"supplier": "Vendor Name ", "supplier_id": "Vendor No",
                                "country": "Ctry of Origin", "goods": "Main Product",
                                "hs_code": "HTS #", "value": "Annual Spend (USD)",
                                "address": "Vendor Address"},
    "broker_entries.csv": {"supplier": "Manufacturer Name", "address": "Manufacturer Address",
                           "country": "COO", "hs_code": "HTS Number", "goods": "Description",
                           "value": "Entered Value", "date": "Entry Date"},
    "procurement_prescreen.csv": {"supplier": "Company", "country": "Country", "goods": "Category"},
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_inputs_read_cleanly(name: str) -> None:
    path = REPO / "sample_inputs" / name
    m = read_manifest(path)
    assert m.columns == SAMPLES[name]
    assert 20 <= len(m) <= 150
    assert m.row_numbers == list(range(1, len(m) + 1))
    if name == "broker_entries.csv":
        assert m.encoding == "cp1252"
        assert "Société Ivoirienne de Cacao SARL" in set(m.field("supplier"))
    if name == "importer_suppliers.xlsx":
        assert m.header_row == 3
        assert any(not "".join(row).strip() for row in m.frame.values.tolist())  # the blank row is kept


def _readme_rows(name: str) -> list[tuple[int, str, str]]:
    """(data row, kind, supplier) from the sample README's table for file ``name``."""
    text = (REPO / "sample_inputs" / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {name}", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].isdigit():
            rows.append((int(cells[0]), cells[1], cells[2]))
    return rows


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_readme_rows_match_the_files(name: str) -> None:
    m = read_manifest(REPO / "sample_inputs" / name)
    rows = _readme_rows(name)
    assert sum(kind == "listed" for _, kind, _ in rows) >= 5
    assert any(kind == "bad" for _, kind, _ in rows)
    suppliers = m.field("supplier")
    for row, _kind, supplier in rows:
        assert suppliers[m.row_numbers.index(row)] == supplier, (name, row)


def test_sample_inputs_are_up_to_date() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", REPO / "scripts" / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = module  # dataclasses look their module up while loading
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["make_samples"]
    for file_name, body in module.build().items():
        shipped = (REPO / "sample_inputs" / file_name).read_bytes()
        assert module.same_content(file_name, shipped, body), file_name


def test_fixture_readme_marks_synthetic() -> None:
    assert "synthetic" in (FIXTURES / "README.md").read_text(encoding="utf-8").lower()


FIXTURE_EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def test_every_fixture_has_expectations() -> None:
    present = {p.name for p in FIXTURES.iterdir() if p.suffix not in (".md", ".json")}
    assert present == set(FIXTURE_EXPECTED)


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTED))
def test_fixtures_read(name: str) -> None:
    expected = FIXTURE_EXPECTED[name]
    m = read_manifest(FIXTURES / name)
    assert m.encoding == expected["encoding"]
    assert len(m) == expected["rows"]
    assert m.field("supplier").tolist()[: len(expected["first_suppliers"])] == expected["first_suppliers"]


def test_holds_byte_looks_only_at_the_arrays_own_cells() -> None:
    """The streaming CSV reader hands a chunk holding a NUL or a line break to the csv-module
    reader: the search covers every text cell of the chunk, in place, and nothing beyond it
    (a sliced array's buffer holds its neighbours' bytes)."""
    import pyarrow as pa

    from chainscreen.manifest import _holds_byte

    def table(*columns: pa.Array) -> pa.Table:
        return pa.table({f"c{i}": c for i, c in enumerate(columns)})

    needles = b"\x00\n\r"
    clean = pa.array(["Acme Mills", "Hoshine Silicon", "", "Ürümqi 乌鲁木齐 Co\t"])
    assert not _holds_byte(table(clean), needles)
    for bad in ("a\x00b", "line\nbreak", "carriage\rreturn", "\r\n"):
        assert _holds_byte(table(clean, pa.array(["x", bad, "y", "z"])), needles), bad
        assert _holds_byte(table(pa.array([bad], pa.large_string())), needles), bad
        assert not _holds_byte(table(pa.array([bad])), b"\x01"), bad
    around = pa.array(["a\nb", "clean", "also clean", "c\x00d"])
    assert not _holds_byte(table(around.slice(1, 2)), needles)
    assert _holds_byte(table(around.slice(1, 3)), needles)
    assert not _holds_byte(table(pa.array([], pa.string())), needles)
    assert not _holds_byte(table(pa.array([None, None], pa.string())), needles)
    chunked = pa.chunked_array([pa.array(["ok"]), pa.array(["not\nok"])])
    assert _holds_byte(pa.table({"c": chunked}), needles)
    assert _holds_byte(table(pa.array(["a\nb"]).dictionary_encode()), needles)
    assert not _holds_byte(table(pa.array([1, 2, 3])), needles)
