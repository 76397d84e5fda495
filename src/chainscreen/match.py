"""Entity resolution of party names against entity lists, with reasons for every candidate.

Two stages (see docs/MATCHING.md):

1. **candidates** — every list name and alias is analysed once into typed words and indexed
   by its distinctive words, their one-letter-deleted forms (so "Tayota" finds "Toyota"), its
   spelling without spaces (so "u ni ty fash i o n" finds "Unity Fashion") and its initials
   (so "PLA" finds "People's Liberation Army"). A party looks up its own keys, and the list
   names that share the rarest keys go on to stage 2 (at most ``top_k`` × 2 of them). Pairs
   that share no key are never compared, which is what makes 50,000 parties against 20,000
   list names a matter of seconds.
2. **scorer** — :func:`compare_keys` aligns the words of the two names one to one (equal,
   abbreviated, misspelt, initials), weighs distinctive words above generic, place and
   joining words, counts words that only one name has against it, and words that both names
   have but that differ ("Oil" / "Gas", "Spain" / "Netherlands", "Unit 6" / "Unit 10") much
   more. Numbers must agree. The legal forms and, in :func:`score_pair`, the countries raise
   or lower the result. Every step that moves the score is written out as a reason.

All tunable numbers of the scorer are in :class:`ScorerParams` (``Settings.scorer``, table
``[scorer]`` of chainscreen.toml, part of the settings digest); their defaults come from
5-fold cross-validation on the labelled development pairs (``chainscreen bench match``).
"""

from __future__ import annotations

import gc
import math
import os
import re
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from rapidfuzz.distance import Levenshtein

from chainscreen.collector import gc_paused
from chainscreen.models import Candidate, EntityRecord, pickled_by_fields
from chainscreen.normalize import NonAsciiPattern
from chainscreen.normalize.names import (
    GENERIC_WORDS,
    PLACE_WORDS,
    fold_tokens,
    is_meaningful_name,
    legal_form,
    legal_forms,
    meaning_words,
    name_variants,
    pinyin_alternates,
    pinyin_syllables,
    place_country,
    script_of,
    spelling_key,
    spelt_as_pinyin,
    token_kind,
)
from chainscreen.settings import DEFAULT_SCORER, ScorerParams, Settings

__all__ = [
    "GENERIC_TOKENS",
    "PLACE_TOKENS",
    "EntityMatcher",
    "NameKey",
    "ScorerParams",
    "compare_keys",
    "compare_names",
    "decide",
    "name_keys",
    "score_pair",
]

#: Kept for callers of the first matcher; the vocabularies live in chainscreen.normalize.names.
GENERIC_TOKENS = GENERIC_WORDS
PLACE_TOKENS = PLACE_WORDS


#: The scorer's default weights (``Settings().scorer``).
DEFAULT_PARAMS = DEFAULT_SCORER

#: Legal forms that say the same thing for matching purposes: an English-language company
#: may be written Co., Ltd., Inc., Corp. or plc by different sources.
_FORM_FAMILY: dict[str, str] = {
    **dict.fromkeys(("co", "ltd", "co ltd", "corp", "corp ltd", "inc", "plc", "pvt ltd",
                     "pte ltd", "pty ltd", "limited"), "company"),
    **dict.fromkeys(("jsc", "ojsc", "cjsc", "pjsc", "oao", "zao", "pao", "ao"), "jsc"),
    **dict.fromkeys(("ooo", "tov", "llc"), "llc"),
    **dict.fromkeys(("gmbh", "gmbh co kg", "kg", "ag", "akg"), "de"),
    **dict.fromkeys(("sa", "sacv", "sa de cv", "s de rl", "sas", "sarl"), "sa"),
    **dict.fromkeys(("kk", "yk"), "company"),  # Kabushiki Kaisha is written "Co., Ltd." or "Corp."
}


def _families(forms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_FORM_FAMILY.get(f, f) for f in forms)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NameKey:
    """A name analysed for comparison: its words, their kinds and weights, and its legal form."""

    original: str
    tokens: tuple[str, ...]
    kinds: tuple[str, ...]
    joined: str
    spelled: str  # every letter and digit, legal form included, no spaces
    form: str | None
    transliterated: bool
    #: words written in capitals or with dots in the original ("XPCC", "P.L.A."): acronyms
    capitals: frozenset[str] = frozenset()
    #: the families of every legal form the name carries ("company", "llc", "jsc", "sa" ...)
    families: frozenset[str] = frozenset()
    #: one word followed by place words only ("PLA China"): the word may be an acronym
    acronym_and_places: bool = False
    #: for a Chinese name, the words with a meaning (not pinyin): see
    #: :func:`~chainscreen.normalize.names.meaning_words`; None for other names
    meaning: frozenset[str] | None = None
    #: for a Chinese name, (pinyin word, another reading of its characters): see
    #: :func:`~chainscreen.normalize.names.pinyin_alternates`
    alternates: frozenset[tuple[str, str]] = frozenset()

    @property
    def has_distinctive(self) -> bool:
        """Whether any word is distinctive or a number (otherwise generic words stand in)."""
        return any(k in ("distinctive", "number") for k in self.kinds)


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[NameKey, ...]:
    """The comparable forms of ``name`` (two for Han names: pinyin joined and spaced)."""
    if not name:
        return ()
    form = legal_form(name)
    # a Latin spelling of kana, Hangul or Cyrillic varies (loose comparison); pinyin does not
    translit = script_of(name) != "latin" and not (_HAN.search(name) and not _LOOSE_SCRIPT.search(name))
    spelled = spelling_key(name)
    capitals = frozenset(c.replace(".", "").casefold() for c in _CAPITALS.findall(name))
    families = _families(legal_forms(name))
    meaning = meaning_words(name) if _HAN.search(name) else None
    alternates = pinyin_alternates(name) if meaning is not None else frozenset()
    keys = []
    for variant in sorted(name_variants(name)):
        tokens = fold_tokens(tuple(variant.split()))
        if tokens:
            kinds = tuple(token_kind(t) for t in tokens)
            keys.append(NameKey(name, tokens, kinds, "".join(tokens), spelled, form, translit,
                                capitals, families, all(k == "place" for k in kinds[1:]), meaning,
                                alternates))
    return tuple(keys)


_HAN = NonAsciiPattern(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LOOSE_SCRIPT = NonAsciiPattern(r"[\u3040-\u30ff\uac00-\ud7af\u0400-\u04ff]")
_CAPITALS = re.compile(r"\b(?:[A-Z]{2,6}|(?:[A-Z]\.){2,6})(?![a-z])")


# --- word similarity ------------------------------------------------------------------------

_VOWELS = str.maketrans("", "", "aeiouyhw")


def _skeleton(token: str) -> str:
    """Consonant outline for cross-script words: first letter, then consonants, no doubles.

    Transliteration of kana and Hangul adds vowels that Latin spellings lack ("soni" / "Sony",
    "samseong" / "Samsung"); the outline ignores them.
    """
    rest = token[1:].translate(_VOWELS).replace("c", "k").replace("q", "k").replace("z", "s")
    out = token[0]
    for ch in rest:
        if ch != out[-1]:
            out += ch
    return out


def _allowed_edits(length: int) -> int:
    """Typos forgiven in a word of ``length`` letters: none in short words, where one letter
    makes another name ("LXC" / "LAU"), up to three in long ones."""
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    if length <= 10:
        return 2
    return 3


@lru_cache(maxsize=200_000)
def _singular(word: str) -> str:
    """English plural to singular, roughly: "technologies" -> "technology", "mills" -> "mill"."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


@lru_cache(maxsize=500_000)
def _word_sim(a: str, b: str, loose: bool) -> tuple[float, str]:
    """Similarity of two different words in [0, 1] and how they relate (for the reasons)."""
    if a.isdigit() or b.isdigit():
        return 0.0, ""
    if a[0] != b[0]:
        # every rule below but the edit distance needs the same first letter (plural,
        # beginning, abbreviation, outline), and the edit budget bounds the length gap
        la, lb = len(a), len(b)
        limit = _allowed_edits(min(la, lb))
        if not limit or abs(la - lb) > limit:
            return 0.0, ""
        dist = Levenshtein.distance(a, b, score_cutoff=limit)
        if dist <= limit:
            return 1.0 - dist / max(la, lb), "spelt like"
        return 0.0, ""
    if len(a) > 4 and len(b) > 4 and _singular(a) == _singular(b):
        return 0.95, "is a plural of"
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 3 and long.startswith(short):
        # "ind" / "industry" is a usual abbreviation; "bai" / "baikal" is another name
        if long in GENERIC_WORDS:
            return 0.9, "abbreviates"
        return 0.5 + 0.5 * len(short) / len(long), "begins"
    limit = _allowed_edits(len(short))
    if limit:
        dist = Levenshtein.distance(a, b, score_cutoff=limit)
        if dist <= limit:
            return 1.0 - dist / max(len(a), len(b)), "spelt like"
    if 3 <= len(short) <= 5 and len(long) >= 2 * len(short) and long in GENERIC_WORDS \
            and not any(ch in "aeiou" for ch in short[1:]) and _is_subsequence(short, long):
        # "mfg" / "manufacturing", "intl" / "international": abbreviations drop the vowels;
        # "ktk" is not "Kinetik", "pars" not "pharmaceuticals"
        return 0.8, "abbreviates"
    if loose and len(short) >= 3 and _skeleton(a) == _skeleton(b):
        return 0.85, "sounds like"
    return 0.0, ""


# --- the scorer -----------------------------------------------------------------------------


def _weights(kinds: tuple[str, ...], params: ScorerParams) -> tuple[float, ...]:
    """Weight of each word by its kind (cached; the default parameters without hashing them)."""
    if params is DEFAULT_PARAMS:
        found = _DEFAULT_WEIGHTS.get(kinds)
        if found is None:
            found = _DEFAULT_WEIGHTS[kinds] = _weights_for(kinds, params)
        return found
    return _weights_for(kinds, params)


#: Weights per tuple of kinds under the default parameters: there are few distinct tuples.
_DEFAULT_WEIGHTS: dict[tuple[str, ...], tuple[float, ...]] = {}


@lru_cache(maxsize=65_536)
def _weights_for(kinds: tuple[str, ...], params: ScorerParams) -> tuple[float, ...]:
    """Weight of each word by its kind; in a name of generic words only, they are its name."""
    promote = not any(k in ("distinctive", "number") for k in kinds)
    table = {"distinctive": 1.0, "number": 1.0, "stop": params.stop_weight,
             "generic": 1.0 if promote else params.generic_weight,
             "place": 1.0 if promote else params.place_weight}
    return tuple(table[k] for k in kinds)


def _initials_match(short: str, tokens: Sequence[str], free: list[bool]) -> list[int] | None:
    """Indexes of consecutive free words of ``tokens`` whose initials spell ``short``."""
    n = len(short)
    for with_stops in (False, True):
        idx = [i for i, t in enumerate(tokens) if free[i] and (with_stops or t not in ("of", "the", "and"))]
        for start in range(len(idx) - n + 1):
            run = idx[start:start + n]
            if run[-1] - run[0] <= 2 * n and "".join(tokens[i][0] for i in run) == short:
                return run
    return None


class Alignment:
    """Two analysed names with their words paired one to one: what the features read and write.

    The word features (:func:`equal_words`, :func:`similar_words`, :func:`initials`) pair words
    and add their weight to ``matched`` (scaled by similarity) and ``paired``; the score features
    read what is left unpaired.
    """

    __slots__ = ("a", "b", "wa", "wb", "free_a", "free_b", "matched", "paired", "dist_hit",
                 "num_a", "num_b", "factor", "strong", "weak", "countries", "country_agrees", "pairs",
                 "joined_strong", "form_conflict", "brand")

    def __init__(self, a: NameKey, b: NameKey, params: ScorerParams,
                 countries: tuple[str | None, frozenset[str]] | None = None) -> None:
        self.a, self.b = a, b
        self.strong = False  # a distinctive word or number paired by equal or alike spelling
        self.pairs = 0  # words paired (joining words aside)
        #: weak pairings, each (rule, side holding the short form: "a" the query, "b" the list)
        self.weak: list[tuple[str, str]] = []
        self.countries = countries  # (query country, list record countries), or None
        self.country_agrees = False
        self.joined_strong = False  # the whole names are spelt alike without spaces
        self.form_conflict = False  # legal forms of different families
        self.brand = False  # a pinyin word taken for the other name's brand (:func:`brand_word`)
        self.wa, self.wb = _weights(a.kinds, params), _weights(b.kinds, params)
        self.free_a = [True] * len(a.tokens)
        self.free_b = [True] * len(b.tokens)
        self.matched = 0.0
        self.paired = 0.0
        self.dist_hit = False  # a distinctive word or number is paired
        self.num_a: list[str] = _NO_NUMBERS
        self.num_b: list[str] = _NO_NUMBERS
        self.factor = 0.0


#: A feature reads the alignment and the score so far and returns the new score; when
#: ``why`` is a list it appends what it did, in words, prefixed by its name.
Feature = Callable[[Alignment, float, ScorerParams, "list[str] | None"], float]


def equal_words(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Rewards words both names have, each by its weight (distinctive and numbers 1, generic,
    place and joining words less)."""
    a, b = al.a, al.b
    ta, tb = a.tokens, b.tokens
    free_a, free_b, wa, wb = al.free_a, al.free_b, al.wa, al.wb
    nb = len(tb)
    for i, t in enumerate(ta):
        if t not in tb:  # most words of most candidate pairs: skip the inner loop
            continue
        for j in range(nb):
            if free_b[j] and tb[j] == t:
                free_a[i] = free_b[j] = False
                w = wa[i] + wb[j]
                al.matched += w
                al.paired += w
                if a.kinds[i] in ("distinctive", "number") or b.kinds[j] in ("distinctive", "number"):
                    al.dist_hit = True
                    al.strong = True
                if a.kinds[i] != "stop":
                    al.pairs += 1
                    if why is not None:
                        why.append(f"equal_words: '{t}' in both ({a.kinds[i]})")
                break
    return score


def similar_words(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Rewards words that are alike but not equal, best pairs first, by their similarity: a
    plural, an abbreviation of a generic word ("ind" / "industry"), a word's beginning, a
    misspelling within an edit budget that grows with length, and for transliterated names
    the consonant outline ("soni" / "sony"). A word of a Chinese name read as pinyin is alike
    only another reading of its characters or its first characters (see :func:`_pinyin_sim`):
    a letter more or less is another character (东贝 "dongbei" is not Dongmei, 中百 "zhongbai"
    not Zhongtai)."""
    free_a, free_b = al.free_a, al.free_b
    if not (any(free_a) and any(free_b)):
        return score
    a, b = al.a, al.b
    ta, tb = a.tokens, b.tokens
    loose = a.transliterated or b.transliterated
    sims = []
    kinds_a, kinds_b = a.kinds, b.kinds
    mean_a, mean_b = a.meaning, b.meaning
    open_b = [(j, tb[j], mean_b is not None and tb[j] not in mean_b)
              for j in range(len(tb)) if free_b[j] and kinds_b[j] != "stop"]
    for i in range(len(ta)):
        if not free_a[i] or kinds_a[i] == "stop":
            continue
        t = ta[i]
        pinyin_a = mean_a is not None and t not in mean_a
        for j, u, pinyin_b in open_b:
            if pinyin_a or pinyin_b:
                s, how = _pinyin_sim(t, u, a if pinyin_a else None, b if pinyin_b else None)
            else:
                s, how = _word_sim(t, u, loose)
            if s > 0.0:
                sims.append((s, i, j, how))
    if sims:
        sims.sort(reverse=True)
        wa, wb = al.wa, al.wb
        for s, i, j, how in sims:
            if free_a[i] and free_b[j]:
                if how == "spelt like" and s < _STRONG_WORD and kinds_a[i] == "generic" \
                        and kinds_b[j] == "generic":
                    continue  # "constructors" / "construction": two trade words, not one misspelt
                if how == "begins" and (kinds_a[i] == "generic") != (kinds_b[j] == "generic"):
                    continue  # "gold" / "golden": a trade word is not the start of a name
                free_a[i] = free_b[j] = False
                w = wa[i] + wb[j]
                al.matched += s * w
                al.paired += w
                al.pairs += 1
                if kinds_a[i] == "distinctive" or kinds_b[j] == "distinctive":
                    al.dist_hit = True
                    short = min(len(ta[i]), len(tb[j]))
                    if not loose and ((how == "spelt like" and (s < _STRONG_WORD or ta[i][0] != tb[j][0]))
                                      or (how == "begins" and short < 8
                                          and max(len(ta[i]), len(tb[j])) - short <= 2)):
                        # a misspelt short word: "Sharp" / "Shary" may be another company (in
                        # a transliteration, "adidasu" / "adidas", letters differ by nature)
                        al.weak.append(("misspelt word", "*"))
                    elif how in _WEAK_HOW and short < 0.8 * max(len(ta[i]), len(tb[j])):
                        # an abbreviation or a word's beginning: "Intel" / "Interconsult"
                        al.weak.append((how, "a" if len(ta[i]) <= len(tb[j]) else "b"))
                    else:
                        al.strong = True
                if why is not None:
                    why.append(f"similar_words: '{ta[i]}' {how} '{tb[j]}' ({s:.2f})")
    return score


def _pinyin_sim(t: str, u: str, key_t: NameKey | None, key_u: NameKey | None) -> tuple[float, str]:
    """Similarity of two different words of which one (or both) is a Chinese name's word read as
    pinyin (``key_t`` / ``key_u``: the name it is read from): 1 for another reading of its
    characters (卓莞 "zhuoguan" / "zhuowan"), a word's beginning for its first characters when
    the segmenter cut it longer ("meixinfa" / "meixin"); otherwise 0."""
    if (key_t is not None and (t, u) in key_t.alternates) \
            or (key_u is not None and (u, t) in key_u.alternates):
        return 1.0, "is another reading of"
    for long, short, key in ((t, u, key_t), (u, t, key_u)):
        if key is not None and len(short) >= 4 and len(long) > len(short) and long.startswith(short) \
                and spelt_as_pinyin(short) and spelt_as_pinyin(long[len(short):]):
            return 0.5 + 0.5 * len(short) / len(long), "begins"
    return 0.0, ""


_WEAK_HOW = frozenset({"abbreviates", "begins"})
#: A misspelt word at least this alike (one letter in seven) still names the same company.
_STRONG_WORD = 0.85
#: A whole-name spelling at least this alike (without spaces) is strong evidence on its own.
_STRONG_SPELLING = 0.9
_LEFT_MIN = 0.8  # how alike the differing words must be for the joined spelling to count


def initials(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Rewards (at 0.9) a name that is one short word spelling the initials of consecutive words
    of the other name ("PLA" / "People's Liberation Army"), both ways. Weak evidence: alone it
    reaches review at most (see :func:`weak_evidence`)."""
    for x, y, fx, fy, wx, wy, side in ((al.a, al.b, al.free_a, al.free_b, al.wa, al.wb, "a"),
                                       (al.b, al.a, al.free_b, al.free_a, al.wb, al.wa, "b")):
        if len(x.tokens) != 1 and (side == "b" or not x.acronym_and_places):
            continue  # an acronym inside a longer name ("RG Solutions") is a word of that name
        for i, t in enumerate(x.tokens):
            if fx[i] and 2 <= len(t) <= 6 and x.kinds[i] == "distinctive" and sum(fy) >= len(t):
                run = _initials_match(t, y.tokens, fy)
                if run:
                    fx[i] = False
                    w = wx[i] + sum(wy[j] for j in run)
                    for j in run:
                        fy[j] = False
                    al.matched += 0.9 * w
                    al.paired += w
                    al.dist_hit = True
                    al.weak.append(("initials" if t in x.capitals else "lower-case initials", side))
                    if why is not None:
                        why.append(f"initials: '{t}' = initials of '{' '.join(y.tokens[j] for j in run)}'")
    return score


def brand_word(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Pairs, as a guess scored ``brand_score``, the one word left in a Chinese name, read as
    pinyin, with the one word left in a Latin name when no pinyin spells that word: many Chinese
    companies are known abroad by a coined name no reading of the characters gives (滨州中纺银泰
    "binzhou zhongfang yintai" / "Binzhou Chinatex Yintai"). Only between distinctive words and
    when the names already have a distinctive word in common after the Chinese name's first
    word (a registered name opens with its place: 珠海, 滨州, not always known as one) and the
    country agrees; not a one-syllable word (a character of a spaced reading), nor a Latin word
    of fewer than four letters, in capitals (initials) or that pinyin spells ("zhongtai"):
    those differ. A name paired so stays below match (:func:`pinyin_only`)."""
    if not al.strong or (al.a.meaning is None) == (al.b.meaning is None) or al.countries is None \
            or al.countries[0] not in al.countries[1]:
        return score
    x, y, fx, fy, wx, wy = ((al.a, al.b, al.free_a, al.free_b, al.wa, al.wb) if al.a.meaning is not None
                            else (al.b, al.a, al.free_b, al.free_a, al.wb, al.wa))
    left_x = [i for i, (f, k) in enumerate(zip(fx, x.kinds, strict=True)) if f and k != "stop"]
    left_y = [j for j, (f, k) in enumerate(zip(fy, y.kinds, strict=True)) if f and k != "stop"]
    if len(left_x) != 1 or len(left_y) != 1 or not any(
            not fx[k] and x.kinds[k] in ("distinctive", "number") for k in range(1, len(fx))):
        return score  # the first word of a registered name is its place (珠海, 滨州)
    i, j = left_x[0], left_y[0]
    han, latin = x.tokens[i], y.tokens[j]
    assert x.meaning is not None
    if x.kinds[i] != "distinctive" or y.kinds[j] != "distinctive" or han in x.meaning \
            or han in pinyin_syllables() or len(latin) < 4 or latin in y.capitals \
            or spelt_as_pinyin(latin):
        return score  # one syllable is a character of a spaced reading, not a word
    fx[i] = fy[j] = False
    w = wx[i] + wy[j]
    al.matched += p.brand_score * w
    al.paired += w
    al.pairs += 1
    al.brand = True
    if why is not None:
        why.append(f"brand_word: '{han}', read as pinyin, may be the brand '{latin}' "
                   f"({p.brand_score:.2f})")
    return score


def _pair_known_places(al: Alignment) -> None:
    """Mark as paired the unpaired places that name the other side's known country."""
    assert al.countries is not None
    kinds_a, kinds_b, free_a, free_b = al.a.kinds, al.b.kinds, al.free_a, al.free_b
    places_a = [i for i, k in enumerate(kinds_a) if k == "place" and free_a[i]]
    places_b = [i for i, k in enumerate(kinds_b) if k == "place" and free_b[i]]
    if places_a and places_b:
        return  # both names qualified, differently ("Guangdong" / "Changji"): they differ
    mine, theirs = al.countries
    if places_a and theirs:
        for i in places_a:
            if place_country(al.a.tokens[i]) in theirs:
                free_a[i] = False
    elif places_b and mine:
        for i in places_b:
            if place_country(al.b.tokens[i]) == mine:
                free_b[i] = False


def leftover_words(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Penalises words left unpaired: the score is matched / (paired + f × unpaired weight), where
    f is ``extra_factor`` when only one name has words left (it is longer) and ``conflict_factor``
    when both have (they differ: "Gas" / "Oil", "Spain" / "Netherlands"). A place that is the
    other side's known country is not left over: the list says so ("Acme Textiles Vietnam" / a
    Vietnamese "Acme Textiles")."""
    if al.countries is not None and ("place" in al.a.kinds or "place" in al.b.kinds):
        _pair_known_places(al)
    # the word lists are of one length by construction: no strict check in the hot path
    ua = sum([w for w, f in zip(al.wa, al.free_a, strict=False) if f])
    ub = sum([w for w, f in zip(al.wb, al.free_b, strict=False) if f])
    factor = p.conflict_factor if (ua > p.stop_weight and ub > p.stop_weight) else p.extra_factor
    al.factor = factor
    denom = al.paired + factor * (ua + ub)
    score = al.matched / denom if denom else 0.0
    if why is not None:
        for x, fx, side in ((al.a, al.free_a, "first"), (al.b, al.free_b, "second")):
            left = [t for t, f, k in zip(x.tokens, fx, x.kinds, strict=True) if f and k != "stop"]
            if left:
                kinds = {k for t, f, k in zip(x.tokens, fx, x.kinds, strict=True) if f and k != "stop"}
                what = "differ" if factor == p.conflict_factor else "only in the " + side + " name"
                why.append(f"leftover_words: {', '.join(repr(t) for t in left)} {what} "
                           f"({'/'.join(sorted(kinds))})")
    return score


def no_distinctive(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Penalises (× ``no_distinctive_factor``) two names that share no distinctive word or number:
    generic words alone ("Semiconductor", "Trading") never carry a match."""
    if not al.dist_hit and score > 0:
        score *= p.no_distinctive_factor
        if why is not None:
            why.append(f"no_distinctive: no distinctive word in common (×{p.no_distinctive_factor})")
    return score


def numbers_agree(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Penalises numbers that do not agree: different numbers on both sides (× ``number_conflict``,
    "Unit 6" / "Unit 10"), or a number on one side only (× ``number_extra``, "Fund II")."""
    a, b = al.a, al.b
    num_a = al.num_a = ([t for t, f, k in zip(a.tokens, al.free_a, a.kinds, strict=False) if f and k == "number"]
                        if "number" in a.kinds else _NO_NUMBERS)
    num_b = al.num_b = ([t for t, f, k in zip(b.tokens, al.free_b, b.kinds, strict=False) if f and k == "number"]
                        if "number" in b.kinds else _NO_NUMBERS)
    if num_a and num_b:
        score *= p.number_conflict
        if why is not None:
            why.append(f"numbers_agree: numbers differ: {' '.join(num_a)} / {' '.join(num_b)} "
                       f"(×{p.number_conflict})")
    elif num_a or num_b:
        score *= p.number_extra
        if why is not None:
            why.append(f"numbers_agree: number {' '.join(num_a or num_b)} in one name only (×{p.number_extra})")
    return score


def _ocr_split(key: NameKey) -> bool:
    """Whether a name looks cut into pieces (OCR, letter spacing): three words of 1-2 letters."""
    return sum(1 for t in key.tokens if len(t) <= 2) >= 3


def joined_spelling(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Rewards names spelt alike once spaces are taken out (OCR-spaced "u ni ty fash i o n", glued
    "PricewaterhouseCoopers", pinyin by syllable): the Levenshtein similarity r of the two
    spellings, mapped (r − ``joined_floor``) / (1 − ``joined_floor``), replaces the score when
    higher; numbers that do not agree still count against it."""
    a, b = al.a, al.b
    num_a, num_b = al.num_a, al.num_b
    if a.joined != b.joined and a.spelled != b.spelled:
        r = max(Levenshtein.normalized_similarity(a.joined, b.joined),
                Levenshtein.normalized_similarity(a.spelled, b.spelled))
        if r <= p.joined_floor:
            return score
        joined = (r - p.joined_floor) / (1.0 - p.joined_floor)
        if (num_a or num_b) and not (set(num_a) & set(num_b)):
            joined *= p.number_conflict if (num_a and num_b) else p.number_extra
        if joined <= score:
            return score
        left_a = "".join([t for t, f in zip(a.tokens, al.free_a, strict=False) if f])
        left_b = "".join([t for t, f in zip(b.tokens, al.free_b, strict=False) if f])
        if left_a and left_b and not (_ocr_split(a) or _ocr_split(b)) \
                and Levenshtein.normalized_similarity(left_a, left_b) < _LEFT_MIN:
            # the words that differ are not a spacing of one another: "Bank of Chad" /
            # "Bank of China" are alike only in what they share
            return score
        if joined > score:
            score = joined
            if r >= _STRONG_SPELLING:
                al.strong = al.joined_strong = True  # the whole name spelt alike
            if why is not None:
                why.append(f"joined_spelling: spelt alike without spaces ({r:.2f})")
    elif score < 1.0:
        score = 1.0 if not (num_a or num_b) else score
        al.strong = al.joined_strong = True
        if why is not None:
            why.append("joined_spelling: same letters, different spacing")
    return score


def abbreviation(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Raises to ``abbreviation_score`` (never to a match) a one-word name of 2–5 letters spelt in
    order inside the other and starting with the same letter ("WMT" / "Walmart")."""
    for x, y in ((al.a, al.b), (al.b, al.a)):
        if len(x.tokens) == 1 and 2 <= len(x.joined) <= 5 and x.joined[0] == y.joined[0] \
                and len(y.joined) > len(x.joined) and _is_subsequence(x.joined, y.joined) \
                and score < p.abbreviation_score:
            score = p.abbreviation_score
            al.weak.append(("abbreviation", "a" if x is al.a else "b"))
            if why is not None:
                why.append(f"abbreviation: '{x.joined}' could abbreviate '{' '.join(y.tokens)}'")
    return score


def legal_form_conflict(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Penalises (− ``legal_conflict``, and caps below match at ``legal_cap``) legal forms of
    different families, which are companies of different kinds or jurisdictions ("S.A." /
    "S.R.L.", "Ltd" / "LLC", "L.P." / "Inc."); Co., Ltd., Inc., Corp. and plc are one family."""
    a, b = al.a, al.b
    if a.form and b.form and a.form != b.form and a.families.isdisjoint(b.families):
        al.form_conflict = True
        score = _capped(score - p.legal_conflict, p.legal_cap)
        if why is not None:
            why.append(f"legal_form_conflict: legal forms differ: {a.form} / {b.form} (−{p.legal_conflict}, "
                       f"≤ {p.legal_cap})")
    return score


#: How much of the score above a cap is kept: caps keep the order of the scores they lower, so
#: that a reviewer (and the ROC curve) still sees which capped pair is closer.
_OVER_CAP = 0.1


def _capped(score: float, cap: float) -> float:
    """``score`` held near ``cap``: what lies above it shrinks to a tenth (never reaching the
    next decision level for caps at least 0.03 below it)."""
    return score if score <= cap else cap + _OVER_CAP * (score - cap)


def place_qualifier(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Caps below match (``qualifier_cap``) a name that one side qualifies with a country or city
    the other lacks ("Acme Textiles Vietnam" / "Acme Textiles"): a subsidiary or a namesake,
    another entity, unless the place is the other side's known country."""
    if score <= p.qualifier_cap:
        return score
    found = None
    for x, fx, fy, other in ((al.a, al.free_a, al.free_b, 1), (al.b, al.free_b, al.free_a, 0)):
        if "place" not in x.kinds:
            continue
        places = [t for t, f, k in zip(x.tokens, fx, x.kinds, strict=True) if f and k == "place"]
        if not places:
            continue
        other_key = al.b if other else al.a
        if any(f and k == "place" for f, k in zip(fy, other_key.kinds, strict=True)):
            return score  # both qualified, differently: leftover_words weighed that
        known: set[str] = set()
        if al.countries is not None:
            if other:  # the place is in the query: compare with the list record's countries
                known = set(al.countries[1])
            elif al.countries[0]:
                known = {al.countries[0]}
        for t in places:
            iso = place_country(t)
            if iso is not None and iso not in known:
                found = t
                break
    if found is None:
        return score
    if why is not None:
        why.append(f"place_qualifier: '{found}' qualifies one name only (≤ {p.qualifier_cap})")
    return _capped(score, p.qualifier_cap)


def country(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Rewards (+ ``country_agree``) the same country on both sides; penalises (− ``country_conflict``)
    and caps below match (``country_cap``) two known, different countries. A list record may
    name several countries (a parent and its subsidiaries); any of them agrees."""
    if al.countries is None:
        return score
    mine, theirs = al.countries
    if mine and theirs:
        if mine in theirs:
            al.country_agrees = True
            if why is not None:
                why.append(f"country: {mine} = {mine} (+{p.country_agree})")
            return min(1.0, score + p.country_agree)
        score = _capped(max(0.0, score - p.country_conflict), p.country_cap)
        if why is not None:
            why.append(f"country: {mine} ≠ {'/'.join(sorted(theirs))} (−{p.country_conflict}, "
                       f"≤ {p.country_cap})")
        return score
    if why is not None and not mine:
        why.append("country: no country to compare")
    return score


def weak_evidence(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Caps a score that rests only on weak rules (initials, an abbreviation, a word's beginning,
    a misspelt short word) with no distinctive word or number spelt alike on both sides: below
    review (``acronym_cap``) when the supplier's name is the short form ("Intel" / "Interconsult",
    a two-letter name / the initials of a listed prison); at review (``weak_cap``) when the list
    name is an acronym written in capitals ("XPCC"), and uncapped only when the country agrees."""
    if al.strong or not al.weak:
        return score
    # a list name (or alias) that is nothing but an acronym of 3 letters or more ("XPCC"); "DM LLC"
    # or "MP Limited Liability Company" are companies named by letters, not acronyms of a name
    listed_acronym = all(side == "b" and rule == "initials" for rule, side in al.weak) \
        and not al.b.form and len(al.b.joined) >= 3
    if listed_acronym and al.country_agrees:
        return score
    # a listed acronym: review at most; a misspelling or the supplier's short form: less
    if listed_acronym:
        cap = p.weak_cap
    elif all(side == "*" for _r, side in al.weak):
        cap = p.misspelt_cap
    else:
        cap = p.acronym_cap
    if score > cap:
        score = _capped(score, cap)
        if why is not None:
            rules = ", ".join(sorted({r for r, _s in al.weak}))
            why.append(f"weak_evidence: only {rules} (≤ {cap})")
    return score


def one_word(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Caps a score that rests on one shared word: below review (``acronym_cap``) when either
    name has more words ("Atlas Corp." / "Atlas Equipment Company", "IAC" / "IAC International"),
    at review (``weak_cap``) when both names are that one word; uncapped when the country agrees
    or the names are spelt alike without spaces. The country does not lift the cap when the one
    word is a Chinese name's pinyin: most Chinese names and the Chinese entities they are compared
    with share the country (晨光股份 "chenguang" is not Chenguang Biotech Group)."""
    if al.pairs != 1 or al.joined_strong or al.weak:
        return score
    if al.country_agrees and not _pinyin_pair(al):
        return score
    extra = _has_extra(al)
    cap = p.one_word_cap if extra or al.form_conflict else p.weak_cap
    if score > cap:
        score = _capped(score, cap)
        if why is not None:
            why.append(f"one_word: one word in common{', others differ' if extra else ''} (≤ {cap})")
    return score


def _pinyin_pair(al: Alignment) -> bool:
    """Whether a word paired in a Chinese name (either side) is read as pinyin."""
    for key, free in ((al.a, al.free_a), (al.b, al.free_b)):
        if key.meaning is not None and any(not f and k != "stop" and t not in key.meaning
                                           for t, f, k in zip(key.tokens, free, key.kinds, strict=True)):
            return True
    return False


def pinyin_only(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Caps below match (``pinyin_cap``) a Chinese name whose one distinctive word in common
    is read as pinyin, with no word of meaning and no place in common besides: toneless pinyin
    of two characters is shared by many companies (天味食品 "tianwei food" is not Tianjin
    Tianwei Food). A translation, a listed company's English short name, a second distinctive
    word or the same place lets it reach match; a word taken for a brand (:func:`brand_word`)
    does not."""
    a, b = al.a, al.b
    if al.brand and score > p.pinyin_cap:
        if why is not None:
            why.append(f"pinyin_only: a word read as pinyin was taken for a brand (≤ {p.pinyin_cap})")
        return _capped(score, p.pinyin_cap)
    if a.meaning is None:
        return score
    distinct = [t for t, free, k in zip(a.tokens, al.free_a, a.kinds, strict=True)
                if not free and k in ("distinctive", "number")]
    if len(distinct) != 1 or distinct[0] in a.meaning:
        return score
    if any(not free and k == "place" and t in b.tokens
           for t, free, k in zip(a.tokens, al.free_a, a.kinds, strict=True)):
        return score  # the same place on both sides ("新疆众和" / "Xinjiang Zhonghe")
    if score > p.pinyin_cap:
        score = _capped(score, p.pinyin_cap)
        if why is not None:
            why.append(f"pinyin_only: '{distinct[0]}', read as pinyin, is the one distinctive word "
                       f"in common (≤ {p.pinyin_cap})")
    return score


def _has_extra(al: Alignment) -> bool:
    """Whether either name has words (joining words aside) the other lacks; a place that is the
    other side's known country is not one ("Acme Textiles Vietnam" / a Vietnamese "Acme Textiles")."""
    for key, free, known in ((al.a, al.free_a, al.countries[1] if al.countries else _NO_COUNTRIES),
                             (al.b, al.free_b, {al.countries[0]} if al.countries and al.countries[0]
                              else _NO_COUNTRIES)):
        for t, f, k in zip(key.tokens, free, key.kinds, strict=True):
            if f and k != "stop" and not (k == "place" and known and place_country(t) in known):
                return True
    return False


def words_differ(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Caps below review (``differ_cap``) two names that each have words the other lacks:
    siblings and namesakes ("Saudi Arabian Gas" / "Saudi Arabian Oil", "Bowne Global
    Solutions (U.K.)" / "(Canada)"), unless the names are spelt alike without spaces."""
    if score <= p.differ_cap or al.joined_strong:
        return score
    if not (any(f and k != "stop" for f, k in zip(al.free_a, al.a.kinds, strict=True))
            and any(f and k != "stop" for f, k in zip(al.free_b, al.b.kinds, strict=True))):
        return score
    if why is not None:
        why.append(f"words_differ: each name has words the other lacks (≤ {p.differ_cap})")
    return _capped(score, p.differ_cap)


def extra_words(al: Alignment, score: float, p: ScorerParams, why: list[str] | None) -> float:
    """Caps below match (``extra_cap``) two names of which one has words the other lacks,
    unless the country agrees: "Golden Star Enterprises" and "Golden Star Co." may be the same
    company, or two; only the same name, or a corroborating country, makes a match. Below
    review (``extra_cap_distinct``) when a lacking word is distinctive ("Blue Bird" / "Sky
    Blue Bird Aviation") or the legal forms also disagree."""
    if score <= p.extra_cap_distinct or al.country_agrees or al.joined_strong or not _has_extra(al):
        return score
    distinct = any(f and k in ("distinctive", "number") for f, k in zip(al.free_a, al.a.kinds, strict=True)) \
        or any(f and k in ("distinctive", "number") for f, k in zip(al.free_b, al.b.kinds, strict=True))
    cap = p.extra_cap_distinct if distinct or al.form_conflict else p.extra_cap
    if score <= cap:
        return score
    if why is not None:
        what = "a distinctive word" if distinct else "words"
        why.append(f"extra_words: one name has {what} the other lacks, no country agrees (≤ {cap})")
    return _capped(score, cap)


#: The features in the order they run. The first four pair words; ``leftover_words`` turns
#: the pairing into a score; the rest raise, lower or cap it. ``country`` and what reads it
#: run only when countries are given (:func:`score_pair`, the matcher).
NAME_FEATURES: tuple[tuple[str, Feature], ...] = (
    ("equal_words", equal_words),
    ("similar_words", similar_words),
    ("initials", initials),
    ("brand_word", brand_word),
    ("leftover_words", leftover_words),
    ("no_distinctive", no_distinctive),
    ("numbers_agree", numbers_agree),
    ("joined_spelling", joined_spelling),
    ("abbreviation", abbreviation),
    ("legal_form_conflict", legal_form_conflict),
    ("place_qualifier", place_qualifier),
    ("country", country),
    ("weak_evidence", weak_evidence),
    ("one_word", one_word),
    ("pinyin_only", pinyin_only),
    ("words_differ", words_differ),
    ("extra_words", extra_words),
)
_RUN = tuple(f for _n, f in NAME_FEATURES)
#: The features up to ``country``; those after it only cap scores above their cap.
_HEAD = _RUN[: [n for n, _f in NAME_FEATURES].index("country") + 1]
_TAIL = _RUN[len(_HEAD):]
_CAPS = ("weak_cap", "acronym_cap", "misspelt_cap", "one_word_cap", "differ_cap", "extra_cap",
         "extra_cap_distinct", "pinyin_cap")


@lru_cache(maxsize=64)
def _lowest_cap(params: ScorerParams) -> float:
    """The lowest cap the features after ``country`` apply: below it they change nothing."""
    return min(getattr(params, name) for name in _CAPS)


_DEFAULT_LOWEST_CAP = _lowest_cap(DEFAULT_PARAMS)


def compare_keys(
    a: NameKey, b: NameKey, params: ScorerParams = DEFAULT_PARAMS, explain: bool = True,
    countries: tuple[str | None, frozenset[str]] | None = None,
) -> tuple[float, list[str]]:
    """Score two analysed names in [0, 1] by running :data:`NAME_FEATURES` in order; with
    ``explain``, the reasons in words, one per feature step that fired. ``countries``: the
    first party's ISO-2 country and the second's set of countries, when known."""
    al = Alignment(a, b, params, countries)
    why: list[str] | None = [] if explain else None
    score = 0.0
    for feature in _HEAD:
        score = feature(al, score, params, why)
    lowest = _DEFAULT_LOWEST_CAP if params is DEFAULT_PARAMS else _lowest_cap(params)
    if why is not None or score > lowest:  # most candidate pairs end here
        for feature in _TAIL:
            score = feature(al, score, params, why)
    return min(max(score, 0.0), 1.0), (why if why is not None else _NO_REASONS)


_NO_REASONS: list[str] = []
_NO_NUMBERS: list[str] = []  # shared and never appended to


def best_keys(
    keys_a: Sequence[NameKey], keys_b: Sequence[NameKey], params: ScorerParams, explain: bool,
    countries: tuple[str | None, frozenset[str]] | None = None,
) -> tuple[float, list[str]]:
    """The best score (and its reasons, with ``explain``) over every pair of spellings of two names."""
    best: tuple[float, list[str]] = (0.0, ["nothing comparable after normalisation"])
    for ka in keys_a:
        for kb in keys_b:
            result = compare_keys(ka, kb, params, explain, countries)
            if result[0] > best[0] or best[1] and best[0] == 0.0 and result[1]:
                best = result
    return best


def compare_names(
    query: str, candidate: str, params: ScorerParams = DEFAULT_PARAMS
) -> tuple[float, list[str]]:
    """Score two names in [0, 1] with the reasons in words (names as written or normalised).

    >>> score, why = compare_names("Hoshine Silicon Ind. Co", "HOSHINE SILICON INDUSTRY CO LTD")
    >>> round(score, 2), why[0]
    (0.98, "equal_words: 'hoshine' in both (distinctive)")
    """
    return best_keys(name_keys(query), name_keys(candidate), params, True)


def decide(score: float, settings: Settings) -> str:
    """``match``, ``review`` or ``reject`` for a score, by the thresholds in ``settings``."""
    if score >= settings.match_threshold:
        return "match"
    if score >= settings.review_threshold:
        return "review"
    return "reject"


def score_pair(
    left: str | None, left_country: str | None, right: str | None, right_country: str | None,
    params: ScorerParams = DEFAULT_PARAMS, explain: bool = True,
) -> tuple[float, list[str]]:
    """Score of two parties (name and ISO-2 country, either may be missing) with reasons."""
    if not is_meaningful_name(left) or not is_meaningful_name(right):
        return 0.0, ["a name is empty or a placeholder"]
    countries = (left_country or None, frozenset([right_country]) if right_country else _NO_COUNTRIES)
    score, reasons = best_keys(name_keys(str(left)), name_keys(str(right)), params, explain, countries)
    return round(score, 4), reasons


_NO_COUNTRIES: frozenset[str] = frozenset()
#: "countries: CN, HK" in the notes of an imported record (OFAC addresses in several countries)
_NOTE_COUNTRIES = re.compile(r"\bcountries: ((?:[A-Z]{2}(?:, )?)+)")


def record_countries(record: EntityRecord) -> frozenset[str]:
    """The countries a list record names: its country and those its notes list."""
    found = {record.country} if record.country else set()
    if record.notes and "countries: " in record.notes:
        m = _NOTE_COUNTRIES.search(record.notes)
        if m:
            found.update(c for c in m.group(1).split(", ") if c)
    return frozenset(found)


# --- stage 1: the candidate index ------------------------------------------------------------


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class _IndexEntry:
    record: EntityRecord
    name: str  # the list name or alias as written
    keys: tuple[NameKey, ...]
    countries: frozenset[str]


#: Record types a supplier (an organisation) is compared with. Vessels, aircraft and people on
#: sanctions lists are not: a company is never the ship or the person of the same name.
ORGANISATION_SCHEMAS = frozenset({"LegalEntity", "Organization", "Company", "PublicBody", ""})


def _idf(found: int | array[int], n: int) -> float:
    """Inverse document frequency of a key held by ``found`` (one list name or several)."""
    return math.log(1 + n / (1 if isinstance(found, int) else len(found)))


def _deletions(token: str) -> dict[str, None]:
    """The token with one letter deleted, each once, in the order of the deleted letter.

    Ordered (not a set, whose order changes with the process's string hashing), so that list
    names with equal stage-1 weight are ranked the same way in every run and every process.
    """
    return dict.fromkeys(token[:i] + token[i + 1:] for i in range(len(token)))


def _word_keys(key: NameKey) -> list[str]:
    """The exact-word lookup keys of one analysed name."""
    words = [t for t, k in zip(key.tokens, key.kinds, strict=True) if k in ("distinctive", "number")]
    if not words:
        words = [t for t, k in zip(key.tokens, key.kinds, strict=True) if k != "stop"]
    return ["w:" + t for t in words]


@lru_cache(maxsize=65_536)
def _word_group(t: str) -> dict[str, float]:
    """The lookup keys of one word: itself, its spellings a letter apart, its first letters.

    Kept per word (names share most of their words); callers only read the dict."""
    group = {"w:" + t: 1.0}
    if len(t) >= 4:
        group["d:" + t] = 0.8
        for d in _deletions(t):
            group.setdefault("d:" + d, 0.8)
    if len(t) >= 5:
        group["p:" + t[:4]] = 0.5
    return group


def _key_groups(keys: Sequence[NameKey], joined_ends: frozenset[str] | None = None,
                ) -> list[dict[str, float]]:
    """Lookup keys of a name, one group per thing that can match (a word, the joined
    spelling, the initials), each key with the share of the group's weight it carries.

    ``joined_ends`` (a query against an index: :func:`_joined_ends` of its joined spellings)
    leaves out the joined spelling's one-letter-less keys that cannot be in the index: one with
    a letter deleted from the middle (not among the first or last three) keeps the spelling's
    first and last three letters, so unless an indexed spelling has those ends none of them
    is there. The keys left out would have found nothing; the others keep their order."""
    groups: list[dict[str, float]] = []
    for key in keys:
        words = [t for t, k in zip(key.tokens, key.kinds, strict=True)
                 if k in ("distinctive", "number")]
        if not words:  # a name of generic words only: they are its name
            words = [t for t, k in zip(key.tokens, key.kinds, strict=True) if k != "stop"]
        groups.extend(map(_word_group, words))
        if len(key.joined) >= 4:
            # the whole spelling without spaces, exact or with one letter more or less, finds
            # "He Tian Tai Da Apparel" / "Hetian Taida Apparel" whatever the word split
            j = "J:" + key.joined
            whole = {j: 1.0}
            if len(key.joined) <= 40:  # each spelling with one letter less, each once, in order
                cut: Sequence[int]
                if joined_ends is None or key.joined[:3] + "|" + key.joined[-3:] in joined_ends:
                    cut = range(2, len(j))
                else:  # only the first and the last three letters' deletions can be indexed
                    cut = range(2, len(j)) if len(j) <= 8 else (2, 3, 4, len(j) - 3, len(j) - 2, len(j) - 1)
                whole.update(dict.fromkeys([j[:i] + j[i + 1:] for i in cut], 0.9))
            groups.append(whole)
            groups.append({"j:" + key.joined[:6]: 0.9})
        if len(key.tokens) >= 2:
            initials = "".join(t[0] for t in key.tokens if t not in ("of", "the", "and"))
            if 2 <= len(initials) <= 6:
                groups.append({"w:" + initials: 0.7})
    return groups


def _joined_ends(postings: Iterable[str]) -> frozenset[str]:
    """The first and last three letters ("abc|xyz") of every joined spelling (``J:`` key) of
    an index, one-letter-less ones included: what :func:`_key_groups` tests a query's joined
    spelling against."""
    return frozenset(k[2:5] + "|" + k[-3:] for k in postings if k.startswith("J:"))


#: Below this many distinct new parties a batch is matched in this process: starting
#: workers costs more than it saves (a ``check`` of one name, a manifest of a few hundred rows).
PARALLEL_MIN_PARTIES = 4000

#: While a pool is kept (:meth:`EntityMatcher.pooled`), batches of at least this many distinct
#: new parties go to the running workers: they cost no start-up any more.
POOL_BATCH_MIN = 200

#: The matcher a worker process inherited when it was forked (set in the worker only).
_WORKER_MATCHER: EntityMatcher | None = None


#: How much lower the matching workers' priority is than the screening process's (``nice``).
#: In a streamed run the process that screens and writes each chunk is the critical path and
#: the workers match chunks ahead of it: when all want the CPU (three processes on two cores),
#: the workers give way; they still take every idle core. On 2 cores a 10^6-row run took a
#: median 16.7 s with it, 19.4 s without (ten runs each, alternating; docs/PERFORMANCE.md).
WORKER_NICENESS = 10


def _worker_init(matcher: EntityMatcher) -> None:
    global _WORKER_MATCHER  # noqa: PLW0603 - per worker process, set once at its start
    _WORKER_MATCHER = matcher
    gc.disable()  # a worker lives for one batch or one run; see gc_paused
    if WORKER_NICENESS and hasattr(os, "nice"):  # POSIX
        with suppress(OSError):
            os.nice(WORKER_NICENESS)


def _worker_rank(chunk: list[tuple[str, str | None]]) -> list[list[_Ranked] | None]:
    assert _WORKER_MATCHER is not None
    return [_WORKER_MATCHER._rank_party(name, country) for name, country in chunk]


#: One scored candidate as a worker sends it back: (index entry, score, decision, reasons).
_Ranked = tuple[int, float, str, tuple[str, ...]]


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: List names from which a screening keeps its match index in an SQLite file rather than in a
#: pickle (:meth:`EntityMatcher.save`): a run then reads only the keys and list names its own
#: parties need, not the whole index.
DISK_INDEX_MIN = 100_000

_INDEX_TABLES = """
CREATE TABLE meta (state BLOB NOT NULL);
CREATE TABLE postings (key TEXT PRIMARY KEY, one INTEGER, many BLOB) WITHOUT ROWID;
CREATE TABLE entries (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL);
"""


class _IndexFile:
    """One read-only connection to an index file per process (a connection does not survive a
    fork: the matching workers open their own)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: Any = None
        self._pid = 0
        self._lock = _hold_shared(path)

    def __del__(self) -> None:
        lock = getattr(self, "_lock", None)
        if lock is not None:  # the lock goes when the last process holding it closes it
            os.close(lock)

    def execute(self, sql: str, args: tuple[Any, ...]) -> Any:
        if self._pid != os.getpid():
            import sqlite3

            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._pid = os.getpid()
        return self._conn.execute(sql, args)

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "_conn": None, "_pid": 0, "_lock": None}


def _hold_shared(path: str) -> int | None:
    """A shared lock on an index file for as long as a matcher reads it (forked workers share
    it): a run that writes a newer index removes an older file only when nobody holds one."""
    try:
        import fcntl
    except ImportError:  # Windows: older index files are left in place
        return None
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def remove_unused_index(path: str | os.PathLike[str]) -> bool:
    """Remove an index file no matcher is reading (no shared lock held on it); True if removed."""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    try:
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


class _DiskPostings:
    """The key → list names map of an index file, read key by key and remembered."""

    def __init__(self, db: _IndexFile) -> None:
        self._db = db
        self._memo: dict[str, int | array[int] | None] = {}

    def get(self, key: str, default: Any = None) -> int | array[int] | None:
        memo = self._memo
        if key in memo:
            found = memo[key]
        else:
            row = self._db.execute("SELECT one, many FROM postings WHERE key = ?", (key,)).fetchone()
            if row is None:
                found = None
            elif row[1] is None:
                found = row[0]
            else:
                found = array("i")
                found.frombytes(row[1])
            memo[key] = found
        return default if found is None else found

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: str) -> int | array[int]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


class _DiskEntries:
    """The indexed list names of an index file, read one by one and remembered."""

    def __init__(self, db: _IndexFile, n: int) -> None:
        self._db = db
        self._n = n
        self._memo: dict[int, _IndexEntry] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, idx: int) -> _IndexEntry:
        found = self._memo.get(idx)
        if found is None:
            import pickle

            row = self._db.execute("SELECT entry FROM entries WHERE idx = ?", (idx,)).fetchone()
            if row is None:
                raise IndexError(idx)
            found = self._memo[idx] = pickle.loads(row[0])
        return found


class EntityMatcher:
    """Match party names against the entity lists; reusable across many rows.

    ``workers``: processes for large batches (default: the CPUs this process may use; 1 keeps
    everything in this process). Batches of fewer than ``parallel_min`` distinct new parties
    are always matched here. Worker processes are forked, so they share the index without
    copying it; where fork is not available (Windows, macOS default) or the calling process
    runs other threads, batches are matched here too. Results are the same either way.
    """

    def __init__(
        self, records: Iterable[EntityRecord], settings: Settings,
        params: ScorerParams | None = None, workers: int | None = None,
        parallel_min: int = PARALLEL_MIN_PARTIES, schemas: frozenset[str] = ORGANISATION_SCHEMAS,
    ) -> None:
        self.schemas = schemas
        self.skipped = 0  # records left out for their type (vessels, aircraft, people)
        with gc_paused():
            self._build(records, settings, params or settings.scorer)
        self.workers = _available_cpus() if workers is None else max(1, workers)
        self.parallel_min = parallel_min
        self._keep_pool = 0
        self._pool: Any = None
        #: parties handed to the kept pool by :meth:`prefetch`: (future, position in its batch)
        self._inflight: dict[tuple[str, str | None], tuple[Any, int]] = {}

    @contextmanager
    def pooled(self) -> Iterator[EntityMatcher]:
        """Keep the worker processes started for the first large batch until the block ends.

        A streamed run matches each chunk's new parties as a batch; most chunks have too few to
        be worth starting workers for, so without a kept pool almost all matching would run in
        one process. Inside this block the pool started by the first batch of ``parallel_min``
        parties takes every later batch of :data:`POOL_BATCH_MIN` or more.
        """
        self._keep_pool += 1
        try:
            yield self
        finally:
            self._keep_pool -= 1
            if not self._keep_pool:
                self._close_pool()

    def start_workers(self) -> bool:
        """Inside :meth:`pooled`, fork the kept worker processes now rather than at the first
        large batch; True when they run. A process is not forked while other threads run (a
        streamed run's writer thread starts after its first chunk), so a run that will hand
        batches over starts them first."""
        if not self._keep_pool:
            return False
        return (self._pool or self._start_pool()) is not None

    def _close_pool(self) -> None:
        pool, self._pool = self._pool, None
        self._inflight.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()

    def _build(
        self, records: Iterable[EntityRecord], settings: Settings, params: ScorerParams
    ) -> None:
        self.settings = settings
        self.params = params
        entries: list[_IndexEntry] = []
        for record in records:
            if record.schema not in self.schemas:
                self.skipped += 1
                continue
            seen: set[tuple[NameKey, ...]] = set()
            countries = record_countries(record)
            for name in record.all_names():
                if not is_meaningful_name(name):
                    continue
                keys = name_keys(name)
                sig = tuple(k.tokens for k in keys)
                if keys and sig not in seen:
                    seen.add(sig)  # type: ignore[arg-type]
                    entries.append(_IndexEntry(record, name, keys, countries))
        self._entries = entries
        # key -> the index of the one list name that has it (most keys: misspelt and joined
        # spellings are nearly all unique), or an int array of them: a list of boxed ints and a
        # (list, idf) tuple per key took 3 to 4 times the memory (4.3 GB for 300,000 names)
        postings: dict[str, int | array[int]] = {}
        get = postings.get
        for idx, entry in enumerate(entries):
            for group in _key_groups(entry.keys):
                for k in group:
                    found = get(k)
                    if found is None:
                        postings[k] = idx
                    elif isinstance(found, int):
                        postings[k] = array("i", (found, idx))
                    else:
                        found.append(idx)
        n = max(len(entries), 1)
        self._postings = postings
        self._n = n
        self._cap = max(64, n // 200)
        self._top_idf = math.log(1 + n)
        self._joined_ends = _joined_ends(postings)
        self._cache: dict[tuple[str, str | None], tuple[Candidate, ...]] = {}
        self._names: dict[str, bool] = {}

    @property
    def size(self) -> int:
        """Number of indexed list names (primary names plus aliases)."""
        return len(self._entries)

    #: what :meth:`save` keeps besides the postings and the list names
    _SAVED = ("schemas", "skipped", "settings", "params", "workers", "parallel_min", "_n", "_cap",
              "_top_idf", "_joined_ends")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to an SQLite file at ``path`` (which must not exist) for :meth:`open`."""
        import pickle
        import sqlite3

        conn = sqlite3.connect(os.fspath(path))
        try:
            conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _INDEX_TABLES)
            state = {k: getattr(self, k) for k in self._SAVED}
            conn.execute("INSERT INTO meta VALUES (?)", (pickle.dumps(state, pickle.HIGHEST_PROTOCOL),))
            conn.executemany("INSERT INTO postings VALUES (?, ?, ?)", (
                (k, v, None) if isinstance(v, int) else (k, None, v.tobytes())
                for k, v in self._postings.items()))
            conn.executemany("INSERT INTO entries VALUES (?, ?)", (
                (i, pickle.dumps(e, pickle.HIGHEST_PROTOCOL)) for i, e in enumerate(self._entries)))
            conn.commit()
        finally:
            conn.close()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> EntityMatcher:
        """A matcher over an index file written by :meth:`save`: keys and list names are read
        from the file as parties need them (a few per party), so opening costs nothing like
        building, and memory holds only what the run's parties touched."""
        import pickle

        db = _IndexFile(os.fspath(path))
        (state,) = db.execute("SELECT state FROM meta", ()).fetchone()
        self = cls.__new__(cls)
        self.__dict__.update(pickle.loads(state))
        self._entries = _DiskEntries(db, self._n)  # type: ignore[assignment]
        self._postings = _DiskPostings(db)  # type: ignore[assignment]
        self._cache = {}
        self._names = {}
        self._keep_pool = 0
        self._pool = None
        self._inflight = {}
        return self

    def match(self, name: str | None, country: str | None = None) -> tuple[Candidate, ...]:
        """Candidates for one party, best first (rejected ones above the floor included)."""
        return self.match_many([(name, country)])[0]

    def match_many(
        self, parties: Sequence[tuple[str | None, str | None]]
    ) -> list[tuple[Candidate, ...]]:
        """Candidates for many parties at once; each distinct (name, country) is scored once.

        Large batches are split over worker processes (see the class); the candidates, their
        scores and reasons are the same as when matched in this process.
        """
        with gc_paused():
            cache = self._cache
            keys: list[tuple[str, str | None] | None] = []
            todo: dict[tuple[str, str | None], None] = {}
            for name, country in parties:
                if name is None or not str(name).strip():
                    keys.append(None)
                    continue
                ckey = (str(name), country or None)
                keys.append(ckey)
                if ckey not in cache:
                    todo[ckey] = None
            if todo:
                # whether a value is a name at all is decided with its ranking (in the workers,
                # for a large batch): it costs as much as a quarter of the matching
                inflight = self._inflight
                pending = [k for k in todo if k not in inflight]
                names = self._names
                for ckey, ranked in zip(pending, self._rank_many(pending), strict=True):
                    names[ckey[0]] = ranked is not None
                    cache[ckey] = self._candidates_of(ranked) if ranked is not None else ()
                for ckey in todo:  # those :meth:`prefetch` handed to the workers earlier
                    if ckey in inflight:
                        future, at = inflight.pop(ckey)
                        ranked = future.result()[at]
                        names[ckey[0]] = ranked is not None
                        cache[ckey] = self._candidates_of(ranked) if ranked is not None else ()
            return [cache[k] if k is not None else () for k in keys]

    def prefetch(self, parties: Iterable[tuple[str, str | None]]) -> int:
        """Start matching ``parties`` (name, ISO country) in the worker processes and return at
        once; a later :meth:`match_many` of the same parties waits for what is still running.

        Only inside :meth:`pooled`, and only to running workers or a batch worth starting them
        for (``parallel_min`` new parties, as in :meth:`match_many`); running workers take any
        batch, however small (the screening process is a streamed run's critical path; at 10^7
        rows ≈ 9,500 parties came in batches of fewer than 200). A streamed run hands over the
        next chunk's parties while it works on this one, so the workers match while this process reads, scores and
        writes. Returns how many parties were handed over (0: they will be matched when asked
        for). The candidates are the same either way.
        """
        if not self._keep_pool:
            return 0
        cache, inflight = self._cache, self._inflight
        todo = [k for k in dict.fromkeys((str(n), c or None) for n, c in parties if n and str(n).strip())
                if k not in cache and k not in inflight]
        pool = self._pool
        if pool is None and len(todo) >= self.parallel_min:
            pool = self._start_pool()
        if pool is None or not todo:
            return 0
        size = -(-len(todo) // (self.workers * 4))
        for start in range(0, len(todo), size):
            part = todo[start:start + size]
            future = pool.submit(_worker_rank, part)
            for at, ckey in enumerate(part):
                inflight[ckey] = (future, at)
        return len(todo)

    def _start_pool(self) -> Any:
        """The worker pool kept for :meth:`pooled` (None where workers cannot be forked)."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if (self.workers < 2 or "fork" not in multiprocessing.get_all_start_methods()
                or threading.active_count() > 1):  # forking a threaded process is unsafe
            return None
        gc.freeze()  # keep the collector off the shared pages in the forked workers
        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                         initializer=_worker_init, initargs=(self,))
        return self._pool

    def is_name(self, name: str | None) -> bool:
        """:func:`~chainscreen.normalize.names.is_meaningful_name`, answered from the batches
        matched so far when ``name`` was in one."""
        found = self._names.get(name) if name is not None else False
        return is_meaningful_name(name) if found is None else found

    def _rank_party(self, name: str, country: str | None) -> list[_Ranked] | None:
        """:meth:`_rank_one`, or None when ``name`` is not a name (a placeholder, a bare legal form)."""
        if not is_meaningful_name(name):
            return None
        return self._rank_one(name, country)

    def _rank_many(self, parties: list[tuple[str, str | None]]) -> list[list[_Ranked] | None]:
        """:meth:`_rank_party` for each party, over worker processes when the batch is large."""
        if self._pool is not None and len(parties) >= POOL_BATCH_MIN:
            return self._map(self._pool, self.workers, parties)
        workers = min(self.workers, len(parties) // max(self.parallel_min // 2, 1))
        if (workers < 2 or len(parties) < self.parallel_min
                or threading.active_count() > 1):  # forking a threaded process is unsafe
            return [self._rank_party(name, country) for name, country in parties]
        import multiprocessing  # here, not at the top: `chainscreen check` starts faster

        if "fork" not in multiprocessing.get_all_start_methods():
            return [self._rank_party(name, country) for name, country in parties]
        if self._keep_pool:
            kept = self._start_pool()
            if kept is not None:
                return self._map(kept, self.workers, parties)
        from concurrent.futures import ProcessPoolExecutor

        gc.freeze()  # keep the collector off the shared pages in the forked workers
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_init, initargs=(self,))
        try:
            with pool:
                return self._map(pool, workers, parties)
        finally:
            gc.unfreeze()

    @staticmethod
    def _map(pool: Any, workers: int,
             parties: list[tuple[str, str | None]]) -> list[list[_Ranked] | None]:
        # several chunks per worker, so one that draws slower names does not hold the others up
        size = -(-len(parties) // (workers * 4))
        chunks = [parties[i:i + size] for i in range(0, len(parties), size)]
        return [ranked for part in pool.map(_worker_rank, chunks) for ranked in part]

    def candidates(self, name: str) -> list[int]:
        """Stage 1: indexes of the list names worth scoring for ``name``, most promising first."""
        hits: dict[int, float] = {}
        postings = self._postings
        cap = self._cap
        top_idf = self._top_idf
        keys = name_keys(name)
        groups = _key_groups(keys, self._joined_ends)
        if isinstance(postings, dict) and postings.keys().isdisjoint(chain.from_iterable(groups)):
            return []  # none of its keys is in the index (most names): one pass in C, not key by key
        spelled_alike: set[int] = set()
        n = self._n
        for group in groups:
            best: dict[int, float] = {}  # a word counts once per list name, by its best key
            for k, share in group.items():
                found = postings.get(k)
                if found is None:
                    continue
                idxs: tuple[int] | array[int] = (found,) if isinstance(found, int) else found
                idf = math.log(1 + n / len(idxs))
                if len(idxs) > cap and k[0] != "w":
                    continue  # a fuzzy key shared by many names tells nothing
                w = share * idf
                for i in idxs:
                    if best.get(i, 0.0) < w:
                        best[i] = w
            for i, w in best.items():
                hits[i] = hits.get(i, 0.0) + w
            if next(iter(group)).startswith("J:"):
                spelled_alike.update(best)
        # what the name's own words would share with an identical list name (worked out only
        # for a name that found any: most find none)
        own = max((sum(_idf(postings[w], n) if w in postings else top_idf for w in _word_keys(k))
                   for k in keys), default=0.0) if hits else 0.0
        if hits and own:
            # a list name sharing only a small part of the name's words is not worth scoring,
            # unless it is spelt the same without spaces
            need = 0.3 * own
            hits = {i: w for i, w in hits.items() if w >= need or i in spelled_alike}
        kept = list(hits)
        limit = max(2 * self.settings.top_k, 8)
        if len(kept) > limit:
            return sorted(kept, key=hits.__getitem__, reverse=True)[:limit]
        return kept

    def _match_one(self, name: str, country: str | None) -> tuple[Candidate, ...]:
        return self._candidates_of(self._rank_one(name, country))

    def _rank_one(self, name: str, country: str | None) -> list[_Ranked]:
        """Stages 1 and 2 for one party: the best ``top_k`` list records with their reasons."""
        s, p = self.settings, self.params
        qkeys = name_keys(name)
        best: dict[str, tuple[float, int]] = {}
        entries = self._entries
        for i in self.candidates(name):
            entry = entries[i]
            score, _ = best_keys(qkeys, entry.keys, p, False, (country, entry.countries))
            if score < s.candidate_floor:
                continue
            rid = entry.record.record_id
            if rid not in best or score > best[rid][0]:
                best[rid] = (score, i)
        ranked = sorted(best.values(),
                        key=lambda si: (-si[0], entries[si[1]].record.name))[: s.top_k]
        out: list[_Ranked] = []
        for _score, i in ranked:
            entry = entries[i]
            score, reasons = best_keys(qkeys, entry.keys, p, True, (country, entry.countries))
            if entry.name != entry.record.name:
                reasons.append(f"matched alias '{entry.name}'")
            score = round(score, 4)
            out.append((i, score, decide(score, s), tuple(reasons)))
        return out

    def _candidates_of(self, ranked: list[_Ranked]) -> tuple[Candidate, ...]:
        entries = self._entries
        return tuple(Candidate(entries[i].record, entries[i].name, score, decision, reasons)
                     for i, score, decision, reasons in ranked)
