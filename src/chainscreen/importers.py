"""Read risk lists in the formats their publishers distribute and turn them into chainscreen's files.

One adapter per format, each taking the publisher's file and returning an :class:`ImportedList`
(the rows in the shipped CSV schema of that list kind, plus what the catalogue needs to know):

============== =============================================================================
format         what it reads
============== =============================================================================
``dol-tvpra``  the US DOL *List of Goods Produced by Child Labor or Forced Labor*: DOL's app
               layout (``Good_Name, Good_Sector, Country_Name, Child_Labor, ...``, Yes/No)
               or the published Excel layout (``Good, Country, Child Labor, Forced Labor,
               Forced Child Labor`` with X marks or Yes/No), as CSV or XLSX
``tip``        Trafficking in Persons report tiers: ``country, tier, year``
``opensanctions`` FollowTheMoney entity JSON lines, or OpenSanctions' ``targets.simple.csv``
``ofac``       the OFAC SDN CSV files ``sdn.csv`` (+ ``add.csv``, ``alt.csv`` beside it)
``csv``        a user watchlist: ``name, aliases, country, address, reason, source_url, added``
============== =============================================================================

Every adapter validates as it reads and raises :class:`~chainscreen.errors.InputError` naming
the file, the row (1-based, the header row counts as a row, as in a spreadsheet) and the
column.  Storing an import as a new edition is :func:`chainscreen.reference.store_edition`'s
job; this module never writes.

The country mapping (:class:`CountryMapper`), the record key (:func:`norm_key`) and the alias
splitter (:func:`split_alias_text`) are also used by ``scripts/build_reference.py``, so the
shipped lists and imported editions are cleaned the same way.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from chainscreen.errors import InputError
from chainscreen.models import MULTI_SEP, UFLPA_SECTIONS

# ---------------------------------------------------------------------------
# helpers shared with scripts/build_reference.py

#: Names used by DOL, the World Factbook and OpenSanctions that pycountry does not know.
#: Keys are compared case-insensitively after whitespace clean-up.
COUNTRY_OVERRIDES: dict[str, str] = {
    "Burma": "MM",
    "Congo, Democratic Republic of the": "CD",
    "Democratic Republic of the Congo": "CD",
    "DRC": "CD",
    "Congo (Kinshasa)": "CD",
    "Congo, Republic of the": "CG",
    "Congo (Brazzaville)": "CG",
    "Russia": "RU",
    "Turkey": "TR",
    "Turkey (Türkiye)": "TR",
    "Türkiye": "TR",
    "Korea, North": "KP",
    "Korea, South": "KR",
    "Brunei": "BN",
    "Curacao": "CW",
    "Macau": "MO",
    "Sint Maarten": "SX",
    "The Gambia": "GM",
    "Gambia, The": "GM",
    "Bahamas, The": "BS",
    "Micronesia, Federated States of": "FM",
    "Cote d'Ivoire": "CI",
    "Falkland Islands (Islas Malvinas)": "FK",
    "Saint Helena, Ascension, and Tristan da Cunha": "SH",
    "Saint Helena, Ascensión, and Tristán da Cunha": "SH",
    "São Tomé and Príncipe": "ST",
    "Sao Tome and Principe": "ST",
    "West Bank and the Gaza Strip": "PS",
    # Kosovo has no ISO 3166-1 code; XK is the user-assigned code the EU, IMF and
    # US agencies use, and the one a manifest is likely to carry.
    "Kosovo": "XK",
}

#: Codes that are not in ISO 3166-1 but are accepted on purpose (see reference/PROVENANCE.md).
NON_ISO_CODES = frozenset({"XK"})



def clean_name(text: str) -> str:
    """HTML entities decoded, no-break spaces made spaces, whitespace collapsed."""
    return " ".join(html.unescape(text).replace("\xa0", " ").split())


class CountryMapper:
    """Country name -> ISO-2 via pycountry names plus :data:`COUNTRY_OVERRIDES`.

    Codes are never matched as names (``lookup`` would turn a name like "NA"
    into Namibia), only ``name``, ``common_name`` and ``official_name``.
    """

    def __init__(self) -> None:
        import pycountry

        self.index: dict[str, str] = {}
        self.valid: set[str] = set(NON_ISO_CODES)
        for country in pycountry.countries:
            self.valid.add(country.alpha_2)
            for attr in ("name", "common_name", "official_name"):
                value = getattr(country, attr, None)
                if value:
                    self.index[clean_name(value).casefold()] = country.alpha_2
        for name, code in COUNTRY_OVERRIDES.items():
            self.index[clean_name(name).casefold()] = code

    def get(self, name: str) -> str | None:
        """ISO-2 code of ``name`` or None."""
        return self.index.get(clean_name(name).casefold())

    def code_or_name(self, value: str) -> str | None:
        """ISO-2 for an ISO-2 code (any case) or a country name; None when neither.

        Publishers' own names come first (the table above); chainscreen's wider manifest
        normaliser (``P.R. China``, ``Viet Nam``, alpha-3 codes) is the fallback.
        """
        text = clean_name(value)
        if len(text) == 2 and text.isalpha() and text.upper() in self.valid:
            return text.upper()
        code = self.get(text)
        if code is None:
            from chainscreen.normalize.countries import to_iso2

            code = to_iso2(text)
        return code


@cache
def country_mapper() -> CountryMapper:
    """The process-wide :class:`CountryMapper` (building it reads pycountry's tables)."""
    return CountryMapper()


def norm_key(name: str) -> str:
    """Key for deduplication and record ids: NFKC, case-folded, letters and digits only."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if ch.isalnum())


#: " and " directly after a legal form separates two names ("Co., Ltd. and JWD Technology");
#: elsewhere it is part of a name ("Cotton and Linen Co.").
LEGAL_FORM_AND = re.compile(
    r"\b(Ltd|Co|Limited|Inc|Company|Corp|Corporation|LLC)(\.?)\s+and\s+(?=[A-Z0-9])")


def split_alias_text(text: str) -> list[str]:
    """Split alias text on ';', '; and', ', and', 'a/k/a' and 'and' after a legal form."""
    text = LEGAL_FORM_AND.sub(lambda m: f"{m.group(1)}{m.group(2)}; ", text)
    parts = re.split(r"\s*;\s*(?:and\s+)?|,\s+and\s+|\s*,?\s*\ba/k/a\b\s*", text)
    return [p.strip(" ,;") for p in parts if p and p.strip(" ,;")]


def to_csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 CSV with ``\\n`` line ends and minimal quoting (the shipped files' format)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def csv_records(text: str, path: Path | str = "", delimiter: str = ",") -> list[list[str]]:
    """Every record of CSV text. A field may be as long as the text (the csv module refuses
    fields over 128 KiB by default); a malformed file is an InputError naming the line."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as exc:
        raise InputError(f"not readable as CSV ({exc})", path=str(path) or None,
                         row=reader.line_num) from None
    finally:
        csv.field_size_limit(old)


def count_rows(data: bytes) -> int:
    """Data rows of a CSV (records, not physical lines)."""
    return len(csv_records(data.decode("utf-8"))) - 1


def _dedupe(values: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Values in order without repeats (case and spacing ignored), minus ``exclude``."""
    seen = {" ".join(v.casefold().split()) for v in exclude}
    out = []
    for v in values:
        v = " ".join(v.split())
        k = v.casefold()
        if k and k not in seen:
            seen.add(k)
            out.append(v)
    return out


# ---------------------------------------------------------------------------
# the result of an import

#: Columns of an imported entity list (a superset of what the loader needs).
ENTITY_HEADER = ("record_id", "name", "aliases", "country", "address", "listed", "notes",
                 "schema", "identifiers", "source_url")
#: Columns of the DOL TVPRA goods list (as shipped).
GOODS_HEADER = ("good", "sector", "country", "iso2", "child_labour", "forced_labour",
                "forced_child_labour", "derived", "derived_country")
#: Columns of the TIP tiers list (as shipped).
TIP_HEADER = ("report_year", "iso2", "country", "tier", "tier_rating_text")

#: What a list is about; it decides the wording of evidence and how a match counts.
SCOPES = ("forced-labour", "sanctions", "watchlist")


@dataclass
class ImportedList:
    """A publisher's file read, validated and converted; ready to be stored as an edition."""

    format: str
    kind: str  # commodity | country | entity
    header: tuple[str, ...]
    rows: list[list[str]]
    #: The list id this format feeds by default (None: the user must give --id).
    default_id: str | None
    #: The edition the file itself gives (a date or year), if any.
    default_edition: str | None
    title: str
    publisher: str
    source_url: str
    licence: str
    refresh_days: int | None
    scope: str
    #: The files read, with their sha256.
    sources: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: List ids the format may feed (None: any id).
    allowed_ids: tuple[str, ...] | None = None
    #: Older editions the same file gives, oldest first (DOL's open data: one per list year).
    earlier: list[ImportedList] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        """The converted file, in the shipped CSV format."""
        return to_csv_bytes(self.header, self.rows)

    @property
    def records(self) -> int:
        """Number of records."""
        return len(self.rows)


# ---------------------------------------------------------------------------
# reading tables


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else the encoding charset-normalizer finds."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError("not a text file in a known encoding", path=str(path))
    return str(best)


def _col_key(name: object) -> str:
    """Header key: case-folded, anything not a letter or digit becomes one underscore."""
    return re.sub(r"[^0-9a-z]+", "_", str(name or "").casefold()).strip("_")


@dataclass
class _Table:
    path: Path
    header: list[str]  # as written in the file
    rows: list[tuple[int, list[str]]]  # (1-based row number in the file, cells)

    def index(self, synonyms: dict[str, tuple[str, ...]],
              required: Sequence[str]) -> dict[str, int]:
        """Position of each wanted column; InputError naming the missing required ones."""
        keys = [_col_key(h) for h in self.header]
        found: dict[str, int] = {}
        for name, options in synonyms.items():
            for opt in options:
                if opt in keys:
                    found[name] = keys.index(opt)
                    break
        missing = [n for n in required if n not in found]
        if missing:
            wanted = "; ".join(f"{n} (one of: {', '.join(synonyms[n])})" for n in missing)
            raise InputError(
                f"missing column(s) {wanted}; the header is {self.header}", path=str(self.path))
        return found


def _read_table(path: Path, synonyms: dict[str, tuple[str, ...]], required: Sequence[str],
                sheet: str | None = None) -> tuple[_Table, dict[str, int]]:
    """Read a CSV/TSV/XLSX table; the header is the first of the top rows naming the
    required columns (publishers put titles above it)."""
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", path=str(path))
    raw_rows: list[tuple[int, list[str]]]
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw_rows = list(_xlsx_rows(path, sheet))
    elif path.suffix.lower() == ".xls":
        raise InputError("legacy Excel 97-2003 .xls is not read; save it as .xlsx or .csv",
                         path=str(path))
    else:
        text = _decode(path.read_bytes(), path)
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
        raw_rows = list(enumerate(csv_records(text, path, delimiter), start=1))
    wanted = {o for n in required for o in synonyms[n]}
    for pos, (_, cells) in enumerate(raw_rows[:15]):
        keys = {_col_key(c) for c in cells}
        if all(any(o in keys for o in synonyms[n]) for n in required) and keys & wanted:
            table = _Table(path, [str(c).strip() for c in cells], [
                (n, [str(c) if c is not None else "" for c in r])
                for n, r in raw_rows[pos + 1:] if any(str(c).strip() for c in r)])
            return table, table.index(synonyms, required)
    header = raw_rows[0][1] if raw_rows else []
    table = _Table(path, [str(c) for c in header], [])
    table.index(synonyms, required)  # raises naming the missing columns
    raise InputError("no header row found", path=str(path))  # pragma: no cover


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _xlsx_error(exc, path) from None
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        i = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # the sheet XML is parsed only now
                raise _xlsx_error(exc, path) from None
            i += 1
            yield i, ["" if v is None else _cell_text(v) for v in row]
    finally:
        wb.close()


def _xlsx_error(exc: BaseException, path: Path) -> InputError:
    # openpyxl parses workbook XML through defusedxml (a dependency): entity definitions are
    # refused before anything is expanded or fetched
    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    for _ in range(8):
        if cause is None:
            break
        if isinstance(cause, DefusedXmlException):
            return InputError("the workbook's XML declares entities (a DTD with entity "
                              "definitions or external references); refusing it unexpanded",
                              path=str(path))
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(exc).split())[:300]
    return InputError(f"not a readable .xlsx workbook ({text})", path=str(path))


def _cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(row: list[str], idx: dict[str, int], name: str) -> str:
    pos = idx.get(name)
    if pos is None or pos >= len(row):
        return ""
    return row[pos].strip()


TRUE_WORDS = frozenset({"yes", "y", "x", "true", "1", "✓", "✔"})
FALSE_WORDS = frozenset({"no", "n", "", "false", "0", "-"})


def _flag(value: str, path: Path, row: int, column: str) -> str:
    v = value.strip().casefold()
    if v in TRUE_WORDS:
        return "true"
    if v in FALSE_WORDS:
        return "false"
    raise InputError(f"expected Yes/No or an X mark, got {value!r}", path=str(path), row=row,
                     column=column)


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y",
                "%Y%m%d")


def parse_date(value: str) -> str | None:
    """ISO date of an unambiguous date text (ISO, '5 March 2024', 'March 5, 2024'), or None.

    Day/month orders such as 03/05/2024 are refused: they mean different days in
    different countries.
    """
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].*", text):
        text = text[:10]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _column_name(table: _Table, idx: dict[str, int], name: str) -> str:
    pos = idx.get(name)
    return table.header[pos] if pos is not None and pos < len(table.header) else name


# ---------------------------------------------------------------------------
# dol-tvpra

DOL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "good": ("good_name", "good", "goods"),
    "sector": ("good_sector", "sector"),
    "country": ("country_name", "country"),
    "child_labour": ("child_labor", "child_labour"),
    "forced_labour": ("forced_labor", "forced_labour"),
    "forced_child_labour": ("forced_child_labor", "forced_child_labour"),
    "derived": ("derived_labor_exploitation", "derived_labour_exploitation", "derived"),
    "derived_country": ("derived_country",),
}
DOL_URL = "https://www.dol.gov/agencies/ilab/reports/child-labor/list-of-goods"
PUBLIC_DOMAIN = "Public domain (US federal government work, 17 U.S.C. 105)"


def read_dol_tvpra(path: Path, *, sheet: str | None = None) -> ImportedList:
    """The DOL TVPRA goods list (app CSV layout or published Excel layout) -> shipped schema."""
    table, idx = _read_table(path, DOL_SYNONYMS,
                             ("good", "country", "child_labour", "forced_labour"), sheet)
    countries = country_mapper()
    out: list[list[str]] = []
    seen: dict[tuple[str, str], int] = {}
    col = {n: _column_name(table, idx, n) for n in DOL_SYNONYMS}
    for n, row in table.rows:
        good = _cell(row, idx, "good")
        country = _cell(row, idx, "country")
        if not good:
            raise InputError("empty good name", path=str(path), row=n, column=col["good"])
        if not country:
            raise InputError("empty country", path=str(path), row=n, column=col["country"])
        iso2 = countries.code_or_name(country)
        if iso2 is None:
            raise InputError(f"country {country!r} is not a known country name",
                             path=str(path), row=n, column=col["country"])
        key = (good, iso2)
        if key in seen:
            raise InputError(f"{good} / {country} is listed twice (first in row {seen[key]})",
                             path=str(path), row=n, column=col["good"])
        seen[key] = n
        flags = [_flag(_cell(row, idx, f), path, n, col[f])
                 for f in ("child_labour", "forced_labour", "forced_child_labour", "derived")]
        if "true" not in flags:
            raise InputError("the good is marked neither child labour, forced labour nor "
                             "derived from either",
                             path=str(path), row=n, column=col["child_labour"])
        dc = _cell(row, idx, "derived_country")
        derived_country = ""
        if dc and dc.casefold() not in ("no", "n", "-"):
            derived_country = countries.code_or_name(dc) or ""
            if not derived_country:
                raise InputError(f"country {dc!r} is not a known country name",
                                 path=str(path), row=n, column=col["derived_country"])
        out.append([good, _cell(row, idx, "sector"), country, iso2, *flags, derived_country])
    if not out:
        raise InputError("no goods rows", path=str(path))
    return ImportedList(
        format="dol-tvpra", kind="commodity", header=GOODS_HEADER, rows=out,
        default_id="dol-tvpra", default_edition=None,
        title="List of Goods Produced by Child Labor or Forced Labor",
        publisher="US Department of Labor, Bureau of International Labor Affairs",
        source_url=DOL_URL, licence=PUBLIC_DOMAIN, refresh_days=730, scope="forced-labour",
        sources=[(path.name, _sha256_file(path))],
        notes=[f"{len({r[0] for r in out})} good names, {len({r[3] for r in out})} countries"],
        allowed_ids=("dol-tvpra",),
    )


# ---------------------------------------------------------------------------
# dol-open-data: the DOL list of goods as DOL's open-data portal serves it

DOL_OPEN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "country": ("country", "country_name", "country_area", "country_territory"),
    "iso": ("iso_code", "iso", "iso2", "iso3", "iso_alpha_2", "iso_alpha_3", "country_code",
            "iso_3166"),
    "sector": ("sector", "good_sector", "industry"),
    "good": ("good", "good_name", "goods", "product"),
    "child_labour": ("child_labor", "child_labour", "cl"),
    "forced_labour": ("forced_labor", "forced_labour", "fl"),
    "forced_child_labour": ("forced_child_labor", "forced_child_labour", "fcl"),
}
#: Publication dates of the DOL list editions the project holds records of (the shipped
#: catalogue: 2018, 2020, 2022; DOL's 2024 list: 2024-09-05). Other years are labelled by year.
DOL_EDITION_DATES = {2018: "2018-09-20", 2020: "2020-09-30", 2022: "2022-09-28",
                     2024: "2024-09-05"}
_YEAR_RANGE = re.compile(r"(\d{4})\s*(?:[-–—]|to)\s*(\d{4}|present|current)|(\d{4})", re.I)


def parse_year_ranges(value: str, latest: int | None = None) -> list[tuple[int, int]]:
    """'2009-2024' -> [(2009, 2024)]; '2009-2014, 2018-2024' -> two ranges; '2024' -> one year;
    '' / 'No' / '-' -> none. 'present' ends at ``latest``. ValueError for anything else."""
    text = value.strip()
    if text.casefold() in ("", "-", "no", "n/a", "na", "none", "false", "0"):
        return []
    out = []
    rest = text
    for m in _YEAR_RANGE.finditer(text):
        if m.group(3):
            start = end = int(m.group(3))
        else:
            start = int(m.group(1))
            if m.group(2).isalpha():  # "present"
                if latest is None:
                    raise ValueError(f"{text!r}: 'present' needs a dated range elsewhere in the "
                                     "file")
                end = latest
            else:
                end = int(m.group(2))
        if not 1990 <= start <= end <= 2100:
            raise ValueError(f"{m.group(0)!r} is not a range of years")
        out.append((start, end))
        rest = rest.replace(m.group(0), "", 1)
    if not out or not re.fullmatch(r"(?:[\s,;&]|\band\b)*", rest):
        raise ValueError(f"{text!r} is not a year or a range of years such as '2009-2024'")
    return out


def _dol_open_edition(year: int, records: list[tuple[list[str], dict[str, list[tuple[int, int]]]]],
                      source: tuple[str, str], path: Path) -> ImportedList:
    rows = []
    for cells, ranges in records:
        flags = ["true" if any(a <= year <= b for a, b in ranges[f]) else "false"
                 for f in ("child_labour", "forced_labour", "forced_child_labour")]
        if "true" in flags:
            rows.append([*cells, *flags, "false", ""])
    label = DOL_EDITION_DATES.get(year, str(year))
    return ImportedList(
        format="dol-open-data", kind="commodity", header=GOODS_HEADER, rows=rows,
        default_id="dol-tvpra", default_edition=label,
        title=f"List of Goods Produced by Child Labor or Forced Labor ({year})",
        publisher="US Department of Labor, Bureau of International Labor Affairs",
        source_url=DOL_URL, licence=PUBLIC_DOMAIN, refresh_days=730, scope="forced-labour",
        sources=[source],
        notes=[f"the {year} list as DOL's open data gives it (goods listed in {year} by the "
               f"year ranges of {path.name}): {len({r[0] for r in rows})} good names, "
               f"{len({r[3] for r in rows})} countries; derived goods are not in this format"],
        allowed_ids=("dol-tvpra",),
    )


def read_dol_open_data(path: Path, *, sheet: str | None = None) -> ImportedList:
    """DOL's open-data goods file (country, ISO code, sector, good; child labour, forced labour
    and forced child labour as the years a good was listed, e.g. "2009-2024") -> the newest
    edition in the ``dol-tvpra`` schema, with every earlier edition in ``earlier``."""
    table, idx = _read_table(path, DOL_OPEN_SYNONYMS, ("good", "child_labour", "forced_labour"),
                             sheet)
    if "country" not in idx and "iso" not in idx:
        raise InputError("missing column 'Country' or 'ISO Code'", path=str(path))
    col = {n: _column_name(table, idx, n) for n in DOL_OPEN_SYNONYMS}
    countries = country_mapper()
    flags = ("child_labour", "forced_labour", "forced_child_labour")
    # The newest year any dated range names: what "2016-present" runs to.
    years = [int(y) for _, row in table.rows for f in flags
             for y in re.findall(r"\d{4}", _cell(row, idx, f))]
    latest = max(years) if years else None
    records: list[tuple[list[str], dict[str, list[tuple[int, int]]]]] = []
    seen: dict[tuple[str, str], int] = {}
    for n, row in table.rows:
        good = _cell(row, idx, "good")
        if not good:
            raise InputError("empty good name", path=str(path), row=n, column=col["good"])
        name = _cell(row, idx, "country")
        code = _cell(row, idx, "iso")
        iso2 = None
        if code:
            iso2 = countries.code_or_name(code)
            if iso2 is None:
                raise InputError(f"ISO code {code!r} is not a country code", path=str(path),
                                 row=n, column=col["iso"])
        elif name:
            iso2 = countries.code_or_name(name)
            if iso2 is None:
                raise InputError(f"country {name!r} is not a known country name",
                                 path=str(path), row=n, column=col["country"])
        else:
            raise InputError("no country and no ISO code", path=str(path), row=n,
                             column=col["country"])
        if (good, iso2) in seen:
            raise InputError(f"{good} / {name or iso2} is listed twice (first in row "
                             f"{seen[(good, iso2)]})", path=str(path), row=n, column=col["good"])
        seen[(good, iso2)] = n
        ranges = {}
        for f in flags:
            try:
                ranges[f] = parse_year_ranges(_cell(row, idx, f), latest)
            except ValueError as exc:
                raise InputError(str(exc), path=str(path), row=n, column=col[f]) from None
        if not any(ranges.values()):
            raise InputError("no year in any of the child labour, forced labour and forced "
                             "child labour columns", path=str(path), row=n,
                             column=col["child_labour"])
        records.append(([good, _cell(row, idx, "sector"), clean_name(name) or iso2, iso2],
                        ranges))
    if not records:
        raise InputError("no goods rows", path=str(path))
    # An edition wherever a listing starts or ends; years in between add nothing new.
    editions = sorted({y for _, r in records for spans in r.values() for span in spans
                       for y in span})
    source = (path.name, _sha256_file(path))
    built = [_dol_open_edition(y, records, source, path) for y in editions]
    newest = built[-1]
    newest.earlier = built[:-1]
    newest.notes.append("editions in the file: " + ", ".join(
        f"{e.default_edition} ({e.records} rows)" for e in built))
    return newest


# ---------------------------------------------------------------------------
# tip

TIP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "country": ("country", "country_name", "name", "iso2"),
    "tier": ("tier", "tier_placement", "tier_ranking", "ranking"),
    "year": ("year", "report_year", "tip_year"),
    "text": ("tier_rating_text", "text", "notes"),
}
_TIER_FORMS = {
    "tier 1": "Tier 1", "1": "Tier 1", "t1": "Tier 1",
    "tier 2": "Tier 2", "2": "Tier 2", "t2": "Tier 2",
    "tier 2 watch list": "Tier 2 Watch List", "tier 2 watchlist": "Tier 2 Watch List",
    "tier 2wl": "Tier 2 Watch List", "t2wl": "Tier 2 Watch List",
    "2wl": "Tier 2 Watch List", "2 watch list": "Tier 2 Watch List",
    "tier 3": "Tier 3", "3": "Tier 3", "t3": "Tier 3",
    "special case": "Special Case", "special cases": "Special Case",
}


def read_tip(path: Path, *, sheet: str | None = None) -> ImportedList:
    """TIP report tiers (country, tier, year) -> the shipped ``tip-tiers`` schema."""
    table, idx = _read_table(path, TIP_SYNONYMS, ("country", "tier", "year"), sheet)
    countries = country_mapper()
    col = {n: _column_name(table, idx, n) for n in TIP_SYNONYMS}
    out: list[list[str]] = []
    seen: dict[tuple[str, str], int] = {}
    for n, row in table.rows:
        country = _cell(row, idx, "country")
        tier_raw = _cell(row, idx, "tier")
        year = _cell(row, idx, "year")
        iso2 = countries.code_or_name(country) if country else None
        if iso2 is None:
            raise InputError(f"country {country!r} is not a known country name or ISO code",
                             path=str(path), row=n, column=col["country"])
        tier = _TIER_FORMS.get(" ".join(tier_raw.casefold().replace("-", " ").split()))
        if tier is None:
            raise InputError(
                f"tier {tier_raw!r} is not one of Tier 1, Tier 2, Tier 2 Watch List, Tier 3, "
                "Special Case", path=str(path), row=n, column=col["tier"])
        if not re.fullmatch(r"(19|20)\d\d", year):
            raise InputError(f"report year {year!r} is not a four-digit year",
                             path=str(path), row=n, column=col["year"])
        key = (year, iso2)
        if key in seen:
            raise InputError(f"{country} appears twice for {year} (first in row {seen[key]})",
                             path=str(path), row=n, column=col["country"])
        seen[key] = n
        name = clean_name(country) if len(country) > 2 else iso2
        out.append([year, iso2, name, tier, _cell(row, idx, "text") or tier_raw])
    if not out:
        raise InputError("no tier rows", path=str(path))
    return ImportedList(
        format="tip", kind="country", header=TIP_HEADER, rows=out,
        default_id="tip-tiers", default_edition=max(r[0] for r in out),
        title="Trafficking in Persons Report: tier placements",
        publisher="US Department of State", source_url=
        "https://www.state.gov/trafficking-in-persons-report/", licence=PUBLIC_DOMAIN,
        refresh_days=365, scope="forced-labour", sources=[(path.name, _sha256_file(path))],
        notes=["report years " + ", ".join(sorted({r[0] for r in out}))],
        allowed_ids=("tip-tiers",),
    )


# ---------------------------------------------------------------------------
# user watchlist (csv)

WATCHLIST_SYNONYMS: dict[str, tuple[str, ...]] = {
    "record_id": ("record_id", "id"),
    "name": ("name", "entity", "entity_name", "company", "supplier", "supplier_name"),
    "aliases": ("aliases", "alias", "also_known_as", "aka", "other_names"),
    "country": ("country", "iso2", "country_code"),
    "address": ("address",),
    "reason": ("reason", "notes", "why", "comment"),
    "source_url": ("source_url", "source", "url", "link"),
    "added": ("added", "added_date", "date_added", "listed", "date"),
    "identifiers": ("identifiers", "identifier", "registration_number"),
}


def _split_aliases(text: str, sep: str | None) -> list[str]:
    if not text.strip():
        return []
    if sep:
        return [p.strip() for p in text.split(sep) if p.strip()]
    return [a for part in text.split("|") for a in split_alias_text(part)]


def read_watchlist(path: Path, *, alias_sep: str | None = None,
                   sheet: str | None = None) -> ImportedList:
    """A user watchlist (CSV/XLSX: name, aliases, country, address, reason, source_url, added)."""
    table, idx = _read_table(path, WATCHLIST_SYNONYMS, ("name",), sheet)
    countries = country_mapper()
    col = {n: _column_name(table, idx, n) for n in WATCHLIST_SYNONYMS}
    out: list[list[str]] = []
    seen: dict[str, int] = {}
    for n, row in table.rows:
        name = clean_name(_cell(row, idx, "name"))
        if not name:
            raise InputError("empty name", path=str(path), row=n, column=col["name"])
        rid = _cell(row, idx, "record_id") or \
            f"wl-{hashlib.sha1(norm_key(name).encode('utf-8')).hexdigest()[:10]}"
        if rid in seen:
            what = "record id" if _cell(row, idx, "record_id") else "name"
            raise InputError(f"{what} {rid if what == 'record id' else name!r} appears twice "
                             f"(first in row {seen[rid]})", path=str(path), row=n,
                             column=col["record_id" if what == "record id" else "name"])
        seen[rid] = n
        country_raw = _cell(row, idx, "country")
        country = ""
        if country_raw:
            country = countries.code_or_name(country_raw) or ""
            if not country:
                raise InputError(f"country {country_raw!r} is not a known country name or "
                                 "ISO code", path=str(path), row=n, column=col["country"])
        added_raw = _cell(row, idx, "added")
        added = parse_date(added_raw) if added_raw else ""
        if added is None:
            raise InputError(f"date {added_raw!r} is not a date in an unambiguous form "
                             "(use YYYY-MM-DD)", path=str(path), row=n, column=col["added"])
        url = _cell(row, idx, "source_url")
        if url and not re.match(r"(https?|file)://", url):
            raise InputError(f"source URL {url!r} does not start with http:// or https://",
                             path=str(path), row=n, column=col["source_url"])
        aliases = _dedupe(_split_aliases(_cell(row, idx, "aliases"), alias_sep), [name])
        idents = _split_aliases(_cell(row, idx, "identifiers"), alias_sep or ";")
        out.append([rid, name, MULTI_SEP.join(aliases), country,
                    clean_name(_cell(row, idx, "address")), added,
                    clean_name(_cell(row, idx, "reason")), "LegalEntity",
                    MULTI_SEP.join(idents), url])
    if not out:
        raise InputError("no entries", path=str(path))
    return ImportedList(
        format="csv", kind="entity", header=ENTITY_HEADER, rows=out, default_id=None,
        default_edition=None, title=f"Watchlist {path.stem}", publisher="user",
        source_url=f"file://{path.resolve()}", licence="the user's own data", refresh_days=None,
        scope="watchlist", sources=[(path.name, _sha256_file(path))],
    )


# ---------------------------------------------------------------------------
# ofac

OFAC_URL = "https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists"
SDN_COLUMNS = ("ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type",
               "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks")
ADD_COLUMNS = ("Ent_num", "Add_num", "Address", "City/State/Province/Postal Code", "Country",
               "Add_remarks")
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
SDN_SCHEMA = {"": "LegalEntity", "individual": "Person", "vessel": "Vessel",
              "aircraft": "Airplane"}
#: Weak aliases OFAC keeps in the remarks ("a.k.a. 'BNC'"); kept in notes, not matched on,
#: because they are short or generic (OFAC's own guidance calls them weak).
WEAK_AKA = re.compile(r"\b([afn])\.k\.a\.\s+'([^']+)'")


def _ofac_records(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """Rows of an OFAC CSV: headerless, CRLF, "-0-" (often "-0- ") for empty, a trailing
    Ctrl-Z end-of-file byte."""
    data = path.read_bytes().rstrip(b"\r\n\x1a \t")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # OFAC's files have been Windows-1252 at times.
        text = data.decode("cp1252", errors="strict")
    for n, row in enumerate(csv_records(text, path), start=1):
        if not row or row == [""]:
            continue
        if len(row) != len(columns):
            raise InputError(
                f"{len(row)} fields, the OFAC layout has {len(columns)} "
                f"({', '.join(columns)})", path=str(path), row=n)
        cells = ["" if c.strip() == "-0-" else c.strip() for c in row]
        if not cells[0].isdigit():
            raise InputError(f"{cells[0]!r} is not an entry number", path=str(path), row=n,
                             column=columns[0])
        yield n, cells


def _ofac_files(path: Path) -> tuple[Path, Path | None, Path | None]:
    if path.is_dir():
        sdn = path / "sdn.csv"
        if not sdn.exists():
            raise InputError("no sdn.csv in this folder", path=str(path))
    else:
        sdn = path
    add = sdn.parent / "add.csv"
    alt = sdn.parent / "alt.csv"
    return sdn, add if add.exists() and add != sdn else None, \
        alt if alt.exists() and alt != sdn else None


def read_ofac(path: Path, *, add: Path | None = None, alt: Path | None = None) -> ImportedList:
    """The OFAC SDN list: sdn.csv plus, when found beside it or given, add.csv and alt.csv."""
    if not path.exists():
        raise InputError("file not found", path=str(path))
    sdn, found_add, found_alt = _ofac_files(path)
    add = add or found_add
    alt = alt or found_alt
    entries: dict[str, dict[str, object]] = {}
    for n, c in _ofac_records(sdn, SDN_COLUMNS):
        ent, name, typ = c[0], c[1], c[2].casefold()
        if not name:
            raise InputError("empty SDN_Name", path=str(sdn), row=n, column="SDN_Name")
        if typ not in SDN_SCHEMA:
            raise InputError(f"unknown SDN_Type {c[2]!r} (expected individual, vessel, "
                             "aircraft or -0-)", path=str(sdn), row=n, column="SDN_Type")
        if ent in entries:
            raise InputError(f"entry {ent} appears twice", path=str(sdn), row=n,
                             column="ent_num")
        remarks = c[11]
        entries[ent] = {"name": name, "schema": SDN_SCHEMA[typ],
                        "programs": [p.strip() for p in c[3].strip("[] ").split("] [") if p.strip()],
                        "title": c[4], "remarks": remarks, "aliases": [], "addresses": [],
                        "countries": [], "weak": [m.group(2) for m in WEAK_AKA.finditer(remarks)]}
    if not entries:
        raise InputError("no SDN records", path=str(sdn))
    sources = [(sdn.name, _sha256_file(sdn))]
    skipped = 0
    countries = country_mapper()
    if add is not None:
        sources.append((add.name, _sha256_file(add)))
        for n, c in _ofac_records(add, ADD_COLUMNS):
            entry = entries.get(c[0])
            if entry is None:
                skipped += 1
                continue
            parts = [p for p in (c[2], c[3], c[4]) if p]
            if parts:
                entry["addresses"].append(", ".join(parts))  # type: ignore[attr-defined]
            if c[4]:
                code = countries.code_or_name(c[4])
                if code is None:
                    raise InputError(f"country {c[4]!r} is not a known country name",
                                     path=str(add), row=n, column="Country")
                entry["countries"].append(code)  # type: ignore[attr-defined]
    if alt is not None:
        sources.append((alt.name, _sha256_file(alt)))
        for n, c in _ofac_records(alt, ALT_COLUMNS):
            entry = entries.get(c[0])
            if entry is None:
                skipped += 1
                continue
            if c[2].casefold() not in ("aka", "fka", "nka"):
                raise InputError(f"alt_type {c[2]!r} is not aka, fka or nka", path=str(alt),
                                 row=n, column="alt_type")
            if not c[3]:
                raise InputError("empty alt_name", path=str(alt), row=n, column="alt_name")
            entry["aliases"].append(c[3])  # type: ignore[attr-defined]
    out: list[list[str]] = []
    for ent, e in entries.items():
        aliases = _dedupe(e["aliases"], [str(e["name"])])  # type: ignore[arg-type]
        ctry = _dedupe(e["countries"])  # type: ignore[arg-type]
        notes = []
        if e["programs"]:
            notes.append("OFAC programs: " + ", ".join(e["programs"]))  # type: ignore[arg-type]
        if e["title"]:
            notes.append(f"title: {e['title']}")
        if e["weak"]:
            notes.append("weak aliases (not matched): "
                         + "; ".join(e["weak"]))  # type: ignore[arg-type]
        if len(ctry) > 1:
            notes.append("countries: " + ", ".join(ctry))
        if e["remarks"]:
            notes.append(f"remarks: {e['remarks']}")
        out.append([f"ofac-{ent}", str(e["name"]), MULTI_SEP.join(aliases), ctry[0] if ctry else "",
                    "; ".join(_dedupe(e["addresses"])), "",  # type: ignore[arg-type]
                    "; ".join(notes), str(e["schema"]), "", OFAC_URL])
    notes = [f"{len(out)} SDN entries"]
    if add is None or alt is None:
        missing = [n for n, p in (("add.csv", add), ("alt.csv", alt)) if p is None]
        notes.append(f"read without {' and '.join(missing)}: "
                     + ("no countries or addresses" if add is None else "")
                     + ("; " if add is None and alt is None else "")
                     + ("no strong aliases" if alt is None else ""))
    if skipped:
        notes.append(f"{skipped} add/alt rows name entries not in sdn.csv and were skipped")
    return ImportedList(
        format="ofac", kind="entity", header=ENTITY_HEADER, rows=out, default_id="ofac-sdn",
        default_edition=None,
        title="OFAC Specially Designated Nationals and Blocked Persons List (sanctions)",
        publisher="US Department of the Treasury, Office of Foreign Assets Control",
        source_url=OFAC_URL, licence="US government work, public domain", refresh_days=30,
        scope="sanctions", sources=sources, notes=notes,
    )


# ---------------------------------------------------------------------------
# opensanctions

#: FollowTheMoney schemata that name a party a manifest may carry.
FTM_PARTIES = frozenset({"LegalEntity", "Organization", "Company", "PublicBody", "Person",
                         "Vessel", "Airplane"})
#: FtM name properties that are aliases (weakAlias is left out, as OpenSanctions' matcher does).
FTM_ALIAS_PROPS = ("alias", "previousName", "abbreviation")
FTM_COUNTRY_PROPS = ("country", "jurisdiction", "mainCountry", "registrationCountry",
                     "nationality", "flag")
FTM_ID_PROPS = ("registrationNumber", "taxNumber", "innCode", "ogrnCode", "leiCode",
                "uniqueEntityId", "imoNumber", "idNumber", "swiftBic", "vatCode", "okpoCode",
                "dunsCode", "permId", "bikCode", "npiCode", "passportNumber")
#: OpenSanctions datasets whose subject is forced labour (the rest are sanctions or watchlists).
FORCED_LABOUR_DATASETS = frozenset({"us_dhs_uflpa", "us_cbp_forced_labor"})
OS_SIMPLE_COLUMNS = ("id", "schema", "name", "aliases", "birth_date", "countries", "addresses",
                     "identifiers", "sanctions", "phones", "emails", "dataset", "first_seen",
                     "last_seen", "last_change")


@dataclass
class _OsEntity:
    id: str
    schema: str
    name: str
    aliases: list[str]
    countries: list[str]
    addresses: list[str]
    identifiers: list[str]
    datasets: list[str]
    notes: list[str]
    listed: str
    last_change: str
    topics: list[str]


def _os_countries(values: Iterable[str], path: Path, row: int, column: str) -> list[str]:
    out = []
    valid = country_mapper().valid
    for v in values:
        code = v.strip().upper()
        if not code:
            continue
        # OpenSanctions uses lower-case ISO-2 plus a few historic/regional codes
        # ("suhh" = Soviet Union); those are kept out of the country column.
        if len(code) == 2 and code in valid:
            out.append(code)
        elif len(code) == 2 or not code.isalpha():
            raise InputError(f"country code {v!r} is not ISO 3166-1 alpha-2", path=str(path),
                             row=row, column=column)
    return _dedupe(out)


def _read_ftm(path: Path, text: str) -> tuple[list[_OsEntity], int]:
    parties: list[_OsEntity] = []
    sanctions: dict[str, list[dict[str, list[str]]]] = {}
    skipped = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputError(f"not a JSON object ({exc.args[0]})", path=str(path),
                             row=n) from None
        except RecursionError:
            raise InputError("JSON nested too deeply for an entity", path=str(path),
                             row=n) from None
        if not isinstance(obj, dict) or not isinstance(obj.get("properties"), dict) \
                or not obj.get("id") or not obj.get("schema"):
            raise InputError("not a FollowTheMoney entity (needs id, schema, properties)",
                             path=str(path), row=n)
        props: dict[str, list[str]] = obj["properties"]
        for key, values in props.items():
            if not isinstance(values, list):
                raise InputError(f"property values must be a list, got {type(values).__name__}",
                                 path=str(path), row=n, column=f"properties.{key}")
        schema = str(obj["schema"])
        if schema == "Sanction":
            for ent in props.get("entity", []):
                sanctions.setdefault(str(ent), []).append(props)
            continue
        if schema not in FTM_PARTIES or obj.get("target") is False:
            skipped += 1
            continue
        names = [str(v) for v in props.get("name", [])]
        if not names:
            raise InputError("a party without a name", path=str(path), row=n,
                             column="properties.name")
        primary = str(obj.get("caption") or names[0])
        aliases = _dedupe([*names, *(str(v) for p in FTM_ALIAS_PROPS for v in props.get(p, []))],
                          [primary])
        countries = _os_countries((str(v) for p in FTM_COUNTRY_PROPS for v in props.get(p, [])),
                                  path, n, "properties.country")
        idents = [f"{p}:{v}" for p in FTM_ID_PROPS for v in props.get(p, [])]
        notes = [str(v) for v in props.get("notes", [])]
        parties.append(_OsEntity(
            id=str(obj["id"]), schema=schema, name=primary, aliases=aliases,
            countries=countries, addresses=_dedupe(str(v) for v in props.get("address", [])),
            identifiers=idents, datasets=[str(d) for d in obj.get("datasets", [])], notes=notes,
            listed="", last_change=str(obj.get("last_change") or "")[:10],
            topics=[str(t) for t in props.get("topics", [])]))
    for p in parties:
        for s in sanctions.get(p.id, []):
            dates = sorted(str(d)[:10] for k in ("listingDate", "startDate") for d in s.get(k, []))
            if dates and (not p.listed or dates[0] < p.listed):
                p.listed = dates[0]
            for prog in s.get("program", []):
                p.notes.append(f"program: {prog}")
            for reason in s.get("reason", []):
                p.notes.append(f"reason: {reason}")
    return parties, skipped


def _read_os_simple(path: Path, text: str) -> tuple[list[_OsEntity], int]:
    records = csv_records(text, path)
    if not records:
        raise InputError("empty file", path=str(path))
    header = records[0]
    keys = [_col_key(h) for h in header]
    missing = [c for c in ("id", "schema", "name", "aliases", "countries", "addresses",
                           "identifiers", "dataset") if c not in keys]
    if missing:
        raise InputError(f"missing targets.simple.csv column(s) {', '.join(missing)}; the "
                         f"header is {header}", path=str(path))
    pos = {k: keys.index(k) for k in OS_SIMPLE_COLUMNS if k in keys}
    parties: list[_OsEntity] = []
    skipped = 0

    def get(row: list[str], key: str) -> str:
        i = pos.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    def multi(row: list[str], key: str) -> list[str]:
        return [v.strip() for v in get(row, key).split(";") if v.strip()]

    for n, row in enumerate(records[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{len(row)} fields, the header has {len(header)}",
                             path=str(path), row=n)
        schema = get(row, "schema")
        if schema not in FTM_PARTIES:
            skipped += 1
            continue
        if not get(row, "id"):
            raise InputError("empty id", path=str(path), row=n, column="id")
        name = get(row, "name")
        if not name:
            raise InputError("empty name", path=str(path), row=n, column="name")
        notes = [f"sanctions: {s}" for s in multi(row, "sanctions")]
        parties.append(_OsEntity(
            id=get(row, "id"), schema=schema, name=name,
            aliases=_dedupe(multi(row, "aliases"), [name]),
            countries=_os_countries(multi(row, "countries"), path, n, "countries"),
            addresses=_dedupe(multi(row, "addresses")), identifiers=multi(row, "identifiers"),
            datasets=multi(row, "dataset"), notes=notes,
            listed=(parse_date(get(row, "first_seen")) or ""),
            last_change=get(row, "last_change")[:10], topics=[]))
    return parties, skipped


def read_opensanctions(path: Path) -> ImportedList:
    """OpenSanctions data: FtM entity JSON lines or ``targets.simple.csv``."""
    if not path.exists():
        raise InputError("file not found", path=str(path))
    text = _decode(path.read_bytes(), path)
    is_json = text.lstrip().startswith("{")
    parties, skipped = (_read_ftm if is_json else _read_os_simple)(path, text)
    if not parties:
        raise InputError("no persons, companies or organisations in the file", path=str(path))
    seen: set[str] = set()
    out = []
    for p in parties:
        if p.id in seen:
            raise InputError(f"entity id {p.id!r} appears twice", path=str(path))
        seen.add(p.id)
        notes = list(p.notes)
        if len(p.countries) > 1:
            notes.append("countries: " + ", ".join(p.countries))
        if p.datasets:
            notes.append("datasets: " + ", ".join(p.datasets))
        out.append([p.id, p.name, MULTI_SEP.join(p.aliases),
                    p.countries[0] if p.countries else "", "; ".join(p.addresses), p.listed,
                    "; ".join(notes), p.schema, MULTI_SEP.join(p.identifiers),
                    f"https://www.opensanctions.org/entities/{p.id}/"])
    datasets = sorted({d for p in parties for d in p.datasets})
    # FtM exports name datasets by id (us_dhs_uflpa); targets.simple.csv by title.
    if datasets and all(d in FORCED_LABOUR_DATASETS or re.search(r"uflpa|forced lab", d, re.I)
                        for d in datasets):
        scope = "forced-labour"
    elif any(t.startswith("sanction") for p in parties for t in p.topics) or \
            any(p.notes and any(n.startswith("sanctions:") for n in p.notes) for p in parties):
        scope = "sanctions"
    else:
        scope = "watchlist" if not datasets else "sanctions"
    changes = [p.last_change for p in parties if p.last_change]
    default_edition = parse_date(max(changes)) if changes else None
    default_id = ("os-" + datasets[0].replace("_", "-")) \
        if len(datasets) == 1 and re.fullmatch(r"[a-z0-9_]{2,40}", datasets[0]) else None
    notes = [f"{len(out)} parties" + (f"; {skipped} other records (sanctions programmes, "
                                      "addresses, relations, non-targets) not imported"
                                      if skipped else "")]
    return ImportedList(
        format="opensanctions", kind="entity", header=ENTITY_HEADER, rows=out,
        default_id=default_id, default_edition=default_edition,
        title="OpenSanctions: " + (", ".join(datasets) or "entities"),
        publisher="OpenSanctions" + (f" ({', '.join(datasets)})" if datasets else ""),
        source_url=("https://www.opensanctions.org/datasets/" + datasets[0] + "/")
        if default_id else "https://www.opensanctions.org/datasets/",
        licence="CC BY-NC 4.0 (OpenSanctions; commercial use needs their licence)",
        refresh_days=30, scope=scope, sources=[(path.name, _sha256_file(path))], notes=notes,
    )


# ---------------------------------------------------------------------------
# dhs-uflpa-html: the DHS UFLPA Entity List page as a browser saves it

UFLPA_URL = "https://www.dhs.gov/uflpa-entity-list"
#: Columns of the UFLPA Entity List file (shipped and imported).
UFLPA_HEADER = ("record_id", "name", "aliases", "country", "listed", "sections",
                "effective_dates", "notes", "page_rows")
UFLPA_SECTION_RE = re.compile(r"Section\s*2\s*\(d\)\s*\(2\)\s*\(B\)\s*\((i{1,3}|iv|v)\)", re.I)
UFLPA_UPDATED_RE = re.compile(r"Last\s+Updated:?\s*(\d{1,2})/(\d{1,2})/(\d{4})", re.I)
UFLPA_NAME_COLUMNS = ("name_of_entity", "entity_name", "entity", "name")
UFLPA_DATE_COLUMNS = ("effective_date", "date_effective", "date")
#: "(also known as ...", "(formerly known as ...", "(including three aliases: ...", "(and one alias: ..."
UFLPA_ALIAS_MARKER = re.compile(
    r"\((?=(?:also|formerly) known as\s|(?:and|including)\s+\w+\s+alias(?:es)?\s*:)", re.I)
UFLPA_COUNTED = re.compile(r"^(?:and|including)\s+(\w+)\s+alias(?:es)?\s*:\s*", re.I)
#: Splits alias text into "also known as" / "formerly known as" chunks.
UFLPA_KIND = re.compile(r"(?:[;,]\s*)?(?:\band\s+)?\b(also|formerly) known as\s+", re.I)
#: Trailing text that says what a listing covers besides the named entity; not part of the name.
UFLPA_SCOPE = re.compile(
    r",?\s*\b(and (?:its |their )?subsidiaries|and its subordinate and affiliated entities)\s*$",
    re.I)
TRAILING_ACRONYM = re.compile(r"\s*\(([A-Z]{2,10})\)$")
_NUMBER_WORDS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_BLOCK_TAGS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section",
                         "article", "table", "br", "header", "footer", "main"})


@dataclass
class ParsedName:
    """One UFLPA name cell split into the primary name, aliases, former names and scope."""

    name: str
    aliases: list[str] = field(default_factory=list)
    former: list[str] = field(default_factory=list)
    scope: str = ""
    #: Number of aliases the cell announces ("including three aliases: ..."), if it does.
    announced: int | None = None


def _matching_paren(text: str, start: int) -> int:
    """Index of the ')' closing the '(' at ``start``, or -1."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def parse_uflpa_name(raw: str) -> ParsedName:
    """Split one UFLPA Entity List name cell into name, aliases, former names and scope.

    DHS writes aliases inside the cell: "X (also known as A; B; and C)", "X (formerly known
    as A)", "X (including three aliases: A; B; and C)", "X (and one alias: A)", "X (XPCC)",
    and what the listing covers after it ("and subsidiaries", "and its subordinate and
    affiliated entities"). Raises ValueError naming what could not be read.
    """
    text = clean_name(raw)
    inner = tail = ""
    m = UFLPA_ALIAS_MARKER.search(text)
    if m:
        end = _matching_paren(text, m.start())
        if end < 0:
            raise ValueError(f"unbalanced parenthesis in {text!r}")
        inner = text[m.start() + 1:end]
        tail = text[end + 1:].strip()
        text = text[:m.start()].strip()
    scope = ""
    for part in ("tail", "text"):
        value = tail if part == "tail" else text
        sm = UFLPA_SCOPE.search(value)
        if sm:
            scope = sm.group(1).lower()
            value = value[:sm.start()].strip()
            if part == "tail":
                tail = value
            else:
                text = value
            break
    if tail:
        raise ValueError(f"unexpected text after the alias parenthesis: {tail!r}")
    parsed = ParsedName(name=text.rstrip(" ,"), scope=scope)
    am = TRAILING_ACRONYM.search(parsed.name)
    if am:
        parsed.aliases.append(am.group(1))
        parsed.name = parsed.name[:am.start()].strip().rstrip(" ,")
    if inner:
        counted = UFLPA_COUNTED.match(inner)
        if counted:
            parsed.announced = _NUMBER_WORDS.get(counted.group(1).casefold())
            inner = "also known as " + inner[counted.end():]
        pieces = UFLPA_KIND.split(inner)
        if pieces[0].strip(" ;,"):
            raise ValueError(f"cannot read alias text {inner!r}")
        for kind, chunk in zip(pieces[1::2], pieces[2::2], strict=True):
            names = split_alias_text(chunk)
            (parsed.former if kind.lower() == "formerly" else parsed.aliases).extend(names)
    for value in (parsed.name, *parsed.aliases, *parsed.former):
        if not value or not _balanced(value) or re.search(r"known as|a/k/a|\balias(es)?:", value,
                                                          re.I):
            raise ValueError(f"the name/alias split left {value!r}")
    return parsed


@dataclass
class _PageTable:
    section: str
    line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (HTML line, cells)


class _UflpaPage(HTMLParser):
    """Collects the section headings, the tables under them, section prose and the
    "Last Updated" date of the DHS page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section: str | None = None
        self.titles: dict[str, str] = {}
        self.prose: dict[str, list[str]] = {}
        self.tables: list[_PageTable] = []
        self.text: list[str] = []
        self._block: list[str] = []
        self._table: _PageTable | None = None
        self._depth = 0  # nesting of <table> (a table inside a table cell is read as text)
        self._row: list[str] | None = None
        self._row_line = 0
        self._cell: list[str] | None = None
        self._skip = 0  # inside <script>/<style>
        self._tabled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
            return
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self._flush()
                if self.section is not None:
                    self._table = _PageTable(self.section, self.getpos()[0])
                    self.tables.append(self._table)
                    self._tabled.add(self.section)
            return
        if self._depth == 1 and tag == "tr":
            self._row, self._row_line = [], self.getpos()[0]
        elif self._depth == 1 and tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag in _BLOCK_TAGS and self._depth == 0:
            if tag == "br":
                self._block.append("\n")
            else:
                self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
            return
        if tag == "table":
            self._depth = max(0, self._depth - 1)
            if self._depth == 0:
                self._table = None
            return
        if self._depth == 1 and tag in ("td", "th") and self._cell is not None:
            if self._row is not None:
                self._row.append(clean_name("".join(self._cell)))
            self._cell = None
        elif self._depth == 1 and tag == "tr" and self._row is not None:
            if self._table is not None and any(self._row):
                self._table.rows.append((self._row_line, self._row))
            self._row = None
        elif tag in _BLOCK_TAGS and self._depth == 0 and tag != "br":
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        elif self._depth == 0:
            self._block.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        block = "".join(self._block)
        self._block = []
        text = clean_name(block)
        if not text:
            return
        m = UFLPA_SECTION_RE.search(text)
        if m:
            self.section = m.group(1).lower()
            title = clean_name(block[:block.find("Section")] if "Section" in block else "")
            self.titles[self.section] = title or clean_name(text[:m.start()])
            return
        if self.section is not None and self.section not in self._tabled:
            self.prose.setdefault(self.section, []).append(text)


def _section_label(section: str) -> str:
    return f"§2(d)(2)(B)({section})"


def read_dhs_uflpa_html(path: Path) -> ImportedList:
    """The DHS UFLPA Entity List page as a browser saves it -> the ``uflpa-entity-list`` schema.

    One table per section of UFLPA §2(d)(2)(B) ("Name of Entity"/"Entity Name", "Effective
    Date"); section (iv) is prose. An entity listed under two sections becomes one record with
    both sections and both effective dates. Row numbers in errors count within the section's
    table, its header being row 1.
    """
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", path=str(path))
    text = _decode(path.read_bytes(), path)
    page = _UflpaPage()
    try:
        page.feed(text)
        page.close()
    except AssertionError as exc:  # html.parser's way of giving up on broken markup
        raise InputError(f"not readable as HTML ({exc})", path=str(path)) from None
    if not page.titles:
        raise InputError("not the DHS UFLPA Entity List page: no heading 'Section 2(d)(2)(B)(…)' "
                         "found (save https://www.dhs.gov/uflpa-entity-list from the browser as "
                         "'Web page, HTML only')", path=str(path))
    if not page.tables:
        raise InputError("no entity table under the 'Section 2(d)(2)(B)(…)' headings",
                         path=str(path))
    # (section, table row, HTML line, parsed cell, ISO date, raw name)
    listings: list[tuple[str, int, int, ParsedName, str]] = []
    notes: list[str] = []
    per_section: dict[str, int] = {}
    for table in page.tables:
        sec = table.section
        where = f"table of section ({sec})"
        if not table.rows:
            raise InputError(f"{where} (line {table.line}) has no rows", path=str(path))
        header = table.rows[0][1]
        keys = [_col_key(h) for h in header]
        name_col = next((keys.index(k) for k in UFLPA_NAME_COLUMNS if k in keys), None)
        date_col = next((keys.index(k) for k in UFLPA_DATE_COLUMNS if k in keys), None)
        if name_col is None or date_col is None:
            missing = [c for c, pos in (("Name of Entity", name_col), ("Effective Date", date_col))
                       if pos is None]
            raise InputError(f"{where} (line {table.line}): no {' or '.join(repr(m) for m in missing)}"
                             f" column; the header is {header}", path=str(path), row=1)
        if sec == "iii":
            notes.append(f"a table under section (iii) (products, not entities) was not read "
                         f"({len(table.rows) - 1} rows)")
            continue
        for n, (line, cells) in enumerate(table.rows[1:], start=2):
            name_raw = cells[name_col] if name_col < len(cells) else ""
            date_raw = cells[date_col] if date_col < len(cells) else ""
            if not name_raw:
                raise InputError(f"{where}, line {line}: empty name", path=str(path), row=n,
                                 column=header[name_col])
            iso = parse_date(date_raw)
            if iso is None:
                raise InputError(f"{where}, line {line}: {date_raw!r} is not a date such as "
                                 "'June 21, 2022'", path=str(path), row=n,
                                 column=header[date_col])
            try:
                parsed = parse_uflpa_name(name_raw)
            except ValueError as exc:
                raise InputError(f"{where}, line {line}: {exc}", path=str(path), row=n,
                                 column=header[name_col]) from None
            found = len(parsed.aliases) + len(parsed.former)
            if parsed.announced is not None and parsed.announced != len(parsed.aliases):
                notes.append(f"section ({sec}) row {n}: the cell announces {parsed.announced} "
                             f"alias(es), {found} were read")
            listings.append((sec, n, line, parsed, iso))
            per_section[sec] = per_section.get(sec, 0) + 1
    if not listings:
        raise InputError("the section tables list no entities", path=str(path))
    order = list(UFLPA_SECTIONS)
    groups: dict[str, list[tuple[str, int, int, ParsedName, str]]] = {}
    for item in listings:
        groups.setdefault(norm_key(item[3].name), []).append(item)
    out: list[list[str]] = []
    for key, members in groups.items():
        primary = members[0][3].name
        aliases = _dedupe([a for *_, p, _ in members for a in p.aliases], [primary])
        former = _dedupe([a for *_, p, _ in members for a in p.former], [primary, *aliases])
        dates: dict[str, str] = {}
        for sec, _, _, _, iso in members:
            if sec in dates and dates[sec] != iso:
                notes.append(f"{primary}: listed twice under section ({sec}), effective "
                             f"{dates[sec]} and {iso}; the earlier date is kept")
            dates[sec] = min(dates.get(sec, iso), iso)
        sections = sorted(dates, key=order.index)
        scopes = _dedupe(p.scope for *_, p, _ in members if p.scope)
        rec_notes = ["listed under " + " and ".join(
            f"{_section_label(s)} effective {dates[s]}" for s in sections)]
        if scopes:
            rec_notes.append("listing covers the entity " + " / ".join(scopes))
        if former:
            rec_notes.append("formerly known as: " + "; ".join(former))
        country = "HK" if re.search(r"Hong Kong|\(HK\)", primary) else "CN"
        out.append([
            f"uflpa-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}", primary,
            MULTI_SEP.join([*aliases, *former]), country, min(dates.values()),
            MULTI_SEP.join(sections), MULTI_SEP.join(dates[s] for s in sections),
            "; ".join(rec_notes),
            MULTI_SEP.join(f"{sec}:{n}" for sec, n, *_ in members)])
    if len({r[0] for r in out}) != len(out):
        raise InputError("two different names give the same record id", path=str(path))
    joined = "".join(page.text)
    updated = UFLPA_UPDATED_RE.search(joined)
    edition = None
    if updated:
        month, day, year = (int(g) for g in updated.groups())
        try:
            edition = date(year, month, day).isoformat()
        except ValueError:
            edition = None
    summary = ", ".join(f"({s}) {per_section[s]}" for s in order if s in per_section)
    prose = {s: " ".join(t) for s, t in page.prose.items() if s not in per_section}
    notes.insert(0, f"{len(listings)} listings by section: {summary}; {len(out)} entities "
                    f"({len(listings) - len(out)} listings name an entity already listed under "
                    "another section)")
    for sec in order:
        if sec in page.titles and sec not in per_section:
            notes.insert(1, f"section ({sec}) has no table: "
                            + (prose.get(sec, "")[:300] or "no text"))
    notes.append("page 'Last Updated' " + (edition or "not found: give --edition"))
    return ImportedList(
        format="dhs-uflpa-html", kind="entity", header=UFLPA_HEADER, rows=out,
        default_id="uflpa-entity-list", default_edition=edition, title="UFLPA Entity List",
        publisher="US Department of Homeland Security, Forced Labor Enforcement Task Force",
        source_url=UFLPA_URL, licence=PUBLIC_DOMAIN, refresh_days=90, scope="forced-labour",
        sources=[(path.name, _sha256_file(path))], notes=notes,
        allowed_ids=("uflpa-entity-list",),
    )


# ---------------------------------------------------------------------------
# cbp-wro: CBP Withhold Release Orders and Findings

CBP_URL = "https://www.cbp.gov/document/stats/withhold-release-orders-findings"
CBP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "year": ("calendar_year", "year", "fiscal_year"),
    "country_code": ("country_code", "iso2", "code"),
    "country": ("country", "country_name"),
    "industry": ("industry",),
    "merchandise": ("merchandise", "product", "products"),
    "order": ("wro_finding", "wro_or_finding", "type", "order_type"),
    "status": ("status",),
    "entity": ("entity", "entity_name", "producer", "manufacturer"),
    "remarks": ("remarks", "remark", "notes"),
    "press_release": ("press_release", "press_release_link", "link"),
    "effective_date": ("effective_date", "date", "date_effective"),
}
#: Columns of the CBP WRO/Findings entity file (shipped and imported): one record per party
#: named in an order, with the order's facts.
CBP_HEADER = ("record_id", "name", "aliases", "country", "address", "listed", "notes", "schema",
              "order", "order_country", "status", "effective_date", "industry", "merchandise",
              "remarks", "modified", "party_removed", "press_release", "cbp_entity_field")
#: CBP's statuses, lower-cased. "Inactive-Pending Litigation" and other "Inactive..." forms
#: count as inactive.
CBP_STATUSES = ("active", "partially modified", "inactive")
CBP_LEGAL_FORMS = (r"Ltd|Co|Limited|Inc|Company|Corp|Corporation|LLC|L\.L\.C|C\.V|Bhd|Berhad|"
                   r"D\.O\.O|S\.R\.L|Pvt|GmbH|S\.A")
#: "and" that separates two parties: directly after a legal form.
_CBP_AND = re.compile(rf"\b({CBP_LEGAL_FORMS})(\.?),?\s+and\s+(?=[A-Z0-9])")
_CBP_SCOPE = re.compile(
    r",?\s+and\s+(?:its|their)?\s*(?:(?:one|two|three|four|five|\d+)\s+)?"
    r"(?P<what>subsidiaries|subordinates)(?:\s+and joint ventures)?"
    r"(?:\s+from\s+[A-Z][A-Za-z ]+?)?(?:,\s*(?P<named>.+))?$", re.I)
_CBP_COLLECTIVE = re.compile(r"\s*\(collectively,?\s+(?P<name>[^)]+)\)\s*$", re.I)
_CBP_OF = re.compile(r"\s*\(of (?P<where>[^)]+)\)")
_CBP_REMOVED = re.compile(
    r"(?P<who>[^:]+?)\s+removed from the order,?\s*(?P<date>\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})",
    re.I)
_CBP_NOTES_FIELDS = re.compile(r"^(?P<order>WRO|Finding)\b;?\s*(?P<rest>.*)$", re.I)


def _cbp_date(value: str) -> str | None:
    """CBP dates: ISO, or month/day/year (CBP is a US agency and writes 12/28/1953)."""
    iso = parse_date(value)
    if iso:
        return iso
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
    if m:
        try:
            return date(int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
        except ValueError:
            return None
    return None


def _split_and(text: str) -> list[str]:
    """'A Co., Ltd. and B S.A. de C.V.' -> ['A Co., Ltd.', 'B S.A. de C.V.']."""
    marked = _CBP_AND.sub(lambda m: f"{m.group(1)}{m.group(2)}\x1f", text)
    return [p.strip() for p in marked.split("\x1f") if p.strip()]


def _strip_final_period(text: str) -> str:
    """'... Limited.' -> '... Limited'; 'Co., Ltd.' keeps its period (an abbreviation)."""
    text = text.strip()
    if text.endswith(".."):
        return text[:-1]
    m = re.search(r"\b([A-Za-z]+)\.$", text)
    if m and len(m.group(1)) >= 5 or m and len(m.group(1)) == 4 and m.group(1) != "Corp":
        return text[:-1]
    return text


def _comma_parties(text: str) -> list[str]:
    """'A Pvt., B Pvt., Ltd., C, and D' -> [A Pvt., B Pvt., Ltd., C, D] when every piece is a
    name of two words or more; otherwise the text as one name ('X Agriculture, Industry, and
    Trade Co., Ltd.' is one company)."""
    if not re.search(r",\s+and\s+", text):
        return [text]
    pieces: list[str] = []
    for part in re.split(r",\s+(?:and\s+)?", text):
        if pieces and re.fullmatch(rf"(?:{CBP_LEGAL_FORMS})\.?", part):
            pieces[-1] += f", {part}"
        else:
            pieces.append(part)
    if len(pieces) >= 3 and all(len(p.split()) >= 2 for p in pieces):
        return pieces
    return [text]


@dataclass
class _CbpParty:
    name: str
    aliases: list[str] = field(default_factory=list)
    address: str = ""
    schema: str = "LegalEntity"
    notes: list[str] = field(default_factory=list)


def split_cbp_entity(text: str, aliases: Sequence[str] = ()) -> list[_CbpParty]:
    """The parties one CBP ``Entity`` cell names, with their aliases.

    CBP writes "X, a/k/a Y, a/k/a Z", "A; B", "A and B" (after a legal form), "A, B, and C",
    "X and its subsidiaries", "X and its two subsidiaries from China, A and B", "(collectively,
    G)", "Fishing Vessel: N" and "Fishing Vessels owned by C". Text that is not a party (a
    region, "All Turkmenistan Cotton ...") is kept as CBP wrote it.
    """
    text = _strip_final_period(clean_name(text))
    extra = [a for v in aliases for a in split_alias_text(clean_name(v))]
    vessel = re.fullmatch(r"Fishing Vessel:\s*(.+)", text, re.I)
    if vessel:
        return [_CbpParty(vessel.group(1).strip(), extra, schema="Vessel")]
    owner = re.fullmatch(r"Fishing Vessels owned by\s+(.+)", text, re.I)
    if owner:
        return [_CbpParty(owner.group(1).strip(), extra,
                          notes=["the order covers fishing vessels owned by this company"])]
    head, *akas = re.split(r",?\s*\ba/k/a\b\s*", text)
    aka = [a for v in akas for a in split_alias_text(v)]
    scope_note = ""
    named: list[str] = []
    sm = _CBP_SCOPE.search(head)
    if sm:
        scope_note = f"the order covers its {sm.group('what').lower()}"
        if sm.group("named"):
            named = _split_and(sm.group("named"))
        head = head[:sm.start()].strip()
    collective = _CBP_COLLECTIVE.search(head)
    group = ""
    if collective:
        group = collective.group("name").strip()
        head = head[:collective.start()].strip()
    # A last ';' piece of one word is a place ("...; Kathmandu"), not a party.
    pieces = [p.strip() for p in head.split(";") if p.strip()]
    place = ""
    if len(pieces) > 1 and len(pieces[-1].split()) == 1:
        place = pieces.pop()
    names: list[str] = []
    for piece in pieces:
        for part in _comma_parties(piece.strip(" ,")):
            names.extend(p.strip(" ,") for p in _split_and(part))
    names += named
    parties = []
    for raw in names:
        name = raw.strip(" ,;")
        address = place
        of = _CBP_OF.search(name)
        if of:
            address = of.group("where").strip()
            name = (name[:of.start()] + name[of.end():]).strip()
        parts = [p.strip() for p in name.split(",")]
        if len(parts) >= 3 and country_mapper().get(parts[-1]):
            # "State Penitentiary, Ciudad Victoria, Tamaulipas, Mexico": a name and where.
            name, address = parts[0], ", ".join(parts[1:])
        party = _CbpParty(_strip_final_period(name), [], address)
        acronym = TRAILING_ACRONYM.search(party.name)
        if acronym:  # "Xinjiang Production and Construction Corporation (XPCC)"
            party.aliases.append(acronym.group(1))
        parties.append(party)
    if group:
        return [_CbpParty(group, _dedupe([p.name for p in parties] + aka + extra, [group]),
                          place, notes=[scope_note] if scope_note else [])]
    if aka or extra:  # a/k/a names follow the first party CBP names
        parties[0].aliases = _dedupe(parties[0].aliases + aka + extra, [parties[0].name])
    if scope_note:
        for p in parties:
            p.notes.append(scope_note)
    return parties


def _cbp_removed(remarks: str) -> list[tuple[str, str]]:
    """(name, ISO date) of every party or product the remarks say was removed from the order."""
    text = remarks.split(":", 1)[1] if re.search(r"following\s*:", remarks, re.I) else remarks
    out = []
    for m in _CBP_REMOVED.finditer(text):
        when = _cbp_date(m.group("date")) or m.group("date")
        who = m.group("who")
        # "7/23/2021Everest Carpet": the previous clause's date is glued to the next name.
        who = re.sub(r"^.*?\d{1,2}/\d{1,2}/\d{4}\s*", "", who)
        names: list[str] = []
        for name in re.split(r";\s*(?:and\s+)?|,\s+(?:and\s+)?(?=[A-Z])", who):
            name = name.strip(" ,;")
            if names and re.fullmatch(rf"(?:{CBP_LEGAL_FORMS})\.?", name):
                names[-1] += f", {name}"  # "Norsang Carpet Industries Pvt., Ltd."
            elif name:
                names.append(name)
        out += [(name, when) for name in names]
    return out


def _cbp_order_rows(path: Path,
                    sheet: str | None = None) -> tuple[list[dict[str, str]], str | None, str]:
    """The orders of a CBP CSV/XLSX, or of the JSON extraction of one, as dicts of
    strings, plus the edition the file gives and what was read."""
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", path=str(path))
    raw = path.read_bytes()
    if raw.lstrip()[:1] == b"{":
        return _cbp_json_rows(path, _decode(raw, path))
    table, idx = _read_table(path, CBP_SYNONYMS, ("merchandise", "status", "entity",
                                                  "effective_date"), sheet)
    col = {n: _column_name(table, idx, n) for n in CBP_SYNONYMS}
    if "country" not in idx and "country_code" not in idx:
        raise InputError("missing column 'Country Code' or 'Country'", path=str(path))
    rows = []
    for n, row in table.rows:
        rows.append({"_row": str(n), **{k: _cell(row, idx, k) for k in CBP_SYNONYMS},
                     **{f"_col_{k}": v for k, v in col.items()}})
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    return rows, m.group(1) if m else None, "CBP CSV"


def _cbp_json_rows(path: Path, text: str) -> tuple[list[dict[str, str]], str | None, str]:
    """The JSON extraction of CBP's CSV (``{"source_file", "entities": [{name, aliases, country,
    status, effective_date, notes: "WRO; Industry: ...; Merchandise: ...; Remarks: ..."}]}``)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"not JSON ({exc.args[0]})", path=str(path)) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", path=str(path)) from None
    items = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError("a JSON file must be an object with an 'entities' list (the "
                         "extraction of CBP's CSV)", path=str(path))
    rows = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputError("not an object", path=str(path), row=n)
        notes = str(item.get("notes") or "")
        m = _CBP_NOTES_FIELDS.match(notes)
        if m is None:
            raise InputError(f"notes {notes[:60]!r} do not start with 'WRO' or 'Finding'",
                             path=str(path), row=n, column="notes")
        fields_: dict[str, str] = {"order": m.group("order")}
        for part in re.split(r";\s*(?=(?:Industry|Merchandise|Remarks):)", m.group("rest")):
            key, _, value = part.partition(":")
            if key.strip() in ("Industry", "Merchandise", "Remarks") and value:
                fields_[key.strip().lower()] = value.strip()
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list):
            raise InputError("aliases must be a list", path=str(path), row=n, column="aliases")
        rows.append({
            "_row": str(n), "entity": str(item.get("name") or ""),
            "_aliases": "\x1f".join(str(a) for a in aliases),
            "country": str(item.get("country") or ""), "country_code": "",
            "status": str(item.get("status") or ""),
            "effective_date": str(item.get("effective_date") or ""),
            "industry": fields_.get("industry", ""),
            "merchandise": fields_.get("merchandise", ""),
            "remarks": fields_.get("remarks", ""), "order": fields_["order"],
            "press_release": str(item.get("federal_register") or ""),
            "_address": str(item.get("address") or ""),
            **{f"_col_{k}": k for k in CBP_SYNONYMS},
        })
    source = str(data.get("source_file") or "")
    m = re.search(r"(\d{4}-\d{2}-\d{2})", source)
    return rows, m.group(1) if m else None, f"JSON extraction of {source or 'a CBP file'}"


def read_cbp_wro(path: Path, *, sheet: str | None = None) -> ImportedList:
    """CBP's Withhold Release Orders and Findings (the CSV CBP publishes, or a JSON extraction
    of it) -> one record per party named in an order, keeping the order's status and dates."""
    rows, edition, what = _cbp_order_rows(path, sheet)
    countries = country_mapper()
    out: list[list[str]] = []
    statuses: dict[str, int] = {}
    for r in rows:
        n = int(r["_row"])

        def fail(message: str, key: str) -> InputError:
            return InputError(message, path=str(path), row=n, column=r[f"_col_{key}"])  # noqa: B023

        entity = r["entity"].strip()
        if not entity:
            raise fail("empty entity", "entity")
        status = " ".join(r["status"].split())
        if not any(status.casefold().startswith(s) for s in CBP_STATUSES):
            raise fail(f"status {status!r} is not Active, Partially Modified or Inactive",
                       "status")
        statuses[status] = statuses.get(status, 0) + 1
        effective = _cbp_date(r["effective_date"])
        if effective is None:
            raise fail(f"{r['effective_date']!r} is not a date (YYYY-MM-DD or month/day/year)",
                       "effective_date")
        order = r["order"].strip()
        if order.casefold() not in ("wro", "finding"):
            raise fail(f"{order!r} is neither WRO nor Finding", "order")
        order = "WRO" if order.casefold() == "wro" else "Finding"
        code = r["country_code"].strip().upper()
        fishing = code == "FV" or r["country"].strip().casefold() == "fishing vessels"
        iso2 = ""
        if not fishing:
            iso2 = (code if code in countries.valid else "") or \
                (countries.code_or_name(r["country"]) or "" if r["country"] else "")
            if not iso2:
                raise fail(f"country {r['country'] or code!r} is not a known country or code",
                           "country_code" if code else "country")
        remarks = clean_name(r["remarks"])
        removed = _cbp_removed(remarks) if status.casefold().startswith("partially") else []
        modified = ""
        if status.casefold().startswith("partially"):
            modified = "; ".join(f"{who} removed from the order {when}" for who, when in removed) \
                or remarks or "not stated in CBP's file"
        aliases = [a for a in r.get("_aliases", "").split("\x1f") if a]
        parties = split_cbp_entity(entity, aliases)
        for party in parties:
            gone = [when for who, when in removed
                    if norm_key(who) and (norm_key(who) == norm_key(party.name)
                                          or norm_key(party.name).startswith(norm_key(who)))]
            address = party.address or r.get("_address", "")
            country = iso2
            if party.address and not fishing:
                last = party.address.rsplit(",", 1)[-1].strip()
                country = countries.get(last) or iso2
            notes = [f"{order} of {effective} on {r['merchandise'] or 'merchandise not stated'}, "
                     f"status {status}" + (f" (this party removed from the order {gone[0]})"
                                           if gone else ""), *party.notes]
            if fishing:
                notes.append("fishing vessels (no country)")
            key = "|".join((norm_key(entity), norm_key(party.name), order, effective))
            out.append([
                f"cbpwro-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}", party.name,
                MULTI_SEP.join(party.aliases), country, address, effective, "; ".join(notes),
                party.schema, order, "FV" if fishing else iso2, status, effective,
                clean_name(r["industry"]),
                clean_name(r["merchandise"]), remarks, modified, gone[0] if gone else "",
                r["press_release"].strip(), entity])
    if not out:
        raise InputError("no orders", path=str(path))
    ids = [row[0] for row in out]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"the same party, order and date appear twice ({dup})", path=str(path))
    summary = ", ".join(f"{s} {n}" for s, n in sorted(statuses.items()))
    return ImportedList(
        format="cbp-wro", kind="entity", header=CBP_HEADER, rows=out,
        default_id="cbp-wro-entities", default_edition=edition,
        title="Withhold Release Orders and Findings", publisher="US Customs and Border Protection",
        source_url=CBP_URL, licence=PUBLIC_DOMAIN, refresh_days=90, scope="forced-labour",
        sources=[(path.name, _sha256_file(path))],
        notes=[f"{what}: {len(rows)} orders ({summary}) naming {len(out)} parties"],
        allowed_ids=("cbp-wro-entities",),
    )


# ---------------------------------------------------------------------------
# dispatch

#: Format name -> (adapter, one-line description).
FORMATS: dict[str, tuple[Callable[..., ImportedList], str]] = {
    "dol-tvpra": (read_dol_tvpra, "DOL List of Goods (app CSV or published Excel layout)"),
    "dol-open-data": (read_dol_open_data, "DOL List of Goods from DOL's open-data portal (years "
                                          "listed as ranges such as 2009-2024)"),
    "opensanctions": (read_opensanctions, "OpenSanctions FtM JSON lines or targets.simple.csv"),
    "ofac": (read_ofac, "OFAC SDN CSV (sdn.csv, with add.csv and alt.csv beside it)"),
    "csv": (read_watchlist, "your own watchlist: name, aliases, country, address, reason, "
                            "source_url, added"),
    "tip": (read_tip, "TIP report tiers: country, tier, year"),
    "dhs-uflpa-html": (read_dhs_uflpa_html, "the DHS UFLPA Entity List page as a browser saves it"),
    "cbp-wro": (read_cbp_wro, "CBP Withhold Release Orders and Findings CSV (or its JSON "
                              "extraction)"),
}


def read_list(path: str | Path, fmt: str, **options: object) -> ImportedList:
    """Read ``path`` in format ``fmt`` (a key of :data:`FORMATS`); ``options`` go to the adapter.

    >>> imported = read_list("dol_tvpra_goods_2022.csv", "dol-tvpra")  # doctest: +SKIP
    >>> imported.records, imported.kind                                # doctest: +SKIP
    (467, 'commodity')
    """
    try:
        adapter = FORMATS[fmt][0]
    except KeyError:
        raise InputError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}") from None
    clean = {k: v for k, v in options.items() if v is not None}
    return adapter(Path(path), **clean)
