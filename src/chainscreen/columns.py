"""Column roles: which of the user's headers holds the supplier, the country, the goods, the HS code.

A manifest's headers are whatever its author typed: "Vendor Name", "COO", "HTS #", "供应商名称".
:func:`map_columns` maps chainscreen's canonical fields (:data:`chainscreen.models.FIELDS`) to those
headers, from explicit ``--map`` overrides first, then an alias table, then a conservative fuzzy
match. Reading the file (formats, encodings, header row) is :mod:`chainscreen.manifest`'s job.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from chainscreen.errors import InputError
from chainscreen.models import FIELDS

__all__ = ["map_columns", "list_headers"]

# Aliases per canonical field, in tiers: when several headers fit one field the lowest tier wins.
# For the supplier the manufacturer is preferred, because it is the party whose labour practices a
# forced-labour screen is about; a shipper or exporter is often only a trading intermediary.
_ALIASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "supplier": (
        ("manufacturer", "manufacturer name", "mid name", "factory", "factory name", "producer",
         "producer name", "maker", "grower", "mill", "mill name", "制造商", "生产商", "工厂"),
        ("supplier", "supplier name", "vendor", "vendor name", "seller", "seller name", "company",
         "company name", "business name", "counterparty", "counterparty name", "party name",
         "entity", "entity name", "organisation", "organization", "organisation name",
         "organization name", "supplier legal name", "vendor legal name", "legal name",
         "供应商", "供应商名称", "公司名称", "企业名称"),
        ("shipper", "shipper name", "exporter", "exporter name", "consignor", "consignor name"),
        ("name",),
    ),
    "supplier_id": (
        ("supplier id", "supplier no", "supplier code", "supplier ref", "supplier reference",
         "vendor id", "vendor no", "vendor code", "vendor ref", "vendor reference", "mid",
         "mid code", "mid no", "manufacturer id", "manufacturer code", "manufacturer no",
         "company id", "company no"),
    ),
    "country": (
        ("country of origin", "origin", "coo", "origin country", "country of manufacture",
         "manufacturer country", "made in", "producing country", "country of production",
         "origin code", "coo code", "origin country code", "country of origin code", "原产国",
         "原产地"),
        ("country", "country code", "supplier country", "vendor country", "iso country",
         "country iso", "country name", "country of export", "export country", "shipper country",
         "exporter country", "factory country", "国家", "国家地区"),
    ),
    "address": (
        ("manufacturer address", "factory address", "mid address", "production address",
         "site address"),
        ("address", "supplier address", "vendor address", "company address", "street",
         "street address", "registered address", "business address", "seller address",
         "location", "地址"),
        ("shipper address", "exporter address", "consignor address"),
    ),
    "goods": (
        ("description", "description of goods", "goods description", "goods", "product",
         "products", "product description", "commodity", "commodity description", "item",
         "item description", "merchandise", "merchandise description", "product name",
         "item name", "material", "materials", "article", "article description",
         "line description", "product type", "goods type", "main product", "产品", "品名",
         "商品名称", "货物描述"),
        ("category", "product category", "spend category", "commodity group", "product group",
         "goods category", "purchase category"),
    ),
    "hs_code": (
        ("hs", "hs code", "hts", "hts code", "htsus", "htsus no", "hts no", "hs no", "tariff no",
         "tariff code", "tariff", "commodity code", "hs6", "hs 6", "hts10", "hts 10",
         "hs tariff code", "customs code", "cn code", "taric", "taric code",
         "tariff classification", "hs classification", "hts classification", "harmonized code",
         "harmonized tariff", "harmonized system code", "harmonised code", "schedule b",
         "hts heading", "hs heading", "海关编码", "商品编码", "hs编码"),
    ),
    "value": (
        ("value", "amount", "declared value", "entered value", "invoice value", "spend",
         "line value", "customs value", "total value", "purchase value", "fob value",
         "cif value", "net value", "spend amount", "invoice amount", "line amount",
         "transaction value", "po value", "order value"),
    ),
    "quantity": (
        ("quantity", "units", "pieces", "pcs", "quantity units", "net quantity",
         "quantity shipped", "no of units", "unit count", "count", "volume"),
    ),
    "date": (
        ("date", "entry date", "arrival date", "invoice date", "ship date", "shipment date",
         "shipping date", "import date", "export date", "order date", "po date",
         "date of entry", "date of import", "receipt date", "delivery date",
         "transaction date", "posting date", "release date", "date of arrival"),
    ),
}

# Token synonyms applied before comparing: abbreviations seen in real exports.
_TOKEN_SYNONYMS: dict[str, str] = {
    "number": "no", "nr": "no", "num": "no", "nbr": "no", "nº": "no", "n°": "no",
    "desc": "description", "descr": "description", "mfr": "manufacturer",
    "mfg": "manufacturer", "manuf": "manufacturer", "manufacture": "manufacture",
    "ctry": "country", "cntry": "country", "addr": "address", "qty": "quantity",
    "amt": "amount", "orig": "origin", "prod": "product", "cmdty": "commodity",
    "supp": "supplier", "vend": "vendor", "organisation": "organisation",
}

# Words that carry no meaning for the mapping ("Annual Spend (USD)" is "spend").
_NOISE_TOKENS = frozenset({
    "of", "the", "a", "an", "for", "in", "by", "usd", "eur", "gbp", "cny", "rmb", "us", "main",
    "primary", "principal", "annual", "total", "full", "s", "e", "g", "eg", "i", "ie",
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
})

_FUZZY_CUTOFF = 88.0
_SUPERSET_SCORE = 90.0


def _camel_split(text: str) -> str:
    # "VendorName" -> "Vendor Name", "HTSCode" -> "HTS Code"
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)


def _tokens(header: str) -> tuple[str, ...]:
    """Header text as comparable tokens: NFKC, case-folded, punctuation dropped, synonyms applied."""
    text = unicodedata.normalize("NFKC", _camel_split(str(header))).casefold()
    text = text.replace("&", " and ").replace("#", " no ").replace("№", " no ")
    text = re.sub(r"[\W_]+", " ", text)
    raw = [_TOKEN_SYNONYMS.get(t, t) for t in text.split()]
    kept = tuple(t for t in raw if t not in _NOISE_TOKENS)
    return kept or tuple(raw)


@cache
def _alias_index() -> tuple[dict[tuple[str, ...], tuple[str, int]], list[tuple[str, int, tuple[str, ...]]]]:
    """Exact lookup (normalised alias -> (field, tier)) and the flat list used for fuzzy matching."""
    exact: dict[tuple[str, ...], tuple[str, int]] = {}
    flat: list[tuple[str, int, tuple[str, ...]]] = []
    for name, tiers in _ALIASES.items():
        for tier, aliases in enumerate(tiers):
            for alias in aliases:
                key = _tokens(alias)
                previous = exact.get(key)
                if previous is not None and previous[0] != name:  # pragma: no cover - table bug
                    raise AssertionError(f"alias {alias!r} belongs to {previous[0]} and {name}")
                exact.setdefault(key, (name, tier))
                flat.append((name, tier, key))
    return exact, flat


@cache
def _foreign_vocabulary(name: str) -> frozenset[str]:
    """Every alias word of every field except ``name``."""
    return frozenset(
        token for other, tiers in _ALIASES.items() if other != name
        for aliases in tiers for alias in aliases for token in _tokens(alias)
    )


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


def map_columns(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map canonical fields to headers: ``{"supplier": "Vendor Name", "country": "COO"}``.

    Overrides come first (``{"supplier": "Shipper Name"}``; an empty value leaves the field
    unmapped). Then exact aliases, case- and punctuation-insensitive, then a conservative
    token-based fuzzy match. A header maps to at most one field; when several headers fit a
    field, the preferred alias tier wins (manufacturer > supplier/vendor > shipper/exporter),
    then the leftmost header. Raises InputError for an unknown field or a header not present.
    """
    headers = [str(h) for h in headers]
    result: dict[str, str] = {}
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
            other = next(f for f, h in result.items() if h == header)
            raise InputError(f"--map: column {header!r} given for both {other} and {key}")
        result[key] = header
        used.add(header)

    exact, flat = _alias_index()
    # (exact?, tier, -score, position) orders candidates; assignment is greedy over that order
    candidates: list[tuple[int, int, float, int, str, str]] = []
    for position, header in enumerate(headers):
        if header in used:
            continue
        toks = _tokens(header)
        if not toks:
            continue
        hit = exact.get(toks)
        if hit is not None:
            candidates.append((0, hit[1], -100.0, position, hit[0], header))
            continue
        best: dict[str, tuple[float, int]] = {}
        for name, tier, alias in flat:
            score = _fuzzy_score(toks, alias, _foreign_vocabulary(name))
            if score < _FUZZY_CUTOFF:
                continue
            if name not in best or (score, -tier) > (best[name][0], -best[name][1]):
                best[name] = (score, tier)
        for name, (score, tier) in best.items():
            candidates.append((1, tier, -score, position, name, header))
    for _exactness, _tier, _score, _position, name, header in sorted(candidates):
        if name in result or name in unmapped or header in used:
            continue
        result[name] = header
        used.add(header)
    return {name: result[name] for name in FIELDS if name in result}


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
