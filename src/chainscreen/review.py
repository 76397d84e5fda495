"""Reviewer decisions on hits: their keys, when they apply, when they reopen, and their file form.

A *hit* is a candidate the matcher scored ``match`` or ``review`` on one row. An analyst clears
or escalates it with a :class:`Decision` (``confirm``, ``dismiss`` or ``escalate``, a note, who
and when). The decision is keyed to the party and the list record, not to a run or a row
number, so it applies to every later run that finds the same party against the same record:

* the party is ``normalize_name(supplier)`` plus the row's ISO-2 country;
* the record is ``list_id`` + ``record_id``;
* the decision also remembers the record's :meth:`~chainscreen.models.EntityRecord.content_hash`
  and the row's :func:`row_hash` at the time of deciding. When either differs in a later run
  the decision *reopens* ("list entry changed", "row changed"): the analyst judged a different
  list entry or a different row, so the old verdict must not silently carry over.

Everything here is pure functions over plain data; :mod:`chainscreen.store` keeps decisions in
the database and :mod:`chainscreen.cli.cmd_review` is the command line.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.errors import InputError

if TYPE_CHECKING:
    from chainscreen.reference import ReferenceSet
    from chainscreen.result import RowResult, ScreenResult
    from chainscreen.settings import Settings

#: What an analyst can decide about a hit.
STATUSES: tuple[str, ...] = ("confirm", "dismiss", "escalate")
#: Matcher decisions that make a candidate a hit a human must look at.
HIT_DECISIONS: tuple[str, ...] = ("match", "review")
#: Columns of the decisions file (CSV header / YAML keys), in order.
FILE_FIELDS: tuple[str, ...] = (
    "party", "country", "list_id", "record_id", "status", "note", "by", "at",
    "record_hash", "row_hash", "record_name", "supplier", "edition",
)

#: Fields a decision cannot do without.
REQUIRED_FIELDS: tuple[str, ...] = ("party", "list_id", "record_id", "status", "by", "at",
                                    "record_hash", "row_hash")
#: Longest value per field (the run database's column sizes; the same on every store).
FIELD_LIMITS: dict[str, int] = {"country": 8, "list_id": 100, "record_id": 100, "status": 20,
                                "by": 200, "at": 40, "record_hash": 64, "row_hash": 64,
                                "edition": 40}
#: YAML nesting a decisions file never needs (a list of flat mappings is two levels deep).
YAML_MAX_DEPTH = 8

Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class Decision:
    """One analyst decision on (party, list record), with the hashes it was made against."""

    party: str  # normalize_name(supplier)
    country: str  # ISO-2 of the row, "" when unknown
    list_id: str
    record_id: str
    status: str  # confirm | dismiss | escalate
    note: str
    by: str
    at: str  # ISO 8601 timestamp, UTC
    record_hash: str
    row_hash: str
    record_name: str = ""  # for people reading the file; not part of the key
    supplier: str = ""  # the supplier as written when decided; not part of the key
    edition: str = ""  # the list edition decided against; "" when not recorded

    @property
    def key(self) -> Key:
        """(party, country, list_id, record_id): what the decision is about."""
        return (self.party, self.country, self.list_id, self.record_id)

    def to_dict(self) -> dict[str, str]:
        """Plain form, in :data:`FILE_FIELDS` order."""
        data = asdict(self)
        return {k: data[k] for k in FILE_FIELDS}


@dataclass(frozen=True)
class Hit:
    """One hit of one row of one run, as plain data (from a ScreenResult or the store)."""

    row: int
    party: str
    country: str
    row_hash: str
    list_id: str
    record_id: str
    record_hash: str
    record_name: str
    matched_name: str
    score: float
    match_decision: str
    supplier: str
    level: str
    edition: str = ""  # edition of the list the record is on, in the run

    @property
    def key(self) -> Key:
        """The decision key this hit looks up."""
        return (self.party, self.country, self.list_id, self.record_id)


def party_key(supplier: str | None, country: str | None) -> tuple[str, str]:
    """The normalised party a decision is keyed to: ``(normalize_name(supplier), ISO-2 or "")``."""
    from chainscreen.normalize.names import normalize_name

    return normalize_name(supplier or ""), (country or "").upper()


_NON_WORD = re.compile(r"\W+", re.UNICODE)


def _fold(text: str | None) -> str:
    return _NON_WORD.sub(" ", (text or "").casefold()).strip()


def row_hash(supplier: str | None, country: str | None, address: str | None) -> str:
    """sha256 of the facts a reviewer judged a row's identity on.

    The supplier name as written and the address, case and punctuation folded, and the
    ISO-2 country. A new spelling of the name (that still normalises to the same party) or a
    new address reopens a decision as "row changed"; goods, values and dates do not, because
    the same supplier ships many different lines.
    """
    blob = "\x1f".join((_fold(supplier), (country or "").upper(), _fold(address)))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def hits_from_result(result: ScreenResult) -> list[Hit]:
    """Every hit of a screening, row by row, best candidate first."""
    editions = {k: v.edition for k, v in result.reference.catalogue.items()}
    return hits_from_rows(result.rows, list(result.manifest.field("address")), editions)


def hits_from_rows(rows: Sequence[RowResult], addresses: Sequence[str],
                   editions: Mapping[str, str] | None = None) -> list[Hit]:
    """Every hit of ``rows`` (``addresses[i]`` is row ``i``'s address), best candidate first;
    ``editions`` names the edition of each list id."""
    editions = editions or {}
    out: list[Hit] = []
    for i, r in enumerate(rows):
        hits = [c for c in r.candidates if c.decision in HIT_DECISIONS]
        if not hits:
            continue
        party, country = party_key(r.supplier, r.country)
        rhash = row_hash(r.supplier, r.country, addresses[i] if i < len(addresses) else "")
        for c in hits:
            out.append(Hit(
                row=r.row, party=party, country=country, row_hash=rhash,
                list_id=c.record.list_id, record_id=c.record.record_id,
                record_hash=c.record.content_hash(), record_name=c.record.name,
                matched_name=c.matched_name, score=c.score, match_decision=c.decision,
                supplier=r.supplier or "", level=r.level,
                edition=editions.get(c.record.list_id, ""),
            ))
    return out


_NEVER = datetime.min.replace(tzinfo=UTC)


def parse_time(text: str) -> datetime | None:
    """``at`` as an aware datetime (ISO 8601; no offset means UTC), or None when it is not one."""
    try:
        value = datetime.fromisoformat(text.strip())
    except (ValueError, TypeError):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class InForce(dict[Key, Decision]):
    """The decisions in force: per key the latest one, and per key and row hash the latest one
    made against that row (:attr:`rows`). See :func:`decision_for`."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[Key, str], Decision] = {}


def latest(decisions: Iterable[Decision]) -> InForce:
    """The decisions in force: per key the one with the latest ``at`` (later in input on ties),
    and the same per key and row hash.

    Times are compared as instants, not as text; a time that is not ISO 8601 (only a database
    written before times were checked can hold one) counts as the earliest, so it never
    outranks a real decision.
    """
    out = InForce()
    when: dict[Any, datetime] = {}
    for d in decisions:
        at = parse_time(d.at) or _NEVER
        if d.key not in out or at >= when[d.key]:
            out[d.key] = d
            when[d.key] = at
        row = (d.key, d.row_hash)
        if row not in out.rows or at >= when[row]:
            out.rows[row] = d
            when[row] = at
    return out


def decision_for(hit: Hit, decisions: Mapping[Key, Decision]) -> Decision | None:
    """The decision that applies to ``hit``: the latest on its key when that one was made against
    this row, else the latest made against this row (the same supplier in another row, with
    another address or spelling, may have been decided differently), else the latest on the key
    (which then reopens: "row changed")."""
    d = decisions.get(hit.key)
    if d is None or d.row_hash == hit.row_hash:
        return d
    rows = getattr(decisions, "rows", None) or {}
    return rows.get((hit.key, hit.row_hash)) or d


def reopen_reason(hit: Hit, decision: Decision) -> str | None:
    """Why ``decision`` no longer holds for ``hit`` ("list entry changed", "row changed"), or None."""
    why = []
    if decision.record_hash != hit.record_hash:
        why.append("list entry changed")
    if decision.row_hash != hit.row_hash:
        why.append("row changed")
    return " and ".join(why) or None


def decision_view(hit: Hit, decision: Decision) -> dict[str, Any]:
    """The decision as shown on a row: who, when, note, status, and whether it still holds."""
    reason = reopen_reason(hit, decision)
    return {
        "status": decision.status, "by": decision.by, "at": decision.at, "note": decision.note,
        "state": "reopened" if reason else "current", "reason": reason,
        "list_id": decision.list_id, "record_id": decision.record_id,
    }


def hit_state(hit: Hit, decisions: Mapping[Key, Decision]) -> tuple[str, Decision | None, str | None]:
    """("open" | "decided" | "reopened", the decision, the reopen reason) for one hit."""
    d = decision_for(hit, decisions)
    if d is None:
        return "open", None, None
    reason = reopen_reason(hit, d)
    return ("reopened" if reason else "decided"), d, reason


def review_snapshot(hit: Hit, decisions: Mapping[Key, Decision]) -> dict[str, Any]:
    """A hit's review state as kept with a run: ``state`` open/decided/reopened, and the
    decision's status, by, at, note and the reopen reason when there is a decision."""
    state, d, reason = hit_state(hit, decisions)
    if d is None:
        return {"state": state}
    return {"state": state, "status": d.status, "by": d.by, "at": d.at, "note": d.note,
            "reason": reason}


def row_decisions(hits: Sequence[Hit], decisions: Mapping[Key, Decision]) -> dict[int, dict[str, Any]]:
    """Per row number, the decision to show: the one on the row's best decided hit, with
    ``hits`` (every decided hit of the row, best first) and ``text`` (the workbook cell).

    ``hits`` come best first within a row (as :func:`hits_from_result` returns them).
    """
    out: dict[int, dict[str, Any]] = {}
    for h in hits:
        d = decision_for(h, decisions)
        if d is None:
            continue
        view = decision_view(h, d)
        view["record_name"] = h.record_name
        row = out.get(h.row)
        if row is None:
            out[h.row] = {**view, "hits": [view]}
        else:
            row["hits"].append(view)
    for row in out.values():
        row["text"] = decision_text(row)
    return out


#: How a decision reads on a row: "cleared by ana on 2026-01-05: ...".
DECISION_WORDS = {"confirm": "confirmed", "dismiss": "cleared", "escalate": "escalated"}


def _one_text(view: Mapping[str, Any]) -> str:
    text = f"{DECISION_WORDS.get(view['status'], view['status'])} by {view['by']} on {str(view['at'])[:10]}"
    if view.get("note"):
        text += f": {view['note']}"
    if view.get("record_name"):
        text += f" ({view['record_name']}, {view['list_id']})"
    if view.get("state") == "reopened":
        text = f"reopened: {view.get('reason')} (was {text})"
    return text


def decision_text(row_view: Mapping[str, Any]) -> str:
    """The decisions on a row in one cell, each hit's in turn, then the level before clearing:
    "cleared by ana on 2026-01-05: other company (Hefei Bitland ..., uflpa-entity-list);
    level without the cleared evidence: elevated 62.0 (was high 100.0)"."""
    parts = [_one_text(v) for v in row_view.get("hits") or [row_view]]
    text = "; ".join(parts)
    before = row_view.get("before")
    if before:
        text += (f"; level without the cleared evidence: {row_view['level']} "
                 f"{row_view['score']:.1f} (was {before['level']} {before['score']:.1f})")
    return text


def cleared_hits(row_view: Mapping[str, Any] | None) -> set[tuple[str, str]]:
    """(list_id, record_id) of the hits a reviewer dismissed, with the decision still holding."""
    if not row_view:
        return set()
    return {(v["list_id"], v["record_id"]) for v in row_view.get("hits") or [row_view]
            if v["status"] == "dismiss" and v.get("state") == "current"}


def apply_decisions(result: ScreenResult, decisions: Iterable[Decision], *, rescore: bool = True) -> int:
    """Set ``RowResult.decision`` on every row of ``result`` that a decision covers; with
    ``rescore`` also take the evidence of dismissed hits out of each row's score and level.

    A dismissed hit no longer counts towards the row's level: the row's entity evidence is
    built again from its other candidates (a second hit on another list still counts) and the
    row scored again with :func:`chainscreen.score.recombine`; the decision keeps the level
    and score from before (``before``). A confirmed or escalated hit stays and says so.
    Reopened decisions are set too, with ``state`` "reopened" and the reason, and change
    nothing: the hit is open again. Returns how many rows got a decision.

    ``result`` is a screening as screened (applying twice gives the same rows).
    """
    return apply_row_decisions(result.rows, list(result.manifest.field("address")), latest(decisions),
                               reference=result.reference if rescore else None,
                               settings=result.settings)


def apply_row_decisions(rows: Sequence[RowResult], addresses: Sequence[str],
                        in_force: Mapping[Key, Decision], *, reference: ReferenceSet | None = None,
                        settings: Settings | None = None) -> int:
    """:func:`apply_decisions` for some rows (a chunk of a streamed run) and the decisions in
    force (:func:`latest`). Without ``reference`` only ``RowResult.decision`` is set (the rows
    keep their screened levels, as the run store keeps them); with it and ``settings``, the
    evidence of dismissed hits leaves the rows' scores."""
    by_row: dict[int, list[Hit]] = {}
    for h in hits_from_rows(rows, addresses):
        by_row.setdefault(h.row, []).append(h)
    builder: list[Any] = []

    def evidence_builder() -> Any:
        if not builder:
            from chainscreen.evidence import EvidenceBuilder
            from chainscreen.settings import Settings

            builder.append(EvidenceBuilder(reference, settings or Settings()))  # type: ignore[arg-type]
        return builder[0]

    decided = 0
    for r in rows:
        decided += decide_row(r, by_row.get(r.row, ()), in_force, evidence_builder, settings,
                              rescore=reference is not None)
    return decided


def decide_row(r: Any, hits: Sequence[Hit], decisions: Mapping[Key, Decision],
               evidence_builder: Any, settings: Any, *, rescore: bool = True) -> bool:
    """Apply the decisions in force to one RowResult ``r`` whose hits are ``hits`` (best first);
    see :func:`apply_decisions`. ``evidence_builder()`` gives an EvidenceBuilder when needed.
    Returns whether the row has a decision."""
    view = row_decisions(hits, decisions).get(r.row)
    was = r.decision
    r.decision = view
    if view is None:
        return False
    cleared = cleared_hits(view) if rescore else set()
    if cleared:
        before = (was or {}).get("before") or {"level": r.level, "score": r.score}
        _clear(r, cleared, evidence_builder(), settings)
        if (r.level, r.score) != (before["level"], before["score"]):
            view["before"] = before
        view["level"], view["score"] = r.level, r.score
        view["text"] = decision_text(view)
    return True


#: Evidence kinds built from a row's name candidates (see EvidenceBuilder.entity).
CANDIDATE_KINDS = frozenset({"entity_list", "watchlist"})


def _clear(r: Any, cleared: set[tuple[str, str]], builder: Any, settings: Any) -> None:
    """Score row ``r`` again without the hits in ``cleared``."""
    from chainscreen.models import Verdict
    from chainscreen.score import recombine

    kept = [c for c in r.candidates if (c.record.list_id, c.record.record_id) not in cleared]
    evidence = [*builder.entity(kept), *(e for e in r.evidence if e.kind not in CANDIDATE_KINDS)]
    was = Verdict(r.level, r.score, r.formula, tuple(r.reasons), tuple(r.evidence))
    verdict = recombine(evidence, settings, was=was)
    r.level, r.score, r.formula = verdict.level, verdict.score, verdict.formula
    r.reasons, r.evidence = verdict.reasons, verdict.evidence


def make_decision(hit: Hit, status: str, *, note: str, by: str, at: str) -> Decision:
    """A new decision on ``hit``, recording the hashes it is made against."""
    if status not in STATUSES:
        raise InputError(f"decision {status!r} is not one of {', '.join(STATUSES)}")
    if not by.strip():
        raise InputError("a decision needs a reviewer name (--by)")
    decision = Decision(
        party=hit.party, country=hit.country, list_id=hit.list_id, record_id=hit.record_id,
        status=status, note=note, by=by.strip(), at=at, record_hash=hit.record_hash,
        row_hash=hit.row_hash, record_name=hit.record_name, supplier=hit.supplier,
        edition=hit.edition,
    )
    check_decision(decision.to_dict(), source="decision")
    return decision


# ---------------------------------------------------------------------------------------------
# the review queue: a run's hits in the order an analyst works through them


def hit_ref(hit: Hit) -> str:
    """``ROW:RECORD``, how a hit is named on the command line and in the web API."""
    return f"{hit.row}:{hit.record_id}"


def find_hit(hits: Iterable[Hit], ref: str) -> Hit | None:
    """The hit named ``ROW:RECORD`` (RECORD a record id, or ``LIST:RECORD``), or None."""
    row_text, sep, record = str(ref).strip().partition(":")
    if not sep or not row_text.strip().isdigit() or not record.strip():
        return None
    row, record = int(row_text), record.strip()
    for h in hits:
        if h.row == row and record in (h.record_id, f"{h.list_id}:{h.record_id}"):
            return h
    return None


@dataclass(frozen=True)
class QueueEntry:
    """One hit in a review queue with its review state."""

    hit: Hit
    state: str  # open | decided | reopened
    decision: Decision | None
    reason: str | None  # why a decision reopened

    @property
    def status(self) -> str:
        """"open" (never decided, or reopened), else the decision: confirm, dismiss, escalate."""
        return self.decision.status if self.state == "decided" and self.decision else "open"


_MATCH_ORDER = {"match": 0, "review": 1}
_LEVEL_ORDER = {lvl: i for i, lvl in enumerate(("high", "elevated", "low", "clear", "unscreenable"))}


def triage_key(hit: Hit) -> tuple[Any, ...]:
    """Order of hits to review: match-level before review-level, the row's level, the match
    score (best first), then row and list order."""
    return (_MATCH_ORDER.get(hit.match_decision, 2), _LEVEL_ORDER.get(hit.level, 9), -hit.score,
            hit.row, hit.list_id, hit.record_id)


def review_queue(hits: Iterable[Hit], decisions: Mapping[Key, Decision]) -> list[QueueEntry]:
    """Every hit with its state under the decisions in force (:func:`latest`), in triage order."""
    out = []
    for h in sorted(hits, key=triage_key):
        state, d, reason = hit_state(h, decisions)
        out.append(QueueEntry(h, state, d, reason))
    return out


def queue_counts(entries: Iterable[QueueEntry]) -> dict[str, int]:
    """Hits by status: open (reopened included), confirm, dismiss, escalate."""
    counts = dict.fromkeys(("open", *STATUSES), 0)
    for e in entries:
        counts[e.status] += 1
    return counts


def same_supplier(hits: Iterable[Hit], hit: Hit) -> list[Hit]:
    """The hits of the same supplier (normalised name) on the same list record, one per decision
    key and row hash, ``hit`` first: a decision on each holds on every row of that supplier,
    whatever country, spelling or address the rows give."""
    out: dict[tuple[Key, str], Hit] = {(hit.key, hit.row_hash): hit}
    for h in hits:
        if h.party == hit.party and (h.list_id, h.record_id) == (hit.list_id, hit.record_id):
            out.setdefault((h.key, h.row_hash), h)
    return list(out.values())


def history(decisions: Iterable[Decision], key: Key) -> list[Decision]:
    """Every decision ever recorded on ``key``, oldest first: the last one is in force."""
    return [d for d in decisions if d.key == key]


# ---------------------------------------------------------------------------------------------
# the decisions file (CSV or YAML), kept by a team in version control


def _format_of(path: Path, fmt: str | None) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "yml":
        fmt = "yaml"
    if fmt not in ("csv", "yaml"):
        raise InputError("decisions file must be .csv, .yaml or .yml", path=str(path))
    return fmt


def dump_decisions(decisions: Iterable[Decision], fmt: str) -> str:
    """Decisions as CSV or YAML text, sorted by key then time so diffs in git stay small.

    :func:`parse_decisions` gives back exactly the decisions written (the round trip is the
    identity): CSV cells a spreadsheet would run as formulas get an apostrophe that reading
    removes again, and line ends inside notes are kept as written.
    """
    rows = [d.to_dict() for d in sorted(decisions, key=lambda d: (d.key, d.at))]
    if fmt == "yaml":
        import yaml

        class Dumper(yaml.SafeDumper):
            pass

        def text(dumper: yaml.SafeDumper, value: str) -> Any:
            # PyYAML writes NEL, LS and PS raw inside single quotes and reads them back as
            # folded line breaks; double quotes escape them, so the value comes back the same.
            style = '"' if any(c in value for c in "\x85\u2028\u2029") else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

        Dumper.add_representer(str, text)
        return yaml.dump({"decisions": rows}, Dumper=Dumper, sort_keys=False, allow_unicode=True,
                         width=100)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(FILE_FIELDS), lineterminator="\n")
    # with "\n" line ends the csv module leaves a lone "\r" unquoted, and a reader takes it
    # for a line end: rows holding one are written fully quoted
    quoted = csv.DictWriter(buf, fieldnames=list(FILE_FIELDS), lineterminator="\n",
                            quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in rows:
        cells = {k: _csv_escape(v) for k, v in row.items()}
        (quoted if any("\r" in v for v in cells.values()) else writer).writerow(cells)
    return buf.getvalue()


def _formula_like(value: str) -> bool:
    # "=x", "'=x", "''=x", ...: what the apostrophe escape below applies to
    from chainscreen.files import FORMULA_PREFIXES

    return value.lstrip("'").startswith(FORMULA_PREFIXES)


def _csv_escape(value: str) -> str:
    # The file is opened in spreadsheets too: neutralise formula starts with an apostrophe, as
    # every CSV we write does. A value that already starts with apostrophes before a formula
    # start gets one more, so that reading (which removes one) gives the value back unchanged.
    return "'" + value if _formula_like(value) else value


def _csv_unescape(value: str) -> str:
    return value[1:] if value.startswith("'") and _formula_like(value) else value


def write_decisions(decisions: Iterable[Decision], path: Path, fmt: str | None = None) -> Path:
    """Write the decisions file atomically; the format follows the suffix unless ``fmt`` is given."""
    from chainscreen.files import atomic_open

    text = dump_decisions(decisions, _format_of(path, fmt))
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path


class _YamlRefused(Exception):
    """A YAML feature a decisions file has no use for (aliases, deep nesting)."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.line = getattr(mark, "line", None)


def _yaml_load(text: str) -> Any:
    """``yaml.safe_load`` without aliases and with at most :data:`YAML_MAX_DEPTH` levels.

    An alias repeats a node where it is used; nested aliases multiply (a 1 KB file can stand
    for billions of values) and a decisions file written by chainscreen never has one.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _YamlRefused(f"YAML alias *{event.anchor} is not accepted in a decisions "
                                   "file (write each value out)", event.start_mark)
            self.depth += 1
            try:
                if self.depth > YAML_MAX_DEPTH:
                    raise _YamlRefused(f"nested more than {YAML_MAX_DEPTH} levels deep; a "
                                       "decisions file is a list of flat entries",
                                       self.peek_event().start_mark)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    loader = Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


@contextlib.contextmanager
def _csv_fields_up_to(size: int) -> Iterator[None]:
    # The csv module refuses fields over 128 KiB by default; a note may be longer, and the
    # whole text is already in memory, so no field can be longer than the text.
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _text_problem(value: str) -> str | None:
    """Why ``value`` cannot be kept in a decision (the same rule on SQLite and PostgreSQL)."""
    if "\x00" in value:
        return "holds a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate (not valid Unicode text)"
    return None


def check_decision(values: Mapping[str, str], *, source: str = "decisions",
                   row: int | None = None) -> None:
    """Raise InputError naming the field when ``values`` cannot make a valid decision."""
    for required in REQUIRED_FIELDS:
        if not values.get(required):
            raise InputError(f"no {required}", path=source, row=row, column=required)
    for name, value in values.items():
        problem = _text_problem(value)
        if problem:
            raise InputError(problem, path=source, row=row, column=name)
        limit = FIELD_LIMITS.get(name)
        if limit is not None and len(value) > limit:
            raise InputError(f"{len(value)} characters; at most {limit}", path=source, row=row,
                             column=name)
    if values["status"] not in STATUSES:
        raise InputError(f"status {values['status']!r} is not one of {', '.join(STATUSES)}",
                         path=source, row=row, column="status")
    if parse_time(values["at"]) is None:
        raise InputError(f"at {values['at'][:60]!r} is not an ISO 8601 time, e.g. "
                         "2026-01-05T10:00:00+00:00", path=source, row=row, column="at")


def parse_decisions(text: str, fmt: str, *, source: str = "decisions") -> list[Decision]:
    """Decisions from CSV or YAML text; raises InputError naming the entry and field at fault."""
    entries: list[dict[str, Any]]
    if fmt == "yaml":
        import yaml

        try:
            data = _yaml_load(text)
        except _YamlRefused as exc:
            raise InputError(str(exc), path=source,
                             row=None if exc.line is None else exc.line + 1) from None
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML ({exc})", path=source) from None
        if isinstance(data, dict):
            data = data.get("decisions")
        if data is None:
            data = []
        if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
            raise InputError("expected a list of decisions under 'decisions:'", path=source)
        entries = data
        first = 1
    else:
        with _csv_fields_up_to(len(text)):
            reader = csv.DictReader(io.StringIO(text, newline=""))
            missing = [f for f in REQUIRED_FIELDS if f not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"missing column(s) {', '.join(missing)}", path=source)
            entries = list(reader)
        first = 2  # the header is line 1 (a note with line breaks makes later lines differ)
    names = {f.name for f in fields(Decision)}
    out = []
    for i, entry in enumerate(entries, start=first):
        clean: dict[str, str] = {}
        for k, v in entry.items():
            if k not in names:
                continue
            if isinstance(v, list | dict):
                raise InputError("must be text, not a list or mapping", path=source, row=i,
                                 column=str(k))
            text_value = "" if v is None else str(v)
            clean[k] = _csv_unescape(text_value) if fmt == "csv" else text_value
        check_decision(clean, source=source, row=i)
        clean.setdefault("country", "")
        clean.setdefault("note", "")
        out.append(Decision(**clean))
    return out


def read_decisions(path: Path, fmt: str | None = None) -> list[Decision]:
    """Read a decisions file written by :func:`write_decisions` (or by hand, same columns)."""
    fmt = _format_of(path, fmt)
    try:
        # newline="": line ends inside a quoted note stay as they were written (CRLF too)
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"unreadable ({exc})", path=str(path)) from None
    return parse_decisions(text, fmt, source=str(path))


def with_time(decision: Decision, at: str) -> Decision:
    """A copy of ``decision`` stamped ``at``."""
    return replace(decision, at=at)


# ---------------------------------------------------------------------------------------------
# comparing two runs


@dataclass(frozen=True)
class RunSide:
    """What :func:`diff_runs` needs of one run, as plain data (see ``chainscreen.store``)."""

    hits: Sequence[Hit]
    #: (party, country) of every row of the run.
    parties: frozenset[tuple[str, str]]
    #: The receipt's lists: dicts with id, edition, sha256.
    lists: Sequence[Mapping[str, Any]]
    settings_sha256: str | None
    #: Review state kept with the run per hit (row, list_id, record_id).
    reviews: Mapping[tuple[int, str, str], Mapping[str, Any] | None]


def list_changes(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Per list id whose edition or file differs between two runs, a phrase saying how."""
    old = {e["id"]: e for e in a}
    new = {e["id"]: e for e in b}
    out: dict[str, str] = {}
    for list_id in sorted(set(old) | set(new)):
        ea, eb = old.get(list_id), new.get(list_id)
        if ea is None:
            out[list_id] = f"list {list_id} added ({eb['edition']})"  # type: ignore[index]
        elif eb is None:
            out[list_id] = f"list {list_id} no longer used"
        elif ea["edition"] != eb["edition"]:
            out[list_id] = f"new list edition {list_id} {ea['edition']} → {eb['edition']}"
        elif ea["sha256"] != eb["sha256"]:
            out[list_id] = (f"list {list_id} {eb['edition']} changed (sha256 "
                            f"{ea['sha256'][:8]} → {eb['sha256'][:8]})")
    return out


def _describe_review(review: Mapping[str, Any] | None) -> str:
    if not review or review.get("state") == "open":
        return "open"
    return f"{review.get('status')} by {review.get('by')}"


def diff_runs(a: RunSide, b: RunSide) -> list[dict[str, Any]]:
    """New, resolved and changed hits from run ``a`` to run ``b``, each with why.

    A hit is identified across runs by its decision key (party, country, list record), not by
    row number, so rows that moved are not reported. Reasons name a new list edition, a new or
    removed row, a changed row, changed settings, a changed list entry, and decisions recorded,
    changed or reopened between the runs.
    """
    lists = list_changes(a.lists, b.lists)
    settings_changed = a.settings_sha256 != b.settings_sha256

    def group(hits: Sequence[Hit]) -> dict[Key, list[Hit]]:
        out: dict[Key, list[Hit]] = {}
        for h in hits:
            out.setdefault(h.key, []).append(h)
        return out

    ga, gb = group(a.hits), group(b.hits)
    changes: list[dict[str, Any]] = []

    def context(key: Key, party_in_other: bool, where: str) -> list[str]:
        why = []
        if not party_in_other:
            why.append(where)
        if key[2] in lists:
            why.append(lists[key[2]])
        if settings_changed:
            why.append("settings changed")
        return why

    for key in sorted(set(ga) | set(gb)):
        ha, hb = ga.get(key), gb.get(key)
        first = (hb or ha)[0]  # type: ignore[index]
        entry: dict[str, Any] = {
            "party": key[0], "country": key[1], "list_id": key[2], "record_id": key[3],
            "supplier": first.supplier, "record_name": first.record_name,
            "rows_a": [h.row for h in ha or []], "rows_b": [h.row for h in hb or []],
        }
        if ha is None:
            why = context(key, (key[0], key[1]) in a.parties, "new row")
            if (key[0], key[1]) in a.parties and not why:
                why.append("now matched")
            changes.append({"change": "new", **entry, "score": hb[0].score, "why": why})  # type: ignore[index]
            continue
        if hb is None:
            why = context(key, (key[0], key[1]) in b.parties, "row removed")
            if (key[0], key[1]) in b.parties and not why:
                why.append("no longer matched")
            changes.append({"change": "resolved", **entry, "score": ha[0].score, "why": why})
            continue
        x, y = ha[0], hb[0]
        why = []
        if x.record_hash != y.record_hash:
            why.append("list entry changed" + (f" ({lists[key[2]]})" if key[2] in lists else ""))
        if x.row_hash != y.row_hash:
            why.append("row changed")
        if abs(x.score - y.score) >= 0.005:
            why.append(f"match score {x.score:.2f} → {y.score:.2f}")
        if x.level != y.level:
            why.append(f"level {x.level} → {y.level}")
        ra = a.reviews.get((x.row, x.list_id, x.record_id))
        rb = b.reviews.get((y.row, y.list_id, y.record_id))
        sa, sb = (ra or {}).get("state", "open"), (rb or {}).get("state", "open")
        if sb == "reopened" and sa != "reopened":
            why.append(f"decision reopened: {(rb or {}).get('reason')} "
                       f"(was {_describe_review(rb)})")
        elif sb == "decided" and sa == "open":
            why.append(f"decision recorded: {_describe_review(rb)}")
        elif sb == "decided" and sa in ("decided", "reopened") and (
                (ra or {}).get("status"), (ra or {}).get("at")) != (
                (rb or {}).get("status"), (rb or {}).get("at")):
            why.append(f"decision changed: {_describe_review(ra)} → {_describe_review(rb)}")
        elif sb == "open" and sa != "open":
            why.append(f"decision no longer applies (was {_describe_review(ra)})")
        if why:
            changes.append({"change": "changed", **entry, "score": y.score, "why": why})
    order = {"new": 0, "changed": 1, "resolved": 2}
    changes.sort(key=lambda c: (order[c["change"]], (c["rows_b"] or c["rows_a"])[0]))
    return changes
