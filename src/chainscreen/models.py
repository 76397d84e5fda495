"""The few records shared between stages. Plain frozen dataclasses: no behaviour beyond formatting."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any, TypeVar

_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle a frozen, slotted dataclass as the tuple of its fields, read back with the field
    names looked up once per class: the dataclass default looks them up again for every object,
    and a screening context kept on disk holds thousands of these (``check`` reads it on every
    start). Apply above ``@dataclass(frozen=True, slots=True)``."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    setter = object.__setattr__

    def __getstate__(self: Any) -> tuple[Any, ...]:
        return tuple([getattr(self, n) for n in names])

    def __setstate__(self: Any, state: tuple[Any, ...]) -> None:
        for n, v in zip(names, state, strict=True):
            setter(self, n, v)

    cls.__getstate__ = __getstate__  # type: ignore[attr-defined,method-assign]
    cls.__setstate__ = __setstate__  # type: ignore[attr-defined,method-assign]
    return cls

#: Canonical manifest fields chainscreen understands. Any other column is carried through untouched.
FIELDS: tuple[str, ...] = (
    "supplier",      # supplier / vendor / shipper / manufacturer name
    "supplier_id",   # the user's own supplier number
    "country",       # country of origin (of the goods) or of the supplier
    "address",       # supplier address (used for Xinjiang mentions and country hints)
    "goods",         # free-text description of goods
    "hs_code",       # HS / HTS / tariff number
    "value",         # declared value
    "quantity",
    "date",
)

LEVELS: tuple[str, ...] = ("high", "elevated", "low", "clear", "unscreenable")

#: The separator of multi-valued cells (aliases, identifiers) in chainscreen's list files.
MULTI_SEP = " | "

#: UFLPA section 2(d)(2)(B) clauses in page order, with what each lists (the statute's words,
#: shortened). Clause (iii) lists products, not entities, and has no table on the page.
UFLPA_SECTIONS: dict[str, str] = {
    "i": "entities in Xinjiang that mine, produce or manufacture goods wholly or in part with "
         "forced labour",
    "ii": "entities working with the government of Xinjiang to recruit, transport, transfer, "
          "harbour or receive forced labour or Uyghurs, Kazakhs, Kyrgyz or members of other "
          "persecuted groups out of Xinjiang",
    "iii": "products made by entities listed under (i) or (ii)",
    "iv": "entities that exported products made by entities listed under (i) or (ii) from the "
          "PRC into the United States",
    "v": "facilities and entities, including the XPCC, that source material from Xinjiang or "
         "from persons working with the government of Xinjiang or the XPCC for 'poverty "
         "alleviation', 'pairing assistance' or any other government labour scheme that uses "
         "forced labour",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one input row (or the file when ``row`` is None)."""

    row: int | None
    column: str | None
    reason: str
    #: "error" makes the row unscreenable; "warning" is reported but the row is still screened.
    severity: str = "error"

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


def edition_age(edition: str, today: date | None = None) -> int | None:
    """Days since an edition ("2026-07-09", or a year: its last day) was published, or None."""
    today = today or date.today()
    text = edition.strip()
    try:
        if len(text) == 4 and text.isdigit():
            published = date(int(text), 12, 31)
        else:
            published = date.fromisoformat(text[:10])
    except ValueError:
        return None
    return max((today - published).days, 0)


@dataclass(frozen=True, slots=True)
class ListInfo:
    """Catalogue entry of one edition of one shipped or imported risk list."""

    id: str
    kind: str  # country | commodity | entity | nomenclature | concordance
    publisher: str
    title: str
    edition: str  # publication date (ISO) or report year
    source_url: str
    retrieved: str
    licence: str
    sha256: str
    records: int
    file: str
    refresh_days: int | None = None
    notes: str = ""
    #: What the list is about: "" or "forced-labour" (the shipped lists), "sanctions" (OFAC
    #: SDN, most OpenSanctions datasets) or "watchlist" (a user's own list). It decides the
    #: wording of evidence and whether an entity match is decisive.
    scope: str = ""

    def age_days(self, today: date | None = None) -> int | None:
        """Days since the edition was published, when the edition is a date or a year."""
        return edition_age(self.edition, today)

    def label(self) -> str:
        """``id@edition``, the short form used in evidence and receipts."""
        return f"{self.id}@{self.edition}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class EntityRecord:
    """One entity on an entity list (UFLPA Entity List, CBP WRO/Findings, a user watchlist)."""

    list_id: str
    record_id: str
    name: str
    aliases: tuple[str, ...] = ()
    country: str | None = None  # ISO-2
    address: str | None = None
    listed: str | None = None  # date listed, ISO when known
    notes: str | None = None
    schema: str = "LegalEntity"
    #: Registration, tax or vessel numbers as "scheme:value" (imported lists), kept for review.
    identifiers: tuple[str, ...] = ()

    def all_names(self) -> tuple[str, ...]:
        """The primary name followed by every alias."""
        return (self.name, *self.aliases)

    def content_hash(self) -> str:
        """sha256 of this record's canonical JSON: changes whenever any field of the entry changes.

        Review decisions are keyed to it, so a decision reopens when the list entry is edited.
        """
        import hashlib
        import json

        blob = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          default=list)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A list record considered for a party, with the matcher's score and reasons."""

    record: EntityRecord
    matched_name: str  # the list name or alias that scored best
    score: float  # 0..1
    decision: str  # "match" | "review" | "reject"
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of risk evidence for a row, naming the list and edition it came from."""

    kind: str
    list_id: str
    edition: str
    summary: str  # one sentence a reviewer can read
    strength: float  # 0..1, how strongly this item indicates risk
    weight: float  # 0..1, configured weight of this evidence kind
    record_id: str | None = None
    matched_name: str | None = None
    match_score: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def contribution(self) -> float:
        """w·s, the factor this item enters the noisy-OR with."""
        return self.weight * self.strength

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the output contract's evidence object)."""
        out = asdict(self)
        if not out["details"]:
            out.pop("details")
        return out


@dataclass(frozen=True, slots=True)
class Verdict:
    """The scored outcome of one row."""

    level: str
    score: float  # 0..100
    formula: str
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
