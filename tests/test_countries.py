"""Country normalisation: aliases, codes, junk, and Xinjiang mentions."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainscreen.normalize.countries import (
    country_name,
    iso2_codes,
    mentions_xinjiang,
    to_iso2,
)

# The publishers' files sit in ../shared/reference-data beside the repository when present.
REFERENCE_DATA = Path(__file__).resolve().parents[2] / "shared" / "reference-data"

ALIASES = {
    "PRC": "CN",
    "P.R. China": "CN",
    "China (Mainland)": "CN",
    "Mainland China": "CN",
    "CHN": "CN",
    "china": "CN",
    "中国": "CN",
    "Viet Nam": "VN",
    "Vietnam": "VN",
    "Korea, Rep.": "KR",
    "South Korea": "KR",
    "Republic of Korea": "KR",
    "Korea, North": "KP",
    "DPRK": "KP",
    "Türkiye": "TR",
    "Turkiye": "TR",
    "Turkey": "TR",
    "Turkey (Türkiye)": "TR",
    "Burma": "MM",
    "Myanmar": "MM",
    "Ivory Coast": "CI",
    "Côte d'Ivoire": "CI",
    "Cote d'Ivoire": "CI",
    "Côte d’Ivoire": "CI",
    "Congo, Democratic Republic of the": "CD",
    "DRC": "CD",
    "DR Congo": "CD",
    "Congo, Dem. Rep.": "CD",
    "Congo, Republic of the": "CG",
    "Congo (Brazzaville)": "CG",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "USA": "US",
    "U.S.A.": "US",
    "United States of America": "US",
    "UAE": "AE",
    "Russia": "RU",
    "Russian Federation": "RU",
    "Iran": "IR",
    "Laos": "LA",
    "Lao PDR": "LA",
    "Bolivia": "BO",
    "Tanzania": "TZ",
    "Syria": "SY",
    "Taiwan": "TW",
    "Hong Kong": "HK",
    "Macau": "MO",
    "Kosovo": "XK",
    "XK": "XK",
    "Eswatini": "SZ",
    "Swaziland": "SZ",
    "Cabo Verde": "CV",
    "Czechia": "CZ",
    "The Gambia": "GM",
    "Gambia, The": "GM",
    "Bahamas, The": "BS",
    "Micronesia, Federated States of": "FM",
    "Saint Kitts and Nevis": "KN",
    "NA": "NA",
    "Namibia": "NA",
    "  china  ": "CN",
    "Laos&nbsp;": "LA",
    "West Bank and the Gaza Strip": "PS",
    "Xinjiang": "CN",
}


@pytest.mark.parametrize(("value", "expected"), sorted(ALIASES.items()))
def test_aliases(value: str, expected: str) -> None:
    assert to_iso2(value) == expected


@pytest.mark.parametrize(
    "value",
    ["Atlantis", "N/A", "n/a", "na", "unknown", "Unknown", "-", "", "   ", "none", "EU", "XX",
     "Yugoslavia", "various", "12345", None],
)
def test_junk_is_none(value: str | None) -> None:
    assert to_iso2(value) is None


def test_every_pycountry_code_round_trips() -> None:
    for country in pycountry.countries:
        assert to_iso2(country.alpha_2) == country.alpha_2
        assert to_iso2(country.alpha_2.lower()) == (None if country.alpha_2 == "NA" else country.alpha_2)
        assert to_iso2(country.alpha_3) == country.alpha_2, country.alpha_3
        assert to_iso2(country.name) == country.alpha_2, country.name


@settings(deadline=None)
@given(st.sampled_from(sorted(iso2_codes())))
def test_country_name_resolves_back(code: str) -> None:
    assert to_iso2(country_name(code)) == code


def test_country_name_short_forms() -> None:
    assert country_name("CN") == "China"
    assert country_name("kr") == "South Korea"
    assert country_name("XK") == "Kosovo"
    assert country_name("QQ") == "QQ"


@settings(deadline=None)
@given(st.text(max_size=30))
def test_never_raises(text: str) -> None:
    result = to_iso2(text)
    assert result is None or result in iso2_codes()


@pytest.mark.skipif(not REFERENCE_DATA.is_dir(), reason="shared reference data not available")
def test_every_country_in_the_dol_lists_resolves() -> None:
    import pandas as pd

    names: set[str] = set()
    for year in (2018, 2020, 2022):
        frame = pd.read_csv(REFERENCE_DATA / f"dol_tvpra_goods_{year}.csv", dtype=str)
        names |= set(frame["Country_Name"])
    unresolved = sorted(n for n in names if to_iso2(n) is None)
    assert unresolved == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("No. 1 Road, Shanshan County, Turpan, Xinjiang", "Shanshan"),
        ("XINJIANG UYGHUR AUTONOMOUS REGION", "XINJIANG"),
        ("Urumqi Economic Development Zone", "Urumqi"),
        ("Ürümqi", "Ürümqi"),
        ("乌鲁木齐市经济技术开发区", "乌鲁木齐"),
        ("新疆维吾尔自治区", "新疆"),
        ("Kashgar Prefecture", "Kashgar"),
        ("Hotan", "Hotan"),
        ("Aksu City", "Aksu"),
        ("Korla, Bayingolin", "Korla"),
        ("Shihezi", "Shihezi"),
        ("Turfan depression", "Turfan"),
        ("Hami", "Hami"),
        ("Changji Hui Autonomous Prefecture", "Changji"),
        ("Yili Kazakh Autonomous Prefecture", "Yili"),
        ("Karamay", "Karamay"),
        ("Kizilsu", "Kizilsu"),
        ("Tacheng", "Tacheng"),
        ("Altay", "Altay"),
        ("Sinkiang", "Sinkiang"),
        ("XUAR supplier", "XUAR"),
        ("Uighur labour", "Uighur"),
        ("uyghurs", "uyghurs"),
        ("XPCC subsidiary", "XPCC"),
    ],
)
def test_xinjiang_mentions(text: str, term: str) -> None:
    assert mentions_xinjiang(text) == term


@pytest.mark.parametrize(
    "text",
    ["Zhejiang Lishanshan Textiles", "Shanshanfu Trading", "Xinjiangsfree", "Shanghai Pudong",
     "Jiangxi", "Hamilton Road", "Kashiwa, Chiba", "Taksu", "", None],
)
def test_no_xinjiang_mention(text: str | None) -> None:
    assert mentions_xinjiang(text) is None


@pytest.mark.parametrize(("value", "iso"), [
    ("CN, CHINA", "CN"), ("CHN", "CN"), ("156", "CN"), ("076", "BR"), ("China (Mainland)", "CN"),
    ("Korea, Republic of", "KR"), ("Hong Kong SAR", "HK"), ("Taiwan, Province of China", "TW"),
    ("Viet Nam", "VN"), ("中国", "CN"), ("中國", "CN"), ("Türkiye", "TR"), ("Côte d'Ivoire", "CI"),
    ("China - see note", "CN"), ("CHINA (SEE NOTE 3)", "CN"), ("Made in China", "CN"), ("PRC China", "CN"),
    ("CN-China", "CN"), ("China PR", "CN"), ("US - United States", "US"), ("Macau SAR", "MO"),
    ("Tiongkok", "CN"), ("Guinea-Bissau", "GW"), ("Timor-Leste", "TL"),
])
def test_countries_as_real_files_write_them(value: str, iso: str) -> None:
    assert to_iso2(value) == iso


@pytest.mark.parametrize("value", ["China / Vietnam", "4", "999", "Atlantis"])
def test_two_countries_a_bare_number_or_no_country_stay_unknown(value: str) -> None:
    assert to_iso2(value) is None


def test_the_latin_xinjiang_patterns_are_read_whole() -> None:
    """The quick test for ASCII text knows every spelling of every Latin term."""
    import math
    import re

    from chainscreen.normalize import countries

    for pattern in countries._XINJIANG_LATIN:
        assert re.fullmatch(r"(?:[a-zü]|\[[a-zü]+\]|\?|\\s\+)+", pattern), pattern
        spellings = countries._spellings(pattern)
        classes = [len(c) for c in re.findall(r"\[([a-zü]+)\]", pattern)]
        assert len(set(spellings)) == 2 ** pattern.count("?") * math.prod(classes), pattern
        for spelling in spellings:
            assert re.fullmatch(pattern, spelling), (pattern, spelling)


def test_the_quick_xinjiang_test_answers_as_the_pattern() -> None:
    """ASCII text is tested word by word before the pattern is searched: the same answer on
    SYNTHETIC texts built around every spelling (case, punctuation, digits, a letter or an
    underscore glued on, the words of a multi-word term apart or split) and on the samples."""
    import csv
    import random
    import unicodedata
    from pathlib import Path

    from chainscreen.normalize import countries

    def reference(text: str) -> str | None:
        found = countries.XINJIANG_PATTERN.search(unicodedata.normalize("NFKC", text))
        return found.group(0) if found else None

    rng = random.Random(7)
    spellings = [s for p in countries._XINJIANG_LATIN for s in countries._spellings(p)]
    texts = []
    for spelling in spellings:
        for _ in range(12):
            word = "".join(c.upper() if rng.random() < 0.5 else c for c in spelling)
            word = word.replace(" ", rng.choice([" ", "  ", "\t", "-", "", "_", "\n"]))
            before = rng.choice(["", "No. 8 Road, ", "li", "1", "_", "(", "Zhejiang ", "é"])
            after = rng.choice(["", " County", "s", "9", "_", ")", ", CN", "fu", " Co Ltd"])
            texts.append(before + word + after)
    for path in sorted((Path(__file__).resolve().parents[1] / "sample_inputs").glob("*.csv")):
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
            texts.extend(cell for row in csv.reader(fh) for cell in row)
    assert sum(reference(t) is not None for t in texts) > 300
    for text in texts:
        assert countries.mentions_xinjiang(text) == reference(text), text


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["xinjiang", "XIN", "jiang", "Uyghurs", "hami", "ili", "kazakh",
                                           "east", "Turkistan", "kashi", "korla", "Ürümqi", "urumqi"]),
                          st.text(alphabet="abkxiIuU ü_-,.1\t\nſK", max_size=4)), max_size=6))
def test_the_quick_xinjiang_test_answers_as_the_pattern_on_generated_text(parts: list[str]) -> None:
    import unicodedata

    from chainscreen.normalize import countries

    text = "".join(parts)
    found = countries.XINJIANG_PATTERN.search(unicodedata.normalize("NFKC", text))
    assert countries.mentions_xinjiang(text) == (found.group(0) if found else None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(
    st.sampled_from(["xinjiang", "XIN", "jiang", "Uyghurs", "hami", "ili", "kazakh", "east",
                     "Turkistan", "kashi", "korla", "Ürümqi", "urumqi", "新疆", "喀什", "Sinkiang"]),
    st.text(alphabet="abkxiIuU ü_-,.1\t\nſK疆", max_size=4)), max_size=6).map("".join)
    | st.none(), max_size=30))
def test_the_arrow_xinjiang_test_keeps_every_text_that_names_the_region(texts: list[str | None]) -> None:
    """may_mention_xinjiang is a superset of mentions_xinjiang (a text it drops names nothing),
    so a screening may set aside the addresses it drops; on ASCII text it is the quick test."""
    import pyarrow as pa

    from chainscreen.normalize import countries

    for kind in (pa.string(), pa.large_string()):
        flags = countries.may_mention_xinjiang(pa.array(texts, kind)).to_pylist()
        for text, flag in zip(texts, flags, strict=True):
            if countries.mentions_xinjiang(text) is not None:
                assert flag, text
            if text is None or text == "":
                assert flag is False
            elif text.isascii():
                words = set(countries._ASCII_WORD.findall(text.lower()))
                assert flag == (not countries._XINJIANG_FIRST_WORDS.isdisjoint(words)), text


def test_place_words_of_names_resolve_without_rigours_territories(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every place word the matcher reads in a name gets its country from the alias and
    pycountry tables: rigour's territory table (≈ 0.4 s to build) is never loaded for them,
    in the matcher's worker processes least of all. The aliases that make it so agree with
    rigour."""
    from chainscreen.normalize import countries
    from chainscreen.normalize.names import PLACE_WORDS, place_country

    for word in ("britain", "deutschland", "espana", "italia", "nederland", "polska"):
        assert countries._territory_iso2(word) == countries._ALIASES[word]
    assert countries._territory_iso2("xianggang") is None  # the pinyin of 香港: rigour lacks it
    looked_up: list[str] = []
    monkeypatch.setattr(countries, "_territory_iso2", lambda text: looked_up.append(text))
    answers = {w: place_country(w) for w in PLACE_WORDS}
    assert looked_up == []
    assert answers["deutschland"] == "DE" and answers["xianggang"] == "HK"
    assert answers["hong"] is None and answers["north"] is None
