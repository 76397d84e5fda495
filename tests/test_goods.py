"""HS code parsing, the goods concordance, and goods mapping precision."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainscreen.errors import ReferenceDataError
from chainscreen.normalize.goods import CONCORDANCE_COLUMNS, GoodsMapper, HSCode, parse_hs

REPO = Path(__file__).resolve().parents[1]
CONCORDANCE = REPO / "reference" / "dol_goods_concordance.csv"
# The publishers' files sit in ../shared/reference-data beside the repository when present.
REFERENCE_DATA = Path(__file__).resolve().parents[2] / "shared" / "reference-data"
HS_CSV = REFERENCE_DATA / "hs2022_nomenclature.csv"
needs_reference_data = pytest.mark.skipif(
    not HS_CSV.is_file(), reason="shared reference data not available")

UFLPA_SECTORS = {
    "apparel", "cotton", "silica-based products", "tomatoes", "aluminum", "pvc", "seafood",
    "steel", "copper", "lithium", "caustic soda", "red dates",
}


@pytest.fixture(scope="module")
def mapper() -> GoodsMapper:
    return GoodsMapper.from_files(CONCORDANCE, HS_CSV if HS_CSV.is_file() else None)


def goods(mapper: GoodsMapper, description: str | None, hs: str | None = None,
          scheme: str | None = None) -> set[str]:
    return {h.good for h in mapper.map(description, parse_hs(hs))
            if scheme is None or h.scheme == scheme}


# --- parse_hs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "padded"),
    [
        ("5205.12.0000", "5205120000", False),
        ("520512", "520512", False),
        ("5205", "5205", False),
        ("0901.11", "090111", False),
        ("90111", "090111", True),
        ("9011100", "09011100", True),
        ("901110000", "0901110000", True),
        (" 8541 43 00 10 ", "8541430010", False),
        ("HS 5205", "5205", False),
        ("HTS: 8541.43.0010", "8541430010", False),
        ("hs code 2804.61", "280461", False),
        ("520512.0", "520512", False),
        (520512, "520512", False),
        (520512.0, "520512", False),
        (90111, "090111", True),
        ("５２０５", "5205", False),
    ],
)
def test_parse_hs_accepts(value: str | int | float, digits: str, padded: bool) -> None:
    code = parse_hs(value)
    assert code is not None
    assert code.digits == digits
    assert code.padded is padded
    assert code.chapter == digits[:2]
    assert code.heading == digits[:4]
    assert code.subheading == (digits[:6] if len(digits) >= 6 else None)


@pytest.mark.parametrize("value", [None, "", "   ", float("nan")])
def test_parse_hs_empty(value: str | float | None) -> None:
    assert parse_hs(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("52O5", "not digits"),
        ("cotton", "not digits"),
        ("520", "too short"),
        ("12", "too short"),
        ("12345678901", "too long"),
        ("0012", "chapter 00"),
        ("7701", "chapter 77"),
        ("5205.5x", "not digits"),
        ("...", "no digits"),
        (5205.5, "fraction"),
    ],
)
def test_parse_hs_rejects(value: str | float, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_hs(value)


def test_hscode_str_is_dotted() -> None:
    assert str(parse_hs("5205120000")) == "5205.12.0000"
    assert str(parse_hs("0901.11")) == "0901.11"
    assert str(HSCode("5205", "52", "5205", None)) == "5205"


@settings(deadline=None)
@given(st.text(alphabet="0123456789. ", min_size=0, max_size=14))
def test_parse_hs_digits_only_never_crashes(text: str) -> None:
    try:
        code = parse_hs(text)
    except ValueError:
        return
    if code is not None:
        assert code.digits.isdigit() and 4 <= len(code.digits) <= 10
        assert len(code.digits) % 2 == 0  # odd lengths are padded


# --- the concordance file ----------------------------------------------------------------


def _rows() -> list[dict[str, str]]:
    with CONCORDANCE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_concordance_columns_and_schemes() -> None:
    rows = _rows()
    assert tuple(rows[0].keys()) == CONCORDANCE_COLUMNS
    assert {r["scheme"] for r in rows} == {"dol", "uflpa"}
    pairs = [(r["scheme"], r["good"]) for r in rows]
    assert len(pairs) == len(set(pairs)), "one row per good"
    assert {r["good"] for r in rows if r["scheme"] == "uflpa"} == UFLPA_SECTORS
    for row in rows:
        assert row["hs_codes"] or row["note"], f"{row['good']}: no HS codes and no note saying why"
        assert row["keywords"], f"{row['good']}: no keywords"


@needs_reference_data
def test_concordance_covers_every_dol_good() -> None:
    listed: set[str] = set()
    for year in (2018, 2020, 2022):
        frame = pd.read_csv(REFERENCE_DATA / f"dol_tvpra_goods_{year}.csv", dtype=str)
        listed |= set(frame["Good_Name"])
    ours = {r["good"] for r in _rows() if r["scheme"] == "dol"}
    assert listed - ours == set(), "DOL goods without a concordance row"
    assert ours - listed == set(), "concordance rows that are not DOL good names"


@needs_reference_data
def test_concordance_codes_exist_in_hs2022() -> None:
    nomenclature = set(pd.read_csv(HS_CSV, dtype=str)["hscode"])
    for row in _rows():
        for code in filter(None, row["hs_codes"].split(";")):
            assert code.replace(".", "") in nomenclature, f"{row['good']}: {code} not in HS 2022"


def test_bad_concordance_is_a_reference_error() -> None:
    frame = pd.DataFrame({"scheme": ["dol"], "good": ["Cotton"], "hs_codes": ["52x"],
                          "keywords": ["cotton"]})
    with pytest.raises(ReferenceDataError, match="52x"):
        GoodsMapper(frame)
    with pytest.raises(ReferenceDataError, match="scheme"):
        GoodsMapper(frame.assign(scheme="eu", hs_codes=""))
    with pytest.raises(ReferenceDataError, match="keywords"):
        GoodsMapper(frame.drop(columns=["keywords"]))


# --- mapping -------------------------------------------------------------------------------


def test_cotton_yarn(mapper: GoodsMapper) -> None:
    assert "Cotton" in goods(mapper, "cotton yarn 100%", scheme="dol")
    assert "cotton" in goods(mapper, "cotton yarn 100%", scheme="uflpa")


def test_polyester_shirts_are_garments_not_cotton(mapper: GoodsMapper) -> None:
    found = goods(mapper, "100% polyester knit shirts")
    assert "Garments" in found and "apparel" in found
    assert "Cotton" not in found and "cotton" not in found


def test_hs_in_description(mapper: GoodsMapper) -> None:
    hits = mapper.map("HS 5205", None)
    assert {h.good for h in hits if h.scheme == "dol"} >= {"Cotton"}
    assert all(h.via == "hs" for h in hits)


def test_hs_code_field(mapper: GoodsMapper) -> None:
    hits = mapper.map(None, parse_hs("5205.12.0000"))
    cotton = next(h for h in hits if h.good == "Cotton")
    assert cotton.via == "hs" and cotton.scheme == "dol"
    assert cotton.detail.startswith("HS 5205.12.0000 within 5205")
    assert cotton.detail.endswith("-> Cotton")


def test_polysilicon(mapper: GoodsMapper) -> None:
    hits = mapper.map(None, parse_hs("2804.61"))
    assert {(h.scheme, h.good) for h in hits} == {
        ("dol", "Polysilicon"), ("uflpa", "silica-based products")}
    # The heading only *contains* polysilicon: a possible hit, said so.
    broad = mapper.map(None, parse_hs("2804"))
    assert {h.good for h in broad} == {"Polysilicon", "silica-based products"}
    assert all("possible" in h.detail for h in broad)
    # Other subheadings of the heading are not polysilicon.
    assert "Polysilicon" not in goods(mapper, None, "2804.10")


@pytest.mark.parametrize(
    ("description", "dol", "uflpa"),
    [
        ("cocoa beans", {"Cocoa"}, set()),
        ("frozen shrimp", {"Shrimp", "Shellfish"}, {"seafood"}),
        ("tomato paste", {"Tomatoes", "Tomato Products"}, {"tomatoes"}),
        ("TOMATOES, FRESH", {"Tomatoes"}, {"tomatoes"}),
        ("clay bricks", {"Bricks", "Bricks (clay)"}, set()),
        ("gold bullion bars", {"Gold"}, set()),
        ("safety matches", {"Matches"}, set()),
        ("solar panels 450W mono", {"Solar Modules"}, {"silica-based products"}),
        ("Açaí berries frozen pulp", {unicodedata.normalize("NFD", "Açaí Berries")}, set()),
        ("strawberries", {"Strawberries"}, set()),
        ("polyvinyl chloride resin SG-5", set(), {"pvc"}),
        ("caustic soda flakes 99%", set(), {"caustic soda"}),
        ("dried red dates (jujube)", set(), {"red dates"}),
    ],
)
def test_text_mapping(mapper: GoodsMapper, description: str, dol: set[str], uflpa: set[str]) -> None:
    assert goods(mapper, description, scheme="dol") == dol
    assert goods(mapper, description, scheme="uflpa") == uflpa


@pytest.mark.parametrize(
    "description",
    [
        "CTN 20 pcs",  # carton, not cotton
        "golden retriever dog food",
        "gold plated ring",
        "coffee table, walnut",
        "colour match service",
        "electric iron",
        "tin can",
        "rubber cement 500ml",
        "nail polish",
        "wheel lock nut",
        "",
    ],
)
def test_no_silly_hits(mapper: GoodsMapper, description: str) -> None:
    found = goods(mapper, description)
    assert "Gold" not in found
    assert found <= {"Brassware"}, found


def test_exclusion_is_local(mapper: GoodsMapper) -> None:
    # "gold plated" cancels that "gold", not a second, real one.
    assert "Gold" in goods(mapper, "gold plated clasp with solid gold pendant")


def test_hs_hits_come_first_and_goods_are_unique(mapper: GoodsMapper) -> None:
    hits = mapper.map("cotton t-shirts", parse_hs("6109.10"))
    vias = [h.via for h in hits]
    assert vias == sorted(vias)  # "hs" < "text"
    keys = [(h.scheme, h.good) for h in hits]
    assert len(keys) == len(set(keys))
    assert ("dol", "Garments") in keys and ("dol", "Cotton") in keys
    garments = next(h for h in hits if h.good == "Garments")
    assert garments.via == "hs"


@needs_reference_data
def test_hs_description(mapper: GoodsMapper) -> None:
    code = parse_hs("5205.12.0000")
    assert code is not None
    assert (mapper.hs_description(code) or "").startswith("Cotton yarn")
    unknown = parse_hs("9999.99")
    assert unknown is not None and mapper.hs_description(unknown) is not None  # chapter 99


def test_map_is_cached_and_returns_fresh_lists(mapper: GoodsMapper) -> None:
    first = mapper.map("cotton yarn", None)
    first.clear()
    assert mapper.map("cotton yarn", None)


@settings(deadline=None)
@given(st.text(max_size=80))
def test_map_never_crashes(mapper: GoodsMapper, text: str) -> None:
    for hit in mapper.map(text, None):
        assert hit.scheme in ("dol", "uflpa") and hit.via in ("hs", "text")


@pytest.mark.parametrize(("description", "goods"), [
    ("Camisas de algodón", {"Cotton", "Garments"}),
    ("T-shirts en coton", {"Cotton", "Garments"}),
    ("棉质T恤", {"Cotton", "Garments"}),
    ("Camisetas de algodão", {"Cotton", "Garments"}),
    ("Chaussures en cuir", {"Footwear", "Leather"}),
    ("多晶硅", {"Polysilicon"}),
    ("Café verde en grano", {"Coffee"}),
])
def test_descriptions_in_other_languages(mapper: GoodsMapper, description: str, goods: set[str]) -> None:
    hits = mapper.map(description, None)
    assert goods <= {h.good for h in hits if h.scheme == "dol"}
    # a hit found through the glossary says which word it came from
    assert any(" from '" in h.detail for h in hits)


def test_glossary_words_that_are_english_words_too_are_left_out(mapper: GoodsMapper) -> None:
    # "tee" (German: tea), "rock" (skirt), "the" (French: tea): an English description stays English
    assert {h.good for h in mapper.map("tee shirt with rock print", None)} == {"Garments", "apparel"}
    assert not mapper.map("瓷砖", None)  # ceramic tiles are not bricks


def test_hs_descriptions_read_back_from_a_pickle_answer_as_the_dict_did(mapper: GoodsMapper) -> None:
    # the screening context on disk keeps the descriptions as one text: the first lookups
    # search it, later ones use the dict built from it; every code answers as before
    import pickle

    from chainscreen.normalize import goods as goods_module

    descriptions = mapper._hs_desc._map
    assert descriptions, "the HS nomenclature is shipped"
    read = pickle.loads(pickle.dumps(mapper._hs_desc))
    codes = [*descriptions, "", "0", "99", "123456", "2804", "28046"]
    searched = [read.get(c) for c in codes[:goods_module._FIND_LOOKUPS]]
    assert read._map is None  # still searching the text
    assert searched == [descriptions.get(c) for c in codes[:goods_module._FIND_LOOKUPS]]
    assert [read.get(c) for c in codes] == [descriptions.get(c) for c in codes]
    assert read._map == descriptions
    again = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(mapper))))
    assert again.hs_description(parse_hs("2804.61")) == mapper.hs_description(parse_hs("2804.61"))
    assert again.map("polysilicon", parse_hs("2804.61")) == mapper.map("polysilicon", parse_hs("2804.61"))


def test_hs_descriptions_holding_the_separators_are_pickled_as_a_dict() -> None:
    import pickle

    from chainscreen.normalize.goods import _Descriptions

    odd = {"2804": "a\x1eb", "2805": "c\x1fd", "2806": "plain"}
    read = pickle.loads(pickle.dumps(_Descriptions(odd)))
    assert read._map == odd and [read.get(c) for c in odd] == list(odd.values())
