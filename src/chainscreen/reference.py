"""Load the risk lists, check them against their catalogues, pick the editions in use, and
keep the user's imported editions.

Two catalogues are merged:

* the shipped, read-only lists in ``reference/`` (inside the wheel under ``chainscreen/_data``),
  written by ``scripts/build_reference.py``; ``reference/PROVENANCE.md`` says where every row
  came from;
* the user's own folder, ``<data dir>/lists/`` (by default in the platform's data folder; front
  ends pass their own as ``user``, see :mod:`chainscreen.config`), where :func:`store_edition`
  puts each import as a new edition beside the old ones (never overwriting), with the same
  ``catalogue.json`` format.

Each edition is described by a :class:`~chainscreen.models.ListInfo`: publisher, edition,
sha256 and record count.  :func:`load_reference` reads the files into one
:class:`ReferenceSet`; the newest edition of each list id is active unless ``id@edition``
pins another.  With ``verify=True`` (the default) a file whose bytes or record count differ
from its catalogue entry is refused, so a screening never runs silently on a changed or
truncated list.  :func:`diff_editions`, :func:`list_status`, :func:`validate_lists` and
:func:`too_old` serve ``chainscreen lists diff|status|validate`` and ``--max-list-age``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.collector import gc_paused
from chainscreen.errors import InputError, ReferenceDataError
from chainscreen.models import EntityRecord, ListInfo

if TYPE_CHECKING:
    from chainscreen.importers import ImportedList

if TYPE_CHECKING:
    import pandas as pd

#: Environment variable naming chainscreen's data folder (imported lists go in ``lists/``).
#: Columns every entity list needs (imported ones have more: see importers.ENTITY_HEADER).
ENTITY_REQUIRED = ("record_id", "name", "aliases", "country", "notes")
#: Kinds that are risk lists (``--max-list-age`` applies); nomenclature and concordance are not.
RISK_KINDS = ("country", "commodity", "entity")
#: Kinds loaded whatever ``lists`` selects: they recognise goods, they are not evidence.
SUPPORT_KINDS = ("nomenclature", "concordance")
#: Record key of each list for ``lists diff``; entity lists use record_id (or the name).
DIFF_KEYS: dict[str, tuple[str, ...]] = {
    "dol-tvpra": ("good", "iso2"),
    "tip-tiers": ("iso2", "report_year"),
    "dol-child-labour": ("iso2", "findings_year"),
    "uflpa-sectors": ("sector",),
    "hs2022": ("hscode",),
    "hs2022-sections": ("section",),
}
LIST_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")
EDITION_RE = re.compile(r"(\d{4})(-\d{2}-\d{2})?([T.][0-9A-Za-z.-]{1,20})?")

CATALOGUE_FILE = "catalogue.json"
CATALOGUE_SCHEMA = 1

#: Columns each list's file must have; checked on every load.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "dol-tvpra": ("good", "sector", "country", "iso2", "child_labour", "forced_labour",
                  "forced_child_labour", "derived", "derived_country"),
    "tip-tiers": ("report_year", "iso2", "country", "tier", "tier_rating_text"),
    "dol-child-labour": ("findings_year", "iso2", "country", "region", "advancement_level",
                         "goods_listed", "webpage"),
    "uflpa-entity-list": ("record_id", "name", "aliases", "country", "listed", "sections",
                          "effective_dates", "notes"),
    "cbp-wro-entities": ("record_id", "name", "aliases", "country", "address", "listed",
                         "notes", "schema", "order", "order_country", "status", "effective_date",
                         "merchandise", "remarks", "modified", "party_removed",
                         "cbp_entity_field"),
    "uflpa-sectors": ("sector", "added", "source"),
    "hs2022": ("section", "hscode", "description", "parent", "level"),
    "hs2022-sections": ("section", "name"),
    "dol-goods-concordance": (),
}

#: Which catalogue list feeds which frame of the ReferenceSet.
ENTITY_LISTS = ("uflpa-entity-list", "cbp-wro-entities")
BOOL_COLUMNS: dict[str, tuple[str, ...]] = {
    "dol-tvpra": ("child_labour", "forced_labour", "forced_child_labour", "derived"),
}
CONCORDANCE_ID = "dol-goods-concordance"
CONCORDANCE_FILE = "dol_goods_concordance.csv"
#: The separator of multi-valued cells (aliases, source rows) in the shipped files.
MULTI_SEP = " | "


@dataclass(frozen=True)
class ReferenceSet:
    """Every list a screening uses, in the editions chosen, with their catalogue entries.

    Frames are shared by every caller of a cached :func:`load_reference`; treat them as
    read-only (copy before changing).  A list left out with ``lists=`` gives an empty frame
    with the usual columns (or no entities).
    """

    #: Active edition per list id.
    catalogue: dict[str, ListInfo]
    #: Every catalogued edition per list id, newest first.
    editions: dict[str, list[ListInfo]]
    #: Active DOL TVPRA rows (flags as bool) plus ``list_id`` and ``edition``.
    goods: pd.DataFrame
    #: Countries on the latest TIP report year (Tier 2 Watch List, Tier 3, Special Case
    #: only: absence means Tier 1 or Tier 2) plus ``list_id`` and ``edition``.
    tip: pd.DataFrame
    #: Latest DOL child-labour assessment per country plus ``list_id`` and ``edition``.
    child_labour: pd.DataFrame
    #: Records of every entity list (UFLPA Entity List, CBP WRO/Findings names).
    entities: tuple[EntityRecord, ...]
    #: CBP WRO/Findings orders by merchandise and country, one row per order of the CBP list
    #: in use (``fishing_vessels`` as bool; ``entity`` is what the order names).
    wro_merchandise: pd.DataFrame
    #: UFLPA high-priority sectors with the date each was added.
    uflpa_sectors: pd.DataFrame
    #: HS 2022 nomenclature, ``hscode`` as str.
    hs: pd.DataFrame
    #: DOL goods concordance when ``reference/dol_goods_concordance.csv`` exists.
    concordance: pd.DataFrame | None
    root: Path
    #: "shipped" or "user" per ``id@edition`` of every catalogued edition.
    origins: dict[str, str] = field(default_factory=dict)
    #: Columns of an entity record beyond :class:`EntityRecord`'s, non-empty ones only, keyed
    #: by (list id, record id): the UFLPA ``sections`` and ``effective_dates``, a CBP order's
    #: ``status``, ``effective_date``, ``merchandise``, ``modified`` ... Evidence reads them.
    entity_facts: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    #: The user's list folder merged in, if any.
    user_root: Path | None = None

    def origin(self, info: ListInfo) -> str:
        """Where an edition comes from: "shipped" (read-only, in the package) or "user"."""
        return self.origins.get(info.label(), "shipped")

    def info(self, list_id: str) -> ListInfo:
        """Catalogue entry of the edition in use for ``list_id``."""
        try:
            return self.catalogue[list_id]
        except KeyError:
            known = ", ".join(sorted(self.catalogue)) or "none"
            raise ReferenceDataError(
                f"list {list_id!r} is not loaded (loaded: {known})") from None


def _where(root: Path, file: str) -> str:
    return f"{root.name}/{file}"


def load_catalogue(root: Path | None = None) -> list[ListInfo]:
    """Every catalogue entry (all lists, all editions) of the reference folder ``root``.

    ``root`` defaults to the shipped ``reference/`` folder.  Raises
    :class:`ReferenceDataError` when the catalogue is missing or malformed.
    """
    root = _default_root(root)
    path = root / CATALOGUE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(
            f"{_where(root, CATALOGUE_FILE)}: missing; reinstall chainscreen or rebuild the "
            "reference lists") from None
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(f"{_where(root, CATALOGUE_FILE)}: unreadable ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != CATALOGUE_SCHEMA:
        raise ReferenceDataError(
            f"{_where(root, CATALOGUE_FILE)}: expected {{'schema': {CATALOGUE_SCHEMA}, "
            "'lists': [...]}")
    names = {f.name for f in fields(ListInfo)}
    out = []
    for i, entry in enumerate(data.get("lists") or []):
        if not isinstance(entry, dict) or set(entry) - names or not {
                "id", "file", "sha256", "records", "edition"} <= set(entry):
            raise ReferenceDataError(
                f"{_where(root, CATALOGUE_FILE)}: entry {i} does not have the ListInfo fields")
        try:
            out.append(ListInfo(**entry))
        except TypeError as exc:
            raise ReferenceDataError(
                f"{_where(root, CATALOGUE_FILE)}: entry {i}: {exc}") from None
    return out


def _default_root(root: Path | None) -> Path:
    if root is None:
        from chainscreen.resources import reference_dir

        return reference_dir()
    return Path(root)


def edition_date(edition: str) -> date | None:
    """The date an edition label stands for: ``2022-09-28`` and ``2022-09-28.sample`` are that
    day, a year ``2025`` (or ``2025.2``) its last day; None for a label that is no date (``1``)."""
    m = EDITION_RE.fullmatch(edition.strip())
    if m is None:
        return None
    try:
        if m.group(2):
            return date.fromisoformat(m.group(1) + m.group(2))
        return date(int(m.group(1)), 12, 31)
    except ValueError:
        return None


def edition_age(edition: str, today: date | None = None) -> int | None:
    """Days since the date an edition label stands for (see :func:`edition_date`), or None."""
    published = edition_date(edition)
    if published is None:
        return None
    return max(((today or date.today()) - published).days, 0)


def edition_key(edition: str) -> tuple[date, str]:
    """Sort key of edition labels, oldest first: by the date they stand for, then as text (so
    ``2022-09-28.sample`` comes after ``2022-09-28``); labels that are no date come first."""
    return (edition_date(edition) or date.min, edition)


def _editions(catalogue: list[ListInfo]) -> dict[str, list[ListInfo]]:
    editions: dict[str, list[ListInfo]] = {}
    for info in catalogue:
        editions.setdefault(info.id, []).append(info)
    for infos in editions.values():
        infos.sort(key=lambda i: edition_key(i.edition), reverse=True)
    return editions


def _select(editions: dict[str, list[ListInfo]],
            lists: tuple[str, ...] | None) -> dict[str, ListInfo]:
    """Active edition per requested id; ``id@edition`` pins an older edition.

    ``all`` among the items stands for every list at its newest edition, so
    ``["all", "dol-tvpra@2020-09-30"]`` is everything, with the 2020 DOL list. Pins alone
    select nothing away: ``["dol-tvpra@2020-09-30"]`` is the same as that, while a bare id
    (``["dol-tvpra"]``) means only the lists named.
    """
    if lists is None:
        return {list_id: infos[0] for list_id, infos in editions.items()}
    chosen: dict[str, ListInfo] = {}
    pinned: set[str] = set()
    if "all" in lists or all("@" in item for item in lists):
        chosen = {list_id: infos[0] for list_id, infos in editions.items()}
    for item in lists:
        if item == "all":
            continue
        list_id, _, edition = item.partition("@")
        if list_id not in editions:
            raise ReferenceDataError(
                f"unknown reference list {list_id!r}; known lists: "
                + ", ".join(sorted(editions)))
        infos = editions[list_id]
        if edition:
            match = [i for i in infos if i.edition == edition]
            if not match:
                raise ReferenceDataError(
                    f"list {list_id!r} has no edition {edition!r}; editions: "
                    + ", ".join(i.edition for i in infos))
            info = match[0]
        else:
            info = infos[0]
        if list_id in pinned and chosen[list_id] != info:
            raise ReferenceDataError(f"list {list_id!r} requested in two editions")
        pinned.add(list_id)
        chosen[list_id] = info
    return chosen


def _read(root: Path, info: ListInfo | None, file: str, list_id: str,
          verify: bool, required: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Read one list file as strings, checking hash, record count and columns."""
    import pandas as pd

    path = root / file
    where = _where(root, file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReferenceDataError(
            f"{where}: missing; reinstall chainscreen or re-import the list") from None
    except OSError as exc:
        raise ReferenceDataError(f"{where}: unreadable ({exc})") from None
    if verify and info is not None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != info.sha256:
            hint = ("; after editing it in a source checkout, re-run "
                    "scripts/build_reference.py" if list_id == CONCORDANCE_ID else "")
            raise ReferenceDataError(
                f"{where}: sha256 mismatch (catalogue {info.sha256[:8]}..., file "
                f"{digest[:8]}...): the file was changed or truncated; reinstall chainscreen "
                f"or re-import the list{hint}")
    try:
        # dtype=str and no NA parsing: "NA" is Namibia and "01" is an HS chapter.
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False,
                            encoding="utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{where}: not a readable UTF-8 CSV ({exc})") from None
    if verify and info is not None and len(frame) != info.records:
        raise ReferenceDataError(
            f"{where}: {len(frame)} records, catalogue says {info.records}: the file was "
            "changed or truncated; reinstall chainscreen or re-import the list")
    if required is None:
        required = REQUIRED_COLUMNS.get(list_id, ())
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ReferenceDataError(
            f"{where}: missing required column(s) {', '.join(missing)}")
    for column in BOOL_COLUMNS.get(list_id, ()):
        values = frame[column].str.lower()
        bad = sorted(set(values) - {"true", "false"})
        if bad:
            raise ReferenceDataError(f"{where}: column {column!r} has non-boolean {bad[:3]}")
        frame[column] = values == "true"
    return frame


def _tag(frame: pd.DataFrame, info: ListInfo) -> pd.DataFrame:
    frame["list_id"] = info.id
    frame["edition"] = info.edition
    return frame


def _empty(list_id: str) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=str) for c in
                         (*REQUIRED_COLUMNS[list_id], "list_id", "edition")})


#: Columns of :attr:`ReferenceSet.wro_merchandise`.
WRO_COLUMNS = ("merchandise", "iso2", "status", "effective_date", "fishing_vessels", "order",
               "entity", "modified", "list_id", "edition")
CBP_ID = "cbp-wro-entities"


def _wro_orders(frame: pd.DataFrame | None, info: ListInfo | None) -> pd.DataFrame:
    """One row per order of the CBP WRO/Findings list (its records are parties, several per
    order), for the merchandise evidence: a WRO on merchandise that names an entity also says
    the merchandise from that country is under an order."""
    import pandas as pd

    needed = {"merchandise", "status", "effective_date", "order", "order_country",
              "cbp_entity_field"}
    if frame is None or info is None or not needed <= set(frame.columns):
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "fishing_vessels" else str)
                             for c in WRO_COLUMNS})
    orders = frame.drop_duplicates(["cbp_entity_field", "order", "effective_date"])
    fishing = orders["order_country"] == "FV"  # CBP's code for fishing vessels
    out = pd.DataFrame({
        "merchandise": orders["merchandise"], "iso2": orders["order_country"].where(~fishing, ""),
        "status": orders["status"], "effective_date": orders["effective_date"],
        "fishing_vessels": fishing, "order": orders["order"],
        "entity": orders["cbp_entity_field"],
        "modified": orders["modified"] if "modified" in orders.columns else "",
    }).reset_index(drop=True)
    return _tag(out, info)


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(MULTI_SEP) if v.strip()) if value else ()


#: Entity-file columns that become :class:`EntityRecord` fields (the rest are entity facts).
RECORD_COLUMNS = frozenset({"record_id", "name", "aliases", "country", "address", "listed",
                            "notes", "schema", "identifiers"})


def _entities(frame: pd.DataFrame, info: ListInfo,
              facts: dict[tuple[str, str], dict[str, str]] | None = None) -> list[EntityRecord]:
    has_listed = "listed" in frame.columns
    has_address = "address" in frame.columns
    has_schema = "schema" in frame.columns
    has_ids = "identifiers" in frame.columns
    extra = [c for c in frame.columns if c not in RECORD_COLUMNS]
    records = []
    columns = list(frame.columns)
    # column by column into Python lists, then rows: DataFrame.to_dict("records") costs
    # several times as much on a long watchlist
    for values in zip(*(frame[c].tolist() for c in columns), strict=True):
        row = dict(zip(columns, values, strict=True))
        if facts is not None and extra:
            found = {c: str(row[c]) for c in extra if row[c]}
            if found:
                facts[(info.id, str(row["record_id"]))] = found
        records.append(EntityRecord(
            list_id=info.id, record_id=row["record_id"], name=row["name"],
            aliases=_split(row["aliases"]), country=row["country"] or None,
            address=(row["address"] or None) if has_address else None,
            listed=(row["listed"] or None) if has_listed else None,
            notes=row["notes"] or None,
            schema=(row["schema"] or "LegalEntity") if has_schema else "LegalEntity",
            identifiers=_split(row["identifiers"]) if has_ids else (),
        ))
    return records


def load_reference(root: Path | None = None, *, lists: Iterable[str] | None = None,
                   verify: bool = True, user: Path | bool | None = None) -> ReferenceSet:
    """Load the reference lists of ``root`` (default: the shipped lists) into a ReferenceSet.

    ``user`` adds a folder of imported editions: None (default) means the user's list folder
    (:func:`user_lists_dir`) when ``root`` is the default, and none otherwise; False means
    none; a path means that folder.  ``lists`` selects list ids; ``"dol-tvpra@2020-09-30"``
    pins an edition (shipped or imported); otherwise each id's newest edition is used.  With
    ``verify`` every file used is checked against its catalogue sha256 and record count.
    Results are cached per (root, user folder and its catalogue, lists, verify) for the life
    of the process, so a new import is seen at once.

    Raises :class:`ReferenceDataError` for an unknown list id or edition and for a
    missing, changed, truncated or malformed file.

    >>> ref = load_reference(lists=["dol-tvpra", "uflpa-entity-list"])  # doctest: +SKIP
    >>> ref.info("dol-tvpra").label()                                     # doctest: +SKIP
    'dol-tvpra@2022-09-28'
    """
    key_lists = None if lists is None else tuple(sorted(set(lists)))
    user_root = _user_root(root, user)
    # the lists live on, and so do the modules loaded with them (pandas, on the first call):
    # no collection while they load (≈ 90 ms of a run's start-up, reclaiming nothing)
    with gc_paused():
        return _load_cached(_default_root(root).resolve(), user_root, _catalogue_digest(user_root),
                            key_lists, verify)


@cache
def _load_cached(root: Path, user_root: Path | None, _user_digest: str,
                 lists: tuple[str, ...] | None, verify: bool) -> ReferenceSet:
    located = _locate(root, user_root)
    where = {e.info.label(): e for e in located}
    editions = _editions([e.info for e in located])
    chosen = _select(editions, lists)
    # HS codes and the goods concordance are how goods are recognised, not risk lists: a
    # selection such as ``--lists dol-tvpra@2020-09-30`` still needs them (newest edition).
    support = {list_id: infos[0] for list_id, infos in editions.items()
               if infos[0].kind in SUPPORT_KINDS and list_id not in chosen}
    frames: dict[str, Any] = {}
    for list_id, info in {**support, **chosen}.items():
        ed = where[info.label()]
        if list_id == CONCORDANCE_ID and not ed.path.exists():
            # The concordance is optional ("if present"); a present one is still verified.
            continue
        frames[list_id] = _read(ed.folder, info, info.file, list_id, verify, ed.required())

    goods = _tag(frames["dol-tvpra"], chosen["dol-tvpra"]) if "dol-tvpra" in frames \
        else _empty("dol-tvpra")

    if "tip-tiers" in frames:
        tip = frames["tip-tiers"]
        # Only the latest report counts: a country missing from it has left the watch
        # list or Tier 3, so an older row for it would be stale evidence.
        latest = max(tip["report_year"]) if len(tip) else ""
        tip = _tag(tip[tip["report_year"] == latest].reset_index(drop=True),
                   chosen["tip-tiers"])
    else:
        tip = _empty("tip-tiers")

    if "dol-child-labour" in frames:
        cl = frames["dol-child-labour"]
        cl = cl[cl["iso2"] != ""]
        cl = (cl.sort_values(["iso2", "findings_year"], kind="stable")
              .drop_duplicates("iso2", keep="last").reset_index(drop=True))
        child_labour = _tag(cl, chosen["dol-child-labour"])
    else:
        child_labour = _empty("dol-child-labour")

    entities: list[EntityRecord] = []
    # The shipped entity lists first, then imported ones (OFAC, OpenSanctions, watchlists).
    entity_ids = [i for i in ENTITY_LISTS if i in frames] + sorted(
        i for i, info in chosen.items()
        if info.kind == "entity" and i in frames and i not in ENTITY_LISTS)
    facts: dict[tuple[str, str], dict[str, str]] = {}
    for list_id in entity_ids:
        entities.extend(_entities(frames[list_id], chosen[list_id], facts))

    def plain(list_id: str) -> pd.DataFrame:
        if list_id in frames:
            return _tag(frames[list_id], {**support, **chosen}[list_id])
        return _empty(list_id)

    concordance = None
    if CONCORDANCE_ID in frames:
        concordance = frames[CONCORDANCE_ID]
    elif lists is None and (root / CONCORDANCE_FILE).exists():
        # Present but not (yet) catalogued: usable, but its hash cannot be checked.
        concordance = _read(root, None, CONCORDANCE_FILE, CONCORDANCE_ID, verify=False)

    return ReferenceSet(
        catalogue=chosen, editions=editions, goods=goods, tip=tip,
        child_labour=child_labour, entities=tuple(entities),
        wro_merchandise=_wro_orders(frames.get(CBP_ID), chosen.get(CBP_ID)),
        uflpa_sectors=plain("uflpa-sectors"),
        hs=plain("hs2022"), concordance=concordance, root=root,
        origins={label: e.origin for label, e in where.items()}, user_root=user_root,
        entity_facts=facts,
    )


# ---------------------------------------------------------------------------
# the user's list folder: imported editions beside the shipped ones


def reference_fingerprint(root: Path | None = None, *, user: Path | bool | None = None) -> str:
    """A sha256 that changes whenever the lists :func:`load_reference` (same ``root`` and
    ``user``) could load change: every catalogued edition's id, edition, sha256 and record
    count, where its file is and the file's size and modification time.

    It reads the catalogues and stats the files, no more: a key for caches built from the
    lists (the screening context on disk), cheaper than loading and verifying them.
    """
    root_path = _default_root(root).resolve()
    user_root = _user_root(root, user)
    digest = hashlib.sha256(json.dumps([str(root_path), str(user_root)]).encode())
    for ed in _locate(root_path, user_root):
        try:
            st = ed.path.stat()
            stat: list[int] | None = [st.st_size, st.st_mtime_ns]
        except OSError:
            stat = None
        digest.update(json.dumps([ed.info.label(), ed.info.sha256, ed.info.records, ed.origin,
                                  str(ed.path), stat]).encode())
    return digest.hexdigest()


def user_lists_dir() -> Path:
    """The default folder of imported list editions: ``lists/`` in the platform's data folder.
    Front ends pass their own (:attr:`chainscreen.config.Config.lists_dir`) as ``user``."""
    from chainscreen.config import Config

    return Config.default().lists_dir


def _user_root(root: Path | None, user: Path | bool | None) -> Path | None:
    if user is False:
        return None
    if user is None or user is True:
        if root is not None and user is None:
            return None
        return user_lists_dir().resolve()
    return Path(user).resolve()


def _catalogue_digest(folder: Path | None) -> str:
    """sha256 of a folder's catalogue.json ("" when absent): part of the cache key."""
    if folder is None:
        return ""
    try:
        return hashlib.sha256((folder / CATALOGUE_FILE).read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise ReferenceDataError(f"{folder / CATALOGUE_FILE}: unreadable ({exc})") from None


@dataclass(frozen=True)
class Edition:
    """One catalogued edition and where its file lives."""

    info: ListInfo
    folder: Path
    origin: str  # "shipped" | "user"

    @property
    def path(self) -> Path:
        """The list file."""
        return self.folder / self.info.file

    def required(self) -> tuple[str, ...]:
        """Columns the file must have: the shipped schema, or the entity minimum for imports."""
        if self.origin == "user" and self.info.kind == "entity":
            return ENTITY_REQUIRED
        default = ENTITY_REQUIRED if self.info.kind == "entity" else ()
        return REQUIRED_COLUMNS.get(self.info.id, default)


def _locate(root: Path, user_root: Path | None) -> list[Edition]:
    located = [Edition(i, root, "shipped") for i in load_catalogue(root)]
    if user_root is not None and (user_root / CATALOGUE_FILE).exists():
        kinds = {e.info.id: e.info.kind for e in located}
        labels = {e.info.label() for e in located}
        for info in load_catalogue(user_root):
            if info.label() in labels:
                raise ReferenceDataError(
                    f"{_where(user_root, CATALOGUE_FILE)}: {info.label()} is also a shipped "
                    "edition; remove it from the user catalogue")
            if kinds.setdefault(info.id, info.kind) != info.kind:
                raise ReferenceDataError(
                    f"{_where(user_root, CATALOGUE_FILE)}: {info.label()} is a {info.kind} list "
                    f"but {info.id} is a {kinds[info.id]} list")
            labels.add(info.label())
            located.append(Edition(info, user_root, "user"))
    return located


def all_editions(root: Path | None = None, *, user: Path | bool | None = None) -> list[Edition]:
    """Every edition of every list, shipped and imported, newest first within each id."""
    user_root = _user_root(root, user)
    located = _locate(_default_root(root).resolve(), user_root)
    order = {info.label(): n for n, info in enumerate(
        i for infos in _editions([e.info for e in located]).values() for i in infos)}
    return sorted(located, key=lambda e: order[e.info.label()])


def check_edition(edition: str) -> str:
    """``edition`` if it is a publication date (YYYY-MM-DD) or year, optionally with a suffix
    (``2022-09-28.dolgov``, ``2026-11-23T101500``); InputError otherwise."""
    m = EDITION_RE.fullmatch(edition)
    ok = m is not None
    if m and m.group(2):
        try:
            date.fromisoformat(m.group(1) + m.group(2))
        except ValueError:
            ok = False
    if not ok:
        raise InputError(
            f"edition {edition!r} is not a date: give the publication date as YYYY-MM-DD (or "
            "a year), optionally with a suffix such as 2022-09-28.dolgov")
    return edition


#: The import formats that bring a new edition of a shipped list (the publisher's own
#: formats; OpenSanctions republishes the UFLPA Entity List as its dataset ``us_dhs_uflpa``).
#: A generic format (a watchlist CSV, OFAC) cannot stand in for a shipped list under its id.
SHIPPED_FORMATS: dict[str, tuple[str, ...]] = {
    "dol-tvpra": ("dol-tvpra", "dol-open-data"),
    "tip-tiers": ("tip",),
    "uflpa-entity-list": ("dhs-uflpa-html", "opensanctions"),
    "cbp-wro-entities": ("cbp-wro",),
}


def _refuse_future(edition: str, today: date) -> None:
    """An edition is a publication date: one after today would stay "newest" for ever."""
    m = EDITION_RE.fullmatch(edition)
    published = edition_date(edition)
    if m is None or published is None:
        return
    too_late = published > today + timedelta(days=1) if m.group(2) else published.year > today.year
    if too_late:
        raise InputError(f"edition {edition!r} is in the future (today is {today.isoformat()}): "
                         "give the date the publisher released the file")


@dataclass(frozen=True)
class StoreResult:
    """What :func:`store_edition` did."""

    status: str  # "added" | "unchanged"
    info: ListInfo
    origin: str  # where the edition lives: "shipped" | "user"
    path: Path
    previous: ListInfo | None  # the newest other edition of the same id, if any
    #: The edition screening uses for this id now (the newest), and where it lives: an import
    #: older than the shipped edition is stored but not used unless pinned.
    in_use: ListInfo | None = None
    in_use_origin: str = ""
    #: The shipped edition this import takes the place of in screening, if any.
    replaces: ListInfo | None = None


def store_edition(imported: ImportedList, *, list_id: str | None = None,
                  edition: str | None = None, title: str | None = None,
                  source_url: str | None = None, scope: str | None = None,
                  user_root: Path | None = None, root: Path | None = None,
                  today: date | None = None) -> StoreResult:
    """Store an imported list as a new edition in the user's list folder, never overwriting.

    The id defaults to the format's (``dol-tvpra``, ``tip-tiers``, ``ofac-sdn``, ...), the
    edition to the date the file gives (or today for a watchlist).  An edition that already
    exists (shipped or imported) with the same sha256 is left as it is (status
    ``unchanged``); with different content it is refused: give another ``--edition``.
    """
    from chainscreen.files import atomic_path
    from chainscreen.importers import SCOPES

    today = today or date.today()
    folder = (user_root or user_lists_dir()).resolve()
    list_id = list_id or imported.default_id
    if not list_id:
        raise InputError(f"format {imported.format} has no default list id: give --id, e.g. "
                         "--id my-watchlist")
    if not LIST_ID_RE.fullmatch(list_id):
        raise InputError(f"list id {list_id!r}: use 2-63 lower-case letters, digits, '.', '-' "
                         "or '_', starting with a letter or digit")
    if imported.allowed_ids is not None and list_id not in imported.allowed_ids:
        raise InputError(f"format {imported.format} feeds the list {imported.allowed_ids[0]}: "
                         f"screening reads it under that id, so --id {list_id} is refused")
    scope = scope or imported.scope
    if scope not in SCOPES:
        raise InputError(f"scope {scope!r}: choose from {', '.join(SCOPES)}")
    data = imported.data
    digest = hashlib.sha256(data).hexdigest()
    located = _locate(_default_root(root).resolve(), folder)
    same_id = [e for e in located if e.info.id == list_id]
    for e in same_id:
        if e.info.kind != imported.kind:
            raise InputError(f"list {list_id} is a {e.info.kind} list; format "
                             f"{imported.format} gives a {imported.kind} list: choose another "
                             "--id")
    auto_edition = edition is None and imported.default_edition is None
    if auto_edition and imported.format != "csv":
        raise InputError(f"the {imported.format} file gives no publication date: give "
                         "--edition YYYY-MM-DD (the date the publisher released it)")
    edition = check_edition(edition or imported.default_edition or today.isoformat())
    _refuse_future(edition, today)
    shipped = next((e.info for e in same_id if e.origin == "shipped"), None)
    own = SHIPPED_FORMATS.get(list_id, ())
    if shipped is not None and imported.allowed_ids is None and imported.format not in own:
        # a watchlist CSV would otherwise silently replace the publisher's list under its id
        raise InputError(
            f"{list_id} is a shipped list: a new edition comes only from its publisher's format"
            + (f" (--format {' or '.join(own)})" if own else "")
            + f", not --format {imported.format}; import your own names under another id, "
            "e.g. --id my-watchlist")
    taken = {e.info.edition: e for e in same_id}
    if auto_edition and edition in taken and taken[edition].info.sha256 != digest:
        # A watchlist imported twice on one day: the second gets the time of day.
        edition = f"{today.isoformat()}T{datetime.now():%H%M%S}"
    previous = next((e.info for e in sorted(same_id, key=lambda e: e.info.edition,
                                            reverse=True) if e.info.edition != edition), None)
    if edition in taken:
        old = taken[edition]
        if old.info.sha256 == digest:
            newest = max(same_id, key=lambda e: edition_key(e.info.edition))
            return StoreResult("unchanged", old.info, old.origin, old.path, previous,
                               newest.info, newest.origin)
        raise InputError(
            f"{list_id}@{edition} already exists ({old.origin}, sha256 {old.info.sha256[:12]}...) "
            f"with different content (sha256 {digest[:12]}...): editions are never "
            f"overwritten; give another --edition, e.g. {edition}.2")
    base = shipped
    notes = list(imported.notes)
    notes += [f"imported {today.isoformat()} as format {imported.format} from {name} "
              f"(sha256 {sha})" for name, sha in imported.sources]
    info = ListInfo(
        id=list_id, kind=imported.kind, publisher=imported.publisher,
        title=title or (f"{base.title.rsplit(' (', 1)[0]} ({edition[:4]})"
                        if base is not None and imported.format == "dol-tvpra"
                        else imported.title),
        edition=edition, source_url=source_url or imported.source_url,
        retrieved=today.isoformat(), licence=imported.licence, sha256=digest,
        records=imported.records, file=f"{list_id}/{edition}.csv",
        refresh_days=imported.refresh_days if base is None else base.refresh_days,
        notes="; ".join(notes), scope=scope)
    path = folder / info.file
    if path.exists():
        raise InputError(f"{path}: exists but is not catalogued; move it away first")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    entries = [asdict(e.info) for e in located if e.origin == "user"] + [asdict(info)]
    entries.sort(key=lambda e: (e["id"], e["edition"]))
    blob = json.dumps({"schema": CATALOGUE_SCHEMA, "lists": entries}, indent=2,
                      ensure_ascii=False) + "\n"
    with atomic_path(folder / CATALOGUE_FILE) as tmp:
        tmp.write_text(blob, encoding="utf-8")
    newest = max([*same_id, Edition(info, folder, "user")],
                 key=lambda e: edition_key(e.info.edition))
    return StoreResult("added", info, "user", path, previous, newest.info, newest.origin,
                       replaces=shipped if newest.info == info else None)


def store_earlier_editions(imported: ImportedList, *, list_id: str | None = None,
                           scope: str | None = None, user_root: Path | None = None,
                           root: Path | None = None,
                           today: date | None = None) -> list[StoreResult]:
    """Store the older editions a file gives (:attr:`ImportedList.earlier`), oldest first.

    An edition held with the same content is left alone; one held with other content (e.g. the
    shipped 2022 list from DOL's app data beside the 2022 list as DOL's open data gives it) is
    stored beside it as ``<edition>.<format>``, so ``lists diff`` can compare the two.
    """
    out = []
    for older in imported.earlier:
        label = older.default_edition or ""
        try:
            out.append(store_edition(older, list_id=list_id, scope=scope, user_root=user_root,
                                     root=root, today=today))
        except InputError as exc:
            if "already exists" not in str(exc):
                raise
            out.append(store_edition(older, list_id=list_id, edition=f"{label}.{older.format}",
                                     scope=scope, user_root=user_root, root=root, today=today))
    return out


# ---------------------------------------------------------------------------
# status, validation, staleness


def _is_stale(info: ListInfo, today: date) -> bool:
    age = edition_age(info.edition, today)
    return age is not None and info.refresh_days is not None and age > info.refresh_days


def list_status(root: Path | None = None, *, user: Path | bool | None = None,
                today: date | None = None) -> list[dict[str, Any]]:
    """One entry per list id: the active (newest) edition, where it lives, its age, its
    expected refresh period, whether it is stale, and every edition held."""
    today = today or date.today()
    known = known_publications(root)
    out: dict[str, dict[str, Any]] = {}
    for e in all_editions(root, user=user):
        entry = out.get(e.info.id)
        if entry is None:
            age = edition_age(e.info.edition, today)
            cur = currency(e.info, known, today, e.origin)
            out[e.info.id] = entry = {
                "id": e.info.id, "kind": e.info.kind, "edition": e.info.edition,
                "origin": e.origin, "age_days": age, "refresh_days": e.info.refresh_days,
                "stale": _is_stale(e.info, today), "title": e.info.title,
                "scope": e.info.scope or ("forced-labour" if e.info.kind in RISK_KINDS else ""),
                "behind": cur.behind, "latest_known": asdict(cur.known) if cur.known else None,
                "advice": cur.advice(), "editions": []}
        entry["editions"].append(f"{e.info.edition} ({e.origin})")
    return list(out.values())


def validate_lists(root: Path | None = None, *,
                   user: Path | bool | None = None) -> list[tuple[Edition, str | None]]:
    """Re-check every edition: sha256, record count, columns and content; (edition, problem)."""
    results: list[tuple[Edition, str | None]] = []
    for e in all_editions(root, user=user):
        try:
            if e.info.id == CONCORDANCE_ID and not e.path.exists():
                results.append((e, None))
                continue
            frame = _read(e.folder, e.info, e.info.file, e.info.id, True, e.required())
            _check_content(frame, e)
        except ReferenceDataError as exc:
            results.append((e, str(exc)))
        else:
            results.append((e, None))
    return results


def _check_content(frame: pd.DataFrame, e: Edition) -> None:
    where = _where(e.folder, e.info.file)
    if "iso2" in frame.columns:
        bad = frame.index[~frame["iso2"].str.fullmatch(r"([A-Z]{2})?")]
        if len(bad):
            raise ReferenceDataError(f"{where}: row {bad[0] + 2}: iso2 "
                                     f"{frame['iso2'][bad[0]]!r} is not a country code")
    if e.info.kind == "entity":
        for column in ("record_id", "name"):
            empty = frame.index[frame[column].str.strip() == ""]
            if len(empty):
                raise ReferenceDataError(f"{where}: row {empty[0] + 2}: empty {column}")
        dup = frame.index[frame["record_id"].duplicated()]
        if len(dup):
            raise ReferenceDataError(f"{where}: row {dup[0] + 2}: record_id "
                                     f"{frame['record_id'][dup[0]]!r} repeated")


def too_old(ref: ReferenceSet, max_days: int,
            today: date | None = None) -> list[tuple[ListInfo, int | None]]:
    """Risk lists in use older than ``max_days`` (or of unknown age), with their ages.

    Nomenclatures and concordances (HS codes, the goods concordance) are not risk lists and
    are not checked.
    """
    today = today or date.today()
    out = []
    for info in sorted(ref.catalogue.values(), key=lambda i: i.id):
        if info.kind not in RISK_KINDS:
            continue
        age = edition_age(info.edition, today)
        if age is None or age > max_days:
            out.append((info, age))
    return out


def check_list_ages(ref: ReferenceSet, max_days: int, today: date | None = None) -> None:
    """Raise ReferenceDataError naming every risk list in use older than ``max_days``."""
    old = too_old(ref, max_days, today)
    if old:
        what = "; ".join(
            f"{i.label()} is {age} days old" if age is not None
            else f"{i.label()} has no dated edition" for i, age in old)
        known = known_publications(ref.root)
        newer = [c.advice() for c in (currency(i, known, today, ref.origin(i)) for i, _ in old)
                 if c.behind]
        raise ReferenceDataError(
            f"{len(old)} list(s) older than --max-list-age {max_days}: {what}. Import a newer "
            "edition (chainscreen lists import FILE --format FORMAT) or raise --max-list-age"
            + ("; " + "; ".join(newer) if newer else ""))


# ---------------------------------------------------------------------------
# known publications: what chainscreen knows has been published since its lists were built

KNOWN_FILE = "known_publications.json"


@dataclass(frozen=True)
class KnownPublication:
    """The latest edition of a list chainscreen knows of, shipped in ``known_publications.json``
    (written by ``scripts/build_reference.py``): what changed and how to import it."""

    list_id: str
    edition: str  # as an edition label: a date or a year
    publisher: str
    #: What changed, in a sentence.
    changes: str
    #: Where to get it.
    get: str
    #: The import command.
    command: str
    #: Where chainscreen learned of it.
    source: str = ""
    #: sha256 of editions that carry this publication's year but not all of it (the TIP tiers
    #: from the World Factbook: Tier 2 Watch List, Tier 3 and Special Cases only).
    incomplete: tuple[str, ...] = ()


@cache
def _known_cached(path: Path, _mtime: float) -> dict[str, KnownPublication]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(f"{_where(path.parent, path.name)}: unreadable ({exc})") from None
    names = {f.name for f in fields(KnownPublication)}
    out = {}
    for i, entry in enumerate(data.get("publications") or [] if isinstance(data, dict) else []):
        if not isinstance(entry, dict) or set(entry) - names:
            raise ReferenceDataError(f"{_where(path.parent, path.name)}: entry {i} is not a "
                                     "known publication")
        try:
            pub = KnownPublication(**{**entry, "incomplete": tuple(entry.get("incomplete", ()))})
        except TypeError as exc:
            raise ReferenceDataError(f"{_where(path.parent, path.name)}: entry {i}: {exc}") \
                from None
        out[pub.list_id] = pub
    return out


def known_publications(root: Path | None = None) -> dict[str, KnownPublication]:
    """The latest known publication per list id (none for a reference folder without the file)."""
    path = _default_root(root) / KNOWN_FILE
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    return _known_cached(path.resolve(), mtime)


@dataclass(frozen=True)
class Currency:
    """How an edition in use compares with the latest publication chainscreen knows of."""

    info: ListInfo
    origin: str
    age_days: int | None
    stale: bool  # older than the list's refresh period
    known: KnownPublication | None
    #: "" (as recent as anything known), "older" (a newer edition is known) or "incomplete"
    #: (the same edition is known in full; this one carries part of it).
    behind: str

    def advice(self) -> str:
        """One line for people: what is newer and how to import it ("" when nothing is)."""
        k = self.known
        if not self.behind or k is None:
            return ""
        what = (f"{self.info.label()} ({self.origin}) is older than {k.publisher}'s "
                f"{k.edition} edition" if self.behind == "older" else
                f"{self.info.label()} ({self.origin}) is not all of {k.publisher}'s {k.edition} "
                "edition")
        return f"{what}: {k.changes} Get it: {k.get}; then: {k.command}"


def behind_known(list_id: str, edition: str, sha256: str,
                 known: dict[str, KnownPublication]) -> tuple[str, KnownPublication | None]:
    """("older" | "incomplete" | "", the latest known publication) for one edition; also for
    editions named only by a run's receipt (id, edition, sha256)."""
    pub = known.get(list_id)
    if pub is None:
        return "", None
    mine, theirs = edition_date(edition), edition_date(pub.edition)
    if mine is not None and theirs is not None and mine < theirs:
        return "older", pub
    if sha256 in pub.incomplete:
        return "incomplete", pub
    return "", pub


def list_kinds(root: Path | None = None) -> dict[str, str]:
    """Kind of every shipped list id: which ids are not risk lists (imports always are)."""
    return {info.id: info.kind for info in load_catalogue(root)}


def currency(info: ListInfo, known: dict[str, KnownPublication] | None = None,
             today: date | None = None, origin: str = "shipped") -> Currency:
    """Age, staleness and what is known to be newer for one edition."""
    today = today or date.today()
    known = known_publications() if known is None else known
    behind, pub = behind_known(info.id, info.edition, info.sha256, known)
    return Currency(info=info, origin=origin, age_days=edition_age(info.edition, today),
                    stale=_is_stale(info, today), known=pub, behind=behind)


def lists_used(ref: ReferenceSet, today: date | None = None) -> list[Currency]:
    """The risk lists a screening used (not the HS nomenclature or the goods concordance, which
    only recognise goods), by id, with their age and what is known to be newer."""
    known = known_publications(ref.root)
    return [currency(info, known, today, ref.origin(info))
            for info in sorted(ref.catalogue.values(), key=lambda i: i.id)
            if info.kind in RISK_KINDS]


def check_latest(ref: ReferenceSet, today: date | None = None) -> None:
    """``--require-latest``: raise ReferenceDataError naming every risk list in use that is
    older than (or only part of) the latest publication chainscreen knows of, and how to
    import it."""
    behind = [c for c in lists_used(ref, today) if c.behind]
    if behind:
        raise ReferenceDataError(
            f"--require-latest: {len(behind)} list(s) behind the latest known publication: "
            + " | ".join(c.advice() for c in behind))


# ---------------------------------------------------------------------------
# diff of two editions


@dataclass
class ListDiff:
    """Records added, removed and changed between two editions of one list."""

    list_id: str
    old: ListInfo
    new: ListInfo
    key: tuple[str, ...]
    added: list[dict[str, str]]
    removed: list[dict[str, str]]
    #: (old record, new record, names of the fields that differ)
    changed: list[tuple[dict[str, str], dict[str, str], list[str]]]
    unchanged: int

    def key_of(self, record: dict[str, str]) -> str:
        """The record's key as text, e.g. ``Polysilicon | CN``."""
        return " | ".join(record.get(k, "") for k in self.key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "list_id": self.list_id, "old": self.old.label(), "new": self.new.label(),
            "old_sha256": self.old.sha256, "new_sha256": self.new.sha256,
            "key": list(self.key),
            "counts": {"added": len(self.added), "removed": len(self.removed),
                       "changed": len(self.changed), "unchanged": self.unchanged},
            "added": self.added, "removed": self.removed,
            "changed": [{"key": self.key_of(n), "fields": {f: [o.get(f, ""), n.get(f, "")]
                                                           for f in fs}}
                        for o, n, fs in self.changed],
        }


def _records(e: Edition) -> tuple[list[dict[str, str]], list[str]]:
    frame = _read(e.folder, e.info, e.info.file, e.info.id, True, e.required())
    for column in BOOL_COLUMNS.get(e.info.id, ()):
        frame[column] = frame[column].map({True: "true", False: "false"})
    records: list[dict[str, str]] = frame.to_dict("records")  # type: ignore[assignment]
    return records, list(frame.columns)


def _row_hash(record: dict[str, str], info: ListInfo) -> str:
    if info.kind == "entity":
        return _entities_from([record], info)[0].content_hash()
    blob = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _entities_from(records: list[dict[str, str]], info: ListInfo) -> list[EntityRecord]:
    import pandas as pd

    return _entities(pd.DataFrame.from_records(records), info)


def diff_editions(list_id: str, old: str | None = None, new: str | None = None,
                  root: Path | None = None, *, user: Path | bool | None = None) -> ListDiff:
    """Compare two editions of ``list_id`` record by record (default: the two newest).

    Records are keyed (goods by good and country, TIP rows by country and year, entities by
    record id, or by normalised name when the two editions share no record ids, e.g. a
    shipped list and an OpenSanctions import) and compared by content hash.
    """
    from chainscreen.importers import norm_key

    editions = [e for e in all_editions(root, user=user) if e.info.id == list_id]
    if not editions:
        known = sorted({e.info.id for e in all_editions(root, user=user)})
        raise ReferenceDataError(f"unknown list {list_id!r}; lists: {', '.join(known)}")
    by_edition = {e.info.edition: e for e in editions}
    if (old is None) != (new is None):
        raise ReferenceDataError("give both editions (OLD NEW) or neither")
    if old is None or new is None:
        if len(editions) < 2:
            raise ReferenceDataError(f"{list_id} has one edition ({editions[0].info.edition}): "
                                     "nothing to compare")
        new_e, old_e = editions[0], editions[1]
    else:
        missing = [x for x in (old, new) if x not in by_edition]
        if missing:
            raise ReferenceDataError(f"{list_id} has no edition {missing[0]!r}; editions: "
                                     + ", ".join(by_edition))
        old_e, new_e = by_edition[old], by_edition[new]
    old_rows, old_cols = _records(old_e)
    new_rows, new_cols = _records(new_e)
    columns = list(dict.fromkeys([*old_cols, *new_cols]))
    kind = new_e.info.kind
    if kind == "entity":
        ids_old = {r["record_id"] for r in old_rows}
        by_id = bool(ids_old & {r["record_id"] for r in new_rows})
        key: tuple[str, ...] = ("record_id",) if by_id else ("name",)

        def keyfunc(r: dict[str, str]) -> str:
            return r["record_id"] if by_id else norm_key(r["name"])
    else:
        key = DIFF_KEYS.get(list_id) or (("good", "iso2") if {"good", "iso2"} <= set(columns)
                                         else tuple(columns))

        def keyfunc(r: dict[str, str]) -> str:
            return "\x1f".join(str(r.get(k, "")) for k in key)

    def index(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for r in rows:
            k = keyfunc(r)
            n = 1
            while (k if n == 1 else f"{k}#{n}") in out:  # the same key twice in one edition
                n += 1
            out[k if n == 1 else f"{k}#{n}"] = r
        return out

    a, b = index(old_rows), index(new_rows)
    added = [b[k] for k in b if k not in a]
    removed = [a[k] for k in a if k not in b]
    changed = []
    unchanged = 0
    for k in a.keys() & b.keys():
        if _row_hash(a[k], old_e.info) == _row_hash(b[k], new_e.info):
            unchanged += 1
        else:
            fields_ = [c for c in columns if str(a[k].get(c, "")) != str(b[k].get(c, ""))]
            changed.append((a[k], b[k], fields_))
    order = {k: n for n, k in enumerate(b)}
    changed.sort(key=lambda t: order.get(keyfunc(t[1]), 0))
    return ListDiff(list_id, old_e.info, new_e.info, key, added, removed, changed, unchanged)
