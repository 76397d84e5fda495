"""Hypothesis generators of hostile input, one per class of defect (SYNTHETIC data).

Each class draws a :class:`Case`: what to run and what must come out. A case runs in a forked
child (``bounded.py``) and returns a verdict: ``pass``, or ``fail`` with why. Classes, by the
defects of the second hostile round they generalise:

==================  =====  ==================================================================
class               items  what is generated
==================  =====  ==================================================================
broken_quote        B1     a quote opened in a random cell, never closed or closed lines below
header_break        B10    line breaks inside quoted header or title cells
ctrl_z              B12    the DOS end-of-file mark after the last line (LF or CRLF files)
wide_row            B11 B2 rows wider than the header, from 1 extra cell to 50,000
sheet_rows          B6     sheet XML rows shuffled, split in pieces, or one number used twice
far_cell            B2     one stray cell anywhere up to XFD1048576
merge               B3     merged ranges of any size, also over the whole sheet
extra_cells         B4     cells to the right of the header, in any rows
controls            B7     control characters in cells (xlsx output, both stores' rules)
entities            B9     DTD entities in sheet XML: laughs, external files, URLs
unicode             B8     lone surrogates in JSONL; legacy bytes on check's stdin
decisions_yaml      B13    YAML with aliases, anchors, nesting, odd types
decisions_trip      B14-16 decisions of any text: export then import gives them back
opensanctions       B19    FtM lines nested deep, huge lines, JSON of every shape
settings            B20    every setting with values of every TOML type
results_json        B24    a results file with one node replaced by any JSON value
markdown            B25    file names, suppliers and goods full of Markdown and HTML
outputs             B21 B22  output folders that are files, devices, the input itself
lists_import        B18    generic formats under shipped list ids, editions in the future
incomplete_run      B23    runs diffed and reviewed while one never finished
==================  =====  ==================================================================
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builders import add_cell, add_merge, renumber_row, reorder_rows, with_entity, xlsx
from hypothesis import strategies as st

# --------------------------------------------------------------------------------------------
# the case and its verdict


@dataclass
class Case:
    """One generated hostile input: the class, a label, and the function that runs it."""

    cls: str
    label: str
    run: Callable[[Path], dict[str, Any]]
    expected_rows: int | None = None

    def __repr__(self) -> str:
        return f"Case({self.cls}: {self.label})"


def verdict(ok: bool, why: str = "", *, expected: int | None = None, got: int | None = None
            ) -> dict[str, Any]:
    return {"status": "pass" if ok else "fail", "why": why, "expected": expected, "got": got}


def cli(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
        ) -> tuple[int, str, str]:
    """The CLI in this process; an exception that escapes it is re-raised (a failure)."""
    from click.testing import CliRunner

    from chainscreen.cli import cli as command

    result = CliRunner().invoke(command, list(args), input=input, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def clean_error(code: int, err: str) -> str:
    """"" when exit 1 came with error lines only (each "error: ..."); else why not."""
    if "internal error" in err or "Traceback" in err:
        return "internal error: " + err.strip()[-300:]
    if code == 2 and "Error: " in err:
        return ""  # Click refused the command line itself: a usage error, exit 2
    lines = err.strip().splitlines()
    if code != 1 or not lines or not all(line.startswith("error: ") for line in lines):
        return f"exit {code} with stderr {err.strip()[-300:]!r}"
    return ""


# --------------------------------------------------------------------------------------------
# synthetic manifests

WORDS = ["Acme", "Nord", "Lakeside", "Harbour", "Golden", "Delta", "Sunrise", "Hoshine", "Xinjiang",
         "Bravo", "Charlie", "Pacific", "Silk", "Cotton", "Garn", "Textil", "Ceramics", "Seafood"]
FORMS = ["Co", "Co., Ltd.", "GmbH", "AG", "Ltd", "LLC", "S.A.", "Pvt Ltd", "Trading Co", "Industries"]
COUNTRIES = ["CN", "VN", "IN", "DE", "BD", "TR", "US", "China", "Viet Nam", "India", ""]
GOODS = ["cotton yarn", "shrimp", "polysilicon", "t-shirts", "rice", "bricks", "toys", "wool",
         "tomatoes", "gloves", ""]
HEADER = ["Supplier", "Country", "Description"]


@st.composite
def table(draw: st.DrawFn, min_rows: int = 1, max_rows: int = 12) -> list[list[str]]:
    """Data rows of distinct SYNTHETIC suppliers: [supplier, country, goods]."""
    n = draw(st.integers(min_rows, max_rows))
    rng = random.Random(draw(st.integers(0, 2**32)))
    rows = []
    for i in range(n):
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i} {rng.choice(FORMS)}"
        rows.append([name, rng.choice(COUNTRIES), rng.choice(GOODS)])
    return rows


def to_csv(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    """Rows as CSV text. The csv module leaves a lone CR unquoted when the line end is LF (a
    reader then sees two lines): rows holding one are written fully quoted."""
    buf = io.StringIO()
    plain = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    quoted = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_ALL)
    for row in rows:
        (quoted if any("\r" in c for c in row) else plain).writerow(row)
    return buf.getvalue()


def screen_file(folder: Path, name: str, data: bytes, expected: int | None, *,
                both_modes: bool = True, formats: str = "json", refusal: str | None = None,
                check: Callable[[Path, dict[str, Any]], str] | None = None,
                extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Screen a generated file (whole, and streamed when ``both_modes``).

    Passes when every mode exits 0 with ``expected`` rows numbered 1..n (and ``check`` says
    nothing), or — when ``refusal`` is given — exits 1 with error lines containing it. The
    two modes must agree.
    """
    src = folder / name
    src.write_bytes(data)
    outcomes = []
    for stream in ((False, True) if both_modes else (False,)):
        out = folder / ("o-stream" if stream else "o-whole")
        store = () if "--db" in extra else ("--no-store",)
        code, _out, err = cli("screen", str(src), "-o", str(out), "--format", formats, *store,
                              "-q", "--force", "--stream" if stream else "--no-stream", *extra)
        if code != 0:
            why = clean_error(code, err)
            if why:
                return verdict(False, why, expected=expected)
            if refusal is None or refusal not in err:
                return verdict(False, f"refused: {err.strip()[:300]}", expected=expected, got=0)
            outcomes.append(("refused", None))
            continue
        data_out = json.loads((out / f"{Path(name).stem}.json").read_text(encoding="utf-8"))
        rows = data_out["rows"]
        if [r["row"] for r in rows] != list(range(1, len(rows) + 1)):
            return verdict(False, "row numbers are not 1..n", expected=expected, got=len(rows))
        if expected is not None and len(rows) != expected:
            return verdict(False, f"{len(rows)} rows out of {expected} ({'streamed' if stream else 'whole'})",
                           expected=expected, got=len(rows))
        if check is not None:
            why = check(out, data_out)
            if why:
                return verdict(False, why, expected=expected, got=len(rows))
        outcomes.append(("rows", [r["supplier"] for r in rows]))
    if len({repr(o) for o in outcomes}) > 1:
        return verdict(False, f"whole and streamed reads differ: {outcomes!r}"[:400], expected=expected)
    got = len(outcomes[0][1]) if outcomes[0][1] is not None else 0
    return verdict(True, expected=expected if outcomes[0][0] == "rows" else 0, got=got)


# --------------------------------------------------------------------------------------------
# reader classes


@st.composite
def broken_quote(draw: st.DrawFn) -> Case:
    rows = draw(table(min_rows=2, max_rows=15))
    at = draw(st.integers(0, len(rows) - 1))
    col = draw(st.integers(0, 2))
    close = draw(st.one_of(st.none(), st.integers(1, 6)))  # closed that many lines below
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = to_csv([HEADER], newline=newline).splitlines(keepends=True)
    body = [newline.join([",".join(r)]) + newline for r in
            [[c.replace(",", " ").replace('"', "") for c in r] for r in rows]]
    cells = body[at].rstrip("\r\n").split(",")
    cells[col] = '"' + cells[col]
    body[at] = ",".join(cells) + newline
    if close is not None and at + close < len(body):
        end = body[at + close].rstrip("\r\n").split(",")
        end[-1] = end[-1] + '"'
        body[at + close] = ",".join(end) + newline
    data = "".join(lines + body).encode()
    return Case("broken_quote", f"{len(rows)} rows, quote in row {at + 1} col {col + 1}, "
                f"closed {close} below", lambda f: screen_file(f, "lines.csv", data, len(rows)),
                len(rows))


@st.composite
def header_break(draw: st.DrawFn) -> Case:
    rows = draw(table())
    where = draw(st.sampled_from(["header", "title"]))
    brk = draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    header = list(HEADER)
    lines = []
    if where == "header":
        col = draw(st.integers(0, 2))
        header[col] = header[col][:3] + brk + header[col][3:]
    else:
        lines.append([f"Suppliers{brk}Q{draw(st.integers(1, 4))} 2026", "", ""])
    data = to_csv(lines + [header] + rows, newline=newline).encode()
    return Case("header_break", f"{where} break {brk!r}, {len(rows)} rows",
                lambda f: screen_file(f, "lines.csv", data, len(rows)), len(rows))


@st.composite
def ctrl_z(draw: st.DrawFn) -> Case:
    rows = draw(table())
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    tail = draw(st.sampled_from(["\x1a", "\x1a" + newline, newline + "\x1a", "\x1a\x1a"]))
    data = (to_csv([HEADER] + rows, newline=newline) + tail).encode()
    return Case("ctrl_z", f"{len(rows)} rows, tail {tail!r}",
                lambda f: screen_file(f, "lines.csv", data, len(rows)), len(rows))


@st.composite
def wide_row(draw: st.DrawFn) -> Case:
    rows = draw(table(min_rows=1, max_rows=25))
    at = draw(st.integers(0, len(rows) - 1))
    extra = draw(st.one_of(st.integers(1, 70), st.sampled_from([1023, 1024, 1025, 5000, 50_000])))
    rows[at] = rows[at] + [f"v{i}" for i in range(extra)]
    data = to_csv([HEADER] + rows).encode()
    refusal = "a broken row" if extra > 1024 else None
    return Case("wide_row", f"row {at + 1} of {len(rows)} with {extra} extra cells",
                lambda f: screen_file(f, "lines.csv", data, len(rows), refusal=refusal), len(rows))


def _sheet_check(expected: list[list[str]]) -> Callable[[Path, dict[str, Any]], str]:
    names = [r[0] for r in expected]

    def check(_out: Path, data: dict[str, Any]) -> str:
        got = [r["supplier"] for r in data["rows"]]
        return "" if got == names else f"rows misplaced: {got} != {names}"

    return check


@st.composite
def sheet_rows(draw: st.DrawFn) -> Case:
    rows = draw(table(min_rows=2, max_rows=10))
    rows = [[r[0], r[1] or "CN", r[2] or "cotton"] for r in rows]
    base = xlsx([HEADER] + rows)
    how = draw(st.sampled_from(["shuffle", "duplicate", "split"]))
    if how == "shuffle":
        order = [0] + draw(st.permutations(list(range(1, len(rows) + 1))))
        data = reorder_rows(base, order)
        return Case("sheet_rows", f"rows in XML order {order}",
                    lambda f: screen_file(f, "lines.xlsx", data, len(rows), both_modes=False,
                                          check=_sheet_check(rows)), len(rows))
    if how == "duplicate":
        src = draw(st.integers(2, len(rows) + 1))
        dst = draw(st.integers(2, len(rows) + 1).filter(lambda d: d != src))
        data = renumber_row(base, src - 1, dst)
        return Case("sheet_rows", f"row {src} renumbered {dst}",
                    lambda f: screen_file(f, "lines.xlsx", data, None, both_modes=False,
                                          refusal="twice, with different values"), None)
    # one row's cells split into two <row> elements with the same number
    at = draw(st.integers(2, len(rows) + 1))

    def split(xml: bytes) -> bytes:
        m = re.search(rb'<row r="%d"[^>]*>(.*?)</row>' % at, xml, flags=re.S)
        assert m is not None
        cells = re.findall(rb"<c .*?</c>", m.group(1), flags=re.S)
        first, second = cells[:1], cells[1:]
        return (xml[:m.start()] + b'<row r="%d">' % at + b"".join(first) + b"</row>"
                + b'<row r="%d">' % at + b"".join(second) + b"</row>" + xml[m.end():])

    from builders import SHEET, patch

    data = patch(base, SHEET, split)
    return Case("sheet_rows", f"row {at} split in two pieces",
                lambda f: screen_file(f, "lines.xlsx", data, len(rows), both_modes=False,
                                      check=_sheet_check(rows)), len(rows))


@st.composite
def far_cell(draw: st.DrawFn) -> Case:
    from openpyxl.utils import get_column_letter

    rows = draw(table(min_rows=1, max_rows=8))
    rows = [[r[0], r[1] or "CN", r[2] or "cotton"] for r in rows]
    row = draw(st.one_of(st.integers(1, len(rows) + 3), st.integers(1, 5_000),
                         st.integers(1, 1_048_576)))
    # a cell of its own: right of the table's cells in the table's rows
    low = 4 if row <= len(rows) + 1 else 1
    col = draw(st.one_of(st.integers(low, 8), st.integers(low, 16_384)))
    ref = f"{get_column_letter(col)}{row}"
    data = add_cell(xlsx([HEADER] + rows), ref, "stray")
    # the stray cell adds a data row when below the table; far below, the sheet is refused
    expected = len(rows) if row <= len(rows) + 1 else row - 1
    refusal = "a stray cell" if row > 10_000 else None
    return Case("far_cell", f"stray cell at {ref} under {len(rows)} rows",
                lambda f: screen_file(f, "lines.xlsx", data, None if refusal else expected,
                                      both_modes=False, refusal=refusal, formats="json,xlsx"),
                expected)


@st.composite
def merge(draw: st.DrawFn) -> Case:
    from openpyxl.utils import get_column_letter

    rows = draw(table(min_rows=1, max_rows=8))
    rows = [[r[0], r[1] or "CN", r[2] or "cotton"] for r in rows]
    r1 = draw(st.integers(1, len(rows) + 3))
    c1 = draw(st.integers(1, 5))
    r2 = draw(st.one_of(st.integers(r1, r1 + 5), st.just(1_048_576), st.integers(r1, 1_048_576)))
    c2 = draw(st.one_of(st.integers(c1, c1 + 3), st.just(16_384), st.integers(c1, 16_384)))
    ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
    data = add_merge(xlsx([HEADER] + rows), ref)
    return Case("merge", f"merge {ref} over {len(rows)} rows",
                lambda f: screen_file(f, "lines.xlsx", data, len(rows), both_modes=False,
                                      formats="json,xlsx"), len(rows))


@st.composite
def extra_cells(draw: st.DrawFn) -> Case:
    rows = draw(table(min_rows=1, max_rows=8))
    rows = [[r[0], r[1] or "CN", r[2] or "cotton"] for r in rows]
    mine: dict[tuple[int, int], str] = {}
    for i in range(len(rows)):
        k = draw(st.integers(0, 4))
        for j in range(k):
            value = f"mine-{i}-{j}"
            rows[i] = rows[i] + [value]
            mine[(i + 2, 4 + j)] = value
    data = xlsx([HEADER] + rows)

    def check(out: Path, _data: dict[str, Any]) -> str:
        import openpyxl

        ws = openpyxl.load_workbook(out / "lines.screened.xlsx")["Sheet"]
        for (r, c), value in mine.items():
            if ws.cell(row=r, column=c).value != value:
                return f"the user's cell ({r}, {c}) was overwritten: {ws.cell(row=r, column=c).value!r}"
        return ""

    return Case("extra_cells", f"{len(mine)} cells right of the header",
                lambda f: screen_file(f, "lines.xlsx", data, len(rows), both_modes=False,
                                      formats="json,xlsx", check=check), len(rows))


CONTROLS = [chr(i) for i in range(0, 32) if chr(i) not in "\t\n\r"] + ["\x7f", "\ufffe", "\uffff"]


@st.composite
def controls(draw: st.DrawFn) -> Case:
    rows = draw(table(min_rows=1, max_rows=8))
    for r in rows:
        for j in range(3):
            if draw(st.booleans()):
                pos = draw(st.integers(0, len(r[j])))
                r[j] = r[j][:pos] + draw(st.sampled_from(CONTROLS)) + r[j][pos:]
    fmt = draw(st.sampled_from(["jsonl", "csv"]))
    if fmt == "jsonl":
        data = "".join(json.dumps(dict(zip(HEADER, r, strict=True))) + "\n" for r in rows).encode()
    else:
        data = to_csv([HEADER] + rows).encode()
    store = draw(st.booleans())

    def run(f: Path) -> dict[str, Any]:
        extra = ("--db", f"sqlite:///{f / 'runs.sqlite'}") if store else ()
        # a CSV that is mostly control characters is refused as binary: that is an answer too
        v = screen_file(f, f"lines.{fmt}", data, None, both_modes=False, formats="json,xlsx,html,csv",
                        extra=extra, refusal="binary content" if fmt == "csv" else None)
        if v["status"] != "pass":
            return v
        if store and v["got"]:
            return _stored_check(f)
        return v

    return Case("controls", f"{fmt}, {len(rows)} rows, stored={store}", run, len(rows))


def _stored_check(folder: Path) -> dict[str, Any]:
    from chainscreen.store import COMPLETE, open_store

    with open_store(f"sqlite:///{folder / 'runs.sqlite'}") as store:
        run = store.runs()[0]
        if run.status != COMPLETE:
            return verdict(False, f"stored run is {run.status}: {run.error}")
        rows = store.result_dict(run.id)["rows"]
    if any("\x00" in (r["supplier"] or "") for r in rows):
        return verdict(False, "a NUL was stored (PostgreSQL cannot hold it)")
    return verdict(True)


@st.composite
def entities(draw: st.DrawFn) -> Case:
    rows = draw(table(min_rows=1, max_rows=4))
    rows = [[r[0], r[1] or "CN", r[2] or "cotton"] for r in rows]
    kind = draw(st.sampled_from(["laughs", "file", "url", "parameter"]))
    levels = draw(st.integers(2, 12))
    target = {"file": "/etc/hostname", "url": "http://127.0.0.1:9/x.dtd",
              "parameter": "http://127.0.0.1:9/p.dtd"}.get(kind, "")
    data = with_entity(xlsx([HEADER] + rows), kind, target, levels=levels)
    where = draw(st.sampled_from(["screen", "lists import"]))

    def run(f: Path) -> dict[str, Any]:
        if where == "screen":
            return screen_file(f, "lines.xlsx", data, None, both_modes=False, refusal="declares entities")
        path = f / "goods.xlsx"
        path.write_bytes(data)
        code, _o, err = cli("lists", "import", str(path), "--format", "dol-tvpra", "--edition",
                            "2024-01-01", env={"CHAINSCREEN_DATA_DIR": str(f / "data")})
        why = clean_error(code, err)
        if why or "declares entities" not in err:
            return verdict(False, why or f"not refused as entities: {err.strip()[:200]}")
        return verdict(True)

    return Case("entities", f"{kind} ({levels} levels) via {where}", run)


@st.composite
def unicode_input(draw: st.DrawFn) -> Case:
    rows = draw(table(min_rows=1, max_rows=6))
    how = draw(st.sampled_from(["surrogate", "stdin"]))
    if how == "surrogate":
        bad = draw(st.sampled_from(["\\ud800", "\\udfff", "\\udc00x", "\\ud83d", "\\ud83d\\ude00"]))
        lines = []
        for r in rows:
            obj = json.dumps(dict(zip(HEADER, r, strict=True)))
            if draw(st.booleans()):
                obj = obj.replace('"Supplier": "', '"Supplier": "' + bad, 1)
            lines.append(obj)
        data = ("\n".join(lines) + "\n").encode()
        return Case("unicode", f"JSONL with {bad}, {len(rows)} rows",
                    lambda f: screen_file(f, "lines.jsonl", data, len(rows),
                                          formats="json,csv,html,jsonl,xlsx"), len(rows))
    encoding = draw(st.sampled_from(["cp1252", "latin-1", "utf-8", "utf-16", "gb18030"]))
    names = [r[0] + draw(st.sampled_from(["", " Müller", " Café", " Ångström", " ÆØÅ"])) for r in rows]
    data = "\n".join(names).encode(encoding, errors="replace")

    def run(f: Path) -> dict[str, Any]:
        code, out, err = cli("check", "--json", input=data)
        if code != 0:
            return verdict(False, clean_error(code, err) or f"exit {code}")
        got = len(json.loads(out)["rows"])
        lines = [n for n in data.decode(encoding, "replace").splitlines() if n.strip()]
        return verdict(got == len(lines) or encoding == "utf-16", f"{got} names out of {len(lines)}",
                       expected=len(lines), got=got)

    return Case("unicode", f"check stdin in {encoding}", run)


# --------------------------------------------------------------------------------------------
# decisions, settings, list files, results JSON, Markdown, outputs, lists, runs


@st.composite
def decisions_yaml(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(["bomb", "deep", "anchors", "types", "random"]))
    if kind == "bomb":
        depth, fan = draw(st.integers(2, 12)), draw(st.integers(2, 12))
        lines = ['a0: &a0 ["lol", "lol"]']
        for i in range(1, depth):
            lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * fan) + "]")
        lines.append(f"decisions:\n- {{party: p, list_id: l, record_id: r, status: dismiss, by: b, "
                     f"at: '2026-01-05', record_hash: h, row_hash: h, note: *a{depth - 1}}}")
        text = "\n".join(lines) + "\n"
    elif kind == "deep":
        n = draw(st.integers(5, 200_000))
        text = "decisions: " + draw(st.sampled_from(["[", "{a: "])) * n + "\n"
    elif kind == "anchors":
        text = ("decisions:\n- &d {party: p, list_id: l, record_id: r, status: dismiss, by: b, "
                "at: '2026-01-05T00:00:00+00:00', record_hash: h, row_hash: h}\n- *d\n")
    elif kind == "types":
        value = draw(st.sampled_from(["[1, 2]", "{a: b}", "2026-01-05", "12", "true", "null", "~",
                                      "!!binary aGk=", "!!python/object:os.system x", ".nan"]))
        field_ = draw(st.sampled_from(["party", "note", "at", "status", "by", "record_hash"]))
        entry = {"party": "p", "list_id": "l", "record_id": "r", "status": "dismiss", "by": "b",
                 "at": "'2026-01-05T00:00:00+00:00'", "record_hash": "h", "row_hash": "h"}
        entry[field_] = value
        text = "decisions:\n- {" + ", ".join(f"{k}: {v}" for k, v in entry.items()) + "}\n"
    else:
        text = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))

    def run(f: Path) -> dict[str, Any]:
        path = f / "decisions.yaml"
        path.write_text(text, encoding="utf-8")
        code, _o, err = cli("review", "--import", str(path), "--db", f"sqlite:///{f / 'r.sqlite'}")
        if code == 0:
            return verdict(kind not in ("bomb", "deep", "anchors"), f"{kind} accepted")
        why = clean_error(code, err)
        return verdict(not why, why)

    return Case("decisions_yaml", kind, run)


TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
NASTY = st.sampled_from(["'=1+1", "''=SUM(A1)", "=HYPERLINK(\"x\")", "a\r\nb", "cr\ronly", "\u2028",
                         "\x85", " pad ", "null", "true", "- x", "# c", "\"", "''", "\ufeffbom", "@x"])


@st.composite
def decision(draw: st.DrawFn) -> Any:
    from datetime import datetime, timedelta, timezone

    from chainscreen.review import Decision

    dt = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
    tz = timezone(timedelta(minutes=draw(st.integers(-14 * 60, 14 * 60))))
    note = draw(st.one_of(TEXT, NASTY, st.sampled_from(["x" * 200_000, "y\n" * 70_000])))
    return Decision(
        party=draw(TEXT.filter(bool)), country=draw(st.sampled_from(["", "CN"])),
        list_id=draw(TEXT.filter(bool)), record_id=draw(TEXT.filter(bool)),
        status=draw(st.sampled_from(["confirm", "dismiss", "escalate"])), note=note,
        by=draw(st.one_of(TEXT.filter(bool), NASTY)), at=dt.replace(tzinfo=tz).isoformat(),
        record_hash=draw(st.sampled_from(["a" * 64, "'=h"])), row_hash="b" * 64,
        record_name=draw(st.one_of(TEXT, NASTY)), supplier=draw(st.one_of(TEXT, NASTY)))


@st.composite
def decisions_trip(draw: st.DrawFn) -> Case:
    items = draw(st.lists(decision(), min_size=1, max_size=5))
    fmt = draw(st.sampled_from(["csv", "yaml"]))

    def run(f: Path) -> dict[str, Any]:
        from chainscreen.store import open_store

        db = f"sqlite:///{f / 'r.sqlite'}"
        with open_store(db) as store:
            store.add_decisions(items)
            stored = store.decisions()
        path = f / f"d.{fmt}"
        code, _o, err = cli("review", "--export", str(path), "--db", db)
        if code != 0:
            return verdict(False, clean_error(code, err) or "export failed")
        code, out, err = cli("review", "--import", str(path), "--db", db)
        if code != 0:
            return verdict(False, clean_error(code, err) or f"import failed: {err.strip()[:200]}")
        if "imported 0 new" not in out:
            return verdict(False, f"re-import added decisions: {out.strip()[:200]}")
        db2 = f"sqlite:///{f / 'r2.sqlite'}"
        code, _o, err = cli("review", "--import", str(path), "--db", db2)
        with open_store(db2) as store:
            again = store.decisions()
        if sorted(map(repr, again)) != sorted(map(repr, stored)):
            return verdict(False, "export → import is not the identity")
        return verdict(True)

    return Case("decisions_trip", f"{len(items)} decisions as {fmt}", run)


@st.composite
def opensanctions(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(["deep", "huge", "json", "csv"]))
    if kind == "deep":
        n = draw(st.integers(100, 200_000))
        line = '{"id": "x", "schema": "Company", "properties": ' + "[" * n + "]" * n + "}"
    elif kind == "huge":
        line = draw(st.sampled_from(["Z", "{", '"', "x,"])) * draw(st.integers(100_000, 500_000))
    elif kind == "json":
        value = draw(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                                  lambda c: st.lists(c, max_size=3) | st.dictionaries(
                                      st.sampled_from(["id", "schema", "properties", "name",
                                                       "caption", "target", "datasets"]), c,
                                      max_size=4), max_leaves=20))
        line = json.dumps(value)
    else:
        line = "id,schema,name\n" + draw(st.text(max_size=200))
    data = (line + "\n").encode("utf-8", errors="replace")

    def run(f: Path) -> dict[str, Any]:
        path = f / "entities.json"
        path.write_bytes(data)
        code, _o, err = cli("lists", "import", str(path), "--format", "opensanctions", "--id",
                            "os-fuzz", "--edition", "2026-01-01",
                            env={"CHAINSCREEN_DATA_DIR": str(f / "data")})
        if code == 0:
            return verdict(True)
        why = clean_error(code, err)
        return verdict(not why, why)

    return Case("opensanctions", f"{kind} line of {len(data):,} bytes", run)


SETTING_KEYS = ["cut_high", "cut_elevated", "cut_low", "match_threshold", "review_threshold",
                "candidate_floor", "top_k", "lists", "weights", "strengths", "scorer", "bogus"]
TOML_VALUES = ["70", "-5", "0", "2.5", "1e9", "nan", "inf", '"70"', '"high"', "true",
               "1979-05-27T07:32:00Z", "1979-05-27", "07:32:00", "[1, 2]", "[]", '["dol-tvpra"]',
               '"dol-tvpra"', "{a = 1}", "{tip_tier = 0.5}", '{tip_tier = "x"}', "{}",
               '[["a"]]', "{tip_tier = {\"Tier 3\" = 2}}"]


@st.composite
def settings_file(draw: st.DrawFn) -> Case:
    lines = [f"{k} = {draw(st.sampled_from(TOML_VALUES))}"
             for k in draw(st.lists(st.sampled_from(SETTING_KEYS), min_size=1, max_size=4, unique=True))]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "cp1252"]))
    table_ = draw(st.sampled_from(["", "[chainscreen]\n"]))
    data = (table_ + "\n".join(lines) + "\n").encode(encoding)

    def run(f: Path) -> dict[str, Any]:
        from chainscreen.errors import SettingsError
        from chainscreen.settings import load_settings

        path = f / "chainscreen.toml"
        path.write_bytes(data)
        try:
            load_settings(path)
        except SettingsError as exc:
            lines_ = str(exc).splitlines()
            ok = all(line.startswith(f"{path}: ") for line in lines_)
            return verdict(ok, "" if ok else f"error lines do not name the file: {exc}")
        return verdict(True)

    return Case("settings", "; ".join(lines)[:120] + f" ({encoding})", run)


_RESULTS: dict[str, Any] = {}


def _results_template(folder: Path) -> dict[str, Any]:
    if "data" not in _RESULTS:
        src = folder / "seed.csv"
        src.write_text("Supplier,Country,Description\nHoshine Silicon Industry Co,CN,polysilicon\n"
                       "Nord Garn AG,DE,wool\n")
        code, _o, err = cli("screen", str(src), "-o", str(folder / "seed"), "--format", "json",
                            "--no-store", "-q")
        assert code == 0, err
        _RESULTS["data"] = json.loads((folder / "seed" / "seed.json").read_text())
    return json.loads(json.dumps(_RESULTS["data"]))


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                           | st.text(max_size=10), lambda c: st.lists(c, max_size=3)
                           | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def results_json(draw: st.DrawFn) -> Case:
    choice = draw(st.integers(0, 10_000))
    value = draw(st.one_of(JSON_VALUES, st.sampled_from(["catastrophic", -1, 101, "x"])))
    deep = draw(st.sampled_from([0, 0, 0, 50_000]))
    command = draw(st.sampled_from(["explain", "s211", "sector"]))

    def run(f: Path) -> dict[str, Any]:
        data = _results_template(f)
        paths = _paths(data)
        where = paths[choice % len(paths)]
        if not where:
            data = value
        else:
            node = data
            for k in where[:-1]:
                node = node[k]
            node[where[-1]] = value
        path = f / "tampered.json"
        text = json.dumps(data)
        if deep:
            text = '{"rows": ' + "[" * deep + "]" * deep + ', "receipt": {}}'
        path.write_text(text)
        profile = Path(__file__).parents[2] / "templates" / "profile.toml"
        args = {"explain": ["explain", str(path), "1"],
                "s211": ["report", "s211", "--profile", str(profile), "--results", str(path),
                         "--check"],
                "sector": ["report", "sector", "--goods", "cotton", "--results", str(path), "-o",
                           str(f / "brief"), "--format", "md"]}[command]
        code, _o, err = cli(*args)
        if code in (0, 3):
            return verdict(True)
        why = clean_error(code, err)
        return verdict(not why, why)

    return Case("results_json", f"node #{choice} := {value!r:.40} via {command}", run)


MD_NASTY = ["<img src=x onerror=alert(1)>", "[click](javascript:alert(1))", "![i](http://x/i.png)",
            "| a | b |", "**bold**", "`code`", "# heading", "&lt;script&gt;", "<script>x</script>",
            "\\", "a\nb", "a\rb", "~~s~~", "_u_", "<http://evil.example>", "line\u2028sep"]


@st.composite
def markdown(draw: st.DrawFn) -> Case:
    rows = draw(table(min_rows=1, max_rows=5))
    for r in rows:
        if draw(st.booleans()):
            r[0] = draw(st.sampled_from(MD_NASTY)) + " " + r[0] + " Xinjiang"
    file_part = draw(st.sampled_from([m for m in MD_NASTY if "/" not in m and "\n" not in m
                                      and "\r" not in m and "\\" not in m] + ["plain"]))
    goods = draw(st.sampled_from(MD_NASTY))
    data = to_csv([HEADER] + rows).encode()
    raw = re.compile(r"(?<!\\)<(img|script|http)|(?<!\\)\[click(?<!\\)\]|(?<!\\)!\[i")

    def run(f: Path) -> dict[str, Any]:
        name = f"{file_part}.csv"

        def check(out: Path, _d: dict[str, Any]) -> str:
            md = (out / f"{Path(name).stem}.md").read_text(encoding="utf-8")
            found = raw.search(md)
            return f"raw markup in the report: {found.group(0)!r}" if found else ""

        v = screen_file(f, name, data, len(rows), both_modes=False, formats="json,md", check=check)
        if v["status"] != "pass":
            return v
        code, _o, err = cli("report", "sector", "--goods", f"cotton {goods}", "--format", "md",
                            "-o", str(f / "brief"))
        if code != 0:
            why = clean_error(code, err)
            return verdict(not why, why)
        found = raw.search((f / "brief.md").read_text(encoding="utf-8"))
        return verdict(found is None, f"raw markup in the sector brief: {found.group(0)!r}" if found else "")

    return Case("markdown", f"file {file_part!r}, goods {goods!r}", run, len(rows))


@st.composite
def outputs(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(["devnull", "devnull-sub", "proc", "file-as-folder", "folder-as-file",
                                 "input-name", "symlink-to-input", "fine"]))
    fmt = draw(st.sampled_from(["json", "csv", "html", "xlsx"]))
    stored = draw(st.booleans())

    def run(f: Path) -> dict[str, Any]:
        ext = {"json": ".json", "csv": ".screened.csv", "html": ".html", "xlsx": ".screened.xlsx"}[fmt]
        src = f / ("lines" + (ext if kind == "input-name" and fmt in ("json", "html") else ".csv"))
        src.write_text("Supplier,Country\nAcme Textile Co,CN\n")
        before = src.read_bytes()
        out: Path | str = f / "out"
        if kind == "devnull":
            out = "/dev/null"
        elif kind == "devnull-sub":
            out = "/dev/null/out"
        elif kind == "proc":
            out = "/proc/chainscreen-fuzz"
        elif kind == "file-as-folder":
            (f / "out").write_text("a file")
        elif kind == "folder-as-file":
            (f / "out" / f"{src.stem}{ext}").mkdir(parents=True)
        elif kind == "input-name":
            out = f
        elif kind == "symlink-to-input":
            (f / "out").mkdir()
            (f / "out" / f"{src.stem}{ext}").symlink_to(src)
        extra = ["--db", f"sqlite:///{f / 'r.sqlite'}"] if stored else ["--no-store"]
        code, _o, err = cli("screen", str(src), "-o", str(out), "--format", fmt, "--force", "-q", *extra)
        if src.read_bytes() != before:
            return verdict(False, "the input was written over")
        if code == 0:
            ok = kind == "fine" or (kind == "input-name" and fmt not in ("json", "html"))
            return verdict(ok, "" if ok else f"{kind} accepted")
        why = clean_error(code, err)
        if why:
            return verdict(False, why)
        if stored:
            from chainscreen.store import open_store

            with open_store(f"sqlite:///{f / 'r.sqlite'}") as store:
                if store.runs():
                    return verdict(False, "a run was stored before the outputs were found unwritable")
        return verdict(True)

    return Case("outputs", f"{kind} as {fmt}, stored={stored}", run)


@st.composite
def lists_import(draw: st.DrawFn) -> Case:
    list_id = draw(st.sampled_from(["uflpa-entity-list", "dol-tvpra", "tip-tiers", "cbp-wro-entities",
                                    "my-watchlist", "UPPER", "a", "x" * 70, "../etc"]))
    edition = draw(st.sampled_from(["2026-01-01", "9999-12-31", "2100", "2026-13-01", "yesterday",
                                    "2026-11-01.2", ""]))
    fmt = draw(st.sampled_from(["csv", "ofac", "opensanctions"]))

    def run(f: Path) -> dict[str, Any]:
        data = Path(__file__).parents[1] / "data" / "lists"
        path = {"csv": data / "watchlist.csv", "ofac": data / "ofac_synthetic" / "sdn.csv",
                "opensanctions": data / "opensanctions" / "targets.simple.csv"}[fmt]
        args = ["lists", "import", str(path), "--format", fmt, "--id", list_id]
        if edition:
            args += ["--edition", edition]
        env = {"CHAINSCREEN_DATA_DIR": str(f / "data")}
        code, out, err = cli(*args, env=env)
        if code == 0:
            shipped = list_id in ("uflpa-entity-list", "dol-tvpra", "tip-tiers", "cbp-wro-entities")
            if shipped and not (fmt == "opensanctions" and list_id == "uflpa-entity-list"):
                return verdict(False, f"{fmt} accepted as the shipped list {list_id}")
            if edition.startswith(("9999", "2100")):
                return verdict(False, f"edition {edition} in the future accepted")
            if shipped and "replaces the shipped edition" not in out and "not in use" not in out:
                return verdict(False, "a replacement of a shipped list was not announced")
            return verdict(True)
        why = clean_error(code, err)
        return verdict(not why, why)

    return Case("lists_import", f"{fmt} as {list_id}@{edition}", run)


@st.composite
def incomplete_run(draw: st.DrawFn) -> Case:
    which = draw(st.sampled_from(["diff-a", "diff-b", "review", "show", "rescreen", "verify"]))

    def run(f: Path) -> dict[str, Any]:
        from chainscreen.store import open_store

        db = f"sqlite:///{f / 'r.sqlite'}"
        src = f / "lines.csv"
        src.write_text("Supplier,Country,Description\nHoshine Silicon Industry Co,CN,silicon\n")
        code, _o, err = cli("screen", str(src), "-o", str(f / "o"), "--format", "json", "--db", db, "-q")
        if code != 0:
            return verdict(False, clean_error(code, err) or "first screen failed")
        with open_store(db) as store:
            killed = store.start_run(src)
        k = str(killed.id)
        args = {"diff-a": ["runs", "diff", k, "1"], "diff-b": ["runs", "diff", "1", k],
                "review": ["review", k], "show": ["runs", "show", k],
                "rescreen": ["rescreen", k], "verify": ["runs", "verify", k]}[which]
        code, out, err = cli(*args, "--db", db)
        if "no longer used" in out or "0 open of 0" in out:
            return verdict(False, f"incomplete run read as empty: {out.strip()[:200]}")
        if code == 0:
            if which in ("diff-a", "diff-b", "review"):
                return verdict(False, f"{which} of an incomplete run exited 0")
            return verdict(True)
        why = clean_error(code, err)
        if which in ("diff-a", "diff-b", "review") and "incomplete" not in err:
            return verdict(False, f"error does not say the run is incomplete: {err.strip()[:200]}")
        return verdict(not why or which == "verify", why)

    return Case("incomplete_run", which, run)


# --------------------------------------------------------------------------------------------
# all classes

CLASSES: dict[str, Any] = {
    "broken_quote": broken_quote(), "header_break": header_break(), "ctrl_z": ctrl_z(),
    "wide_row": wide_row(), "sheet_rows": sheet_rows(), "far_cell": far_cell(), "merge": merge(),
    "extra_cells": extra_cells(), "controls": controls(), "entities": entities(),
    "unicode": unicode_input(), "decisions_yaml": decisions_yaml(),
    "decisions_trip": decisions_trip(), "opensanctions": opensanctions(),
    "settings": settings_file(), "results_json": results_json(), "markdown": markdown(),
    "outputs": outputs(), "lists_import": lists_import(), "incomplete_run": incomplete_run(),
}


def any_case(names: list[str] | None = None) -> Any:
    """A strategy drawing a case of any class (or of the classes named), classes equally often."""
    chosen = [CLASSES[n] for n in (names or list(CLASSES))]
    return st.sampled_from(chosen).flatmap(lambda s: s)


def environment(base: Path) -> dict[str, str]:
    """Environment for the runs: a private data folder and run database under ``base``."""
    data = base / "userdata"
    data.mkdir(parents=True, exist_ok=True)
    return {"CHAINSCREEN_DATA_DIR": str(data), "CHAINSCREEN_DB": f"sqlite:///{data / 'runs.sqlite'}",
            "CHAINSCREEN_REVIEWER": "fuzz"}


def warm(base: Path) -> None:
    """One screen in this process before any case is forked: the reference lists, the caches and
    the results template are then inherited by every case instead of loaded by each."""
    base.mkdir(parents=True, exist_ok=True)
    _results_template(base)
