"""The matcher: typed-token scorer with reasons, the candidate index, and the bench measurements."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from chainscreen.bench import cross_validate, load_pairs, prf_at, roc_auc, write_scores
from chainscreen.errors import InputError
from chainscreen.match import EntityMatcher, compare_names, score_pair
from chainscreen.models import EntityRecord
from chainscreen.normalize.names import token_kind
from chainscreen.settings import Settings

CASES = Path(__file__).parent / "data" / "match_cases.csv"


def _records() -> list[EntityRecord]:
    # Names of real UFLPA Entity List entries (reference/uflpa_entity_list.csv).
    return [
        EntityRecord("uflpa", "a", "Hoshine Silicon Industry (Shanshan) Co., Ltd.", country="CN"),
        EntityRecord("uflpa", "b", "Xinjiang Production and Construction Corps",
                     aliases=("XPCC", "Bingtuan"), country="CN"),
        EntityRecord("uflpa", "c", "Xinjiang Zhongtai Chemical Co. Ltd.", country="CN"),
        EntityRecord("uflpa", "d", "Xinjiang Zhongtai Group Co. Ltd", country="CN"),
        EntityRecord("uflpa", "e", "Camel Group Co., Ltd.", country="CN"),
    ]


def test_spellings_of_one_company_match() -> None:
    for name in ("HOSHINE SILICON IND (SHANSHAN) CO LTD", "Hoshine Silicon Industry Shanshan",
                 "Hoshine Silicon Ind. (Shanshan) Co"):
        score, reasons = compare_names(name, "Hoshine Silicon Industry (Shanshan) Co., Ltd.")
        assert score >= 0.9, (name, score, reasons)


def test_reasons_say_why() -> None:
    score, reasons = compare_names("Bowne of Dallas, L.P.", "Bowne of Phoenix, Inc.")
    assert score < 0.75
    assert any("differ" in r for r in reasons)
    assert any("legal forms differ" in r for r in reasons)


def test_numbers_must_agree() -> None:
    same, _ = compare_names("Soorty Enterprises Unit 6", "Soorty Enterprises Unit 6")
    other, why = compare_names("Soorty Enterprises Unit 10", "Soorty Enterprises Unit 6")
    assert same == 1.0
    assert other < 0.75
    assert any("numbers differ" in r for r in why)


def test_generic_and_place_words_weigh_less() -> None:
    assert token_kind("trading") == "generic"
    assert token_kind("xinjiang") == "place"
    assert token_kind("hoshine") == "distinctive"
    extra_generic, _ = compare_names("Hoshine Silicon Trading", "Hoshine Silicon")
    extra_distinct, _ = compare_names("Hoshine Silicon Ahmadi", "Hoshine Silicon")
    assert extra_generic > extra_distinct


def test_siblings_differ_from_the_parent() -> None:
    score, _ = compare_names("Saudi Arabian Gas Company", "Saudi Arabian Oil Company")
    assert score < 0.88


def test_initials_and_spacing() -> None:
    assert compare_names("u ni ty fash i o n c am bo c o ltd", "Unity Fashion Cambo Co Ltd")[0] >= 0.9
    assert compare_names("PricewaterhouseCoopers LLP", "Pricewaterhouse Coopers LLP")[0] == 1.0
    assert compare_names("a p p a r e l s hub kalinda", "Apparels Hub Kalinda")[0] == 1.0


def _decision(left: str, lc: str | None, right: str, rc: str | None) -> str:
    from chainscreen.match import decide

    return decide(score_pair(left, lc, right, rc)[0], Settings())


def test_weak_rules_only_support_a_match() -> None:
    # SYNTHETIC pairs shaped like the false matches seen on real supplier lists.
    # The supplier's own short form is never enough for review ...
    assert _decision("PLA", None, "People's Liberation Army", None) == "reject"
    assert _decision("HP", "US", "Hunan Prison", "CN") == "reject"
    assert _decision("ASEH", None, "Advanced Semiconductor Engineering Holding", None) == "reject"
    assert _decision("Intel Corporation", "US", "INTERCONSULT", "US") == "reject"
    # ... a listed acronym written in capitals is review, a match when the country agrees
    assert _decision("Xinjiang Production and Construction Corps", None, "XPCC", None) == "review"
    assert _decision("Xinjiang Production and Construction Corps", "CN", "XPCC", "CN") == "match"
    # a misspelt short distinctive word alone is not enough for review
    assert _decision("Sharpe Industries", None, "Sharp Industries", None) == "reject"
    score, why = score_pair("Sharp Corporation", "JP", "Shary Solar Co., Ltd.", "CN")
    assert score < 0.75 and any("≠" in r for r in why)


def test_generic_words_never_carry_a_match() -> None:
    score, why = compare_names("Tower Semiconductor Corporation", "Geehy Semiconductor Co., Ltd.")
    assert score < 0.5 and any("no distinctive word in common" in r for r in why)


def test_country_conflict_caps_below_match() -> None:
    assert _decision("Acme Textiles", "VN", "Acme Textiles Co., Ltd.", "CN") == "review"
    assert _decision("Acme Textiles", "CN", "Acme Textiles Co., Ltd.", "CN") == "match"


def test_place_qualifier_is_another_entity() -> None:
    assert _decision("Acme Textiles Vietnam", None, "Acme Textiles", None) == "review"
    # unless the list says the listed company is in that country
    assert _decision("Acme Textiles Vietnam", None, "Acme Textiles", "VN") == "match"


def test_legal_forms_of_other_jurisdictions_count_against() -> None:
    assert _decision("Acme Textiles S.A.", None, "Acme Textiles S.R.L.", None) == "review"
    assert _decision("Acme Textiles Ltd", None, "Acme Textiles LLC", None) == "review"
    assert _decision("Acme Textiles Ltd", None, "Acme Textiles Co., Ltd.", None) == "match"
    # a one-word name with another legal form is not even review
    assert _decision("Acme S.A.", None, "Acme S.R.L.", None) == "reject"
    # several forms in one name: one shared family is enough
    assert _decision("JSC Tactical Missiles Corporation", None,
                     "Tactical Missiles Corporation Joint Stock Company", None) == "match"


@pytest.mark.parametrize(("left", "right"), [
    ("Soorty Plant No. 1", "Soorty Plant No. 2"),
    ("Bain Capital IV", "Bain Capital V"),
    ("Bain Capital Fund X", "Bain Capital Fund XI"),
    ("Daqo Phase 2", "Daqo Phase 3"),
])
def test_different_numbers_are_different_entities(left: str, right: str) -> None:
    score, why = compare_names(left, right)
    assert score < 0.75 and any("numbers differ" in r for r in why)


@pytest.mark.parametrize(("left", "right"), [
    ("Seven Seas Trading", "7 Seas Trading"),
    ("Orkun 2nd Textile", "Orkun Second Textile"),
    ("Blackstone Capital Partners VII", "Blackstone Capital Partners 7"),
])
def test_number_words_and_ordinals_are_digits(left: str, right: str) -> None:
    assert compare_names(left, right)[0] == 1.0


def test_vessels_aircraft_and_people_are_not_matched_with_suppliers() -> None:
    # SYNTHETIC records: a vessel and a person named like a company
    records = [*_records(),
               EntityRecord("ofac-sdn", "v", "ACME STAR", schema="Vessel"),
               EntityRecord("ofac-sdn", "p", "Acme Star", schema="Person"),
               EntityRecord("ofac-sdn", "o", "Hoshine Star Shipping LLC", schema="Organization")]
    m = EntityMatcher(records, Settings())
    assert m.skipped == 2
    assert m.match("Acme Star", "US") == ()
    vessels = EntityMatcher(records, Settings(), schemas=frozenset({"Vessel"}))
    assert vessels.match("Acme Star")[0].record.record_id == "v"


def test_country_raises_or_lowers() -> None:
    same, why_same = score_pair("Acme Textile", "CN", "Acme Textiles", "CN")
    other, why_other = score_pair("Acme Textile", "CN", "Acme Textiles", "VN")
    assert same > other
    assert any("CN = CN" in r for r in why_same)
    assert any("≠" in r for r in why_other)


def test_reasons_are_the_features_that_fired() -> None:
    from chainscreen.match import NAME_FEATURES

    names = {n for n, _f in NAME_FEATURES}
    assert all(f.__doc__ for _n, f in NAME_FEATURES)
    _score, why = score_pair("Hoshine Silicon Ind Co", "CN", "Hoshine Silicon Industry Co Ltd", "CN")
    assert why and all(r.split(":")[0] in names for r in why)


def test_scorer_params_come_from_settings(tmp_path: Path) -> None:
    from chainscreen.settings import load_settings

    toml = tmp_path / "chainscreen.toml"
    toml.write_text("[scorer]\ncountry_cap = 0.6\n", encoding="utf-8")
    s = load_settings(toml)
    assert s.scorer.country_cap == 0.6 and s.digest() != Settings().digest()
    m = EntityMatcher(_records(), s)
    cand = m.match("Hoshine Silicon Industry (Shanshan) Co., Ltd.", "VN")[0]
    assert cand.score < 0.65 and any("≤ 0.6" in r for r in cand.reasons)


def test_placeholders_score_zero() -> None:
    assert score_pair("N/A", None, "Hoshine", None)[0] == 0.0


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_scores_are_bounded(a: str, b: str) -> None:
    score, reasons = compare_names(a, b)
    assert 0.0 <= score <= 1.0
    assert isinstance(reasons, list)


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[A-Z][a-z]{3,9}( [A-Z][a-z]{3,9}){1,3}", fullmatch=True))
def test_a_name_matches_itself(name: str) -> None:
    assert compare_names(name, name)[0] == 1.0


def test_one_word_names_need_corroboration() -> None:
    # SYNTHETIC: a one-word name equal to a listed one-word name is review, a match only with
    # the same country; sharing one word with a longer name is not even review
    assert _decision("Carvana Co.", None, "CARVANA COMPANY", None) == "review"
    assert _decision("Carvana Co.", "US", "CARVANA COMPANY", "US") == "match"
    assert _decision("Atlas Corp.", None, "Atlas Equipment Company Limited", None) == "reject"


def test_pinyin_words_of_chinese_names() -> None:
    """A word of a Chinese name read as pinyin: a letter more or less is another character;
    another reading of its characters is the same word; one pinyin word in common does not
    reach review on the country alone. The Chinese names are real (Shanghai and Shenzhen
    listings, tests/data/real_names/cn_exchange_names.csv); the list names are the real records
    they were falsely screened against before (tests/data/real_name_hits_cn.csv, history)."""
    assert _decision("东贝集团", "CN", "DONGMEI INVESTMENT GROUP CO., LIMITED", "CN") == "reject"
    assert _decision("中百控股集团股份有限公司", "CN", "Xinjiang Zhongtai Group Co. Ltd", "CN") == "reject"
    assert _decision("晨光股份", "CN", "Chenguang Biotech Group Co., Ltd.", "CN") == "reject"
    assert _decision("美克家居", "CN", "Meike Co.", "CN") == "reject"
    # the listed company itself still reaches its record: a translated word in common
    assert _decision("晨光生物科技集团股份有限公司", "CN", "Chenguang Biotech Group Co., Ltd.", "CN") == "match"
    # 莞 reads guan (东莞) and wan: the list wrote the second
    score, why = score_pair("伊犁卓莞服装制造有限公司", "CN", "Yili Zhuowan Garment Manufacturing Co., Ltd.", "CN")
    assert score >= Settings().match_threshold and any("another reading" in r for r in why)
    # SYNTHETIC: the same pair written in Latin is two names a letter apart, no reading involved
    assert score_pair("Dongbei Group", "CN", "Dongmei Investment Group", "CN")[0] > \
        score_pair("东贝集团", "CN", "Dongmei Investment Group", "CN")[0]


def test_a_pinyin_word_may_be_a_coined_brand() -> None:
    """滨州中纺银泰 reads "binzhou zhongfang yintai"; the list writes Binzhou Chinatex Yintai. A
    Latin word no pinyin spells, against the one word left, is taken as a possible brand: review,
    never match, and only with a distinctive word in common after the leading place and the
    same country."""
    chinese, listed = "滨州中纺银泰实业有限公司", "Binzhou Chinatex Yintai Industrial Co., Ltd."
    score, why = score_pair(chinese, "CN", listed, "CN")
    assert _decision(chinese, "CN", listed, "CN") == "review"
    assert any(r.startswith("brand_word: 'zhongfang'") for r in why)
    assert any(r.startswith("pinyin_only") for r in why)
    # SYNTHETIC list names around it: a Latin word pinyin spells ("huaxin") differs ...
    assert _decision(chinese, "CN", "Binzhou Huaxin Yintai Industrial Co., Ltd.", "CN") == "reject"
    # ... and without the country, or with another one, no brand is guessed
    assert not any(r.startswith("brand_word") for r in score_pair(chinese, None, listed, None)[1])
    assert _decision(chinese, "CN", listed, "VN") == "reject"
    # only the leading place in common (a registered name opens with it): no guess
    assert _decision("珠海奔图电子有限公司", "CN", "Zhuhai Pantum Electronics Co. Ltd.", "CN") == "reject"
    # one syllable of the spaced reading is a character, not a word (a false hit before)
    assert _decision("信达地产", "MX", "AHOME REAL ESTATE, S.A. DE C.V.", "MX") == "reject"


def _cases() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_labelled_pairs_below_review_when_different() -> None:
    """Pairs of two different named entities (tests/data/match_cases.csv) stay below review."""
    s = Settings()
    for r in _cases():
        if r["label"] == "0" and r["right_name"]:
            score = score_pair(r["left_name"], r["left_country"], r["right_name"], r["right_country"])[0]
            assert score < s.review_threshold, r


def test_chinese_names_reach_their_list_record() -> None:
    """Chinese registered names of listed entities (tests/data/match_cases.csv, the source of each
    pair noted there) against the shipped lists: the measured share that reaches the same list
    record at review or above (0.69 before the exchanges' short names, 38 of 48 = 0.79 with them,
    39 = 0.81 with another reading of a character and a pinyin word taken for a coined brand; the
    target is 0.8, the misses are brands no public table here holds, such as 溢达 / Esquel), and
    Chinese names of well-known unlisted companies reach none."""
    from chainscreen.normalize.names import normalize_name
    from chainscreen.reference import load_reference

    reference = load_reference(user=False)
    listed = {normalize_name(r.name) for r in reference.entities}
    m = EntityMatcher(reference.entities, Settings())
    reached = total = unlisted = 0
    for r in _cases():
        hits = [c for c in m.match(r["left_name"], r["left_country"] or None)
                if c.decision in ("match", "review")]
        if r["label"] == "1" and normalize_name(r["right_name"]) in listed:
            total += 1
            ok = bool(hits) and normalize_name(hits[0].record.name) == normalize_name(r["right_name"])
            reached += ok
            if not ok:
                print(f"missed: {r['left_name']} -> {r['right_name']}")
        elif r["label"] == "0" and not r["right_name"]:
            unlisted += 1
            assert not hits, (r["left_name"], hits[0].record.name, hits[0].reasons)
    print(f"Chinese names reaching their list record: {reached}/{total} = {reached / total:.3f}; "
          f"names of companies on no list reaching any entity: 0/{unlisted}")
    assert total >= 45
    assert reached / total >= 0.8


def test_matcher_finds_typos_aliases_and_cjk() -> None:
    m = EntityMatcher(_records(), Settings())
    assert m.size == 7
    best = m.match("Hoshine Silicon Ind (Shanshan) Co Ltd", "CN")[0]
    assert best.record.record_id == "a" and best.decision == "match"
    alias = m.match("Bingtuan", "CN")[0]
    assert alias.record.record_id == "b" and any("alias" in r for r in alias.reasons)
    typo = m.match("Xinjiang Zhongtia Chemical", "CN")[0]
    assert typo.record.record_id == "c"
    cjk = m.match("新疆中泰化学股份有限公司", "CN")[0]
    assert cjk.record.record_id == "c" and cjk.decision == "match"
    assert m.match("Nordic Office Paper AB", "SE") == ()
    assert m.match_many([(None, None), ("", "CN")]) == [(), ()]


def test_matcher_keeps_rejected_candidates_above_the_floor() -> None:
    s = Settings()
    m = EntityMatcher(_records(), s)
    cands = m.match("Zhongtai", "CN")
    assert cands and all(c.score >= s.candidate_floor for c in cands)
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)


def test_roc_auc_and_prf() -> None:
    assert roc_auc([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.5, 0.5]) == 0.5
    assert roc_auc([1, 1], [0.5, 0.4]) is None
    prf = prf_at([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1], 0.5)
    assert (prf.precision, prf.recall) == (0.5, 0.5)


def _pairs_file(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.csv"
    path.write_text(
        "left_name,right_name,label,left_country,right_country\n"
        "Walmart Inc.,Wal-Mart Inc,1,US,US\n"
        "Toyota Motor Corporation,Tayota Motor Corporation,1,,\n"
        "Bowne of Dallas L.P.,Bowne of Phoenix Inc.,0,,\n"
        "Saudi Arabian Gas Company,Saudi Arabian Oil Company,0,,\n"
        "=HYPERLINK(1),Acme,0,,\n", encoding="utf-8")
    return path


def test_load_pairs_validates(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        load_pairs(bad)
    bad.write_text("left_name,right_name,label\nA,B,yes\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2"):
        load_pairs(bad)
    assert len(load_pairs(_pairs_file(tmp_path))) == 5


def test_cross_validation_and_scores_file(tmp_path: Path) -> None:
    pairs = load_pairs(_pairs_file(tmp_path))
    scores = [score_pair(p.left, p.left_country, p.right, p.right_country)[0] for p in pairs]
    folds = cross_validate(pairs, scores, k=2)
    assert len(folds) == 2 and sum(f.size for f in folds) == len(pairs)
    out = tmp_path / "scored.csv"
    write_scores(out, pairs, scores, Settings())
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["chainscreen_decision"] for r in rows][:2] == ["match", "match"]
    assert rows[4]["left_name"].startswith("'=")  # spreadsheet formulas neutralised
    assert {r["chainscreen_decision"] for r in rows} <= {"match", "review", "no-match"}


def test_cli_bench_match(tmp_path: Path) -> None:
    from chainscreen.cli import cli

    out = tmp_path / "s.csv"
    result = CliRunner().invoke(cli, ["bench", "match", str(_pairs_file(tmp_path)), "--no-speed",
                                      "--folds", "2", "--scores", str(out), "--tune"])
    assert result.exit_code == 0, result.output
    assert "chainscreen" in result.output and "rapidfuzz WRatio" in result.output
    assert "by source" in result.output and "2-fold" in result.output
    assert "nested 2-fold cross-validation" in result.output and "chosen on all pairs" in result.output
    assert out.exists()
    missing = CliRunner().invoke(cli, ["bench", "match", str(tmp_path / "nope.csv"), "--no-speed"])
    assert missing.exit_code == 1


def test_parallel_batches_give_the_serial_candidates() -> None:
    # SYNTHETIC names (chainscreen.bench.synthetic_names): a list of 3,000 and 2,500 parties,
    # some of them misspelt list names, so that candidates and reasons are not all empty.
    from chainscreen.bench import synthetic_names

    listed = synthetic_names(3000, seed=21)
    records = [EntityRecord("synthetic", f"syn-{i}", nm, country="CN") for i, nm in enumerate(listed)]
    parties = [(nm, "CN" if i % 3 else None) for i, nm in enumerate(synthetic_names(2000, seed=22))]
    parties += [(nm.replace("a", "e", 1), "CN") for nm in listed[:500]]
    serial = EntityMatcher(records, Settings(), workers=1).match_many(parties)
    parallel_matcher = EntityMatcher(records, Settings(), workers=2, parallel_min=1000)
    ran: list[int] = []
    real = parallel_matcher._rank_one

    def counting(name: str, country: str | None) -> object:
        ran.append(1)  # only calls made in this process are counted
        return real(name, country)

    parallel_matcher._rank_one = counting  # type: ignore[method-assign]
    parallel = parallel_matcher.match_many(parties)
    assert not ran, "the batch was not split over worker processes"
    assert sum(1 for c in serial if c) > 400
    assert parallel == serial
    # the same record objects, not copies made by the workers
    assert all(a.record is b.record for cs, ds in zip(parallel, serial, strict=True)
               for a, b in zip(cs, ds, strict=True))


def test_small_batches_stay_in_process() -> None:
    matcher = EntityMatcher(_records(), Settings(), workers=2, parallel_min=1000)
    ran: list[str] = []
    real = matcher._rank_one

    def counting(name: str, country: str | None) -> object:
        ran.append(name)
        return real(name, country)

    matcher._rank_one = counting  # type: ignore[method-assign]
    found = matcher.match_many([("Hoshine Silicon Ind Co", "CN"), ("XPCC", None)])
    assert len(ran) == 2
    assert found[0][0].record.record_id == "a" and found[1][0].record.record_id == "b"


def _count_in_process(matcher: EntityMatcher) -> list[int]:
    """A list that grows by one for every party ``matcher`` ranks in this process (calls made in
    its worker processes are not counted)."""
    ran: list[int] = []
    real = matcher._rank_one

    def counting(name: str, country: str | None) -> object:
        ran.append(1)
        return real(name, country)

    matcher._rank_one = counting  # type: ignore[method-assign]
    return ran


def _pool_case(seed: int, later_size: int,
               later_country: Callable[[int], str | None]) -> tuple[Any, ...]:
    """SYNTHETIC list and parties (chainscreen.bench.synthetic_names): a list of 2,000 names,
    1,200 other parties, then ``later_size`` misspelt list names; with the serial candidates
    and a matcher of two workers that starts them from 1,000 parties."""
    from chainscreen.bench import synthetic_names

    listed = synthetic_names(2000, seed=seed)
    records = [EntityRecord("synthetic", f"syn-{i}", nm, country="CN") for i, nm in enumerate(listed)]
    first = [(nm, "CN") for nm in synthetic_names(1200, seed=seed + 1)]
    later = [(nm.replace("e", "a", 1), later_country(i)) for i, nm in enumerate(listed[:later_size])]
    serial = EntityMatcher(records, Settings(), workers=1)
    expected = serial.match_many(first), serial.match_many(later)
    return first, later, expected, EntityMatcher(records, Settings(), workers=2, parallel_min=1000)


def test_a_kept_pool_takes_later_small_batches() -> None:
    # one pool started by the first large batch matches the later, smaller batches of a
    # streamed run, with the serial candidates
    first, later, expected, matcher = _pool_case(31, 300, lambda i: "CN")
    ran = _count_in_process(matcher)
    with matcher.pooled():
        got = matcher.match_many(first), matcher.match_many(later)
        assert matcher._pool is not None
    assert matcher._pool is None
    assert not ran, "a batch was matched in this process"
    assert got == expected


@pytest.mark.skipif(not hasattr(os, "nice"), reason="process priorities are POSIX")
def test_the_workers_give_way_to_the_screening_process() -> None:
    """The matching workers run at a lower priority than the process that screens and writes
    (match.WORKER_NICENESS): in a streamed run that process is the critical path."""
    from chainscreen.match import WORKER_NICENESS

    first, _later, _expected, matcher = _pool_case(61, 10, lambda i: "CN")
    with matcher.pooled():
        matcher.match_many(first)  # starts the kept pool
        pool = matcher._pool
        assert pool is not None
        niceness = {pool.submit(os.nice, 0).result() for _ in range(8)}
    assert niceness == {min(os.nice(0) + WORKER_NICENESS, 19)}


def test_prefetched_parties_give_the_serial_candidates() -> None:
    # parties handed to the workers ahead (what a streamed run does with the next chunk) come
    # back with the serial candidates, matched in the workers only; a batch asked for while its
    # parties are still in flight waits for them
    first, later, expected, matcher = _pool_case(41, 400, lambda i: "CN" if i % 2 else None)
    ran = _count_in_process(matcher)
    assert matcher.prefetch(first) == 0, "handed over outside pooled()"
    with matcher.pooled():
        assert matcher.prefetch(first) == len(set(first))
        assert matcher.prefetch(later) == len(set(later))
        assert matcher.prefetch(later) == 0  # in flight already
        got = matcher.match_many(first), matcher.match_many(later)
        assert not matcher._inflight
        assert matcher.prefetch(first[:300]) == 0  # matched already
    assert not ran, "a prefetched party was matched in this process"
    assert got == expected


def test_a_streamed_run_hands_the_next_chunk_to_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    # SYNTHETIC manifest: the rows of each chunk are matched by the workers, handed over while
    # the chunk before was screened, and the rows are those of a run matched in one process.
    import pandas as pd

    from chainscreen.bench import synthetic_names
    from chainscreen.pipeline import ScreeningContext, iter_screen
    from chainscreen.reference import load_reference

    names = synthetic_names(1500, seed=51)
    frame = pd.DataFrame({"supplier": names + names[:300], "country": ["CN", "VN", ""] * 600})
    reference = load_reference(user=False)
    handed: list[int] = []
    real = EntityMatcher.prefetch

    def counting(self: EntityMatcher, parties: object) -> int:
        n = real(self, parties)  # type: ignore[arg-type]
        handed.append(n)
        return n

    monkeypatch.setattr(EntityMatcher, "prefetch", counting)

    def rows(workers: int) -> list[tuple[object, ...]]:
        context = ScreeningContext.build(reference, Settings())
        context.matcher.workers, context.matcher.parallel_min = workers, 400
        screening = iter_screen(frame, reference=reference, chunk_rows=450, context=context)
        return [(r.row, r.level, r.score, r.reasons, r.candidates) for chunk in screening for r in chunk.rows]

    serial = rows(1)
    assert not any(handed)
    handed.clear()
    assert rows(2) == serial
    assert len(handed) == 4 and all(n >= 400 for n in handed[:3]), handed


def test_workers_start_before_the_writer_thread(tmp_path: Path) -> None:
    # SYNTHETIC manifest: two chunks of one supplier (too few to start workers for), then
    # chunks of many new ones, written as a streamed run writes them (in a writer thread, after
    # which no worker can be forked): the workers, forked at the start, match the later chunks
    import pandas as pd

    from chainscreen.bench import synthetic_names
    from chainscreen.pipeline import ScreeningContext, iter_screen
    from chainscreen.reference import load_reference
    from chainscreen.report.stream import StreamOutputs

    names = synthetic_names(1200, seed=57)
    frame = pd.DataFrame({"supplier": [names[0]] * 900 + names[1:], "country": "CN"})
    reference = load_reference(user=False)
    context = ScreeningContext.build(reference, Settings())
    context.matcher.workers, context.matcher.parallel_min = 2, 400
    ran = _count_in_process(context.matcher)
    screening = iter_screen(frame, reference=reference, chunk_rows=450, context=context)
    with StreamOutputs({"csv": tmp_path / "out.csv"}) as outputs:
        for chunk in screening:
            outputs.write(chunk)
        outputs.commit(screening)
    assert not ran, "parties were matched in this process"  # the workers take every batch
    import pyarrow.csv as pacsv

    assert pacsv.read_csv(tmp_path / "out.csv").num_rows == len(frame)


def test_real_name_benchmark_counts_judgements(tmp_path: Path) -> None:
    from chainscreen.bench import (
        fp_levels,
        load_judgements,
        load_real_names,
        ofac_records,
        screen_real_names,
        write_hits,
    )

    # SYNTHETIC supplier names against the genuine OFAC sample in tests/data/lists
    names_csv = tmp_path / "names.csv"
    names_csv.write_text("name,country,source\nAEROCARIBBEAN AIRLINES,Cuba,synthetic\n"
                         "Nordic Office Paper AB,SE,synthetic\nnordic office paper ab,,synthetic\n",
                         encoding="utf-8")
    names = load_real_names(names_csv)
    assert [n.name for n in names] == ["AEROCARIBBEAN AIRLINES", "Nordic Office Paper AB"]
    assert names[0].country == "CU"
    records = ofac_records(Path(__file__).parent / "data" / "lists" / "ofac_genuine" / "sdn.csv")
    assert {r.schema for r in records} >= {"LegalEntity"}
    hits, matcher, _s = screen_real_names(names, records, Settings())
    assert [h.record.name for h in hits] == ["AEROCARIBBEAN AIRLINES"]
    out = tmp_path / "hits.csv"
    write_hits(out, hits, {})
    assert load_judgements(out) == {("AEROCARIBBEAN AIRLINES", hits[0].record.record_id): ("", "")}
    judged = {hits[0].key: ("true", "the listed airline itself")}
    match, review = fp_levels(hits, judged)
    assert (match.hits, match.true, review.false, review.unjudged) == (1, 1, 0, 0)


def test_cli_bench_fp(tmp_path: Path) -> None:
    from chainscreen.cli import cli

    names_csv = tmp_path / "names.csv"  # SYNTHETIC names
    names_csv.write_text("name,country,source\nAEROCARIBBEAN AIRLINES,,synthetic\nAcme Widgets,,synthetic\n",
                         encoding="utf-8")
    sdn = str(Path(__file__).parent / "data" / "lists" / "ofac_genuine" / "sdn.csv")
    args = ["bench", "fp", "--names", str(names_csv), "--ofac", sdn, "--hits", str(tmp_path / "none.csv")]
    result = CliRunner().invoke(cli, [*args, "--write-hits", str(tmp_path / "new.csv")])
    assert result.exit_code == 1  # a hit not judged yet
    assert "review or above" in result.output and "UNJUDGED" in result.output
    rows = (tmp_path / "new.csv").read_text(encoding="utf-8").splitlines()
    judged = tmp_path / "judged.csv"
    judged.write_text("\n".join([rows[0], *(r.replace(",match,,", ",match,true,") for r in rows[1:])]) + "\n",
                      encoding="utf-8")
    result = CliRunner().invoke(cli, [*args[:-2], "--hits", str(judged)])
    assert result.exit_code == 0, result.output


REAL_HITS = Path(__file__).parent / "data" / "real_name_hits.csv"


@pytest.mark.slow
@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "shared" / "reference-data"
                         / "ofac_sdn_full_2024-05-03.csv").exists(),
                    reason="the full OFAC SDN file of the shared reference data is not present")
def test_real_names_false_positive_targets() -> None:
    """`chainscreen bench fp`: no false match, at most 1 false review per 1,000 real names, every
    hit judged in tests/data/real_name_hits.csv."""
    from chainscreen import bench
    from chainscreen.reference import load_reference

    names = bench.load_real_names()
    records = [*load_reference(user=False).entities, *bench.ofac_records(bench.DEFAULT_OFAC)]
    hits, _m, _s = bench.screen_real_names(names, records, Settings())
    judged = bench.load_judgements(REAL_HITS)
    match, review = bench.fp_levels(hits, judged)
    assert review.unjudged == 0 and match.false == 0
    assert review.false * 1000 / len(names) <= 1.0


def test_tune_picks_weights_by_cross_validation(tmp_path: Path) -> None:
    from chainscreen.bench import tune

    pairs = load_pairs(_pairs_file(tmp_path))
    folds, chosen = tune(pairs, grid={"extra_factor": (0.5, 1.1)}, k=2)
    assert len(folds) == 2 and set(chosen) == {"extra_factor"}
    assert all(set(f.chosen) == {"extra_factor"} for f in folds)


REAL_HITS_CN = Path(__file__).parent / "data" / "real_name_hits_cn.csv"
REAL_NAMES_CN = Path(__file__).parent / "data" / "real_names" / "cn_exchange_names.csv"


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "shared" / "reference-data"
                         / "ofac_sdn_full_2024-05-03.csv").exists(),
                    reason="the full OFAC SDN file of the shared reference data is not present")
def test_real_chinese_names_every_hit_judged() -> None:
    """`chainscreen bench fp` on the Chinese company names of the two exchanges: every hit at
    review level or above is judged in tests/data/real_name_hits_cn.csv, so a change of the
    readings that adds or moves a hit fails here until it is judged. The targets: no false
    match, at most one false hit at review level or above per 1,000 names (1.97 before pinyin
    words were paired only as readings, 0.66 after; docs/MATCHING.md)."""
    from chainscreen import bench
    from chainscreen.reference import load_reference

    names = bench.load_real_names(REAL_NAMES_CN)
    records = [*load_reference(user=False).entities, *bench.ofac_records(bench.DEFAULT_OFAC)]
    hits, _m, _s = bench.screen_real_names(names, records, Settings())
    judged = bench.load_judgements(REAL_HITS_CN)
    match, review = bench.fp_levels(hits, judged)
    print(f"\n{len(names):,} Chinese names: match {match.false} false / {match.true} true / "
          f"{match.unsure} unsure; review or above {review.false} false / {review.true} true / "
          f"{review.unsure} unsure")
    assert len(names) == 4580 and review.unjudged == 0
    assert match.false == 0
    assert review.false * 1000 / len(names) <= 1.0
    assert {(h.name.name, h.record.record_id) for h in hits} == set(judged)  # none has gone either


def test_joined_spellings_left_out_of_a_query_could_not_have_been_found() -> None:
    # SYNTHETIC list and parties (chainscreen.bench.synthetic_names), the parties including the
    # list's own names misspelt (a letter dropped, doubled or changed, the words run together):
    # a query leaves out the one-letter-less joined spellings whose first and last three letters
    # no indexed spelling has; with and without that, the same list names in the same order
    import random

    from chainscreen.bench import synthetic_names
    from chainscreen.match import _key_groups, name_keys
    from chainscreen.models import EntityRecord

    listed = synthetic_names(1500, seed=61)
    matcher = EntityMatcher([EntityRecord(record_id=f"syn-{i}", list_id="synthetic", name=nm,
                                          country="CN") for i, nm in enumerate(listed)], Settings())
    rng = random.Random(62)
    parties = synthetic_names(600, seed=63)
    for nm in rng.sample(listed, 600):
        i = rng.randrange(1, len(nm))
        parties += [nm[:i] + nm[i + 1:], nm[:i] + nm[i] + nm[i:], nm[:i] + "x" + nm[i + 1:],
                    nm.replace(" ", "", 1)]
    ends = matcher._joined_ends
    left_out = 0
    for party in parties:
        keys = name_keys(party)
        full = [k for g in _key_groups(keys) for k in g]
        kept = [k for g in _key_groups(keys, ends) for k in g]
        assert [k for k in full if k in matcher._postings] == [k for k in kept if k in matcher._postings]
        left_out += len(full) - len(kept)
    with_ends = [matcher.candidates(p) for p in parties]
    matcher._joined_ends = None  # every key asked for
    assert [matcher.candidates(p) for p in parties] == with_ends
    assert left_out > len(parties)  # and the filter does leave keys out
