"""Load the shipped risk lists, check them against their catalogue, and pick the editions in use.

The lists live in ``reference/`` (inside the wheel under ``chainscreen/_data``), each
described in ``catalogue.json`` by a :class:`~chainscreen.models.ListInfo`: publisher,
edition, sha256 and record count.  :func:`load_reference` reads the files into one
:class:`ReferenceSet`; with ``verify=True`` (the default) a file whose bytes or record
count differ from its catalogue entry is refused, so a screening never runs silently on a
changed or truncated list.  ``scripts/build_reference.py`` writes the files and the
catalogue; ``reference/PROVENANCE.md`` says where every row came from.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.errors import ReferenceDataError
from chainscreen.models import EntityRecord, ListInfo

if TYPE_CHECKING:
    import pandas as pd

CATALOGUE_FILE = "catalogue.json"
CATALOGUE_SCHEMA = 1

#: Columns each list's file must have; checked on every load.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "dol-tvpra": ("good", "sector", "country", "iso2", "child_labour", "forced_labour",
                  "forced_child_labour", "derived", "derived_country"),
    "tip-tiers": ("report_year", "iso2", "country", "tier", "tier_rating_text"),
    "dol-child-labour": ("findings_year", "iso2", "country", "region", "advancement_level",
                         "goods_listed", "webpage"),
    "uflpa-entity-list": ("record_id", "name", "aliases", "country", "listed",
                          "table_ordinal", "source_rows", "repaired", "notes"),
    "cbp-wro-entities": ("record_id", "name", "aliases", "country", "address", "notes",
                         "schema", "cbp_entity_field"),
    "cbp-wro-merchandise": ("merchandise", "iso2", "status", "effective_date",
                            "fishing_vessels"),
    "uflpa-sectors": ("sector", "added", "source"),
    "hs2022": ("section", "hscode", "description", "parent", "level"),
    "hs2022-sections": ("section", "name"),
    "dol-goods-concordance": (),
}

#: Which catalogue list feeds which frame of the ReferenceSet.
ENTITY_LISTS = ("uflpa-entity-list", "cbp-wro-entities")
BOOL_COLUMNS: dict[str, tuple[str, ...]] = {
    "dol-tvpra": ("child_labour", "forced_labour", "forced_child_labour", "derived"),
    "cbp-wro-merchandise": ("fishing_vessels",),
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
    #: CBP WRO/Findings merchandise by country (``fishing_vessels`` as bool).
    wro_merchandise: pd.DataFrame
    #: UFLPA high-priority sectors with the date each was added.
    uflpa_sectors: pd.DataFrame
    #: HS 2022 nomenclature, ``hscode`` as str.
    hs: pd.DataFrame
    #: DOL goods concordance when ``reference/dol_goods_concordance.csv`` exists.
    concordance: pd.DataFrame | None
    root: Path

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


def _editions(catalogue: list[ListInfo]) -> dict[str, list[ListInfo]]:
    editions: dict[str, list[ListInfo]] = {}
    for info in catalogue:
        editions.setdefault(info.id, []).append(info)
    for infos in editions.values():
        # ISO dates and years both sort correctly as text.
        infos.sort(key=lambda i: i.edition, reverse=True)
    return editions


def _select(editions: dict[str, list[ListInfo]],
            lists: tuple[str, ...] | None) -> dict[str, ListInfo]:
    """Active edition per requested id; ``id@edition`` pins an older edition."""
    if lists is None:
        return {list_id: infos[0] for list_id, infos in editions.items()}
    chosen: dict[str, ListInfo] = {}
    for item in lists:
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
        if list_id in chosen and chosen[list_id] != info:
            raise ReferenceDataError(f"list {list_id!r} requested in two editions")
        chosen[list_id] = info
    return chosen


def _read(root: Path, info: ListInfo | None, file: str, list_id: str,
          verify: bool) -> pd.DataFrame:
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
    missing = [c for c in REQUIRED_COLUMNS.get(list_id, ()) if c not in frame.columns]
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


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(MULTI_SEP) if v.strip()) if value else ()


def _entities(frame: pd.DataFrame, info: ListInfo) -> list[EntityRecord]:
    has_listed = "listed" in frame.columns
    has_address = "address" in frame.columns
    has_schema = "schema" in frame.columns
    records = []
    for row in frame.to_dict("records"):
        records.append(EntityRecord(
            list_id=info.id, record_id=row["record_id"], name=row["name"],
            aliases=_split(row["aliases"]), country=row["country"] or None,
            address=(row["address"] or None) if has_address else None,
            listed=(row["listed"] or None) if has_listed else None,
            notes=row["notes"] or None,
            schema=(row["schema"] or "LegalEntity") if has_schema else "LegalEntity",
        ))
    return records


def load_reference(root: Path | None = None, *, lists: Iterable[str] | None = None,
                   verify: bool = True) -> ReferenceSet:
    """Load the reference lists of ``root`` (default: the shipped lists) into a ReferenceSet.

    ``lists`` selects list ids; ``"dol-tvpra@2020-09-30"`` pins an older edition.  With
    ``verify`` every file used is checked against its catalogue sha256 and record count.
    Results are cached per (root, lists, verify) for the life of the process.

    Raises :class:`ReferenceDataError` for an unknown list id or edition and for a
    missing, changed, truncated or malformed file.

    >>> ref = load_reference(lists=["dol-tvpra", "uflpa-entity-list"])  # doctest: +SKIP
    >>> ref.info("dol-tvpra").label()                                     # doctest: +SKIP
    'dol-tvpra@2022-09-28'
    """
    key_lists = None if lists is None else tuple(sorted(set(lists)))
    return _load_cached(_default_root(root).resolve(), key_lists, verify)


@cache
def _load_cached(root: Path, lists: tuple[str, ...] | None, verify: bool) -> ReferenceSet:
    catalogue = load_catalogue(root)
    editions = _editions(catalogue)
    chosen = _select(editions, lists)
    frames: dict[str, Any] = {}
    for list_id, info in chosen.items():
        if list_id == CONCORDANCE_ID and not (root / info.file).exists():
            # The concordance is optional ("if present"); a present one is still verified.
            continue
        frames[list_id] = _read(root, info, info.file, list_id, verify)

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
    for list_id in ENTITY_LISTS:
        if list_id in frames:
            entities.extend(_entities(frames[list_id], chosen[list_id]))

    def plain(list_id: str) -> pd.DataFrame:
        if list_id in frames:
            return _tag(frames[list_id], chosen[list_id])
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
        wro_merchandise=plain("cbp-wro-merchandise"), uflpa_sectors=plain("uflpa-sectors"),
        hs=plain("hs2022"), concordance=concordance, root=root,
    )
