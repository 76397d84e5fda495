"""What the pages and the JSON API show, as plain data, from the library: runs, a run's review
queue, one hit side by side with its list record, a row with the decisions applied, recording
decisions, the reviewed outputs and the pre-contract check.

No review logic lives here: the queue order, decision keys and states are
:mod:`chainscreen.review`'s, a row's level after a dismissal is
:func:`chainscreen.review.decide_row`'s, the outputs are :mod:`chainscreen.reviewed`'s. This
module only gathers them per request and keeps what is costly to build (the list index of the
check, a run's input rows and list records) for the life of the server.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from chainscreen.errors import ChainscreenError, InputError
from chainscreen.models import LEVELS
from chainscreen.review import (
    STATUSES,
    Decision,
    Hit,
    QueueEntry,
    find_hit,
    history,
    hit_ref,
    latest,
    make_decision,
    queue_counts,
    review_queue,
    same_supplier,
)

if TYPE_CHECKING:
    from chainscreen.models import EntityRecord
    from chainscreen.reference import ReferenceSet
    from chainscreen.settings import Settings
    from chainscreen.store import RunInfo, Store

T = TypeVar("T")


class NotFound(ChainscreenError):
    """A run, hit or row the request names does not exist."""


#: Queue filters a request may give, in the order they are shown.
FILTERS: tuple[str, ...] = ("level", "list", "country", "state", "q")
#: Values of the ``state`` filter: open (and reopened), each decision, or every hit.
STATES: tuple[str, ...] = ("open", *STATUSES, "all")


@dataclass(frozen=True)
class Filters:
    """A queue's filters; empty strings mean "any"."""

    level: str = ""
    list: str = ""
    country: str = ""
    state: str = "open"
    q: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """From a request's query string; an unknown state raises InputError."""
        state = (query.get("state") or "open").strip().lower()
        if state not in STATES:
            raise InputError(f"state {state!r} is not one of {', '.join(STATES)}")
        return cls(level=(query.get("level") or "").strip().lower(),
                   list=(query.get("list") or "").strip(),
                   country=(query.get("country") or "").strip().upper(),
                   state=state, q=(query.get("q") or "").strip())

    def query(self) -> dict[str, str]:
        """The non-empty filters, for links that keep them."""
        return {k: v for k, v in ((f, getattr(self, f)) for f in FILTERS) if v}

    def keep(self, e: QueueEntry) -> bool:
        """Whether queue entry ``e`` passes."""
        h = e.hit
        if self.level and h.level != self.level:
            return False
        if self.list and h.list_id != self.list:
            return False
        if self.country and h.country != self.country:
            return False
        if self.state != "all" and e.status != self.state:
            return False
        return not (self.q and self.q.casefold() not in (h.supplier or "").casefold())


def entry_dict(e: QueueEntry) -> dict[str, Any]:
    """A queue entry in the API's hit shape."""
    h, d = e.hit, e.decision
    return {
        "hit": hit_ref(h), "row": h.row, "supplier": h.supplier, "country": h.country or None,
        "list_id": h.list_id, "record_id": h.record_id, "record_name": h.record_name,
        "matched_name": h.matched_name, "match_score": h.score, "match": h.match_decision,
        "level": h.level, "state": e.state, "reason": e.reason,
        "decision": None if d is None else {"decision": d.status, "note": d.note, "by": d.by,
                                            "at": d.at},
    }


def decision_dict(d: Decision, hit: Hit | None = None) -> dict[str, Any]:
    """A stored decision as the API returns it."""
    out: dict[str, Any] = {"decision": d.status, "note": d.note, "by": d.by, "at": d.at,
                           "list_id": d.list_id, "record_id": d.record_id,
                           "record_name": d.record_name, "edition": d.edition,
                           "party": d.party, "country": d.country or None,
                           "supplier": d.supplier, "record_hash": d.record_hash,
                           "row_hash": d.row_hash}
    if hit is not None:
        out = {"hit": hit_ref(hit), **out}
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ReviewService:
    """The run store and the lists behind one server; thread-safe for its caches."""

    def __init__(self, store: Store, *, settings: Settings | None = None,
                 reference: ReferenceSet | None = None, reference_args: Mapping[str, Any] | None = None,
                 clock: Callable[[], str] = _now) -> None:
        from chainscreen.reference import load_reference
        from chainscreen.settings import Settings

        self.store = store
        self.settings = settings or Settings()
        #: The list folders (``root``, ``user``) as the front end resolved them.
        self.reference_args = dict(reference_args or {})
        # The lists the check answers from, loaded and indexed once at start-up.
        self.reference = reference or load_reference(lists=self.settings.lists, **self.reference_args)
        from chainscreen.check import Checker

        self.checker = Checker(self.settings, self.reference)
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, Any], Any] = OrderedDict()
        self._write_lock = threading.Lock()

    # -- caches -----------------------------------------------------------------------------

    def _cached(self, key: tuple[str, Any], build: Callable[[], T], keep: int = 16) -> T:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        value = build()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > keep:
                self._cache.popitem(last=False)
        return value

    def _run_reference(self, run: RunInfo) -> ReferenceSet:
        from chainscreen.reviewed import run_reference

        return self._cached(("reference", run.uid), lambda: run_reference(run, **self.reference_args))

    def _records(self, run: RunInfo) -> dict[tuple[str, str], EntityRecord]:
        from chainscreen.reviewed import entity_index

        return self._cached(("records", run.uid), lambda: entity_index(self._run_reference(run)))

    def _builder(self, run: RunInfo) -> Any:
        from chainscreen.evidence import EvidenceBuilder
        from chainscreen.reviewed import run_settings

        return self._cached(("builder", run.uid), lambda: EvidenceBuilder(
            self._run_reference(run), run_settings(run)))

    def _input_rows(self, run: RunInfo) -> Any:
        """The run's input as read (the user's columns), from the bytes kept with the run."""
        from chainscreen.manifest import read_manifest
        from chainscreen.store import input_file

        def build() -> Any:
            opts = run.options or {}
            with input_file(self.store, run) as path:
                return read_manifest(path, sheet=opts.get("sheet"),
                                     mapping=opts.get("mapping") or None).frame

        return self._cached(("input", run.uid), build, keep=8)

    # -- runs -------------------------------------------------------------------------------

    def run(self, run_id: int) -> RunInfo:
        """A stored run; NotFound when there is none."""
        from chainscreen.store import StoreError

        try:
            return self.store.get(run_id)
        except StoreError:
            raise NotFound(f"no run {run_id}") from None

    def runs(self, limit: int = 200, today: date | None = None) -> list[dict[str, Any]]:
        """Every run, newest first, with its level counts, list editions and open hits."""
        from chainscreen.models import edition_age

        in_force = latest(self.store.decisions())
        today = today or date.today()
        out = []
        for r in self.store.runs(limit=limit):
            entries = review_queue(self.store.hits(r.id), in_force) if r.status == "complete" else []
            counts = queue_counts(entries)
            out.append({
                "id": r.id, "uid": r.uid, "input": r.input_name, "started": r.started,
                "finished": r.finished, "status": r.status, "rows": r.row_count,
                "counts": {lvl: int((r.levels or {}).get(lvl, 0)) for lvl in LEVELS},
                "hits": len(entries), "open_hits": counts["open"], "decided": counts,
                "lists": [{"id": e["id"], "edition": e["edition"],
                           "age_days": edition_age(str(e["edition"]), today)} for e in r.lists()],
            })
        return out

    # -- the queue --------------------------------------------------------------------------

    def queue(self, run_id: int) -> tuple[RunInfo, list[QueueEntry]]:
        """A run and all its hits in triage order with their state."""
        run = self.run(run_id)
        return run, review_queue(self.store.hits(run.id), latest(self.store.decisions()))

    def hits(self, run_id: int, state: str = "open") -> list[dict[str, Any]]:
        """``GET /api/runs/{id}/hits``: the run's hits (open ones, or all) in triage order."""
        if state not in ("open", "all"):
            raise InputError(f"state {state!r} is not one of open, all")
        _, entries = self.queue(run_id)
        return [entry_dict(e) for e in entries if state == "all" or e.status == "open"]

    # -- one row, one hit -------------------------------------------------------------------

    def row(self, run_id: int, row: int) -> dict[str, Any]:
        """A row's result with the decisions in force applied, and the user's columns."""
        from chainscreen.review import decide_row
        from chainscreen.reviewed import run_settings, stored_rows

        run = self.run(run_id)
        if run.status != "complete":
            raise NotFound(f"run {run_id} is {run.status}: it has no results to review")
        found = stored_rows(self.store, run.id, self._records(run), only=row)
        if not found:
            raise NotFound(f"run {run_id} has no row {row}")
        result = found[0]
        hits = [h for h in self.store.hits(run.id) if h.row == row]
        decide_row(result, hits, latest(self.store.decisions()), lambda: self._builder(run),
                   run_settings(run))
        out = result.to_dict()
        frame = self._input_rows(run)
        values = frame.iloc[row - 1] if 0 < row <= len(frame) else None
        out["input"] = ({str(k): ("" if v is None else str(v)) for k, v in values.items()}
                        if values is not None else {})
        return out

    def hit(self, run_id: int, ref: str, filters: Filters) -> dict[str, Any]:
        """Everything the hit page shows: the input row and its result, the list record, the
        matcher's reasons, the other candidates, the history, and the neighbours in the queue."""
        run, entries = self.queue(run_id)
        entry = next((e for e in entries if hit_ref(e.hit) == ref), None)
        if entry is None:
            h = find_hit((e.hit for e in entries), ref)
            entry = next((e for e in entries if e.hit == h), None) if h is not None else None
        if entry is None:
            raise NotFound(f"run {run_id} has no hit {ref!r}")
        h = entry.hit
        shown = [e for e in entries if filters.keep(e) or e is entry]
        pos = shown.index(entry)
        record = self._records(run).get((h.list_id, h.record_id))
        ref_set = self._run_reference(run)
        info = ref_set.catalogue.get(h.list_id)
        row = self.row(run_id, h.row)
        candidate = next((c for c in row["candidates"]
                          if (c["list_id"], c["record_id"]) == (h.list_id, h.record_id)), None)
        all_hits = [e.hit for e in entries]
        supplier_hits = same_supplier(all_hits, h)
        return {
            "run": run, "entry": entry, "hit": h, "ref": hit_ref(h), "row": row,
            "record": record, "list": info, "candidate": candidate,
            "others": [c for c in row["candidates"] if c is not candidate],
            "history": history(self.store.decisions(), h.key),
            "position": pos + 1, "total": len(shown),
            "prev": hit_ref(shown[pos - 1].hit) if pos > 0 else None,
            "next": hit_ref(shown[pos + 1].hit) if pos + 1 < len(shown) else None,
            # rows of the same supplier on the same record (what "every row" decides)
            "supplier_rows": sorted({x.row for x in all_hits if x.party == h.party
                                     and (x.list_id, x.record_id) == (h.list_id, h.record_id)}),
            "supplier_keys": len(supplier_hits),
        }

    def next_after(self, run_id: int, ref: str, filters: Filters) -> str | None:
        """The hit after ``ref`` in the filtered queue (ignoring ``ref`` itself), or None."""
        _, entries = self.queue(run_id)
        refs = [hit_ref(e.hit) for e in entries]
        if ref not in refs:
            return None
        after = refs.index(ref)
        for e in entries[after + 1:] + entries[:after]:
            if filters.keep(e) and hit_ref(e.hit) != ref:
                return hit_ref(e.hit)
        return None

    # -- deciding ---------------------------------------------------------------------------

    def decide(self, run_id: int, ref: str, status: str, *, note: str, by: str,
               every_row: bool = False) -> tuple[Hit, list[Decision]]:
        """Record a decision on hit ``ref`` (and, with ``every_row``, on the same supplier's hits
        on the same list record in every row of the run). Decisions are only ever added: a new
        one supersedes the one in force and both stay in the history. Raises InputError for an
        unknown hit or decision."""
        status = (status or "").strip().lower()
        if status not in STATUSES:
            raise InputError(f"decision {status!r} is not one of {', '.join(STATUSES)}")
        if len(note) > 4000:
            raise InputError("note longer than 4,000 characters")
        if not (by or "").strip():
            raise InputError("a decision needs a reviewer name (by)")
        if len(by) > 200:
            raise InputError("reviewer name longer than 200 characters")
        run = self.run(run_id)
        hits = self.store.hits(run.id)
        hit = find_hit(hits, ref)
        if hit is None:
            raise InputError(f"run {run_id} has no hit {ref!r} (use ROW:RECORD from "
                             f"/api/runs/{run_id}/hits)")
        targets = same_supplier(hits, hit) if every_row else [hit]
        with self._write_lock:
            at = self.clock()
            made = [make_decision(h, status, note=note, by=by, at=at) for h in targets]
            self.store.add_decisions(made)
        return hit, made

    # -- outputs ----------------------------------------------------------------------------

    def download(self, run_id: int, fmt: str) -> tuple[str, bytes]:
        """A reviewed output of the run (the same file as ``chainscreen report --run``)."""
        from chainscreen.reviewed import (
            REVIEWED_FORMATS,
            reviewed_names,
            stored_result,
            write_reviewed,
        )

        if fmt not in REVIEWED_FORMATS:
            raise NotFound(f"no {fmt!r} output; choose from {', '.join(REVIEWED_FORMATS)}")
        run = self.run(run_id)
        name = reviewed_names(run, [fmt])[fmt]
        with tempfile.TemporaryDirectory(prefix="chainscreen-download-") as tmp, \
                stored_result(self.store, run, reference=self._run_reference(run)) as result:
            path = write_reviewed(result, {fmt: Path(tmp) / name})[fmt]
            return name, path.read_bytes()

    # -- the pre-contract check ---------------------------------------------------------------

    def check(self, names: Any, *, country: Any = None, hs: Any = None, goods: Any = None,
              address: Any = None) -> dict[str, Any]:
        """``POST /api/check``: the same JSON as ``chainscreen check --json``. The values come
        from a request body as they are; the checker refuses what is not text."""
        return self.checker.check(names, country=country, hs_code=hs, goods=goods,
                                  address=address).to_dict()
