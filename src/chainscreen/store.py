"""The run store: every screening run, its rows and candidates, the list editions it used, the
input file's bytes, and reviewers' decisions, in one SQL database (SQLAlchemy 2.x ORM).

The database is a SQLite file in the user data directory by default, or any SQLAlchemy URL
(``--db`` / ``CHAINSCREEN_DB``), PostgreSQL included. :func:`open_store` brings the schema up
to date with Alembic (the migrations ship inside the package), so users never run Alembic.

Writes are batched, each batch in its own transaction. A run is inserted as ``incomplete``
before any row is written and only the final transaction marks it ``complete``, so a crash,
a kill or an error part-way leaves an ``incomplete`` run, never a half-written "complete" one.
SQLite runs in WAL mode with a busy timeout and ``BEGIN IMMEDIATE`` transactions, so two
``chainscreen screen`` processes on the same file both finish (one waits for the other's
short write transactions instead of failing).

>>> store = open_store("sqlite:///runs.sqlite")            # doctest: +SKIP
>>> run = store.record(result, source="lines.csv")         # doctest: +SKIP
>>> store.resolve("latest").id                             # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chainscreen.errors import ChainscreenError
from chainscreen.review import (
    HIT_DECISIONS,
    Decision,
    Hit,
    apply_decisions,
    apply_row_decisions,
    hits_from_rows,
    latest,
    review_snapshot,
)

if TYPE_CHECKING:
    from chainscreen.models import Problem
    from chainscreen.reference import ReferenceSet
    from chainscreen.result import RowResult, ScreenResult

#: Rows per write transaction.
BATCH = 2000
#: Input files up to this size are kept in the database so ``rescreen`` works after a move.
MAX_INPUT_BYTES = 100 * 1024 * 1024
#: Run statuses: ``incomplete`` while running (and for ever when the process was killed),
#: ``complete`` once rows, receipt and outputs are all written, ``failed`` when an error stopped it.
INCOMPLETE, COMPLETE, FAILED = "incomplete", "complete", "failed"
_PG_MIGRATION_LOCK = 0x63686E73  # any constant: serialises concurrent migrations on PostgreSQL


class StoreError(ChainscreenError):
    """The run database cannot be opened or does not hold what was asked for."""


# ---------------------------------------------------------------------------------------------
# schema (kept in step with migrations/versions/; tests compare the two)


class Base(DeclarativeBase):
    """Declarative base of the run store's tables."""


class ListVersion(Base):
    """One edition of one risk list, as identified by its file's sha256."""

    __tablename__ = "list_versions"
    __table_args__ = (UniqueConstraint("list_id", "edition", "sha256", name="uq_list_versions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[str] = mapped_column(String(100))
    edition: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    records: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)


class InputBlob(Base):
    """The bytes of an input file, stored once per sha256."""

    __tablename__ = "input_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Run(Base):
    """One screening run and its receipt."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    input_name: Mapped[str] = mapped_column(Text)
    input_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    input_sha256: Mapped[str] = mapped_column(String(64), index=True)
    row_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    settings_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tool_version: Mapped[str] = mapped_column(String(40))
    started: Mapped[str] = mapped_column(String(40))
    finished: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    levels: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: File-level problems (``row`` None) as ``{column, reason, severity}``; NULL before 0002.
    problems: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)


class RunList(Base):
    """Which list versions a run used."""

    __tablename__ = "run_lists"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    list_version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), primary_key=True)


class RowResultRow(Base):
    """One input row's result in one run."""

    __tablename__ = "row_results"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier: Mapped[str | None] = mapped_column(Text, nullable=True)
    party: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(8))
    row_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Added in migration 0002; NULL in rows written before it (read back as empty).
    formula: Mapped[str | None] = mapped_column(Text, nullable=True)
    goods: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    problems: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)


class CandidateRow(Base):
    """One candidate list record considered for one row, with the review state at run time."""

    __tablename__ = "candidates"
    __table_args__ = (Index("ix_candidates_record", "list_id", "record_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[str] = mapped_column(String(100))
    record_id: Mapped[str] = mapped_column(String(100))
    record_name: Mapped[str] = mapped_column(Text)
    record_hash: Mapped[str] = mapped_column(String(64))
    matched_name: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    match_decision: Mapped[str] = mapped_column(String(20))
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: The matcher's reasons (added in migration 0002; NULL before it).
    reasons: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class DecisionRow(Base):
    """A reviewer's decision on (party, list record); the latest per key is in force."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_key", "party", "country", "list_id", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(8))
    list_id: Mapped[str] = mapped_column(String(100))
    record_id: Mapped[str] = mapped_column(String(100))
    record_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[str] = mapped_column(String(40))
    record_name: Mapped[str] = mapped_column(Text)
    supplier: Mapped[str] = mapped_column(Text)
    #: The list edition decided against (added in migration 0003; NULL before it).
    edition: Mapped[str | None] = mapped_column(String(40), nullable=True)


def _table(model: type[Base]) -> Table:
    """The Core table of an ORM model (typed as such for insert/update)."""
    return cast(Table, model.__table__)


# ---------------------------------------------------------------------------------------------
# plain data handed to callers


@dataclass(frozen=True)
class RunInfo:
    """A stored run as plain data."""

    id: int
    uid: str
    input_name: str
    input_path: str | None
    input_sha256: str
    row_count: int | None
    settings_sha256: str | None
    tool_version: str
    started: str
    finished: str | None
    status: str
    error: str | None
    options: dict[str, Any] = field(default_factory=dict)
    receipt: dict[str, Any] | None = None
    levels: dict[str, Any] | None = None
    problems: list[dict[str, Any]] | None = None

    @property
    def label(self) -> str:
        """``run 3 (1a2b3c4d)``: the integer id and the start of the uid."""
        return f"run {self.id} ({self.uid[:8]})"

    def lists(self) -> list[dict[str, Any]]:
        """The receipt's lists (id, edition, sha256, records); empty for an incomplete run."""
        return list((self.receipt or {}).get("lists") or [])


def require_complete(run: RunInfo, purpose: str) -> None:
    """Raise StoreError when ``run`` did not finish (killed or failed): its rows, hits and list
    editions are missing or partial, so there is nothing to ``purpose`` ("review", "compare")."""
    if run.status != COMPLETE:
        raise StoreError(
            f"{run.label} is {run.status}: it did not finish, so its hits and list editions are "
            f"not known and there is nothing to {purpose}"
            + (f" (it stopped on: {run.error[:200]})" if run.error else "")
            + f"; screen its input again with: chainscreen rescreen {run.id}")


def _run_info(run: Run) -> RunInfo:
    return RunInfo(
        id=run.id, uid=run.uid, input_name=run.input_name, input_path=run.input_path,
        input_sha256=run.input_sha256, row_count=run.row_count,
        settings_sha256=run.settings_sha256, tool_version=run.tool_version, started=run.started,
        finished=run.finished, status=run.status, error=run.error, options=dict(run.options or {}),
        receipt=run.receipt, levels=run.levels, problems=run.problems,
    )


def _pk(result: Any) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:  # cannot happen for a single-row INSERT on these tables
        raise StoreError("the database returned no key for a new row")
    return int(key[0])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# opening


def default_url() -> str:
    """A SQLite file ``runs.sqlite`` in the platform's data folder (front ends pass their own
    URL: :attr:`chainscreen.config.Config.store_url`)."""
    from chainscreen.config import Config

    return Config.default().store_url


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as given; it holds no password we could hide
        return url


def _make_engine(url: str) -> Engine:
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"{url!r} is not a database URL ({exc}); use e.g. "
                         "sqlite:///runs.sqlite or postgresql+psycopg://user@host/db") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot open the run database {url}: cannot create {folder} "
                                 f"({exc.strerror})") from None
        engine = create_engine(parsed, connect_args={"timeout": 60})
        _sqlite_events(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # SQLAlchemy's default PostgreSQL driver is psycopg2; this project installs psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise StoreError(f"no database driver for {display_url(url)} ({exc.name}); for "
                         "PostgreSQL: pip install 'chainscreen[postgres]'") from None


def _sqlite_events(engine: Engine) -> None:
    # The sqlite3 module's own transaction handling neither wraps DDL nor takes the write lock
    # up front; turn it off and issue BEGIN IMMEDIATE ourselves (SQLAlchemy's documented recipe),
    # so a writer waits on the busy timeout instead of failing on a lock upgrade.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        # Switching a new database file to WAL needs an exclusive lock, and SQLite can answer
        # "database is locked" at once, without waiting on the busy timeout, while another
        # process is doing the same: retry for a while.
        for attempt in range(300):
            try:
                cur.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 299:
                    raise
                time.sleep(0.05)
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def migrations_dir() -> Path:
    """The Alembic script folder shipped in the package."""
    return Path(__file__).resolve().parent / "migrations"


def upgrade(conn: Connection) -> None:
    """Bring the schema on ``conn`` to the newest revision (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def open_store(url: str | None = None) -> Store:
    """Open (creating and migrating as needed) the run store at ``url`` (default: :func:`default_url`)."""
    url = url or default_url()
    engine = _make_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two processes opening a new database at once: one migrates, the other waits.
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            upgrade(conn)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the run database {display_url(url)}: "
                         f"{_short(exc)}") from None
    return Store(engine, url)


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------
# the store


class Store:
    """Queries and writes on one run database. Create with :func:`open_store`."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"run database {display_url(self.url)}: {_short(exc)}") from exc

    # -- writing a run ----------------------------------------------------------------------

    def start_run(self, source: str | Path | None, *, options: dict[str, Any] | None = None,
                  input_name: str | None = None, data: bytes | None = None,
                  input_path: str | None = None) -> RunInfo:
        """Insert a run as ``incomplete`` and keep the input's bytes; returns it.

        ``source`` is the input file (hashed here when ``data`` is not given; its bytes are kept
        when it is at most :data:`MAX_INPUT_BYTES`); a DataFrame input has no file, so pass
        ``source=None`` and ``input_name``. ``input_path`` overrides the path recorded (a
        re-screen reads a temporary copy but records the original file).
        """
        path = Path(source) if source is not None else None
        if data is None and path is not None:
            data, digest = _read_input(path)
        else:
            data = data or b""
            digest = hashlib.sha256(data).hexdigest()
        from chainscreen.version import __version__

        recorded = input_path if input_path is not None else (str(path.resolve()) if path else None)
        values = dict(
            uid=uuid.uuid4().hex, input_name=input_name or (path.name if path else "frame"),
            input_path=recorded, input_sha256=digest,
            row_count=None, settings_sha256=None, tool_version=__version__, started=_now(),
            finished=None, status=INCOMPLETE, error=None, options=dict(options or {}),
            receipt=None, levels=None, problems=None,
        )
        with self._tx() as conn:
            if path is not None and data is not None and len(data) <= MAX_INPUT_BYTES:
                self._ensure_blob(conn, digest, data)
            run_id = _pk(conn.execute(insert(_table(Run)).values(**values)))
        return self.get(int(run_id))

    def _ensure_blob(self, conn: Connection, digest: str, data: bytes) -> None:
        exists = conn.execute(select(InputBlob.sha256).where(InputBlob.sha256 == digest)).first()
        if exists:
            return
        try:
            with conn.begin_nested():
                conn.execute(insert(_table(InputBlob)).values(sha256=digest, size=len(data),
                                                                data=data))
        except IntegrityError:
            pass  # another run stored the same bytes a moment ago

    def _list_version_id(self, conn: Connection, entry: dict[str, Any], kind: str,
                         title: str) -> int:
        cond = ((ListVersion.list_id == entry["id"]) & (ListVersion.edition == entry["edition"])
                & (ListVersion.sha256 == entry["sha256"]))
        found = conn.execute(select(ListVersion.id).where(cond)).scalar()
        if found is not None:
            return int(found)
        try:
            with conn.begin_nested():
                res = conn.execute(insert(_table(ListVersion)).values(
                    list_id=entry["id"], edition=entry["edition"], sha256=entry["sha256"],
                    records=int(entry.get("records") or 0), kind=kind, title=title))
                return _pk(res)
        except IntegrityError:
            return int(conn.execute(select(ListVersion.id).where(cond)).scalar_one())

    def finish_run(self, run_id: int, result: ScreenResult, *, batch: int = BATCH) -> RunInfo:
        """Store a whole result: :meth:`save_rows` then :meth:`complete_run`.

        Rows are stored as screened, each with the decision in force at run time; then the
        decisions are applied to ``result`` (a dismissed hit's evidence taken out of its row's
        level), so outputs written afterwards show them. On any error the run is marked failed
        (with the error) and the error is raised.
        """
        try:
            decisions = self.decisions()
            self.save_rows(run_id, result.rows, list(result.manifest.field("address")), batch=batch,
                           decisions=decisions)
            run = self.complete_run(run_id, result.receipt, result.counts(), result.problems,
                                    result.reference)
            apply_decisions(result, decisions)
            return run
        except BaseException as exc:
            self.fail_run(run_id, f"{type(exc).__name__}: {exc}")
            raise

    def save_rows(self, run_id: int, rows: Sequence[RowResult], addresses: Sequence[str], *,
                  batch: int = BATCH, decisions: Sequence[Decision] | None = None) -> None:
        """Apply the decisions in force to ``rows`` and store them with their candidates.

        Call once for a whole result or once per chunk of a streamed run; the run stays
        ``incomplete`` until :meth:`complete_run`. ``addresses[i]`` is row ``i``'s address
        (part of the row hash that reopens decisions). ``decisions`` defaults to every stored
        decision (pass them in when calling per chunk, to read them once).
        """
        in_force = latest(self.decisions() if decisions is None else decisions)
        apply_row_decisions(rows, addresses, in_force)
        self._write_rows(run_id, rows, addresses, in_force, batch)

    def complete_run(self, run_id: int, receipt: dict[str, Any], counts: dict[str, int],
                     problems: Sequence[Problem], reference: ReferenceSet | None) -> RunInfo:
        """Record the receipt, level counts, file-level problems and list editions; mark the run
        ``complete``."""
        with self._tx() as conn:
            for entry in receipt.get("lists", []):
                info = reference.catalogue.get(entry["id"]) if reference is not None else None
                lv = self._list_version_id(conn, entry, info.kind if info else "",
                                           info.title if info else "")
                conn.execute(insert(_table(RunList)).values(run_id=run_id, list_version_id=lv))
            conn.execute(update(_table(Run)).where(_table(Run).c.id == run_id).values(
                row_count=int(receipt["input"]["rows"]), settings_sha256=receipt["settings_sha256"],
                finished=_now(), status=COMPLETE, receipt=_jsonable(receipt),
                levels=dict(counts), error=None, problems=storable([_problem(p) for p in problems])))
        return self.get(run_id)

    def _write_rows(self, run_id: int, results: Sequence[RowResult], addresses: Sequence[str],
                    in_force: dict[Any, Decision], batch: int) -> None:
        from chainscreen.review import party_key, row_hash

        hits = {(h.row, h.list_id, h.record_id): h for h in hits_from_rows(results, addresses)}
        rows: list[dict[str, Any]] = []
        cands: list[dict[str, Any]] = []

        def flush() -> None:
            with self._tx() as conn:
                if rows:
                    conn.execute(insert(_table(RowResultRow)), rows)
                if cands:
                    conn.execute(insert(_table(CandidateRow)), cands)
            rows.clear()
            cands.clear()

        # Rows that share an outcome share its evidence, reasons, goods and candidates objects:
        # make each storable once (a streamed chunk of 50,000 rows has a few thousand outcomes);
        # per row only the row number, supplier, party, row hash, decision and problems.
        parties: dict[tuple[str | None, str | None], tuple[str, str]] = {}
        hashes: dict[tuple[str | None, str | None, str], str] = {}
        shared: dict[tuple[int, int, int, str], dict[str, Any]] = {}
        bases: dict[int, dict[str, Any]] = {}
        for i, r in enumerate(results):
            pkey = (r.supplier, r.country)
            found = parties.get(pkey)
            if found is None:
                found = parties[pkey] = storable(party_key(r.supplier, r.country))
            party, country = found
            address = addresses[i] if i < len(addresses) else ""
            hkey = (r.supplier, r.country, address)
            rhash = hashes.get(hkey)
            if rhash is None:
                rhash = hashes[hkey] = row_hash(r.supplier, r.country, address)
            okey = (id(r.evidence), id(r.reasons), id(r.goods), r.formula)
            outcome = shared.get(okey)
            if outcome is None:
                # the same forms as RowResult.to_dict(), so result_dict() gives them back as-is
                outcome = shared[okey] = {
                    "evidence": _jsonable([e.to_dict() for e in r.evidence]),
                    **storable({"reasons": list(r.reasons), "formula": r.formula,
                                "goods": sorted({f"{g.scheme}:{g.good}" for g in r.goods})})}
            rows.append({
                **storable(dict(run_id=run_id, row=r.row, supplier=r.supplier, decision=r.decision,
                                problems=[_problem(p) for p in r.problems])),
                "party": party, "country": country, "row_hash": rhash, "status": r.status,
                "level": r.level, "score": float(r.score), **outcome})
            for rank, c in enumerate(r.candidates):
                review = None
                hit = hits.get((r.row, c.record.list_id, c.record.record_id))
                if hit is not None:
                    review = storable(review_snapshot(hit, in_force))
                base = bases.get(id(c))
                if base is None:
                    base = bases[id(c)] = storable(dict(
                        run_id=run_id, list_id=c.record.list_id,
                        record_id=c.record.record_id, record_name=c.record.name,
                        record_hash=c.record.content_hash(), matched_name=c.matched_name,
                        score=float(c.score), match_decision=c.decision, reasons=list(c.reasons)))
                cands.append({**base, "row": r.row, "rank": rank, "review": review})
            if len(rows) >= batch:
                flush()
        flush()

    def fail_run(self, run_id: int, error: str) -> None:
        """Mark a run ``failed`` with why (a run that did not finish, or whose outputs could not
        be written, even when its rows were stored). Never raises."""
        try:
            with self.engine.begin() as conn:
                conn.execute(update(_table(Run)).where(_table(Run).c.id == run_id).values(
                    status=FAILED, error=error[:2000]))
        except Exception:  # the database itself may be what failed; the run stays incomplete
            pass

    def record(self, result: ScreenResult, source: str | Path | None = None, *,
               options: dict[str, Any] | None = None) -> RunInfo:
        """Store a finished ScreenResult as a new run (start, rows in batches, complete)."""
        name = result.receipt.get("input", {}).get("file") or "frame"
        run = self.start_run(source, options=options, input_name=name,
                             data=None if source is not None else b"")
        return self.finish_run(run.id, result)

    # -- reading runs -----------------------------------------------------------------------

    def get(self, run_id: int) -> RunInfo:
        """The run with integer id ``run_id``."""
        with self._tx() as conn:
            row = conn.execute(select(_table(Run)).where(_table(Run).c.id == run_id)).first()
        if row is None:
            raise StoreError(f"no run {run_id} in {display_url(self.url)}")
        return _run_info(Run(**row._asdict()))

    def runs(self, limit: int | None = None) -> list[RunInfo]:
        """Runs, newest first."""
        stmt = select(_table(Run)).order_by(_table(Run).c.id.desc())
        if limit:
            stmt = stmt.limit(limit)
        with self._tx() as conn:
            return [_run_info(Run(**r._asdict())) for r in conn.execute(stmt)]

    def resolve(self, ref: str) -> RunInfo:
        """A run from what a user typed: an integer id, ``latest``, or a unique uid prefix."""
        text = str(ref).strip().lower()
        if text in ("latest", "last"):
            runs = self.runs(limit=1)
            if not runs:
                raise StoreError(f"no runs yet in {display_url(self.url)}")
            return runs[0]
        if text.isdigit():
            with self._tx() as conn:
                found = conn.execute(select(_table(Run).c.id).where(
                    _table(Run).c.id == int(text))).first()
            if found is not None:
                return self.get(int(text))
        if len(text) >= 4 and all(ch in "0123456789abcdef" for ch in text):
            with self._tx() as conn:
                ids = [r[0] for r in conn.execute(select(_table(Run).c.id).where(
                    _table(Run).c.uid.like(text + "%")).limit(2))]
            if len(ids) == 1:
                return self.get(ids[0])
            if len(ids) > 1:
                raise StoreError(f"run {ref!r} is ambiguous: more than one run uid starts with it")
        raise StoreError(f"no run {ref!r} in {display_url(self.url)} (use an id from "
                         "'chainscreen runs', 'latest', or the start of a run uid)")

    def rows(self, run_id: int, only: int | None = None) -> list[dict[str, Any]]:
        """Row results of a run (or only row ``only``), in row order, as plain dicts."""
        t = _table(RowResultRow)
        cond = t.c.run_id == run_id
        if only is not None:
            cond = cond & (t.c.row == only)
        with self._tx() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t).where(cond).order_by(t.c.row))]

    def candidates(self, run_id: int, only: int | None = None) -> list[dict[str, Any]]:
        """Candidates of a run (or of row ``only``), by row then rank, as plain dicts."""
        t = _table(CandidateRow)
        cond = t.c.run_id == run_id
        if only is not None:
            cond = cond & (t.c.row == only)
        with self._tx() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(t).where(cond).order_by(t.c.row, t.c.rank))]

    def result_dict(self, run_id: int) -> dict[str, Any]:
        """A complete run in the JSON output contract's form (``ScreenResult.to_dict()``):
        ``rows``, ``receipt``, ``summary`` and ``problems``; valid against
        docs/schema/screen-output.schema.json.

        Rows written before migration 0002 have no goods, formula, problems or candidate
        reasons: they come back empty (``[]``, ``""``), and the run's file-level problems are
        then unknown (only the rows' own are listed). Raises StoreError for a run that did not
        complete, whose rows may be missing.
        """
        run = self.get(run_id)
        if run.status != COMPLETE or run.receipt is None:
            raise StoreError(f"{run.label} is {run.status} (it did not finish); its results are "
                             "not complete. Re-screen it with: chainscreen rescreen "
                             f"{run.id}")
        r, c = _table(RowResultRow), _table(CandidateRow)
        by_row: dict[int, list[dict[str, Any]]] = {}
        with self._tx() as conn:
            for m in conn.execute(select(c).where(c.c.run_id == run_id)
                                  .order_by(c.c.row, c.c.rank)):
                by_row.setdefault(m.row, []).append({
                    "list_id": m.list_id, "record_id": m.record_id, "name": m.record_name,
                    "matched_name": m.matched_name, "score": m.score,
                    "decision": m.match_decision, "reasons": list(m.reasons or [])})
            rows = [{
                "row": m.row, "status": m.status, "level": m.level, "score": m.score,
                "formula": m.formula or "", "reasons": list(m.reasons or []),
                "evidence": list(m.evidence or []), "supplier": m.supplier,
                # the party key stores a missing country as ""; the contract says null
                "country": m.country or None, "goods": list(m.goods or []),
                "candidates": by_row.get(m.row, []), "problems": list(m.problems or []),
                "decision": m.decision,
            } for m in conn.execute(select(r).where(r.c.run_id == run_id).order_by(r.c.row))]
        levels = dict(run.levels) if run.levels else _count_levels(rows)
        problems = [{"row": None, **p} for p in run.problems or []]
        problems += [{"row": row["row"], **p} for row in rows for p in row["problems"]]
        summary: dict[str, Any] = {"rows": len(rows), "levels": levels}
        if run.receipt and "coverage" in run.receipt:  # runs stored before coverage have none
            summary["coverage"] = run.receipt["coverage"]
        return {"rows": rows, "receipt": run.receipt, "summary": summary, "problems": problems}

    def hits(self, run_id: int) -> list[Hit]:
        """The hits (candidates the matcher scored match or review) of a run, best first per row."""
        c, r = _table(CandidateRow), _table(RowResultRow)
        stmt = (select(c, r.c.party, r.c.country, r.c.row_hash, r.c.supplier, r.c.level)
                .join(r, (r.c.run_id == c.c.run_id) & (r.c.row == c.c.row))
                .where((c.c.run_id == run_id) & c.c.match_decision.in_(HIT_DECISIONS))
                .order_by(c.c.row, c.c.rank))
        editions = {e["id"]: e["edition"] for e in self.get(run_id).lists()}
        with self._tx() as conn:
            return [Hit(row=m.row, party=m.party, country=m.country, row_hash=m.row_hash,
                        list_id=m.list_id, record_id=m.record_id, record_hash=m.record_hash,
                        record_name=m.record_name, matched_name=m.matched_name, score=m.score,
                        match_decision=m.match_decision, supplier=m.supplier or "",
                        level=m.level, edition=editions.get(m.list_id, ""))
                    for m in conn.execute(stmt)]

    def review_snapshots(self, run_id: int) -> dict[tuple[int, str, str], dict[str, Any] | None]:
        """The review state recorded at run time per hit ``(row, list_id, record_id)``."""
        t = _table(CandidateRow)
        with self._tx() as conn:
            return {(m.row, m.list_id, m.record_id): m.review for m in conn.execute(
                select(t.c.row, t.c.list_id, t.c.record_id, t.c.review).where(
                    (t.c.run_id == run_id) & t.c.match_decision.in_(HIT_DECISIONS)))}

    def input_bytes(self, sha256: str) -> bytes | None:
        """The stored bytes of an input file, or None when they were not kept."""
        with self._tx() as conn:
            return conn.execute(select(InputBlob.data).where(InputBlob.sha256 == sha256)).scalar()

    def list_versions(self, run_id: int) -> list[dict[str, Any]]:
        """The list versions a run used."""
        lv, rl = _table(ListVersion), _table(RunList)
        with self._tx() as conn:
            return [dict(m._mapping) for m in conn.execute(
                select(lv).join(rl, rl.c.list_version_id == lv.c.id)
                .where(rl.c.run_id == run_id).order_by(lv.c.list_id))]

    def count(self, table: str = "runs") -> int:
        """Rows in one of the store's tables (for checks and tests)."""
        t = Base.metadata.tables[table]
        with self._tx() as conn:
            return int(conn.execute(select(func.count()).select_from(t)).scalar_one())

    # -- decisions --------------------------------------------------------------------------

    def decisions(self) -> list[Decision]:
        """Every decision ever recorded, oldest first (see :func:`chainscreen.review.latest`)."""
        t = _table(DecisionRow)
        cols = [c for c in t.c if c.name != "id"]
        with self._tx() as conn:
            return [Decision(**{**dict(m._mapping), "edition": m.edition or ""})
                    for m in conn.execute(select(*cols).order_by(t.c.at, t.c.id))]

    def add_decisions(self, decisions: Iterable[Decision]) -> int:
        """Record decisions; one identical to a stored decision is skipped. Returns how many were new."""
        have = {_identity(d) for d in self.decisions()}
        new = []
        for d in decisions:
            if _identity(d) not in have:
                have.add(_identity(d))
                new.append(d.to_dict())
        if new:
            with self._tx() as conn:
                conn.execute(insert(_table(DecisionRow)), new)
        return len(new)


def _read_input(path: Path) -> tuple[bytes | None, str]:
    """The input's bytes (None when larger than :data:`MAX_INPUT_BYTES`) and its sha256, read in
    blocks so a big file is never held whole."""
    digest = hashlib.sha256()
    kept: list[bytes] | None = []
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
            size += len(block)
            if kept is not None:
                kept.append(block)
                if size > MAX_INPUT_BYTES:
                    kept = None
    return (b"".join(kept) if kept is not None else None), digest.hexdigest()


def _problem(p: Any) -> dict[str, Any]:
    """A Problem in the contract's row form (its row number is the row it is stored with)."""
    return {"column": p.column, "reason": p.reason, "severity": p.severity}


def _count_levels(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Rows per level, every level present, as ``ScreenResult.counts()`` gives them."""
    from collections import Counter

    c = Counter(row["level"] for row in rows)
    return {lvl: c.get(lvl, 0) for lvl in ("high", "elevated", "low", "clear", "unscreenable")}


def _identity(d: Decision) -> tuple[str, ...]:
    return (*d.key, d.record_hash, d.row_hash, d.status, d.note, d.by, d.at)


def storable(value: Any) -> Any:
    """``value`` with every NUL character in its text shown as U+2400 (␀), recursively.

    PostgreSQL text cannot hold NUL and SQLite can: replacing it here, for every store, keeps
    what is stored (and shown from the store) the same on both.
    """
    # repr() shows a NUL as the four characters \x00: one quick look for the common case
    return _without_nul(value) if "\\x00" in repr(value) else value


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\u2400")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    # Receipts and evidence hold tuples, numpy scalars and the like: round-trip through JSON.
    return storable(json.loads(json.dumps(value, default=_default, ensure_ascii=False)))


def _default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def run_table_names() -> Sequence[str]:
    """Names of the store's tables."""
    return tuple(Base.metadata.tables)


# ---------------------------------------------------------------------------------------------
# re-screening and reproducibility


def run_side(store: Store, run: RunInfo) -> Any:
    """The plain data :func:`chainscreen.review.diff_runs` compares, for one stored run."""
    from chainscreen.review import RunSide

    rows = store.rows(run.id)
    return RunSide(
        hits=store.hits(run.id), parties=frozenset((r["party"], r["country"]) for r in rows),
        lists=run.lists(), settings_sha256=run.settings_sha256,
        reviews=store.review_snapshots(run.id))


@contextmanager
def input_file(store: Store, run: RunInfo) -> Iterator[Path]:
    """A path holding the run's input bytes: the stored copy, or the original file if unchanged.

    Raises StoreError when the bytes were not kept and the file at the recorded path is gone
    or no longer has the recorded sha256.
    """
    import tempfile

    data = store.input_bytes(run.input_sha256)
    if data is not None:
        with tempfile.TemporaryDirectory(prefix="chainscreen-rescreen-") as tmp:
            # Same file name, so the reader sees the same extension and the receipt the same name.
            path = Path(tmp) / run.input_name
            path.write_bytes(data)
            yield path
        return
    original = Path(run.input_path) if run.input_path else None
    if original is None or not original.is_file():
        raise StoreError(f"{run.label}: its input was not kept in the database and "
                         f"{run.input_path or 'its file'} is gone; cannot re-screen it")
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    if digest != run.input_sha256:
        raise StoreError(f"{run.label}: {original} has changed since the run (sha256 "
                         f"{run.input_sha256[:12]}... then, {digest[:12]}... now) and the input "
                         "was not kept in the database; cannot re-screen it")
    yield original


def verify_run(store: Store, run: RunInfo, settings: Any, reference_root: Path | None = None, *,
               lists_dir: Path | None = None) -> list[tuple[bool, str, str]]:
    """Whether a re-run of ``run`` today would reproduce it: ``(ok, item, detail)`` per ingredient.

    Compares the run's receipt with what a re-run would use: the input's bytes (kept in the
    database, or the file at its path), each list edition's sha256 in the current catalogue,
    ``settings`` (the settings a re-run would use) and the tool version.
    """
    from chainscreen.reference import all_editions
    from chainscreen.version import __version__

    checks: list[tuple[bool, str, str]] = []
    if run.status != COMPLETE:
        checks.append((False, "run", f"status {run.status}: the run did not finish"))
    try:
        with input_file(store, run) as path:
            kept = store.input_bytes(run.input_sha256) is not None
            checks.append((True, "input", f"{run.input_name} sha256 {run.input_sha256[:12]}... "
                           + ("kept in the database" if kept else f"unchanged at {path}")))
    except StoreError as exc:
        checks.append((False, "input", str(exc)))
    # Shipped and imported editions alike: a pinned re-run can use either.
    current = {(e.info.id, e.info.edition): e.info for e in all_editions(reference_root, user=lists_dir)}
    for entry in run.lists():
        label = f"{entry['id']}@{entry['edition']}"
        info = current.get((entry["id"], entry["edition"]))
        if info is None:
            checks.append((False, label, "edition no longer in the reference lists"))
        elif info.sha256 != entry["sha256"]:
            checks.append((False, label, f"sha256 {entry['sha256'][:12]}... then, "
                           f"{info.sha256[:12]}... now"))
        else:
            checks.append((True, label, f"sha256 {entry['sha256'][:12]}... available"))
    digest = settings.digest()
    checks.append((digest == run.settings_sha256, "settings",
                   f"sha256 {str(run.settings_sha256)[:12]}... "
                   + ("same as now" if digest == run.settings_sha256 else
                      f"then, {digest[:12]}... now")))
    checks.append((__version__ == run.tool_version, "tool",
                   f"chainscreen {run.tool_version}"
                   + ("" if __version__ == run.tool_version else f" then, {__version__} now")))
    return checks
