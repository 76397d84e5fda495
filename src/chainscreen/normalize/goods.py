"""HS codes and goods descriptions -> DOL TVPRA goods and UFLPA high-priority sectors.

Two ways in, both explained in every hit:

* **HS codes.** :func:`parse_hs` reads what customs data actually contains ("5205.12.0000",
  "520512", "HS 5205", a code that lost its leading zero in Excel) into an :class:`HSCode`.
  A concordance row lists HS 2022 chapters, headings or subheadings; an input code hits a
  row when the row's code is a prefix of it (5205.12 is within 5205), or when the input is a
  heading or subheading that contains the row's code (input 2804 contains 2804.61, so it
  *may* be polysilicon; the detail says so).
* **Free text.** Keywords are whole words, case-insensitive and accent-insensitive, and
  match regular English plurals ("tomatoes", "bricks", "berries") without the concordance
  listing them. Descriptions in other languages go through a glossary
  (``tables/goods_glossary.csv``: language, term, English keyword): "Camisas de algodón" is read
  as "shirt cotton", "棉质T恤" as "cotton t shirt", and a hit says which word it came from.
  A keyword written ``=word`` matches that exact word only ("=matches", so that "match"
  alone does not hit Matches). ``exclude_keywords`` are phrases that cancel a
  keyword hit they contain ("gold plated" cancels "gold" there, but not another "gold"
  elsewhere in the same description).

Matching is a token index (first word of each phrase -> phrases), built once per mapper;
results are cached per (description, HS digits).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from chainscreen.errors import ReferenceDataError
from chainscreen.models import pickled_by_fields
from chainscreen.normalize import NonAsciiPattern

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONCORDANCE_COLUMNS",
    "SCHEMES",
    "GoodsHit",
    "GoodsMapper",
    "HSCode",
    "parse_hs",
    "text_forms",
    "vocabulary",
]

SCHEMES: tuple[str, ...] = ("dol", "uflpa")
_T = TypeVar("_T")
CONCORDANCE_COLUMNS: tuple[str, ...] = (
    "scheme", "good", "hs_codes", "keywords", "exclude_keywords", "note",
)

# ---------------------------------------------------------------------------------------
# HS codes
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HSCode:
    """A parsed HS / HTS / tariff code.

    ``digits`` has no separators. ``heading`` is always set (codes have at least four
    digits); ``subheading`` needs six. ``padded`` is True when a leading zero was restored
    (Excel drops it from "0901.11"), which callers should show as a warning.
    """

    digits: str
    chapter: str
    heading: str | None
    subheading: str | None
    padded: bool = False

    def __str__(self) -> str:
        """Dotted form: "5205", "5205.12", "5205.12.0000"."""
        return _dotted(self.digits)


def _dotted(digits: str) -> str:
    out = digits[:4]
    if len(digits) > 4:
        out += "." + digits[4:6]
    if len(digits) > 6:
        out += "." + digits[6:]
    return out


_HS_PREFIX = re.compile(r"^(?:hs|hts|hsn|h\.s\.|tariff|cn)(?:\s*code)?\s*(?:no\.?|number)?\s*[:#=\-]?\s*",
                        re.IGNORECASE)
_HS_SEPARATORS = re.compile(r"[\s.\-/]+")
_FLOAT_ARTIFACT = re.compile(r"^(\d+)\.0$")
#: Chapters that do not exist in the HS (77 is reserved for future use, 00 is none).
_NO_CHAPTER = frozenset({"00", "77"})


def parse_hs(value: str | int | float | None) -> HSCode | None:
    """Parse an HS code; ``None`` for an empty cell, ``ValueError(reason)`` when unreadable.

    Accepts 4 to 10 digits with or without dots, spaces or hyphens, an optional "HS"/"HTS"
    prefix, and integers (as read from Excel). An odd number of digits (5, 7 or 9) means
    Excel dropped a leading zero: it is restored and ``padded`` is set.

    >>> str(parse_hs("0901.11")), str(parse_hs("90111")), parse_hs("90111").padded
    ('0901.11', '0901.11', True)
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not an HS code (a true/false value)")
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell read by pandas
            return None
        if not value.is_integer():
            raise ValueError(f"not an HS code (the number {value!r} has a fraction)")
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    text = _HS_PREFIX.sub("", text)
    # "520512.0" is an integer code that went through a float column, not "5205.12".
    artifact = _FLOAT_ARTIFACT.match(text)
    if artifact and len(artifact.group(1)) >= 4:
        text = artifact.group(1)
    digits = _HS_SEPARATORS.sub("", text)
    if not digits:
        raise ValueError("no digits")
    if not digits.isascii() or not digits.isdigit():
        bad = sorted({ch for ch in digits if not (ch.isascii() and ch.isdigit())})
        shown = "".join(bad[:5])
        raise ValueError(f"contains characters that are not digits ({shown!r})")
    padded = False
    if len(digits) in (5, 7, 9):
        digits, padded = "0" + digits, True
    if len(digits) < 4:
        raise ValueError(f"too short ({len(digits)} digits; an HS heading has 4)")
    if len(digits) > 10:
        raise ValueError(f"too long ({len(digits)} digits; national tariff codes have at most 10)")
    chapter = digits[:2]
    if chapter in _NO_CHAPTER:
        raise ValueError(f"chapter {chapter} does not exist in the HS")
    return HSCode(
        digits=digits,
        chapter=chapter,
        heading=digits[:4],
        subheading=digits[:6] if len(digits) >= 6 else None,
        padded=padded,
    )


# An HS code written inside a description: "HS 5205", "HS code: 2804.61", "HTS 8541.43.0010".
_HS_IN_TEXT = re.compile(
    r"\b(?:hs|hts|hsn)(?:\s*code)?\s*(?:no\.?)?\s*[:#]?\s*(\d{4}(?:[.\s]?\d{2}){0,3})\b",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------
# Text normalisation for keyword matching
# ---------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


def _fold(text: str) -> str:
    """Lower-case ASCII letters and digits; accents dropped ("Açaí" -> "acai")."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def _tokens(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


def _forms(token: str) -> tuple[str, ...]:
    """The token and the singular forms it may be a plural of, plus its exact marker.

    Candidate stems rather than one stemmer's guess: "shoes" -> shoe, "tomatoes" -> tomato,
    "berries" -> berry, "glasses" -> glass all come out without a dictionary, and a
    keyword is written once in the singular.
    """
    forms = [token, "=" + token]
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        forms.append(token[:-1])
        if token.endswith("es"):
            forms.append(token[:-2])
            if token.endswith("ies"):
                forms.append(token[:-3] + "y")
            elif token.endswith("ves"):
                forms.append(token[:-3] + "f")
    return tuple(forms)


def _phrase(keyword: str) -> tuple[str, ...]:
    """A concordance keyword as a token tuple; ``=word`` keeps the exact-match marker."""
    exact = keyword.startswith("=")
    words = _tokens(keyword[1:] if exact else keyword)
    if exact:
        words = ["=" + w for w in words]
    return tuple(words)


def _split(cell: object) -> list[str]:
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


# ---------------------------------------------------------------------------------------
# Glossary: goods words in other languages
# ---------------------------------------------------------------------------------------

_CJK = NonAsciiPattern(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class _Term:
    language: str
    term: str  # as written in the glossary
    english: str


@cache
def _glossary() -> tuple[tuple[tuple[tuple[str, ...], _Term], ...], tuple[_Term, ...]]:
    """The glossary: Latin-script terms as token phrases, and CJK terms longest first."""
    import csv
    from importlib import resources

    text = resources.files("chainscreen").joinpath("tables/goods_glossary.csv").read_text(encoding="utf-8")
    latin: list[tuple[tuple[str, ...], _Term]] = []
    cjk: list[_Term] = []
    for row in csv.DictReader(text.splitlines()):
        term = _Term(row["language"].strip(), row["term"].strip(), row["english"].strip())
        if _CJK.search(term.term):
            cjk.append(term)
        else:
            latin.append((tuple(_tokens(term.term)), term))
    cjk.sort(key=lambda t: -len(t.term))
    return tuple(latin), tuple(cjk)


def _cjk_terms(text: str) -> list[tuple[int, int, _Term]]:
    """Glossary terms in CJK text, longest first, not overlapping: (start, end, term)."""
    if not _CJK.search(text):
        return []
    folded = text.casefold()
    taken = [False] * len(folded)
    found = []
    for term in _glossary()[1]:
        key = term.term.casefold()
        start = folded.find(key)
        while start >= 0:
            end = start + len(key)
            if not any(taken[start:end]):
                found.append((start, end, term))
                for k in range(start, end):
                    taken[k] = True
            start = folded.find(key, end)
    return sorted(found, key=lambda f: f[0])


@cache
def vocabulary() -> frozenset[str]:
    """Single goods words: the shipped concordance's one-word keywords and the glossary's terms.

    Used to recognise a goods column by its values; see :func:`text_forms`.
    """
    import csv

    from chainscreen.resources import reference_dir

    words: set[str] = set()
    path = reference_dir() / "dol_goods_concordance.csv"
    if path.is_file():
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for keyword in _split(row.get("keywords")):
                    phrase = _phrase(keyword)
                    if len(phrase) == 1:
                        words.add(phrase[0].lstrip("="))
    latin, cjk = _glossary()
    words |= {tokens[0] for tokens, _term in latin if len(tokens) == 1}
    words |= {term.term.casefold() for term in cjk}
    return frozenset(words)


def text_forms(text: str) -> set[str]:
    """Every word form of ``text`` (singular candidates included) and the CJK glossary terms in it."""
    forms = {form for token in _tokens(text) for form in _forms(token)}
    forms |= {term.term.casefold() for _s, _e, term in _cjk_terms(text)}
    return forms


# ---------------------------------------------------------------------------------------
# Mapper
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoodsHit:
    """One good (DOL) or sector (UFLPA) a row's goods were mapped to, and why."""

    good: str
    scheme: str  # "dol" | "uflpa"
    via: str  # "hs" | "text"
    detail: str  # "HS 5205.12 (Cotton yarn ...) -> Cotton" / "'cotton' in description"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    good: str


class _PhraseIndex(Generic[_T]):
    """First token -> phrases starting with it; finds whole-phrase occurrences in token lists."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, _T]]] = defaultdict(list)

    def add(self, phrase: tuple[str, ...], keyword: str, target: _T) -> None:
        if phrase:
            self._by_first[phrase[0]].append((phrase, keyword, target))

    def find(self, forms: Sequence[tuple[str, ...]]) -> list[tuple[int, int, str, _T]]:
        """Every (start, end, keyword, target) whose phrase occurs in the token forms."""
        found: list[tuple[int, int, str, _T]] = []
        n = len(forms)
        for i, token_forms in enumerate(forms):
            for form in token_forms:
                for phrase, keyword, target in self._by_first.get(form, ()):
                    end = i + len(phrase)
                    if end <= n and all(phrase[k] in forms[i + k] for k in range(1, len(phrase))):
                        found.append((i, end, keyword, target))
        return found


class _Descriptions:
    """HS code → its nomenclature description: about 7,000 texts, half the screening context
    kept on disk for ``chainscreen check``. Pickled as one text, in which a check, reading the
    context back and asking for one or two codes, finds them with ``str.find``; after
    :data:`_FIND_LOOKUPS` lookups (a screening) the dict is built from it."""

    __slots__ = ("_map", "_text", "_lookups")

    def __init__(self, mapping: dict[str, str]) -> None:
        self._map: dict[str, str] | None = mapping
        self._text = ""
        self._lookups = 0

    @classmethod
    def _from_text(cls, text: str) -> _Descriptions:
        self = cls({})
        self._map, self._text = None, text
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        mapping = self._map
        if mapping is None:
            return (_Descriptions._from_text, (self._text,))
        if any(c in t for k, v in mapping.items() for t in (k, v) for c in "\x1e\x1f"):
            return (_Descriptions, (mapping,))  # cannot be joined: kept as it is
        return (_Descriptions._from_text, ("".join(f"\x1e{k}\x1f{v}" for k, v in mapping.items()),))

    def get(self, code: str) -> str | None:
        """The description of ``code`` (digits), or None."""
        if self._map is None:
            self._lookups += 1
            if self._lookups <= _FIND_LOOKUPS:
                at = self._text.find(f"\x1e{code}\x1f")
                if at < 0:
                    return None
                start = at + len(code) + 2
                end = self._text.find("\x1e", start)
                return self._text[start:end] if end >= 0 else self._text[start:]
            # the text stays: a thread searching it meanwhile (a server's checks) still finds it
            self._map = dict(r.split("\x1f", 1) for r in self._text.split("\x1e")[1:])
        return self._map.get(code)


#: Lookups answered by searching the pickled text before the dict is built.
_FIND_LOOKUPS = 16


class GoodsMapper:
    """Maps a goods description and/or HS code to DOL goods and UFLPA sectors.

    ``concordance`` has the columns of :data:`CONCORDANCE_COLUMNS` (see
    ``reference/CONCORDANCE.md``); ``hs`` is the HS nomenclature (``hscode``,
    ``description``), used only to explain hits.
    """

    def __init__(self, concordance: pd.DataFrame, hs: pd.DataFrame | None = None,
                 cache_size: int = 262_144) -> None:
        missing = [c for c in ("scheme", "good", "hs_codes", "keywords") if c not in concordance.columns]
        if missing:
            raise ReferenceDataError(f"goods concordance: missing column(s) {', '.join(missing)}")
        self._hs_targets: dict[str, list[_Target]] = defaultdict(list)
        self._keywords: _PhraseIndex[_Target] = _PhraseIndex()
        self._excludes: _PhraseIndex[_Target] = _PhraseIndex()
        self._targets: list[_Target] = []
        excl_col = "exclude_keywords" if "exclude_keywords" in concordance.columns else None
        for row_no, row in enumerate(concordance.itertuples(index=False), start=2):
            scheme = str(row.scheme).strip()
            good = str(row.good).strip()
            if scheme not in SCHEMES:
                raise ReferenceDataError(
                    f"goods concordance row {row_no}: scheme {scheme!r} is not one of {', '.join(SCHEMES)}")
            if not good:
                raise ReferenceDataError(f"goods concordance row {row_no}: empty good")
            target = _Target(scheme, good)
            self._targets.append(target)
            for code in _split(row.hs_codes):
                digits = code.replace(".", "").replace(" ", "")
                if not digits.isdigit() or len(digits) not in (2, 4, 6):
                    raise ReferenceDataError(
                        f"goods concordance row {row_no} ({good}): HS code {code!r} is not a "
                        "chapter, heading or subheading")
                self._hs_targets[digits].append(target)
            for keyword in _split(row.keywords):
                self._keywords.add(_phrase(keyword), keyword.lstrip("="), target)
            if excl_col is not None:
                for phrase in _split(getattr(row, excl_col)):
                    self._excludes.add(_phrase(phrase), phrase, target)
        self._hs_desc = _Descriptions({})
        if hs is not None and "hscode" in hs.columns and "description" in hs.columns:
            self._hs_desc = _Descriptions({
                str(code).strip(): str(desc).strip()
                for code, desc in zip(hs["hscode"], hs["description"], strict=True)
            })
        self._cache_size = cache_size
        self._glossary: _PhraseIndex[_Term] = _PhraseIndex()
        for tokens, term in _glossary()[0]:
            self._glossary.add(tokens, term.term, term)
        self._cached = lru_cache(maxsize=cache_size)(self._map)

    def __getstate__(self) -> dict[str, object]:
        """Picklable (the screening context is cached on disk): the memo is left out."""
        state = dict(self.__dict__)
        del state["_cached"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._cached = lru_cache(maxsize=self._cache_size)(self._map)

    @classmethod
    def from_files(cls, concordance_csv: Path, hs_csv: Path | None = None) -> GoodsMapper:
        """Build a mapper from the concordance CSV and, optionally, the HS nomenclature CSV."""
        import pandas as pd

        def read(path: Path) -> pd.DataFrame:
            try:
                # Strings only: HS chapters keep their leading zeros.
                return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                raise ReferenceDataError(f"{path}: cannot be read ({exc})") from None

        return cls(read(Path(concordance_csv)), read(Path(hs_csv)) if hs_csv is not None else None)

    @property
    def goods(self) -> list[tuple[str, str]]:
        """Every (scheme, good) in the concordance, in file order."""
        return [(t.scheme, t.good) for t in self._targets]

    def hs_description(self, hs: HSCode) -> str | None:
        """The nomenclature description of the most specific known level of ``hs``."""
        for code in (hs.subheading, hs.heading, hs.chapter):
            desc = self._hs_desc.get(code) if code else None
            if desc is not None:
                return desc
        return None

    def map(self, description: str | None, hs: HSCode | None) -> list[GoodsHit]:
        """Goods and sectors for one row: HS hits first, then text hits; one hit per good.

        Results are cached per (description, HS digits), so repeated lines cost a lookup.
        """
        return list(self._cached(description or "", hs.digits if hs is not None else ""))

    def map_many(self, rows: Iterable[tuple[str | None, HSCode | None]]) -> list[list[GoodsHit]]:
        """:meth:`map` over many (description, HS code) pairs."""
        return [self.map(desc, hs) for desc, hs in rows]

    # -- internals ------------------------------------------------------------------------

    def _map(self, description: str, digits: str) -> tuple[GoodsHit, ...]:
        hits: dict[_Target, GoodsHit] = {}
        if digits:
            self._hs_hits(digits, hits, source="")
        if description:
            # An HS code written into the description counts as an HS code.
            if not digits:
                for m in _HS_IN_TEXT.finditer(description):
                    try:
                        code = parse_hs(m.group(1))
                    except ValueError:
                        continue
                    if code is not None:
                        self._hs_hits(code.digits, hits, source=" (in description)")
            self._text_hits(description, hits)
        return tuple(hits.values())

    def _label(self, digits: str) -> str:
        """"5205 (Cotton yarn ...)" or "chapter 61 (Apparel ...)", description shortened."""
        code = f"chapter {digits}" if len(digits) == 2 else _dotted(digits)
        desc = self._hs_desc.get(digits)
        if not desc:
            return code
        short = desc if len(desc) <= 60 else desc[:57].rstrip(" ,;") + "..."
        return f"{code} ({short})"

    def _hs_hits(self, digits: str, hits: dict[_Target, GoodsHit], source: str) -> None:
        # The concordance code is a prefix of the input: the input lies within a listed code.
        for length in (6, 4, 2):
            if len(digits) < length:
                continue
            prefix = digits[:length]
            for target in self._hs_targets.get(prefix, ()):
                if target in hits:
                    continue
                what = (self._label(prefix) if length == len(digits)
                        else f"{_dotted(digits)} within {self._label(prefix)}")
                hits[target] = GoodsHit(target.good, target.scheme, "hs",
                                        f"HS {what}{source} -> {target.good}")
        # A bare heading that contains a listed subheading (2804 contains 2804.61) may be
        # that good; the reviewer sees "(possible)" and the two codes.
        if len(digits) == 4:
            for code, targets in self._hs_targets.items():
                if len(code) != 6 or not code.startswith(digits):
                    continue
                for target in targets:
                    if target not in hits:
                        hits[target] = GoodsHit(
                            target.good, target.scheme, "hs",
                            f"HS {self._label(digits)}{source} includes {self._label(code)}"
                            f" -> {target.good} (possible)")

    def _text_hits(self, description: str, hits: dict[_Target, GoodsHit]) -> None:
        cjk = _cjk_terms(description)
        if cjk:
            # CJK has no spaces: glossary terms become English words before tokenising
            parts, last = [], 0
            for start, end, term in cjk:
                parts.append(description[last:start])
                parts.append(f" {term.english} ")
                last = end
            parts.append(description[last:])
            english = "".join(parts)
            self._keyword_hits(english, hits, {
                word: term for _s, _e, term in cjk for word in _tokens(term.english)})
        else:
            self._keyword_hits(description, hits, {})
        translated, sources = self._translate(_tokens(description))
        if sources:
            self._keyword_hits(" ".join(translated), hits, sources)

    def _translate(self, tokens: list[str]) -> tuple[list[str], dict[str, _Term]]:
        """Latin-script glossary terms replaced by their English keywords; which word came from where."""
        if not tokens:
            return tokens, {}
        forms = [_forms(t) for t in tokens]
        found = self._glossary.find(forms)
        if not found:
            return tokens, {}
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        out: list[str] = []
        sources: dict[str, _Term] = {}
        i = 0
        for start, end, _keyword, target in found:
            if start < i:
                continue
            out.extend(tokens[i:start])
            english = _tokens(target.english)
            out.extend(english)
            for word in english:
                sources.setdefault(word, target)
            i = end
        out.extend(tokens[i:])
        return out, sources

    def _keyword_hits(self, description: str, hits: dict[_Target, GoodsHit],
                      sources: dict[str, _Term]) -> None:
        forms = [_forms(t) for t in _tokens(description)]
        if not forms:
            return
        found = self._keywords.find(forms)
        if not found:
            return
        blocked: dict[_Target, list[tuple[int, int]]] = defaultdict(list)
        for start, end, _phrase_text, target in self._excludes.find(forms):
            blocked[target].append((start, end))
        # Longest keyword first, so the detail quotes "tomato paste" rather than "tomato".
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        for start, end, keyword, target in found:
            if target in hits:
                continue
            if any(s <= start and end <= e for s, e in blocked.get(target, ())):
                continue
            origin = [sources[w] for w in _tokens(keyword) if w in sources]
            if origin:
                where = ", ".join(dict.fromkeys(f"{o.term!r} ({o.language})" for o in origin))
                detail = f"'{keyword}' in description, from {where}"
            else:
                detail = f"'{keyword}' in description"
            hits[target] = GoodsHit(target.good, target.scheme, "text", detail)
