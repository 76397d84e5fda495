"""The screening context cached on disk for ``chainscreen check``: used when current, rebuilt when
the lists, settings or code change, rebuilt (never used) when the file is damaged; ``check``
imports neither pandas nor pyarrow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import chainscreen.pipeline as pipeline
from chainscreen.pipeline import cached_context, screen_one
from chainscreen.reference import reference_fingerprint
from chainscreen.resources import reference_dir
from chainscreen.settings import Settings

HOSHINE = {"supplier": "Hoshine Silicon Industry (Shanshan) Co Ltd", "country": "CN", "hs_code": "2804.61"}


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    real = pipeline.load_reference

    def counting(*args: object, **kwargs: object) -> object:
        built.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "load_reference", counting)
    return built


def test_the_second_check_reads_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _count_builds(monkeypatch)
    first = screen_one(cached_context(Settings(), tmp_path), HOSHINE)
    (cached,) = tmp_path.glob("context-*.pickle")
    second = screen_one(cached_context(Settings(), tmp_path), HOSHINE)
    assert len(built) == 1
    assert first.to_dict() == second.to_dict()
    assert first.level == "high"
    assert list(tmp_path.glob("context-*.pickle")) == [cached]


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_damaged_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    cached_context(Settings(), tmp_path)
    (path,) = tmp_path.glob("context-*.pickle")
    blob = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        path.write_bytes(blob[:-100] + bytes([blob[-100] ^ 0xFF]) + blob[-99:])
    else:
        path.write_bytes(b"not a cache at all")
    built = _count_builds(monkeypatch)
    ctx = cached_context(Settings(), tmp_path)
    assert len(built) == 1
    assert screen_one(ctx, HOSHINE).level == "high"
    assert path.read_bytes() == blob  # written again whole


def test_other_settings_use_another_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached_context(Settings(), tmp_path)
    built = _count_builds(monkeypatch)
    cached_context(Settings(lists=("uflpa-entity-list",)), tmp_path)
    assert len(built) == 1


def test_the_fingerprint_follows_the_list_files(tmp_path: Path) -> None:
    root = tmp_path / "reference"
    shutil.copytree(reference_dir(), root)
    before = reference_fingerprint(root, user=False)
    assert reference_fingerprint(root, user=False) == before
    target = root / "uflpa_entity_list.csv"
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert reference_fingerprint(root, user=False) != before


def test_check_imports_neither_pandas_nor_pyarrow_nor_other_commands(tmp_path: Path) -> None:
    code = (
        "import runpy, sys\n"
        "sys.argv = ['chainscreen', 'check', 'Hoshine Silicon Industry (Shanshan) Co Ltd', '--country', 'CN']\n"
        "try:\n"
        "    runpy.run_module('chainscreen', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('HEAVY', sorted(m for m in ('pandas', 'pyarrow', 'pycountry', 'chainscreen.manifest',\n"
        "      'chainscreen.cli.cmd_screen', 'chainscreen.cli.cmd_review') if m in sys.modules))\n"
    )
    env = {**os.environ, "CHAINSCREEN_DATA_DIR": str(tmp_path)}
    for run in range(2):  # noqa: B007 - building the cache (lists loaded with pandas), then reading it
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                             timeout=600, check=False)
        assert "HIGH" in out.stdout, out.stderr[-2000:]
    assert "HEAVY []" in out.stdout, (run, out.stdout[-500:])


def test_country_names_are_kept_and_read_back_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chainscreen.normalize.countries import common_names

    names = pipeline.cached_country_names(tmp_path)
    assert names == common_names()
    assert names["CN"] == "China" and names["KR"] == "South Korea"
    (path,) = tmp_path.glob("names-*.pickle")
    blob = path.read_bytes()

    def never() -> dict[str, str]:
        raise AssertionError("the names were worked out again")

    monkeypatch.setattr(pipeline, "common_names", never)
    assert pipeline.cached_country_names(tmp_path) == names
    path.write_bytes(blob[:-50] + bytes([blob[-50] ^ 0xFF]) + blob[-49:])
    monkeypatch.setattr(pipeline, "common_names", common_names)
    assert pipeline.cached_country_names(tmp_path) == names
    assert path.read_bytes() == blob  # rebuilt, not trusted


def test_a_screen_names_countries_without_rigours_text_tools_once_kept(tmp_path: Path) -> None:
    """A reason names the origin ("China is Tier 3 ..."): after the first run the names come
    from the cache, and rigour's territories (which import its text tools, ≈ 0.13 s) are not
    loaded; the rows are the same."""
    manifest = tmp_path / "lines.csv"
    manifest.write_text("supplier,country,goods\nAcme Mills,Malaysia,rubber gloves\nNordic Paper AB,SE,copy paper\n")
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['chainscreen', 'screen', {str(manifest)!r}, '-o', {str(tmp_path / 'out')!r},\n"
        "            '--force', '--no-store', '--format', 'json', '-q']\n"
        "try:\n"
        "    runpy.run_module('chainscreen', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED', sorted(m for m in ('rigour.territories', 'normality') if m in sys.modules))\n"
    )
    env = {**os.environ, "CHAINSCREEN_DATA_DIR": str(tmp_path / "data")}
    outputs, loaded = [], []
    for _run in range(2):  # the names kept, then read back
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                             timeout=600, check=False)
        assert "LOADED" in out.stdout, out.stderr[-2000:]
        loaded.append(out.stdout.split("LOADED", 1)[1].strip())
        outputs.append((tmp_path / "out" / "lines.json").read_text(encoding="utf-8"))
    assert loaded[1] == "[]", loaded
    assert "Malaysia" in outputs[1]
    strip = [o.split('"receipt"', 1)[0] for o in outputs]  # the receipts differ in their times
    assert strip[0] == strip[1]


# -- the match index a screening run keeps per list edition ----------------------------------------


def _count_indexes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    real = pipeline.EntityMatcher._build

    def counting(*args: object, **kwargs: object) -> object:
        built.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline.EntityMatcher, "_build", counting)
    return built


def test_a_screen_reads_the_match_index_the_last_one_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chainscreen.reference import load_reference
    from chainscreen.run import screen_run

    manifest = tmp_path / "lines.csv"
    manifest.write_text("supplier,country\nHoshine Silicon Industry (Shanshan) Co Ltd,CN\nNordic Paper AB,SE\n")
    reference = load_reference(user=False)
    built = _count_indexes(monkeypatch)
    cache = tmp_path / "cache"
    first = screen_run(manifest, Settings(), reference=reference, cache=cache)
    (index,) = cache.glob("index-*.pickle")
    second = screen_run(manifest, Settings(), reference=reference, cache=cache)
    assert len(built) == 1
    assert first.result is not None and second.result is not None
    assert [r.to_dict() for r in first.result.rows] == [r.to_dict() for r in second.result.rows]
    assert first.counts["high"] == 1
    # other settings: another index, the older file replaced
    screen_run(manifest, Settings(match_threshold=0.9), reference=reference, cache=cache)
    assert len(built) == 2
    assert [p.name for p in cache.glob("index-*.pickle")] != [index.name]


def test_a_damaged_match_index_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chainscreen.pipeline import cached_matcher
    from chainscreen.reference import load_reference

    reference = load_reference(user=False)
    cached_matcher(reference, Settings(), tmp_path)
    (path,) = tmp_path.glob("index-*.pickle")
    blob = path.read_bytes()
    path.write_bytes(blob[:-100] + bytes([blob[-100] ^ 0xFF]) + blob[-99:])
    built = _count_indexes(monkeypatch)
    matcher = cached_matcher(reference, Settings(), tmp_path)
    assert len(built) == 1
    assert matcher.size > 300
    assert path.read_bytes() == blob


def test_an_unwritable_cache_folder_is_worked_without(tmp_path: Path) -> None:
    from chainscreen.pipeline import cached_matcher
    from chainscreen.reference import load_reference

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    matcher = cached_matcher(load_reference(user=False), Settings(), blocker / "cache")
    assert matcher.size > 300


def test_a_long_list_index_is_kept_in_an_index_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above DISK_INDEX_MIN list names the index goes to an SQLite file read key by key; its
    candidates equal the in-memory index's, in this process and in forked workers."""
    from chainscreen.match import EntityMatcher
    from chainscreen.pipeline import cached_matcher
    from chainscreen.reference import load_reference

    monkeypatch.setattr(pipeline, "DISK_INDEX_MIN", 10)
    reference = load_reference(user=False)
    built = cached_matcher(reference, Settings(), tmp_path)
    (disk,) = tmp_path.glob("index-*.sqlite")
    assert not list(tmp_path.glob("index-*.pickle"))
    opened = cached_matcher(reference, Settings(), tmp_path)
    assert not isinstance(opened._entries, list)  # read from the file
    assert opened.size == built.size
    parties = [(r.name, r.country) for r in reference.entities[:40]]
    parties += [(a + " Co", None) for r in reference.entities[:40] for a in r.aliases[:1]]
    parties += [("Hoshine Silicon", "CN"), ("Nordic Office Paper AB", "SE"), ("XPCC", None), ("", None)]
    expect = [[(c.record.record_id, c.matched_name, c.score, c.decision, c.reasons) for c in cands]
              for cands in EntityMatcher(reference.entities, Settings(), workers=1).match_many(parties)]
    got = [[(c.record.record_id, c.matched_name, c.score, c.decision, c.reasons) for c in cands]
           for cands in opened.match_many(parties)]
    assert got == expect
    assert any(cands and cands[0][3] == "match" for cands in got)
    workers = EntityMatcher.open(disk)
    workers.workers, workers.parallel_min = 2, 4
    assert workers.match("Hoshine Silicon Industry", "CN")  # a connection open before the fork
    got = [[(c.record.record_id, c.matched_name, c.score, c.decision, c.reasons) for c in cands]
           for cands in workers.match_many(parties)]
    assert got == expect


def test_a_damaged_index_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chainscreen.pipeline import cached_matcher
    from chainscreen.reference import load_reference

    monkeypatch.setattr(pipeline, "DISK_INDEX_MIN", 10)
    reference = load_reference(user=False)
    cached_matcher(reference, Settings(), tmp_path)
    (disk,) = tmp_path.glob("index-*.sqlite")
    blob = disk.read_bytes()
    disk.write_bytes(blob[: len(blob) // 2])
    built = _count_indexes(monkeypatch)
    matcher = cached_matcher(reference, Settings(), tmp_path)
    assert len(built) == 1
    assert isinstance(matcher._entries, list)
    assert disk.stat().st_size == len(blob)


def test_an_index_file_in_use_is_not_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run writing a newer index removes an older index file only when no matcher reads it."""
    from chainscreen.match import EntityMatcher, remove_unused_index
    from chainscreen.pipeline import cached_matcher
    from chainscreen.reference import load_reference

    monkeypatch.setattr(pipeline, "DISK_INDEX_MIN", 10)
    reference = load_reference(user=False)
    cached_matcher(reference, Settings(), tmp_path)
    (disk,) = tmp_path.glob("index-*.sqlite")
    reading = EntityMatcher.open(disk)
    assert not remove_unused_index(disk)
    cached_matcher(reference, Settings(match_threshold=0.9), tmp_path)  # another key
    assert disk.exists() and len(list(tmp_path.glob("index-*.sqlite"))) == 2
    assert reading.match("Hoshine Silicon Industry", "CN")
    del reading
    cached_matcher(reference, Settings(), tmp_path)  # the first key again: read, nothing written
    cached_matcher(reference, Settings(review_threshold=0.7), tmp_path)  # a third key: both go
    assert len(list(tmp_path.glob("index-*.sqlite"))) == 1
    assert not disk.exists()


def test_the_cache_key_follows_the_data_tables(tmp_path: Path) -> None:
    """A rebuilt data table (the Chinese short names the index reads names with) gives another
    code digest, so an index built with the old table is not used; compiled files do not."""
    package = tmp_path / "chainscreen"
    (package / "tables").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "match.py").write_text("x = 1\n")
    table = package / "tables" / "cn_short_names.csv"
    table.write_text("zh,en\n", encoding="utf-8")
    before = pipeline._code_digest(package)
    (package / "__pycache__" / "match.cpython-311.pyc").write_bytes(b"compiled")
    assert pipeline._code_digest(package) == before
    table.write_text("zh,en\n纳思达,ninestar\n", encoding="utf-8")
    assert pipeline._code_digest(package) != before


def test_memos_keyed_by_object_ids_stay_in_their_process() -> None:
    """A context sent to another process (pickled: a Spark executor, the cache on disk) leaves
    behind the memos keyed by object ids, whose keys could name other objects there."""
    import pickle

    from chainscreen.pipeline import ScreeningContext
    from chainscreen.reference import load_reference

    ctx = ScreeningContext.build(load_reference(user=False), Settings())
    screen_one(ctx, HOSHINE)
    assert ctx.verdicts or ctx.cells
    copy = pickle.loads(pickle.dumps(ctx))
    assert not copy.verdicts and not copy.cells
    assert copy.party  # the memos keyed by values travel
    assert screen_one(copy, HOSHINE).score == screen_one(ctx, HOSHINE).score
