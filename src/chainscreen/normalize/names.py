"""Party names -> comparable keys: one script, one case, no punctuation, no legal form.

The pipeline of :func:`normalize_name`, in order:

1. Unicode NFKC (full-width letters and brackets become ASCII);
2. Chinese legal forms (有限公司, 股份有限公司, 有限责任公司, 公司) become "co ltd" and 集团
   becomes "group", before transliteration, so that 合盛硅业股份有限公司 and
   "Hoshine ... Co., Ltd." carry the same legal form;
3. transliteration to ASCII: Han via pypinyin with the syllables of each run of Han
   characters joined into one word (合盛硅业 -> "heshengguiye"), other scripts via
   :func:`rigour.text.ascii_text` (Cyrillic, Greek, Arabic, Hangul, kana ...);
4. case folding, "&" read as "and", dotted acronyms closed up ("S.A." -> "sa"), other
   punctuation turned into spaces;
5. legal forms removed: unambiguous multi-word forms ("co ltd", "pvt ltd", "sdn bhd") and
   a few unmistakable abbreviations ("ltd", "llc", "gmbh") wherever they stand, every
   other form (rigour's org-type table of many jurisdictions, plus "corp", "co",
   "company") only at the start or end of the name, so "Made As Ordered" keeps its "as".

:func:`legal_form` returns what step 5 removed, in a canonical spelling. Generic words
("industry", "trading", "group") stay: weighing them is the matcher's job.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "is_meaningful_name",
    "legal_form",
    "name_tokens",
    "name_variants",
    "normalize_name",
]

# --- Chinese legal forms, replaced before transliteration ------------------------------

_CJK_FORMS = re.compile(r"股份有限公司|有限责任公司|有限公司|集团|公司")
_CJK_REPLACEMENT = {
    "股份有限公司": " co ltd ",  # company limited by shares: "Co., Ltd." in trade English
    "有限责任公司": " co ltd ",  # limited liability company: also written "Co., Ltd."
    "有限公司": " co ltd ",
    "集团": " group ",  # not a legal form; kept as the English word it is written as
    "公司": " co ",
}

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")

# --- legal forms ------------------------------------------------------------------------

#: Forms (token tuples) removed wherever they occur, with their canonical spelling.
_ANYWHERE: dict[tuple[str, ...], str] = {
    ("co", "ltd"): "co ltd",
    ("coltd",): "co ltd",
    ("co", "limited"): "co ltd",
    ("company", "limited"): "co ltd",
    ("company", "ltd"): "co ltd",
    ("corporation", "limited"): "corp ltd",
    ("corp", "ltd"): "corp ltd",
    ("limited", "company"): "ltd",
    ("limited", "liability", "company"): "llc",
    ("joint", "stock", "company"): "jsc",
    ("private", "limited"): "pvt ltd",
    ("pvt", "ltd"): "pvt ltd",
    ("pvt", "limited"): "pvt ltd",
    ("pte", "ltd"): "pte ltd",
    ("pty", "ltd"): "pty ltd",
    ("sdn", "bhd"): "sdn bhd",
    ("gmbh", "and", "co", "kg"): "gmbh co kg",
    ("gmbh", "co", "kg"): "gmbh co kg",
    ("ltd",): "ltd",
    ("llc",): "llc",
    ("gmbh",): "gmbh",
    ("plc",): "plc",
    ("pjsc",): "pjsc",
}

#: Forms removed only at the start or end of a name (ambiguous words elsewhere), besides
#: rigour's org-type table.
_EDGE: dict[tuple[str, ...], str] = {
    ("limited",): "ltd",
    ("company",): "co",
    ("co",): "co",
    ("corp",): "corp",
    ("corporation",): "corp",
    ("inc",): "inc",
    ("incorporated",): "inc",
    ("jsc",): "jsc",
    ("tbk",): "tbk",
    ("pt",): "pt",
    ("cv",): "cv",
    ("kk",): "kk",
    ("kabushiki", "kaisha"): "kk",
    ("sp", "z", "o", "o"): "sp zoo",
    ("spzoo",): "sp zoo",
}

#: Forms written before the name (Indonesia, Russia, Ukraine, ...). Only these are removed
#: at the start: elsewhere a leading "AB" or "AS" is more often part of the name.
_PREFIX: dict[tuple[str, ...], str] = {
    ("pt",): "pt",
    ("cv",): "cv",
    ("ooo",): "ooo",
    ("oao",): "oao",
    ("zao",): "zao",
    ("pao",): "pao",
    ("ao",): "ao",
    ("tov",): "tov",
    ("jsc",): "jsc",
    ("ojsc",): "ojsc",
    ("cjsc",): "cjsc",
    ("pjsc",): "pjsc",
}

_MAX_FORM_TOKENS = 5
_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_NON_WORD = re.compile(r"[\W_]+")

#: Placeholder values that are not names (compared after normalisation).
_PLACEHOLDERS = frozenset(
    {
        "na", "n a", "nan", "none", "null", "nil", "unknown", "unk", "tbd", "tba", "test",
        "various", "not available", "not applicable", "not known", "not specified",
        "unspecified", "no name", "noname", "same as above", "same", "see above", "xxx",
        "xx", "x", "to order", "to the order of", "anonymous", "private", "confidential",
        "redacted", "withheld",
    }
)


def _ascii(text: str) -> str:
    if text.isascii():
        return text
    from rigour.text import ascii_text

    return ascii_text(text)


def _transliterate(text: str, spaced: bool) -> str:
    """ASCII form; each Han run becomes one word, or spaced syllables when ``spaced``."""
    if not _HAN_RUN.search(text):
        return _ascii(text)
    from pypinyin import lazy_pinyin

    parts: list[str] = []
    pos = 0
    for match in _HAN_RUN.finditer(text):
        parts.append(_ascii(text[pos:match.start()]))
        syllables = lazy_pinyin(match.group(0))
        parts.append(" " + (" " if spaced else "").join(syllables) + " ")
        pos = match.end()
    parts.append(_ascii(text[pos:]))
    return _ascii("".join(parts))


def _clean_tokens(name: str, spaced: bool = False) -> list[str]:
    """Steps 1-4 of the pipeline: NFKC, Chinese forms, transliteration, case, punctuation."""
    text = unicodedata.normalize("NFKC", name)
    text = _CJK_FORMS.sub(lambda m: _CJK_REPLACEMENT[m.group(0)], text)
    text = _transliterate(text, spaced).casefold()
    text = text.replace("&", " and ")
    text = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _APOSTROPHES.sub("", text)
    return _NON_WORD.sub(" ", text).split()


@lru_cache(maxsize=4096)
def _rigour_form(phrase: str) -> str | None:
    """rigour's canonical form when the whole phrase is one organisation type."""
    from rigour.names import extract_org_types

    found = extract_org_types(phrase)
    if len(found) == 1 and found[0][0] == phrase:
        form = found[0][1].replace(".", "").strip()
        return "co ltd" if form == "coltd" else form
    return None


def _edge_form(tokens: list[str], at_end: bool) -> tuple[int, str] | None:
    """Longest legal form at the end (or start) of ``tokens``: (token count, canonical)."""
    for size in range(min(_MAX_FORM_TOKENS, len(tokens) - 1), 0, -1):
        if at_end:
            part = tuple(tokens[-size:])
            form = _ANYWHERE.get(part) or _EDGE.get(part) or _rigour_form(" ".join(part))
        else:
            form = _PREFIX.get(tuple(tokens[:size]))
        if form:
            return size, form
    return None


def _split_legal(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Separate the legal forms from the rest of the name: (core tokens, forms found)."""
    forms: list[str] = []
    core: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(4, len(tokens) - i), 0, -1):
            form = _ANYWHERE.get(tuple(tokens[i:i + size]))
            if form:
                forms.append(form)
                i += size
                break
        else:
            core.append(tokens[i])
            i += 1
    # Edge forms, repeatedly: "abc trading co ltd" -> after "co ltd", nothing more;
    # "pt abc indonesia tbk" -> "pt" and "tbk". A name is never reduced to nothing here.
    changed = True
    while changed and len(core) > 1:
        changed = False
        for at_end in (True, False):
            found = _edge_form(core, at_end)
            if found and len(core) > found[0]:
                size, form = found
                core = core[:-size] if at_end else core[size:]
                # "Smith & Co": the "and" that joined the form goes with it.
                if at_end and len(core) > 1 and core[-1] == "and":
                    core = core[:-1]
                forms.append(form)
                changed = True
    # A name that is one legal-form word ("Limited", "Corp") is all form and no name.
    if len(core) == 1:
        only = (core[0],)
        form = _EDGE.get(only) or _PREFIX.get(only) or _rigour_form(core[0])
        if form:
            return [], [*forms, form]
    return core, forms


@lru_cache(maxsize=200_000)
def _analyse(name: str) -> tuple[str, str | None]:
    tokens = _clean_tokens(name)
    core, forms = _split_legal(tokens)
    return " ".join(core), (forms[0] if forms else None)


def normalize_name(name: str | None) -> str:
    """Comparable form of a party name: ASCII, lower case, no punctuation, no legal form.

    >>> normalize_name("Hoshine Silicon Industry (Shanshan) Co., Ltd")
    'hoshine silicon industry shanshan'
    >>> normalize_name("合盛硅业股份有限公司")
    'heshengguiye'

    A name that is nothing but a legal form keeps it ("Co., Ltd." -> "co ltd"), so the
    result is empty only for empty input; :func:`is_meaningful_name` tells such names apart.
    """
    if not name:
        return ""
    core, form = _analyse(name)
    if core:
        return core
    return form or ""


def name_tokens(name: str | None) -> list[str]:
    """The words of :func:`normalize_name`."""
    return normalize_name(name).split()


def legal_form(name: str) -> str | None:
    """The canonical legal form found in ``name`` ("co ltd", "llc", "gmbh", "jsc", ...), if any.

    When a name has several (PT ... Tbk), the one found first (at the end, usually) is
    returned.
    """
    if not name:
        return None
    return _analyse(name)[1]


@lru_cache(maxsize=65_536)
def name_variants(name: str | None) -> frozenset[str]:
    """Normalised forms worth comparing: :func:`normalize_name`, and for names written in
    Han the variant with pinyin syllables spaced ("he sheng gui ye"), which is how trade
    data often romanises them."""
    base = normalize_name(name)
    out = {base} if base else set()
    if name and _HAN_RUN.search(name):
        core, _forms = _split_legal(_clean_tokens(name, spaced=True))
        if core:
            out.add(" ".join(core))
    return frozenset(out)


@lru_cache(maxsize=200_000)
def is_meaningful_name(name: str | None) -> bool:
    """False for empty values, placeholders ("N/A", "unknown", "-") and bare legal forms.

    >>> is_meaningful_name("Co., Ltd."), is_meaningful_name("Hoshine")
    (False, True)
    """
    if name is None:
        return False
    text = str(name).strip()
    if not text:
        return False
    tokens = _clean_tokens(text)
    if not tokens or " ".join(tokens) in _PLACEHOLDERS:
        return False
    from rigour.text import is_nullword

    if is_nullword(text):
        return False
    core = _analyse(text)[0].split()
    if not core:
        return False
    return sum(len(t) for t in core) >= 2 or any(t.isdigit() for t in core)
