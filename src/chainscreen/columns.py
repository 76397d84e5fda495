"""Column roles: which of the user's columns holds the supplier, the country, the goods, the HS code.

A manifest's headers are whatever its author typed: "Vendor Name", "COO", "HTS #", "供应商名称",
"Pays d'origine", "Exporter / Manufacturer", "Country (ISO)". Sometimes there is no header at all.
:func:`assign_roles` decides each canonical field's column (:data:`chainscreen.models.FIELDS`)
from the header and the values together, in this order:

1. ``--map`` overrides (an empty value leaves the field unmapped);
2. the header words table (``tables/header_words.toml``: one list per role, tier and language),
   compared exactly after folding case, accents and punctuation: an English word is an *alias*,
   another language's a *language* match; compound headers ("Supplier/Factory Name") and headers
   with a qualifier ("Country (ISO)") are matched part by part;
3. a conservative token-based fuzzy match ("Suplier Name", "Main Product");
4. the column's values, for roles still missing: a column whose values are mostly countries is
   the country, HS-shaped codes the HS code, names with legal forms the supplier, DOL/HS goods
   words the goods (*content*).

Columns that name a buyer, importer or consignee, or a destination country, are recognised too
and never taken for the supplier or the origin. Every decision is kept as a :class:`ColumnRole`
(header → role, how, why) in a :class:`ColumnReport`, which the screening result exposes so a
user sees what was and was not mapped. Reading the file (formats, encodings, header row) is
:mod:`chainscreen.manifest`'s job.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from chainscreen.errors import InputError
from chainscreen.models import FIELDS

__all__ = [
    "KEY_ROLES",
    "ColumnReport",
    "ColumnRole",
    "assign_roles",
    "list_headers",
    "map_columns",
]

#: Roles that are not canonical fields: recognised so they are never screened as the supplier
#: (a buyer, importer, consignee) or as the origin (a destination country).
NON_SCREENED_ROLES: tuple[str, ...] = ("buyer", "destination")

#: The roles a screening needs: the party, its origin, and what was bought (goods or HS code).
KEY_ROLES: tuple[str, ...] = ("supplier", "country", "goods")

# Token synonyms applied before comparing: abbreviations seen in real exports.
_TOKEN_SYNONYMS: dict[str, str] = {
    "number": "no", "nr": "no", "num": "no", "nbr": "no", "nº": "no", "n°": "no",
    "desc": "description", "descr": "description", "mfr": "manufacturer",
    "mfg": "manufacturer", "manuf": "manufacturer", "manufacture": "manufacture",
    "ctry": "country", "cntry": "country", "addr": "address", "qty": "quantity",
    "amt": "amount", "orig": "origin", "prod": "product", "cmdty": "commodity",
    "supp": "supplier", "vend": "vendor", "organisation": "organisation",
}

# Words that carry no meaning for the mapping ("Annual Spend (USD)" is "spend"; "País de origen"
# is "país origen"), in English and in the languages of the header table.
_NOISE_TOKENS = frozenset({
    "of", "the", "a", "an", "for", "in", "by", "usd", "eur", "gbp", "cny", "rmb", "us", "main",
    "primary", "principal", "annual", "total", "full", "s", "e", "g", "eg", "i", "ie",
    "de", "du", "des", "del", "della", "dello", "di", "da", "do", "dos", "das", "der", "die",
    "den", "van", "von", "het", "la", "le", "les", "el", "los", "las",
})

# A header that names an attribute of a party or line ("Supplier Contact", "Item No") is not the
# field itself: the fuzzy superset rule never maps a header whose extra word is one of these.
_ATTRIBUTE_TOKENS = frozenset({
    "contact", "email", "mail", "phone", "telephone", "tel", "fax", "id", "no", "code", "ref",
    "reference", "address", "street", "city", "state", "province", "zip", "postal", "postcode",
    "country", "date", "value", "amount", "quantity", "type", "status", "category", "currency",
    "weight", "price", "cost", "website", "url", "web", "notes", "note", "comment", "comments",
    "remarks", "rating", "risk", "score", "tier", "owner", "manager", "buyer", "person", "unit",
    "units", "group", "count", "rate", "tax", "vat", "duty", "account", "bank", "iban", "region",
    "site", "location", "year", "month", "day", "time", "size", "language", "flag", "audit",
    "destination", "import", "importer", "consignee", "customer", "percentage", "share", "std",
    "phase", "capacity", "total", "lat", "lng", "latitude", "longitude",
})

# Words naming the buying side of a trade: such a column never suggests the supplier or the origin.
_OTHER_PARTY_TOKENS = frozenset({"consignee", "importer", "import", "buyer", "customer", "destination",
                                 "notify", "client", "purchaser"})

# Columns whose values are never the party, the origin or the goods, whatever they look like.
_NOT_CONTENT_TOKENS = frozenset({
    "contact", "email", "mail", "phone", "telephone", "tel", "fax", "website", "url", "web",
    "notes", "note", "comment", "comments", "remarks", "person", "manager", "buyer", "bank",
    "iban", "account", "city", "state", "province", "region", "street", "zip", "postal",
    "postcode", "lat", "lng", "latitude", "longitude", "status", "rating", "score", "audit",
})

_UNDECOMPOSED = str.maketrans({"ı": "i", "đ": "d", "ø": "o", "ł": "l", "ħ": "h"})

_FUZZY_CUTOFF = 88.0
_SUPERSET_SCORE = 90.0

# Separators of compound headers ("Exporter / Manufacturer", "Seller – Exporter") and a trailing
# qualifier in brackets ("Country (ISO)", "Supplier [legal name]").
_COMPOUND = re.compile(r"\s*(?:/|\||\\|;|–|—|\s-\s)\s*")
_QUALIFIER = re.compile(r"\s*[(\[（【][^()\[\]（）【】]*[)\]）】]\s*")


@dataclass(frozen=True)
class ColumnRole:
    """How one column got its role.

    ``how`` is ``map`` (a ``--map`` override), ``alias`` (an English header word), ``language``
    (a header word in ``language``), ``fuzzy`` (close to a header word) or ``content`` (the
    column's values). ``detail`` says why in words.
    """

    role: str
    header: str
    how: str
    language: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, for receipts and JSON."""
        return {"role": self.role, "header": self.header, "how": self.how,
                "language": self.language, "detail": self.detail}

    def describe(self) -> str:
        """One line: ``supplier ← 'Nom du fournisseur' (language: fr)``."""
        how = f"language: {self.language}" if self.how == "language" else self.how
        extra = f"; {self.detail}" if self.detail and self.how in ("content", "fuzzy") else ""
        return f"{self.role} \u2190 {self.header!r} ({how}{extra})"


@dataclass
class ColumnReport:
    """Every column decision for one manifest: the mapped fields and the columns set aside."""

    roles: list[ColumnRole] = field(default_factory=list)
    #: columns recognised as a buyer/importer/consignee or a destination country (not screened)
    set_aside: list[ColumnRole] = field(default_factory=list)
    #: True when the file had no header row and the columns were named ``column_N``
    headerless: bool = False
    #: for a key role left without a column, the unmapped column whose values come closest
    #: (what ``--map`` should name), with the share of its values that fit
    candidates: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: every header of the file, in order (for the error and the advice when a role is missing)
    headers: list[str] = field(default_factory=list)

    @property
    def mapping(self) -> dict[str, str]:
        """Canonical field -> header, in :data:`FIELDS` order."""
        by_role = {r.role: r.header for r in self.roles}
        return {name: by_role[name] for name in FIELDS if name in by_role}

    def role(self, name: str) -> ColumnRole | None:
        """The decision for canonical field ``name``, if it was mapped."""
        return next((r for r in self.roles if r.role == name), None)

    def missing(self, names: Iterable[str] = KEY_ROLES) -> list[str]:
        """Which of ``names`` have no column (``goods`` counts as found when an HS code is)."""
        mapped = self.mapping
        out = []
        for name in names:
            if name == "goods" and ("goods" in mapped or "hs_code" in mapped):
                continue
            if name not in mapped:
                out.append(name)
        return out

    def fix(self, role: str) -> str:
        """The ``--map`` that gives a missing ``role`` a column: the closest candidate, or a template."""
        if role in self.candidates:
            header = self.candidates[role][0]
            quoted = f'"{header}"' if not re.fullmatch(r"[\w.-]+", header) else header
            return f"--map {role}={quoted}"
        return f"--map {role}=HEADER"

    def coverage(self, rows: int, unscreened: Mapping[str, int]) -> dict[str, Any]:
        """What was and was not screened, as data for the receipt, the JSON summary and reports.

        ``unscreened`` counts rows per facet (supplier, origin, goods) that could not be screened.
        Each missing key role gets the ``--map`` that fixes it.
        """
        missing = self.missing()
        facet = {"supplier": "supplier", "country": "origin", "goods": "goods"}
        return {
            "rows": rows,
            "roles": [r.to_dict() for r in self.roles],
            "set_aside": [r.to_dict() for r in self.set_aside],
            "headerless": self.headerless,
            "missing": [
                {"role": role, "rows_unscreened": int(unscreened.get(facet[role], rows)),
                 "fix": self.fix(role),
                 "candidate": ({"header": self.candidates[role][0], "share": round(self.candidates[role][1], 2)}
                               if role in self.candidates else None)}
                for role in missing
            ],
            "unscreened": {k: int(v) for k, v in unscreened.items()},
            "unmapped_headers": [h for h in self.headers
                                 if h not in {r.header for r in (*self.roles, *self.set_aside)}],
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, for receipts and JSON."""
        return {"roles": [r.to_dict() for r in self.roles],
                "set_aside": [r.to_dict() for r in self.set_aside],
                "headerless": self.headerless}


# ---------------------------------------------------------------------------------------------
# the header words table


@dataclass(frozen=True)
class _Alias:
    role: str
    tier: int
    language: str
    tokens: tuple[str, ...]


@cache
def _table() -> dict[str, list[dict[str, Any]]]:
    text = resources.files("chainscreen").joinpath("tables/header_words.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def header_words() -> tuple[_Alias, ...]:
    """Every header word of the table as (role, tier, language, tokens), in table order."""
    out: list[_Alias] = []
    for role, tiers in _table().items():
        if role not in FIELDS and role not in NON_SCREENED_ROLES:  # pragma: no cover - table bug
            raise AssertionError(f"header_words.toml: unknown role {role!r}")
        for tier, entry in enumerate(tiers):
            for language, words in entry.items():
                if language == "tier":
                    continue
                for word in words:
                    key = _tokens(word)
                    if key:
                        out.append(_Alias(role, tier, language, key))
    return tuple(out)


def _fold_latin(text: str) -> str:
    """Drop accents from Latin letters only: "País" -> "Pais", while kana and Hangul stay whole."""
    decomposed = unicodedata.normalize("NFKD", text)
    out: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _camel_split(text: str) -> str:
    # "VendorName" -> "Vendor Name", "HTSCode" -> "HTS Code"
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)


@cache
def _tokens(header: str) -> tuple[str, ...]:
    """Header text as comparable tokens: NFKC, case-folded, accents and punctuation dropped."""
    text = _fold_latin(unicodedata.normalize("NFKC", _camel_split(str(header))).casefold())
    # letters with no decomposition: Turkish dotless i, Vietnamese and Nordic barred letters
    text = text.translate(_UNDECOMPOSED)
    text = text.replace("&", " and ").replace("#", " no ").replace("№", " no ")
    text = re.sub(r"[\W_]+", " ", text)
    raw = [_TOKEN_SYNONYMS.get(t, t) for t in text.split()]
    kept = tuple(t for t in raw if t not in _NOISE_TOKENS)
    return kept or tuple(raw)


@cache
def _alias_index() -> dict[tuple[str, ...], _Alias]:
    """Exact lookup: normalised header word -> its entry (English first, then table order)."""
    exact: dict[tuple[str, ...], _Alias] = {}
    for alias in sorted(header_words(), key=lambda a: a.language != "en"):
        previous = exact.get(alias.tokens)
        if previous is not None and previous.role != alias.role:  # pragma: no cover - table bug
            raise AssertionError(f"header word {' '.join(alias.tokens)!r} belongs to "
                                 f"{previous.role} and {alias.role}")
        if previous is None or (previous.role == alias.role and alias.tier < previous.tier
                                and alias.language == previous.language):
            exact[alias.tokens] = alias
    return exact


@cache
def _foreign_vocabulary(role: str) -> frozenset[str]:
    """Every header word of every role except ``role``."""
    return frozenset(t for a in header_words() if a.role != role for t in a.tokens)


def _fuzzy_score(header: tuple[str, ...], alias: tuple[str, ...], foreign: frozenset[str]) -> float:
    """Token-based similarity of a header to an alias, 0..100, conservative by design.

    Rewards the same words in another order or with a small typo (token-sorted edit ratio), and a
    header that is the alias plus one neutral word ("Main Product", "Supplier Legal Name").
    A header that is the alias plus an attribute word ("Supplier Contact") scores nothing.
    """
    from rapidfuzz import fuzz

    hs, al = " ".join(sorted(header)), " ".join(sorted(alias))
    score = 0.0
    if min(len(hs), len(al)) >= 4:
        score = fuzz.ratio(hs, al)
    extra = set(header) - set(alias)
    if (set(alias) <= set(header) and len(header) == len(alias) + 1
            and not extra & _ATTRIBUTE_TOKENS and not extra & foreign):
        # "Product Origin" is about the country, not the goods: the extra word may not belong to
        # another field's vocabulary
        score = max(score, _SUPERSET_SCORE)
    return score


@dataclass(frozen=True)
class _Hit:
    alias: _Alias
    exact: bool
    score: float
    detail: str


@cache
def _header_hits(header: str) -> list[_Hit]:
    """What ``header`` may be: an exact header word, a compound's parts, or fuzzy candidates."""
    exact = _alias_index()
    toks = _tokens(header)
    if not toks:
        return []
    hit = exact.get(toks)
    if hit is not None:
        return [_Hit(hit, True, 100.0, "")]
    # a qualifier in brackets: "Country (ISO)", "Value (USD)", "Supplier [legal name]"
    bare = _QUALIFIER.sub(" ", header).strip()
    if bare and bare != header.strip():
        inner = _header_hits(bare)
        if inner and inner[0].exact:
            return [_Hit(inner[0].alias, True, 100.0, f"qualifier dropped: {bare!r}")]
    # a compound header: every part that is a header word must name the same role
    parts = [p for p in _COMPOUND.split(header) if p.strip()]
    if len(parts) > 1:
        found = [(p, exact.get(_tokens(p))) for p in parts]
        known = [(p, a) for p, a in found if a is not None]
        roles = {a.role for _p, a in known}
        if len(roles) == 1:
            part, best = min(known, key=lambda pa: pa[1].tier)
            return [_Hit(best, True, 100.0, f"compound header, part {part.strip()!r}")]
        if len(roles) > 1:
            return []
    best_per_role: dict[str, tuple[float, _Alias]] = {}
    for score, alias in _fuzzy_candidates(toks):
        current = best_per_role.get(alias.role)
        if current is None or (score, -alias.tier) > (current[0], -current[1].tier):
            best_per_role[alias.role] = (score, alias)
    return [_Hit(a, False, s, f"close to {' '.join(a.tokens)!r}") for s, a in best_per_role.values()]


@cache
def _fuzzy_table() -> tuple[list[str], list[_Alias], dict[str, list[_Alias]]]:
    """Screened-role header words as sorted-token strings, and an index word -> words holding it."""
    aliases = [a for a in header_words() if a.role not in NON_SCREENED_ROLES]
    strings = [" ".join(sorted(a.tokens)) for a in aliases]
    by_token: dict[str, list[_Alias]] = {}
    for a in aliases:
        for t in set(a.tokens):
            by_token.setdefault(t, []).append(a)
    return strings, aliases, by_token


@cache
def _fuzzy_candidates(toks: tuple[str, ...]) -> list[tuple[float, _Alias]]:
    """Header words scoring at least the cutoff against ``toks`` (see :func:`_fuzzy_score`)."""
    from rapidfuzz import fuzz, process

    strings, aliases, by_token = _fuzzy_table()
    hs = " ".join(sorted(toks))
    out: dict[int, tuple[float, _Alias]] = {}
    if len(hs) >= 4:
        for _match, score, k in process.extract(hs, strings, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF,
                                                limit=None):
            if min(len(strings[k]), len(hs)) >= 4:
                out[k] = (float(score), aliases[k])
    # the superset rule: the alias plus one neutral word
    seen: set[int] = set()
    for t in set(toks):
        for a in by_token.get(t, ()):
            if id(a) in seen or len(a.tokens) + 1 != len(toks):
                continue
            seen.add(id(a))
            score = _fuzzy_score(toks, a.tokens, _foreign_vocabulary(a.role))
            if score >= _FUZZY_CUTOFF:
                k = aliases.index(a)
                if k not in out or out[k][0] < score:
                    out[k] = (score, a)
    return list(out.values())


# ---------------------------------------------------------------------------------------------
# mapping


def map_columns(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map canonical fields to headers from the headers alone: ``{"supplier": "Vendor Name"}``.

    The header part of :func:`assign_roles`: overrides, the header words table (every language),
    compound and qualified headers, then a conservative fuzzy match. A header maps to at most one
    field; when several headers fit a field, the preferred tier wins (manufacturer >
    supplier/vendor > shipper/exporter), then the leftmost header. Raises InputError for an
    unknown field or a header not present.
    """
    return assign_roles(headers, overrides).mapping


def assign_roles(
    headers: Sequence[str],
    overrides: Mapping[str, str] | None = None,
    rows: Sequence[Sequence[str]] | None = None,
    *,
    headerless: bool = False,
) -> ColumnReport:
    """Decide each column's role from its header and, where given, a sample of its ``rows``.

    ``rows`` are data rows (lists of cell strings in header order); with them, roles the headers
    leave missing are looked for in the values (see :func:`content_role`). Raises InputError
    for an unknown field or an override naming no header.
    """
    headers = [str(h) for h in headers]
    report = ColumnReport(headerless=headerless, headers=list(headers))
    used: set[str] = set()
    unmapped: set[str] = set()
    for key, wanted in (overrides or {}).items():
        if key not in FIELDS:
            raise InputError(f"--map {key}=...: unknown field {key!r}; fields: {', '.join(FIELDS)}")
        if wanted is None or str(wanted).strip() == "":
            unmapped.add(key)
            continue
        header = _find_header_name(headers, str(wanted))
        if header is None:
            raise InputError(
                f"--map {key}={wanted}: no such column; headers found: {list_headers(headers)}"
            )
        if header in used:
            other = next(r.role for r in report.roles if r.header == header)
            raise InputError(f"--map: column {header!r} given for both {other} and {key}")
        report.roles.append(ColumnRole(key, header, "map", None, "given with --map"))
        used.add(header)

    # (exact?, tier, -score, position) orders candidates; assignment is greedy over that order
    candidates: list[tuple[int, int, float, int, str, _Hit]] = []
    for position, header in enumerate(headers):
        if header in used or headerless:
            continue
        for hit in _header_hits(header):
            candidates.append((0 if hit.exact else 1, hit.alias.tier, -hit.score, position, header, hit))
    taken = {r.role for r in report.roles}
    for _exactness, _tier, _score, _position, header, hit in sorted(candidates, key=lambda c: c[:4]):
        role = hit.alias.role
        if header in used:
            continue
        if role in NON_SCREENED_ROLES:
            report.set_aside.append(ColumnRole(role, header, _how(hit), _language(hit), hit.detail))
            used.add(header)
            continue
        if role in taken or role in unmapped:
            continue
        report.roles.append(ColumnRole(role, header, _how(hit), _language(hit), hit.detail))
        taken.add(role)
        used.add(header)
    if rows:
        # a "Country" column whose countries are the destination column's, row by row, is where
        # the goods went (an export file), not where they came from
        country = report.role("country")
        if (country is not None and country.how != "map"
                and _agrees_with_destination(report, headers, rows, headers.index(country.header))):
            report.roles.remove(country)
            report.set_aside.append(ColumnRole("destination", country.header, "content", None,
                                               "its countries are the destination column's, row by row"))
        _content_roles(report, headers, rows, used, unmapped)
    order = {name: i for i, name in enumerate(FIELDS)}
    report.roles.sort(key=lambda r: order[r.role])
    return report


def _how(hit: _Hit) -> str:
    if not hit.exact:
        return "fuzzy"
    return "alias" if hit.alias.language == "en" else "language"


def _language(hit: _Hit) -> str | None:
    return hit.alias.language if hit.exact and hit.alias.language != "en" else None


def _find_header_name(headers: Sequence[str], wanted: str) -> str | None:
    if wanted in headers:
        return wanted
    loose = " ".join(wanted.split()).casefold()
    hits = [h for h in headers if " ".join(h.split()).casefold() == loose]
    return hits[0] if len(hits) == 1 else None


def list_headers(headers: Iterable[str]) -> str:
    """Headers for an error message, empty ones shown quoted."""
    shown = [h if h.strip() else repr(h) for h in headers]
    return ", ".join(shown) if shown else "(none)"


# ---------------------------------------------------------------------------------------------
# content

#: Values looked at per column, and the share of them a content rule needs.
CONTENT_SAMPLE = 400
_COUNTRY_SHARE = 0.8
_HS_SHARE = 0.9
_PARTY_SHARE = 0.5
_GOODS_SHARE = 0.3
_DESTINATION_AGREEMENT = 0.9

_HS_SHAPE = re.compile(r"^(?:\d{6}|\d{8}|\d{10}|\d{4}\.\d{2}(?:\.?\d{2}){0,2}|\d{4}\s\d{2}(?:\s\d{2}){0,2})$")
_NO_HS_CHAPTER = frozenset({"00", "77", "98", "99"})
_NUMERIC = re.compile(r"^[\s$€£¥+\-.,%0-9/:]+$")
_ID_WORDS = frozenset({"id", "no", "number", "phone", "tel", "telephone", "fax", "zip", "postal",
                       "postcode", "iec", "bin", "vat", "tax", "gstin", "pin", "invoice", "declaration",
                       "record", "be", "po", "order", "ref", "reference", "year", "month", "date"})


def _sample(rows: Sequence[Sequence[str]], j: int) -> list[str]:
    out = []
    for row in rows:
        if j < len(row):
            value = str(row[j]).strip()
            if value:
                out.append(value)
                if len(out) >= CONTENT_SAMPLE:
                    break
    return out


def _share(values: Sequence[str], test: Any) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _is_country(value: str) -> bool:
    from chainscreen.normalize.countries import to_iso2

    return to_iso2(value) is not None


def _is_hs(value: str) -> bool:
    return bool(_HS_SHAPE.match(value)) and value[:2] not in _NO_HS_CHAPTER


def _has_legal_form(value: str) -> bool:
    from chainscreen.normalize.names import legal_form

    return not _NUMERIC.match(value) and legal_form(value) is not None


@cache
def _goods_words() -> frozenset[str]:
    """Single words of the goods concordance and glossary: 'cotton', 'shirt', 'algodón', '棉'."""
    from chainscreen.normalize.goods import vocabulary

    return vocabulary()


_WORD = re.compile(r"\w+")


def _has_goods_word(value: str) -> bool:
    from chainscreen.normalize.goods import text_forms

    if _NUMERIC.match(value):
        return False
    words = _goods_words()
    return any(form in words for form in text_forms(value))


def _shares(values: Sequence[str], header: str = "") -> dict[str, float]:
    """The share of ``values`` fitting each content rule (countries, HS codes, parties, goods)."""
    if not values:
        return {}
    out = {"country": _share([v for v in values if not v.isdigit()], _is_country)
           * (1 - sum(v.isdigit() for v in values) / len(values))}
    if not set(_tokens(header)) & _ID_WORDS:
        out["hs_code"] = _share(values, _is_hs)
    out["supplier"] = _share(values, _has_legal_form)
    out["goods"] = _share(values, _has_goods_word)
    return out


def content_role(values: Sequence[str], header: str = "") -> tuple[str, str] | None:
    """The role a column's values suggest, with the share that decided it, or None.

    Mostly countries -> ``country``; HS-shaped codes -> ``hs_code`` (not under a header that
    names an ID, a phone or a date); names with legal forms -> ``supplier``; DOL/HS goods words
    -> ``goods``. The first rule that holds wins, in that order.
    """
    if len(values) < 2:
        return None
    share = _share(values, _is_country)
    # numbers are countries only as three-digit ISO codes, and then all of them
    numbers = [v for v in values if v.isdigit()]
    if numbers and (len(numbers) < len(values) / 2 or any(len(v) != 3 for v in numbers)):
        share = _share([v for v in values if not v.isdigit()], _is_country) * (
            1 - len(numbers) / len(values))
    if share >= _COUNTRY_SHARE:
        return "country", f"{share:.0%} of values are countries"
    if not set(_tokens(header)) & _ID_WORDS:
        share = _share(values, _is_hs)
        if share >= _HS_SHARE:
            return "hs_code", f"{share:.0%} of values are HS-shaped codes"
    share = _share(values, _has_legal_form)
    if share >= _PARTY_SHARE:
        return "supplier", f"{share:.0%} of values are names with a legal form"
    share = _share(values, _has_goods_word)
    if share >= _GOODS_SHARE:
        return "goods", f"{share:.0%} of values name goods"
    return None


def _content_roles(report: ColumnReport, headers: list[str], rows: Sequence[Sequence[str]],
                   used: set[str], unmapped: set[str]) -> None:
    """Fill roles still missing from the values of columns no header rule took."""
    taken = {r.role for r in report.roles} | unmapped
    wanted = [r for r in ("supplier", "country", "hs_code", "goods") if r not in taken]
    if not wanted:
        return
    found: dict[str, list[tuple[float, int, str, str]]] = {}
    for j, header in enumerate(headers):
        if header in used:
            continue
        if set(_tokens(header)) & _NOT_CONTENT_TOKENS and not report.headerless:
            continue
        values = _sample(rows, j)
        guess = content_role(values, "" if report.headerless else header)
        if guess is None:
            continue
        role, detail = guess
        share = float(detail.split("%")[0]) / 100
        found.setdefault(role, []).append((-share, j, header, detail))
    for role in wanted:
        for _share_neg, j, header, detail in sorted(found.get(role, ())):
            if header in used:
                continue
            if role == "country" and _agrees_with_destination(report, headers, rows, j):
                report.set_aside.append(ColumnRole("destination", header, "content", None,
                                                   "its countries are the destination column's, row by row"))
                used.add(header)
                continue
            report.roles.append(ColumnRole(role, header, "content", None, detail))
            used.add(header)
            break
    # for key roles still missing, the closest unmapped column: what --map should name
    for role in ("supplier", "country", "goods"):
        if report.role(role) is not None or (role == "goods" and report.role("hs_code") is not None):
            continue
        best: tuple[float, str] | None = None
        for j, header in enumerate(headers):
            # a consignee's or importer's address is where the goods went: never the origin
            if header in used or set(_tokens(header)) & (_NOT_CONTENT_TOKENS | _OTHER_PARTY_TOKENS):
                continue
            share = _shares(_sample(rows, j)[:100], header).get(role, 0.0)
            if share >= 0.2 and (best is None or share > best[0]):
                best = (share, header)
        if best is not None:
            report.candidates[role] = (best[1], best[0])
    # a headerless file of one text column is a list of names
    if report.headerless and "supplier" in wanted and not report.role("supplier"):
        text_columns = [j for j, h in enumerate(headers) if h not in used
                        and _share(_sample(rows, j), lambda v: not _NUMERIC.match(v)) >= 0.9]
        if len(text_columns) == 1:
            j = text_columns[0]
            report.roles.append(ColumnRole("supplier", headers[j], "content", None,
                                           "the only text column of a file without a header row"))
            used.add(headers[j])


def _agrees_with_destination(report: ColumnReport, headers: list[str], rows: Sequence[Sequence[str]],
                             j: int) -> bool:
    """True when column ``j``'s countries are those of a destination column, row by row."""
    from chainscreen.normalize.countries import to_iso2

    for aside in report.set_aside:
        if aside.role != "destination" or aside.header not in headers:
            continue
        k = headers.index(aside.header)
        pairs = [(to_iso2(r[j]), to_iso2(r[k])) for r in rows[:CONTENT_SAMPLE]
                 if j < len(r) and k < len(r) and r[j].strip() and r[k].strip()]
        pairs = [(a, b) for a, b in pairs if a and b]
        if pairs and sum(a == b for a, b in pairs) / len(pairs) >= _DESTINATION_AGREEMENT:
            return True
    return False


def looks_like_data(cells: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
    """True when ``cells`` (a candidate header row) reads like the data rows below it.

    Used for files without a header row: the first row is data when no cell is a header word
    and, for some column whose values have a content role, the first row's cell has it too.
    """
    if not rows:
        return False
    if any(_header_hits(c) for c in cells if c.strip()):
        return False
    for j, cell in enumerate(cells):
        cell = cell.strip()
        if not cell:
            continue
        guess = content_role(_sample(rows, j))
        if guess is None:
            continue
        test = {"country": _is_country, "hs_code": _is_hs, "supplier": _has_legal_form,
                "goods": _has_goods_word}[guess[0]]
        if test(cell):
            return True
    # one column of names, no header word anywhere: a plain list of suppliers
    width = max((len([c for c in r if c.strip()]) for r in rows[:50]), default=0)
    if (len([c for c in cells if c.strip()]) == 1 and width <= 1
            and not _NUMERIC.match(cells[0]) and not cells[0].strip().endswith(":")):
        return True
    # a header cell is not a number: a first row with a number where every row below has one
    # ("Pomona, 552044992" over more names and registration numbers) is data
    sample = [r for r in rows[:50] if any(c.strip() for c in r)]
    for j, cell in enumerate(cells):
        if cell.strip() and _NUMERIC.match(cell.strip()) and sample and all(
                j < len(r) and r[j].strip() and _NUMERIC.match(r[j].strip()) for r in sample):
            return True
    return False
