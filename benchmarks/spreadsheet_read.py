"""Reading a large spreadsheet: openpyxl (read-only, values) against python-calamine.

Writes a synthetic workbook of N rows (six columns: supplier, country, description, HS code,
value, date), then reads every cell with each reader, and reads the same rows as CSV with
pyarrow as the reference, all in the same run so the ratios hold on a busy machine::

    python benchmarks/spreadsheet_read.py --rows 200000

The rows are synthetic test data (invented names).
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from pathlib import Path


def _write(folder: Path, rows: int) -> tuple[Path, Path]:
    import openpyxl

    header = ["Supplier", "Country", "Description", "HS Code", "Value", "Date"]
    data = [[f"Supplier {i % 5000} Co Ltd", ("CN", "VN", "IN", "BD")[i % 4], f"cotton shirts lot {i}",
             "6205.20", i * 1.5, "2026-01-02"] for i in range(rows)]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("lines")
    sheet.append(header)
    for row in data:
        sheet.append(row)
    xlsx = folder / "lines.xlsx"
    book.save(xlsx)
    text = io.StringIO()
    csv.writer(text).writerows([header, *data])
    path = folder / "lines.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    return xlsx, path


def _best(fn, repeat: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    best, count = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        count = fn()
        best = min(best, time.perf_counter() - t0)
    return best, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    import openpyxl
    import pyarrow.csv as pacsv
    from python_calamine import CalamineWorkbook

    with tempfile.TemporaryDirectory() as tmp:
        xlsx, text = _write(Path(tmp), args.rows)
        data = xlsx.read_bytes()

        def with_openpyxl() -> int:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book[book.sheetnames[0]]
            sheet.reset_dimensions()
            n = sum(1 for _ in sheet.iter_rows(values_only=True))
            book.close()
            return n

        def with_calamine() -> int:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return len(book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False))

        def with_pyarrow() -> int:
            return int(pacsv.read_csv(text).num_rows) + 1

        reference, n0 = _best(with_pyarrow, args.repeat)
        print(f"{args.rows:,} rows, {len(data) / 2**20:.1f} MiB xlsx; best of {args.repeat}")
        print(f"  pyarrow CSV read (reference)  {reference:8.2f} s  ({n0:,} rows)")
        for name, fn in (("openpyxl read-only", with_openpyxl), ("python-calamine", with_calamine)):
            seconds, n = _best(fn, args.repeat)
            print(f"  {name:<29} {seconds:8.2f} s  ({n:,} rows)  {seconds / reference:7.1f} x reference")


if __name__ == "__main__":
    main()
