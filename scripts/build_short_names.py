"""Build the table of Chinese and English short names of listed companies.

Two steps (see ``src/chainscreen/tables/PROVENANCE.md`` for the sources):

``extract``  reads the exchanges' own lists, as published, and writes
             ``tables/cn_listed_companies.csv`` (exchange, code, Chinese name, English name):
               --szse  the Shenzhen Stock Exchange's "A股列表" (.xlsx; full Chinese name, English name)
               --sse   the Shanghai Stock Exchange's list of main-board A shares (GPLIST.xls;
                       extended Chinese short name, full English name; needs ``xlrd``)
``derive``   reads ``tables/cn_listed_companies.csv`` and writes ``tables/cn_short_names.csv``.

How a short name is derived: the Chinese name is read word by word as the matcher reads it
(legal forms, generic trade words and places in English, other words through the glossary and
CC-CEDICT, else pinyin: ``chainscreen.normalize.names.reading_words``); its words are aligned in
order with the words of the English name (same word, same pinyin, or an abbreviation of three
letters or more). Between two aligned words, Chinese words that the reading did not explain face
English words that it did not explain: 纳思达 / "ninestar", 晶澳 / "ja" (晶澳太阳能科技 / "JA Solar
Technology"), 协鑫 / "gcl" (协鑫能源科技 / "GCL Energy Technology"). Such a pair becomes a short
name when the Chinese side has two to six characters; the English side, once places, generic
and company-form words are trimmed from its ends ("ningbo menovo pharmaceutical" -> "menovo"),
one to four words, and not trimmed down to plain English words (中新 / "china singapore suzhou
industrial park development" would leave "park"); the English not simply the pinyin of the
Chinese (中泰 / "zhongtai" needs no table); and the Chinese not a dictionary word with a
translation of its own (节能 "energy saving") nor, unless two companies agree, any other
dictionary word. A short name seen with different English in several companies keeps the
English most companies use.

    python scripts/build_short_names.py extract --szse A股列表.xlsx --sse GPLIST.xls
    python scripts/build_short_names.py derive
    python scripts/build_short_names.py check --train SZSE --test SSE   # held out
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

TABLES = Path(__file__).resolve().parents[1] / "src" / "chainscreen" / "tables"
EXTRACT = TABLES / "cn_listed_companies.csv"
SHORT_NAMES = TABLES / "cn_short_names.csv"
_LEGAL = {"co ltd", "co", "kk", "yk", "llc"}
#: English words of a company's form that name no business ("joint stock", "holdings")
_FORM_WORDS = {"joint", "stock", "share", "shares", "holding", "holdings", "group", "company",
               "corporation", "incorporated", "limited", "ltd", "co", "inc", "corp"}


def extract(szse: Path | None, sse: Path | None) -> None:
    rows: list[tuple[str, str, str, str]] = []
    if szse is not None:
        import openpyxl

        sheet = openpyxl.load_workbook(szse).active
        values = list(sheet.iter_rows(values_only=True))
        head = [str(h) for h in values[0]]
        code, zh, en = head.index("A股代码"), head.index("公司全称"), head.index("英文名称")
        for r in values[1:]:
            if r[code] and r[zh] and r[en]:
                rows.append(("SZSE", str(r[code]).strip(), str(r[zh]).strip(), str(r[en]).strip()))
    if sse is not None:
        import xlrd

        sheet = xlrd.open_workbook(str(sse)).sheet_by_index(0)
        head = [str(h) for h in sheet.row_values(0)]
        code, zh, en = head.index("A股代码"), head.index("扩位证券简称"), head.index("公司英文全称")
        for i in range(1, sheet.nrows):
            r = sheet.row_values(i)
            if r[code] and r[zh] and r[en]:
                rows.append(("SSE", str(r[code]).strip(), str(r[zh]).strip(), str(r[en]).strip()))
    rows.sort()
    with EXTRACT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["exchange", "code", "name_zh", "name_en"])
        w.writerows(rows)
    print(f"{len(rows)} companies -> {EXTRACT}")


def _english_words(name: str) -> list[str]:
    from chainscreen.normalize.names import fold_tokens, normalize_name

    return list(fold_tokens(tuple(normalize_name(name).split())))


def _reading(reading: str) -> list[str]:
    from chainscreen.normalize.names import fold_tokens, name_tokens

    return list(fold_tokens(tuple(name_tokens(reading)))) if reading.strip() else []


def _matches(word: str, reading: list[str], pinyin: str, english: list[str], j: int) -> int:
    """How many English words from ``j`` one Chinese word explains (0: none)."""
    n = len(reading)
    if n and english[j:j + n] == reading:
        return n
    if word and pinyin:
        for k in range(1, 4):
            if "".join(english[j:j + k]) == pinyin:
                return k
    if n == 1 and j < len(english):
        a, b = reading[0], english[j]
        if len(b) >= 3 and a.startswith(b):
            return 1  # the English abbreviates: "tech", "mag" (not "xin" of "xintonglian")
        common = len(os.path.commonprefix([a, b]))
        if common >= 5 and common >= 0.7 * min(len(a), len(b)):
            return 1  # another form of one word: "integrated" / "integration"
    return 0


def align(name_zh: str, name_en: str) -> list[tuple[str, str]]:
    """(Chinese, English) pairs left unexplained between aligned words of the two names."""
    from pypinyin import lazy_pinyin

    from chainscreen.normalize.names import (
        _CJK_WORDS,  # the fixed words: never part of a short name
        reading_words,
    )

    words = [(w, _reading(r)) for w, r in reading_words(name_zh)]
    words = [(w, r) for w, r in words if r and _CJK_WORDS.get(w) not in _LEGAL]  # no legal forms
    pinyin = ["".join(lazy_pinyin(w)) if w and not w.isascii() else "" for w, _ in words]
    english = _english_words(name_en)
    n, m = len(words), len(english)
    # best[i][j]: most Chinese words explained, in order, from words[i:] and english[j:]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            k = _matches(words[i][0], words[i][1], pinyin[i], english, j)
            best[i][j] = max(best[i + 1][j], best[i][j + 1], (1 + best[i + 1][j + k]) if k else 0)
    anchors: list[tuple[int, int, int]] = []  # (Chinese word, English word, English words)
    i = j = 0
    while i < n and j < m:
        k = _matches(words[i][0], words[i][1], pinyin[i], english, j)
        if k and best[i][j] == 1 + best[i + 1][j + k]:
            anchors.append((i, j, k))
            i, j = i + 1, j + k
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    pairs: list[tuple[str, str]] = []
    i = j = 0
    for a_i, a_j, a_k in [*anchors, (n, m, 0)]:
        gap_zh, gap_en = words[i:a_i], english[j:a_j]
        if gap_zh and gap_en and all(w and not w.isascii() and w not in _CJK_WORDS for w, _r in gap_zh):
            pairs.append(("".join(w for w, _r in gap_zh), " ".join(gap_en)))
        i, j = a_i + 1, a_j + a_k
    return pairs


def _trim(words: list[str]) -> list[str]:
    """English words without the places, generic and joining words at either end (a short name
    is the distinctive part: "ningbo menovo pharmaceutical" -> "menovo")."""
    from chainscreen.normalize.names import token_kind

    while words and (token_kind(words[0]) != "distinctive" or words[0] in _FORM_WORDS):
        words = words[1:]
    while words and (token_kind(words[-1]) != "distinctive" or words[-1] in _FORM_WORDS):
        words = words[:-1]
    return words


def _english_vocabulary() -> frozenset[str]:
    """Plain English words: every word written in small letters in CC-CEDICT's English
    definitions (names and acronyms are capitalised there: "CITIC", "Tencent")."""
    import re

    from chainscreen.normalize.names import _cedict, _definitions

    return frozenset(w for word in _cedict() for w in re.findall(r"\b[a-z]+\b", _definitions(word) or ""))


def read_extract() -> list[dict[str, str]]:
    with EXTRACT.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def short_names(companies: list[dict[str, str]]) -> list[tuple[str, str, int, str]]:
    """(Chinese short name, English short name, companies, example) rows, sorted."""
    from pypinyin import lazy_pinyin

    from chainscreen.normalize.names import _gloss, _known  # what the dictionaries know

    seen: dict[str, Counter[str]] = defaultdict(Counter)
    example: dict[tuple[str, str], str] = {}
    english_words = _english_vocabulary()
    for row in companies:
        for zh, en in align(row["name_zh"], row["name_en"]):
            zh = zh.lstrip("市省")  # the end of a city's or province's name: 东莞市宇瞳 -> 宇瞳
            words = _trim(en.split())
            if not 2 <= len(zh) <= 6 or not 1 <= len(words) <= 4:
                continue
            if len(words) < len(en.split()) and all(w in english_words for w in words):
                continue  # trimmed down to plain English: 中新 / "china singapore ... park" -> "park"
            if "".join(words) == "".join(lazy_pinyin(zh)):
                continue  # the pinyin reading already says it
            en = " ".join(words)
            seen[zh][en] += 1
            example.setdefault((zh, en), f"{row['exchange']} {row['code']}")
    out = []
    for zh, counts in seen.items():
        en, count = sorted(counts.items(), key=lambda e: (-e[1], len(e[0].split()), e[0]))[0]
        if _gloss(zh) is not None or (_known(zh) and count < 2):
            continue  # a dictionary word (节能 "energy saving"), unless several companies read it so
        out.append((zh, en, count, example[(zh, en)]))
    out.sort()
    return out


def derive() -> None:
    companies = read_extract()
    out = short_names(companies)
    with SHORT_NAMES.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["zh", "en", "companies", "example"])
        w.writerows(out)
    print(f"{len(companies)} companies -> {len(out)} short names -> {SHORT_NAMES}")


def check(train: str, test: str) -> None:
    """Short names derived from the ``train`` exchange's companies (or ``all``), and the Chinese
    names of the ``test`` exchange's companies screened against the shipped lists with and
    without them: the hits at review or above that the short names add or remove."""
    from chainscreen.match import EntityMatcher, name_keys
    from chainscreen.normalize import names
    from chainscreen.reference import load_reference
    from chainscreen.settings import Settings

    companies = read_extract()
    table = {zh: en for zh, en, _n, _e in short_names(
        [r for r in companies if train in ("all", r["exchange"])])}
    tested = [r for r in companies if test in ("all", r["exchange"])]
    entities = load_reference(user=False).entities
    found = []
    for using in ({}, table):  # the table in use, swapped in for this check only
        names._short_names = lambda using=using: using  # type: ignore[assignment]
        names._short_name_longest = lambda using=using: max(map(len, using), default=0)  # type: ignore[assignment]
        for cached in (names.short_name_reading, names.name_variants, names._reading_words, name_keys):
            cached.cache_clear()
        matcher = EntityMatcher(entities, Settings(), workers=1)
        results = matcher.match_many([(r["name_zh"], "CN") for r in tested])
        found.append({(r["exchange"], r["code"], r["name_zh"], r["name_en"], c.record.name, c.decision)
                      for r, cands in zip(tested, results, strict=True) for c in cands
                      if c.decision in ("match", "review")})
    print(f"{len(table)} short names from {train}; {len(tested)} Chinese names of {test} companies; "
          f"hits at review or above: {len(found[0])} without, {len(found[1])} with")
    for hit in sorted(found[1] - found[0]):
        print("  added:  ", " | ".join(hit))
    for hit in sorted(found[0] - found[1]):
        print("  removed:", " | ".join(hit))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    ex = sub.add_parser("extract")
    ex.add_argument("--szse", type=Path)
    ex.add_argument("--sse", type=Path)
    sub.add_parser("derive")
    ch = sub.add_parser("check")
    ch.add_argument("--train", choices=["SZSE", "SSE", "all"], default="all")
    ch.add_argument("--test", choices=["SZSE", "SSE", "all"], default="all")
    args = parser.parse_args(argv)
    if args.step == "extract":
        extract(args.szse, args.sse)
    elif args.step == "check":
        check(args.train, args.test)
    else:
        derive()


if __name__ == "__main__":
    main(sys.argv[1:])
