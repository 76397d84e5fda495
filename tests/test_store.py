"""The run store: schema and migrations, runs written in batches, incomplete runs, concurrency,
input bytes kept for re-screening, reproducibility checks — on SQLite and on PostgreSQL.

The manifests are synthetic test fixtures; listed supplier names are read from the shipped
UFLPA Entity List. ``derived_reference`` makes a test-only copy of the shipped lists with one
real record left out and one real alias dropped (nothing is added), standing in for an older
edition of the UFLPA Entity List.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chainscreen.pipeline import screen
from chainscreen.reference import load_reference
from chainscreen.resources import reference_dir
from chainscreen.review import Decision, hits_from_result, make_decision
from chainscreen.settings import Settings
from chainscreen.store import (
    COMPLETE,
    FAILED,
    INCOMPLETE,
    Base,
    Store,
    StoreError,
    input_file,
    open_store,
    verify_run,
)

SHIPPED = reference_dir()
DERIVED_EDITION = "0000-test"  # marks the derived copy as a test fixture, never a real edition


def uflpa_rows() -> list[dict[str, str]]:
    with (SHIPPED / "uflpa_entity_list.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def pick_records() -> tuple[dict[str, str], dict[str, str]]:
    """(changed, added): a record with aliases, and one without, from the shipped list."""
    # Only records that the CBP list does not also name, so each gives exactly one hit.
    cbp = (SHIPPED / "cbp_wro_entities.csv").read_text(encoding="utf-8").casefold()
    rows = [r for r in uflpa_rows() if r["country"] == "CN"
            and " ".join(r["name"].casefold().split()[:2]) not in cbp]
    changed = next(r for r in rows if r["aliases"].count(" | ") >= 1)
    added = next(r for r in rows if not r["aliases"] and r["record_id"] != changed["record_id"])
    return changed, added


def derived_reference(dest: Path) -> Path:
    """A copy of the shipped lists in which the UFLPA Entity List lacks ``added`` and the last
    alias of ``changed``; catalogue sha256, record count and edition rewritten to match."""
    changed, added = pick_records()
    shutil.copytree(SHIPPED, dest)
    path = dest / "uflpa_entity_list.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    out = []
    for r in rows:
        if r["record_id"] == added["record_id"]:
            continue
        if r["record_id"] == changed["record_id"]:
            r = {**r, "aliases": " | ".join(r["aliases"].split(" | ")[:-1])}
        out.append(r)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    catalogue = json.loads((dest / "catalogue.json").read_text(encoding="utf-8"))
    for entry in catalogue["lists"]:
        if entry["id"] == "uflpa-entity-list":
            entry.update(sha256=hashlib.sha256(path.read_bytes()).hexdigest(), records=len(out),
                         edition=DERIVED_EDITION,
                         notes="Test fixture derived from the shipped list: one record and one "
                               "alias removed.")
    (dest / "catalogue.json").write_text(json.dumps(catalogue, indent=2), encoding="utf-8")
    return dest


def write_manifest(path: Path, extra: list[tuple[str, str, str]] = ()) -> Path:  # type: ignore[assignment]
    changed, added = pick_records()
    rows = [(changed["name"], "China", "cotton yarn"), (added["name"], "CN", "hair products"),
            ("Nordic Office Paper AB", "Sweden", "copy paper"), *extra]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier Name", "Country of Origin", "Description of Goods"])
        w.writerows(rows)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty run database: a SQLite file, or a database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.sqlite'}"
    return str(request.getfixturevalue("postgresql_url"))


@pytest.fixture()
def store(db_url: str) -> Store:
    with open_store(db_url) as s:
        yield s


def test_open_migrates_to_the_models(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from chainscreen.store import migrations_dir

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() == head
        # The shipped migrations create exactly the tables and columns the ORM models declare.
        assert compare_metadata(ctx, Base.metadata) == []
    assert store.count("runs") == 0


def test_record_and_resolve_runs(store: Store, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "lines.csv")
    result = screen(manifest)
    first = store.record(result, manifest)
    second = store.record(screen(manifest), manifest)
    assert first.status == second.status == COMPLETE
    assert first.row_count == 3 and first.input_sha256 == result.manifest.sha256
    assert first.settings_sha256 == Settings().digest()
    assert {e["id"] for e in first.lists()} >= {"uflpa-entity-list", "dol-tvpra"}
    assert store.count("input_blobs") == 1  # same bytes kept once
    assert store.resolve("latest").id == second.id
    assert store.resolve(str(first.id)).uid == first.uid
    assert store.resolve(first.uid[:6]).id == first.id
    with pytest.raises(StoreError, match="no run"):
        store.resolve("999")
    rows = store.rows(first.id)
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert rows[0]["level"] == "high" and rows[2]["level"] != "high"
    hits = store.hits(first.id)
    assert {h.row for h in hits} == {1, 2}
    assert {lv["list_id"] for lv in store.list_versions(first.id)} == {e["id"] for e in first.lists()}


def test_failure_mid_write_marks_run_failed(store: Store, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = write_manifest(tmp_path / "lines.csv")
    result = screen(manifest)
    run = store.start_run(manifest)
    assert store.get(run.id).status == INCOMPLETE
    calls = {"n": 0}
    real = Store._tx

    def flaky(self: Store):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:  # one read of the decisions, two batches of rows committed, then
            raise RuntimeError("disk full (simulated)")
        return real(self)

    monkeypatch.setattr(Store, "_tx", flaky)
    with pytest.raises(RuntimeError, match="disk full"):
        store.finish_run(run.id, result, batch=1)
    monkeypatch.setattr(Store, "_tx", real)
    after = store.get(run.id)
    assert after.status == FAILED and "disk full" in (after.error or "")
    assert after.finished is None and after.receipt is None
    assert 0 < len(store.rows(run.id)) < 3  # some batches landed; the run says failed


def test_input_kept_for_rescreen(store: Store, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = write_manifest(tmp_path / "lines.csv")
    run = store.record(screen(manifest), manifest)
    original = manifest.read_bytes()
    manifest.unlink()  # the file moved away: the stored copy is used
    with input_file(store, run) as path:
        assert path.read_bytes() == original and path.name == "lines.csv"
    # Too large to keep, and the file on disk changed since: refuse with a clear message.
    monkeypatch.setattr("chainscreen.store.MAX_INPUT_BYTES", 0)
    other = write_manifest(tmp_path / "other.csv", [("Synthetic Other Supplier", "VN", "shirts")])
    run2 = store.record(screen(other), other)
    other.write_text("Supplier Name\nsomeone else\n", encoding="utf-8")
    with pytest.raises(StoreError, match="has changed since the run"), input_file(store, run2):
        pass


def test_verify_tells_what_would_not_reproduce(store: Store, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "lines.csv")
    old_root = derived_reference(tmp_path / "ref")
    run = store.record(screen(manifest, reference=load_reference(root=old_root)), manifest)
    checks = verify_run(store, run, Settings(), reference_root=old_root)
    assert all(ok for ok, _, _ in checks), checks
    # Against the shipped lists the derived edition is gone, and other settings differ.
    checks = verify_run(store, run, Settings(cut_high=80.0))
    bad = {item for ok, item, _ in checks if not ok}
    assert bad == {f"uflpa-entity-list@{DERIVED_EDITION}", "settings"}


def test_decisions_apply_to_later_runs_and_reopen(store: Store, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "lines.csv")
    changed, added = pick_records()
    old_ref = load_reference(root=derived_reference(tmp_path / "ref"))
    run1 = store.record(screen(manifest, reference=old_ref), manifest)
    hit = next(h for h in store.hits(run1.id) if h.record_id == changed["record_id"])
    assert not any(h.record_id == added["record_id"] for h in store.hits(run1.id))
    assert store.add_decisions([make_decision(hit, "dismiss", note="not them", by="ana",
                                              at="2026-01-05T10:00:00+00:00")]) == 1
    # Same lists: the decision is applied to the new run's row.
    result2 = screen(manifest, reference=old_ref)
    run2 = store.record(result2, manifest)
    assert result2.rows[0].decision is not None
    assert result2.rows[0].decision["state"] == "current"
    assert result2.rows[0].decision["by"] == "ana"
    assert store.rows(run2.id)[0]["decision"]["status"] == "dismiss"
    # The shipped (newer) list: the entry changed, so the decision reopens; the added record hits.
    result3 = screen(manifest)
    run3 = store.record(result3, manifest)
    assert result3.rows[0].decision["state"] == "reopened"
    assert result3.rows[0].decision["reason"] == "list entry changed"
    assert any(h.record_id == added["record_id"] for h in hits_from_result(result3))
    snap = store.review_snapshots(run3.id)[(1, hit.list_id, hit.record_id)]
    assert snap["state"] == "reopened"


def test_decisions_are_not_duplicated(store: Store) -> None:
    d = Decision(party="acme", country="CN", list_id="l", record_id="r", status="confirm",
                 note="", by="bo", at="2026-01-01T00:00:00+00:00", record_hash="a" * 64,
                 row_hash="b" * 64)
    assert store.add_decisions([d, d]) == 1
    assert store.add_decisions([d]) == 0
    assert store.decisions() == [d]


def test_bad_url_is_one_clear_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("not a url at all")
    with pytest.raises(StoreError, match="cannot open the run database"):
        open_store("sqlite:////proc/no/such/dir/runs.sqlite")


def test_two_screens_at_once_both_complete(tmp_path: Path) -> None:
    """Two `chainscreen screen` processes writing into one new SQLite file at the same time."""
    db = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    manifest = write_manifest(tmp_path / "lines.csv",
                              [(f"Synthetic Supplier {i}", "VN", "shirts") for i in range(300)])
    env = {**os.environ, "CHAINSCREEN_DB": db}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "chainscreen", "screen", str(manifest), "-o",
         str(tmp_path / f"out{i}"), "--format", "json", "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    ids = {json.loads(out)["run"]["id"] for out, _ in outs}
    with open_store(db) as s:
        runs = s.runs()
        assert {r.id for r in runs} == ids and len(ids) == 2
        assert all(r.status == COMPLETE and r.row_count == 303 for r in runs)
        assert all(len(s.rows(r.id)) == 303 for r in runs)
