"""Country values from manifests and risk lists -> ISO 3166-1 alpha-2 codes.

Resolution order, first hit wins:

1. empty or placeholder values ("N/A", "unknown", "-") -> ``None``;
2. two-letter codes (ISO alpha-2, plus ``XK`` for Kosovo and ``UK`` for the United Kingdom);
3. three-letter ISO alpha-3 codes;
4. a small alias table for trade-data spellings the libraries do not know
   ("Korea, Rep.", "Mainland China", "Turkey (Türkiye)", World Bank forms);
5. ``rigour.territories.lookup_territory``, which knows names in many languages,
   historical spellings and the sub-national units of a country (England -> GB,
   Guangdong -> CN);
6. the same lookup on the text outside and inside parentheses, and on
   "Name, Qualifier" turned round to "Qualifier Name";
7. ISO 3166-1 numeric codes ("156", "076"), a leading "Made in" / "Origin:", and values that
   carry one country more than once or beside a note: "CN, CHINA", "US - United States",
   "China - see note", "PRC China" resolve when every part that is a country names the same one.

Territories that are not ISO countries themselves resolve to the ISO code of the
country they belong to; supranational codes (EU, UN) and dissolved states
(Yugoslavia, USSR) resolve to ``None`` because no single country is meant.

The module also finds mentions of the Uyghur Region (Xinjiang) in free text,
which the UFLPA treats as a geographic red flag.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

__all__ = [
    "XINJIANG_PATTERN",
    "country_name",
    "iso2_codes",
    "mentions_xinjiang",
    "to_iso2",
]

#: Values that mean "no country" rather than an unknown one. Compared after casefolding
#: and removing punctuation and spaces.
_JUNK = frozenset(
    {
        "",
        "na",  # only the lowercase / mixed-case spelling; the code "NA" is Namibia
        "nan",
        "none",
        "null",
        "nil",
        "unknown",
        "unk",
        "notknown",
        "notavailable",
        "notapplicable",
        "notspecified",
        "unspecified",
        "various",
        "multiple",
        "other",
        "others",
        "tbd",
        "tba",
        "xx",
        "zz",
        "global",
        "world",
        "international",
    }
)

#: Spellings seen in customs and trade statistics that pycountry and rigour do not resolve.
#: Keys are compared after :func:`_key`; values are ISO alpha-2 codes.
_ALIASES: dict[str, str] = {
    "mainland china": "CN",
    "china mainland": "CN",
    "china prc": "CN",
    "peoples republic of china": "CN",
    "china peoples republic of": "CN",
    "korea rep": "KR",
    "rep of korea": "KR",
    "republic of korea": "KR",
    "korea south": "KR",
    "korea dem peoples rep": "KP",
    "korea dem rep": "KP",
    "korea dpr": "KP",
    "dpr korea": "KP",
    "iran islamic rep": "IR",
    "egypt arab rep": "EG",
    "venezuela rb": "VE",
    "yemen rep": "YE",
    "lao pdr": "LA",
    "lao peoples democratic republic": "LA",
    "congo dem rep": "CD",
    "dem rep congo": "CD",
    "dem rep of the congo": "CD",
    "democratic republic of congo": "CD",
    "congo kinshasa": "CD",
    "congo brazzaville": "CG",
    "micronesia fed sts": "FM",
    "st kitts nevis": "KN",
    "st vincent and the grenadines": "VC",
    "hong kong sar china": "HK",
    "macao sar china": "MO",
    "taiwan province of china": "TW",
    "chinese taipei": "TW",
    "burma myanmar": "MM",
    "myanmar burma": "MM",
    "turkey turkiye": "TR",
    "turkiye turkey": "TR",
    "west bank and gaza": "PS",
    "west bank and the gaza strip": "PS",
    # The CIA World Factbook's "conventional short form" of the Dominican Republic.
    "the dominican": "DO",
    "kosovo": "XK",
    "great britain": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "u k": "GB",
    "u s": "US",
    "u s a": "US",
    # Common English short forms that pycountry spells otherwise ("Türkiye", "Côte d'Ivoire",
    # "Russian Federation"). rigour resolves them too, but building its territory table costs
    # seconds on first use, so the names seen most often in trade data are answered here.
    "turkey": "TR",
    "ivory coast": "CI",
    # names in their own language and short forms that are place words of company names
    # ("Deutschland GmbH", "Polska Sp. z o.o."): answered here, not from rigour's table
    "britain": "GB",
    "deutschland": "DE",
    "espana": "ES",
    "italia": "IT",
    "nederland": "NL",
    "polska": "PL",
    "xianggang": "HK",
    "prc": "CN",
    "p r c": "CN",
    "russia": "RU",
    "russian fed": "RU",
    "macedonia": "MK",
    "burma": "MM",
    "swaziland": "SZ",
    "cape verde": "CV",
    "east timor": "TL",
    "palestine": "PS",
    "vatican": "VA",
    "micronesia": "FM",
    "brunei": "BN",
    "uae": "AE",
    "emirates": "AE",
    "macau": "MO",
    "hongkong": "HK",
    "drc": "CD",
    "korea": "KR",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "st lucia": "LC",
    "sao tome": "ST",
    "dominican rep": "DO",
    "bosnia": "BA",
    "trinidad": "TT",
    "antigua": "AG",
    # Forms seen in customs and brand exports that the name tables miss.
    "china pr": "CN",
    "pr china": "CN",
    "china mainland part": "CN",
    "tiongkok": "CN",
    "rrt": "CN",
    "republik rakyat tiongkok": "CN",
    "macau sar": "MO",
    "macau sar china": "MO",
    "s korea": "KR",
    "s. korea": "KR",
    "中國": "CN",
    "中国大陆": "CN",
    "中國大陸": "CN",
    "中国内地": "CN",
    "澳门": "MO",
    "韓國": "KR",
    "印度尼西亞": "ID",
    "印度尼西亚": "ID",
    "孟加拉國": "BD",
    "孟加拉国": "BD",
}

#: Two-letter codes that are not ISO alpha-2 but are common in trade data for one country.
_EXTRA_ALPHA2 = {"XK": "XK", "UK": "GB", "EL": "GR"}
_EXTRA_ALPHA3 = {"XKX": "XK", "KOS": "XK", "ROM": "RO", "ZAR": "CD", "TMP": "TL"}

#: Short English names for the few codes where pycountry's name is a long official form
#: and rigour's is not the short form used in trade either.
_NAME_OVERRIDES = {"XK": "Kosovo", "HK": "Hong Kong", "MO": "Macao", "CD": "DR Congo", "CG": "Congo"}

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
# Separators between the parts of "CN, CHINA", "US - United States", "China / see note".
_PIECES = re.compile(r"\s*(?:[,;/|:–—()\[\]*]|\s-\s|(?<=[A-Za-z])-(?=[A-Za-z]))\s*")
_LEAD = re.compile(r"^(?:made\s+in|country\s+of\s+origin|origin|coo|product\s+of)\s*[:\-]?\s+", re.IGNORECASE)
_PARENS = re.compile(r"^(?P<outer>[^()]*)\((?P<inner>[^()]*)\)(?P<rest>[^()]*)$")


def _fold(text: str) -> str:
    """Casefold and strip accents so 'Türkiye', 'TURKIYE' and 'turkiye' agree."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _key(text: str) -> str:
    """Alias-table key: folded, punctuation and apostrophes removed, spaces collapsed."""
    folded = _fold(text).replace("'", "").replace("\u2019", "")
    return " ".join(_PUNCT.sub(" ", folded).split())


@cache
def iso2_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code known to pycountry, plus ``XK`` (Kosovo)."""
    import pycountry

    return frozenset({c.alpha_2 for c in pycountry.countries} | {"XK"})


@cache
def _alpha3_map() -> dict[str, str]:
    import pycountry

    mapping = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
    mapping.update(_EXTRA_ALPHA3)
    return mapping


@cache
def _pycountry_names() -> dict[str, str]:
    """pycountry's short, common and official names, keyed like the alias table."""
    import pycountry

    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names.setdefault(_key(value), c.alpha_2)
    return names


@cache
def _territory_table() -> dict[str, str] | None:
    """rigour's territory names (strong, then weak, then places) keyed like the alias table.

    rigour builds the same table itself on first lookup, but keys each of its ~29,000 names
    with a transliteration that costs seconds in all; the names this module keys itself are
    the same and :func:`_key` is fast. ``None`` when rigour's loader is not available (the
    public lookup is used then).
    """
    try:
        from rigour.territories.lookup import _load_territory_names
    except ImportError:  # pragma: no cover - a rigour without the loader
        return None
    codes = iso2_codes()
    loaded = []
    for territory, strongs, weaks, places in _load_territory_names():
        t: Any = territory
        while t is not None and t.code.upper() not in codes:
            t = t.parent
        if t is not None:
            loaded.append((t.code.upper(), strongs, weaks, places))
    table: dict[str, str] = {}
    for tier in (1, 2, 3):  # a strong name wins over a weak one, a weak one over a place
        for iso, *names in loaded:
            for name in names[tier - 1]:
                table.setdefault(_key(name), iso)
    return table


def _territory_iso2(text: str) -> str | None:
    """Resolve a name with rigour and climb from sub-national units to their ISO country."""
    table = _territory_table()
    if table is not None:
        return table.get(_key(text))
    from rigour.territories import lookup_territory

    territory = lookup_territory(text)
    codes = iso2_codes()
    while territory is not None:
        code = territory.code.upper()
        if code in codes:
            return code
        territory = territory.parent
    return None


@lru_cache(maxsize=200_000)
def to_iso2(value: str | None) -> str | None:
    """Return the ISO 3166-1 alpha-2 code for a country name or code, or ``None``.

    Accepts ISO alpha-2 and alpha-3 codes (any case, except that ``na`` in lower or mixed
    case is read as "not available" and only ``NA`` as Namibia), English and local names
    with or without accents, and common trade-data forms such as "P.R. China",
    "Korea, Rep.", "Turkey (Türkiye)" or "Congo, Democratic Republic of the".

    >>> to_iso2("Viet Nam"), to_iso2("CHN"), to_iso2("Ivory Coast")
    ('VN', 'CN', 'CI')
    >>> to_iso2("Atlantis") is None
    True
    """
    if value is None:
        return None
    # Scraped lists carry HTML entities ("Laos&nbsp;"); NFKC turns the no-break space into a space.
    text = unicodedata.normalize("NFKC", html.unescape(str(value))).strip()
    compact = _PUNCT.sub("", text)
    if compact.casefold() in _JUNK and text != "NA":
        return None
    if text.isascii() and compact.isalpha() and len(compact) == len(text):
        upper = text.upper()
        if len(text) == 2:
            return upper if upper in iso2_codes() else _EXTRA_ALPHA2.get(upper)
        if len(text) == 3 and upper in _alpha3_map():
            return _alpha3_map()[upper]
    key = _key(text)
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    if key in _pycountry_names():
        return _pycountry_names()[key]
    # rigour's territory table knows sub-national units and local names, but building it costs
    # seconds on first use, so it is only consulted for names pycountry and the aliases miss.
    found = _territory_iso2(text)
    if found is not None:
        return found
    return _resolve_parts(text) or _resolve_pieces(text)


#: Names :func:`country_name` gives, handed in by :func:`know_names` (from a screening context
#: kept on disk), so that it answers without loading rigour's territories or pycountry.
_KNOWN_NAMES: dict[str, str] = {}


def common_names() -> dict[str, str]:
    """:func:`country_name` of every ISO 3166-1 alpha-2 code, to be kept beside a context."""
    import pycountry

    return {c.alpha_2: country_name(c.alpha_2) for c in pycountry.countries}


def know_names(names: dict[str, str]) -> None:
    """Take ``names`` (from :func:`common_names`, computed by this code) as what
    :func:`country_name` answers for those codes."""
    _KNOWN_NAMES.update(names)


def common_forms() -> dict[str, str | None]:
    """Every ISO 3166-1 alpha-2 and alpha-3 code and every English short, common and official
    name as pycountry writes it, mapped by :func:`to_iso2` (so to exactly what it answers).

    A screening context kept on disk carries these as resolved, so ``chainscreen check
    --country SE`` answers without loading pycountry's tables."""
    import pycountry

    forms: dict[str, str | None] = {}
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                forms[value] = to_iso2(value)
    return forms


@cache
def _numeric_map() -> dict[str, str]:
    import pycountry

    return {str(int(c.numeric)): c.alpha_2 for c in pycountry.countries}


def _resolve_pieces(text: str) -> str | None:
    """Numeric codes, "Made in X", and one country written twice or beside a note."""
    if text.isdigit():
        # only the three-digit form: a bare "4" is more likely a count than Afghanistan
        return _numeric_map().get(str(int(text))) if len(text) == 3 else None
    lead = _LEAD.sub("", text)
    if lead != text and lead:
        return to_iso2(lead)
    pieces = [p for p in _PIECES.split(text) if p.strip()]
    if len(pieces) < 2:
        words = text.split()
        if not 2 <= len(words) <= 3:
            return None
        pieces = words
    codes = {code for code in (_piece_iso2(p) for p in pieces) if code}
    return codes.pop() if len(codes) == 1 else None


def _piece_iso2(piece: str) -> str | None:
    """One part of a compound value; digits are not read as numeric codes here."""
    piece = piece.strip()
    if not piece or piece.isdigit() or _key(piece) in ("sar", "mainland", "roc"):
        return None
    return to_iso2(piece)


def _resolve_parts(text: str) -> str | None:
    """Try the pieces of "Outer (Inner)" and turn "Name, Qualifier" round."""
    match = _PARENS.match(text)
    if match:
        outer = (match["outer"] + " " + match["rest"]).strip()
        inner = match["inner"].strip()
        outer_code = to_iso2(outer) if outer else None
        inner_code = to_iso2(inner) if inner else None
        # "China (Mainland)": the qualifier is no country; "Burma (Myanmar)": both agree.
        if outer_code and (inner_code is None or inner_code == outer_code):
            return outer_code
        if inner_code and not outer:
            return inner_code
        return None
    if text.count(",") == 1:
        name, qualifier = (part.strip() for part in text.split(","))
        if name and qualifier:
            return _territory_iso2(f"{qualifier} {name}") or _ALIASES.get(_key(f"{qualifier} {name}"))
    return None


@lru_cache(maxsize=512)
def country_name(iso2: str) -> str:
    """Short English name for an ISO alpha-2 code ("CN" -> "China", "KR" -> "South Korea").

    Unknown codes are returned unchanged (upper-cased), so a report never fails on a
    code a newer list introduced.
    """
    code = iso2.strip().upper()
    if code in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[code]
    if code in _KNOWN_NAMES:
        return _KNOWN_NAMES[code]
    from rigour.territories import get_territory

    territory = get_territory(code)
    if territory is not None and territory.code.upper() == code:
        return territory.name
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


# --- Xinjiang (Uyghur Region) mentions -------------------------------------------------

#: Latin-script names of the region and of its prefectures and cities that appear in
#: supplier addresses. Matched as whole words, case-insensitively. Some are also names
#: elsewhere (Aksu in Turkey and Kazakhstan, Altay in Russia): a mention is a red flag
#: for review, not a finding, so the matched term is returned for the reviewer to judge.
_XINJIANG_LATIN = (
    r"xinjiang",
    r"xingjiang",  # frequent misspelling in bills of lading
    r"xin\s+jiang",  # the pinyin syllables written apart
    r"sinkiang",
    r"xuar",
    r"xpcc",
    r"bingtuan",
    r"east\s+turk[ei]stan",
    r"uy?ghurs?",
    r"uighurs?",
    r"uygurs?",
    r"[uü]r[uü]mqi",
    r"urumchi",
    r"wulumuqi",
    r"kashgar",
    r"kashi",
    r"hotan",
    r"khotan",
    r"hetian",
    r"aksu",
    r"akesu",
    r"korla",
    r"kuerle",
    r"shihezi",
    r"turpan",
    r"turfan",
    r"tulufan",
    r"shanshan",
    r"piqan",
    r"hami",
    r"kumul",
    r"changji",
    r"yili",
    r"ili\s+kazakh",
    r"yining",
    r"ghulja",
    r"karamay",
    r"kelamayi",
    r"bayingolin",
    r"bayinguoleng",
    r"kizilsu",
    r"kezilesu",
    r"tacheng",
    r"altay",
    r"aletai",
    r"kuitun",
    r"kuytun",
    r"wujiaqu",
    r"bortala",
)

#: Chinese names; CJK text has no spaces, so these match anywhere in the text.
_XINJIANG_HAN = (
    "新疆",
    "乌鲁木齐",
    "喀什",
    "和田",
    "阿克苏",
    "库尔勒",
    "石河子",
    "吐鲁番",
    "鄯善",
    "哈密",
    "昌吉",
    "伊犁",
    "克拉玛依",
    "巴音郭楞",
    "克孜勒苏",
    "塔城",
    "阿勒泰",
    "奎屯",
    "五家渠",
    "博尔塔拉",
    "维吾尔",
)

# A letter (not a digit or underscore) on either side means the term is part of a longer
# word: "Lishanshan" or "Shanshanfu" must not fire, "Shanshan County" and "SHANSHAN," must.
XINJIANG_PATTERN: re.Pattern[str] = re.compile(
    r"(?<![^\W\d_])(?:" + "|".join(_XINJIANG_LATIN) + r")(?![^\W\d_])"
    "|" + "|".join(re.escape(term) for term in _XINJIANG_HAN),
    re.IGNORECASE,
)


def mentions_xinjiang(text: str | None) -> str | None:
    """Return the first term in ``text`` that names the Uyghur Region or a place in it.

    >>> mentions_xinjiang("No. 8 Road, Shanshan County, Turpan")
    'Shanshan'
    >>> mentions_xinjiang("Zhejiang Lishanshan Textiles") is None
    True
    """
    if not text:
        return None
    if text.isascii() and _XINJIANG_FIRST_WORDS.isdisjoint(_ASCII_WORD.findall(text.lower())):
        # the pattern matches whole words only: ASCII text none of whose words can open a
        # term holds none (the same answer as the search below, found much faster)
        return None
    match = XINJIANG_PATTERN.search(unicodedata.normalize("NFKC", text))
    return match.group(0) if match else None


def _spellings(pattern: str) -> list[str]:
    """Every text one of the Latin patterns above matches, ``\\s+`` written as one space. They
    use only letters, ``[..]`` classes of letters, ``?`` after a letter or class, and ``\\s+``
    (tests/test_countries.py checks that this reads each of them whole)."""
    out = [""]
    i = 0
    while i < len(pattern):
        if pattern.startswith(r"\s+", i):
            choices, i = [" "], i + 3
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            choices, i = list(pattern[i + 1:end]), end + 1
        else:
            choices, i = [pattern[i]], i + 1
        if i < len(pattern) and pattern[i] == "?":
            choices, i = [*choices, ""], i + 1
        out = [o + c for o in out for c in choices]
    return out


#: The first word of every spelling of a Latin term (lower case): text holding none of these
#: as a word mentions no term in Latin script.
_XINJIANG_FIRST_WORDS = frozenset(spelling.split(" ")[0] for pattern in _XINJIANG_LATIN
                                  for spelling in _spellings(pattern))
_ASCII_WORD = re.compile(r"[a-z]+")


def may_mention_xinjiang(array: Any) -> Any:
    """For an Arrow string array, True where the text may name the Uyghur Region and False
    where :func:`mentions_xinjiang` finds nothing for certain: the quick test of
    :func:`mentions_xinjiang` (text that is not ASCII, or that has a word opening a Latin
    term), run by Arrow's kernels over the whole array. A null is False."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.fill_null(array, pa.scalar("", array.type))
    # ASCII words only ("ürümqi" opens a term too, but text holding it is not ASCII)
    words = "|".join(sorted(w for w in _XINJIANG_FIRST_WORDS if _ASCII_WORD.fullmatch(w)))
    opens_a_term = pc.match_substring_regex(pc.ascii_lower(text), f"(?:^|[^a-z])(?:{words})(?:[^a-z]|$)")
    return pc.or_(pc.invert(pc.string_is_ascii(text)), opens_a_term)
