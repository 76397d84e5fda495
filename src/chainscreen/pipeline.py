"""The pipeline: read → normalise → match → collect evidence → score. The only module that chains stages.

Library entry point::

    from chainscreen.pipeline import screen
    result = screen("lines.csv")
    result.frame        # the input rows with the added columns
    result.to_dict()    # the JSON output contract (docs/schema/screen-output.schema.json)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainscreen.collector import gc_paused
from chainscreen.evidence import EvidenceBuilder
from chainscreen.match import DISK_INDEX_MIN, EntityMatcher, remove_unused_index
from chainscreen.models import LEVELS, Candidate, Evidence, ListInfo, Problem, Verdict
from chainscreen.normalize.countries import (
    common_forms,
    common_names,
    know_names,
    may_mention_xinjiang,
    mentions_xinjiang,
    to_iso2,
)
from chainscreen.normalize.goods import GoodsHit, GoodsMapper, HSCode, parse_hs
from chainscreen.normalize.names import placeholder_kind
from chainscreen.reference import SUPPORT_KINDS, ReferenceSet, load_reference
from chainscreen.result import FACETS, Outcome, RowResult, ScreenChunk, ScreenResult, added_cells
from chainscreen.score import combine
from chainscreen.settings import Settings
from chainscreen.version import __version__

if TYPE_CHECKING:
    import pandas as pd

    from chainscreen.manifest import Manifest, ManifestChunk, ManifestStream

ProgressCallback = Callable[[int, int], None]
CHUNK = 5000


def screen(
    source: str | Path | pd.DataFrame | Manifest,
    *,
    settings: Settings | None = None,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    reference: ReferenceSet | None = None,
    lists: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    context: ScreeningContext | None = None,
) -> ScreenResult:
    """Screen a manifest file or DataFrame against the reference lists.

    Every input row comes back as a :class:`RowResult` in input order, with a level, a score,
    the formula, the evidence (each item naming its list and edition) and reasons in words.
    The whole manifest is held in memory; for files of millions of rows use :func:`iter_screen`.
    """
    from chainscreen.manifest import Manifest, read_manifest

    manifest = source if isinstance(source, Manifest) else read_manifest(
        source, sheet=sheet, mapping=mapping)
    screening = iter_screen(manifest, settings=settings, reference=reference, lists=lists,
                            chunk_rows=CHUNK, progress=progress, context=context)
    rows: list[RowResult] = []
    for chunk in screening:
        # the reader's row problems stay in manifest.problems, where they always were
        rows.extend(chunk.results(reader_problems=False))
    return ScreenResult(manifest, rows, screening.receipt, screening.settings, screening.reference,
                        list(manifest.problems))


def _no_kinds() -> Any:
    import numpy as np

    return np.zeros(0, np.int16)


@cache
def _kind(level: str, unscreened: tuple[str, ...]) -> int:
    """An outcome's level and facets not screened as one small number: the level's place in
    LEVELS in the low three bits, one bit per facet of FACETS above them."""
    return LEVELS.index(level) + sum(8 << FACETS.index(f) for f in set(unscreened))


# Distinct row facts remembered at once; beyond this the memo starts afresh, so memory stays flat
# on a manifest where almost every row is different.
_MAX_OUTCOMES = 200_000
# Distinct values of one fact remembered at once (their codes key the outcomes above).
_MAX_VALUES = 2_000_000


class Screening:
    """An iterator of :class:`ScreenChunk` over a manifest stream; see :func:`iter_screen`.

    After the last chunk, :attr:`receipt` is complete and :attr:`counts` and :attr:`problems`
    cover the whole manifest. ``complete`` is False until the last chunk has been screened.
    """

    def __init__(self, stream: ManifestStream, settings: Settings, reference: ReferenceSet,
                 chunk_rows: int, progress: ProgressCallback | None,
                 context: ScreeningContext | None = None) -> None:
        self.stream = stream
        self.settings = settings
        self.reference = reference
        self.chunk_rows = chunk_rows
        self.progress = progress
        self.counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
        #: rows whose supplier, origin or goods could not be screened, per facet
        self.unscreened: dict[str, int] = dict.fromkeys(FACETS, 0)
        self.complete = False
        self.started = _now()
        self._finished: str | None = None
        # a context built once over the same lists and settings can be shared (a server's checks)
        self.context = context or ScreeningContext.build(reference, settings)
        self._index: dict[bytes, int] = {}  # a combination of value codes -> its outcome
        self._outcomes: list[Outcome] = []
        #: each outcome's level and facets not screened, as :func:`_kind` numbers them
        self._kinds: Any = _no_kinds()
        # each fact's values seen so far: value -> run-wide code, and code -> value
        self._values: dict[str, dict[str, int]] = {f: {} for f in _FACT_FIELDS}
        self._strings: dict[str, list[str]] = {f: [] for f in _FACT_FIELDS}
        self._value_count = 0
        self._rows = 0

    @property
    def rows(self) -> int:
        """Rows screened so far (all rows read, once iteration is over)."""
        return self._rows if not self.complete else self.stream.rows

    @property
    def problems(self) -> list[Problem]:
        """File-level problems found so far (row problems are in each chunk)."""
        return list(self.stream.problems)

    @property
    def receipt(self) -> dict[str, Any]:
        """The run's receipt; its row count and finish time are final once iteration ends."""
        return _receipt(self.stream, self.stream.rows, self.reference, self.settings, self.started,
                        self._finished or _now(), complete=self.complete, unscreened=self.unscreened)

    def __iter__(self) -> Iterator[ScreenChunk]:
        estimate = getattr(self.stream, "estimated_rows", 0) or 0
        # One pool of matching workers for the whole run, not one per chunk. Each chunk is read
        # one ahead and its new parties handed to the workers (ScreeningContext.prefetch), so
        # they match while this process screens, and the caller writes, the chunk before it.
        # The cyclic collector is paused while the run goes on (also while the caller writes a
        # chunk): the memos keep hundreds of thousands of small objects alive, which it would scan
        # again and again (15 % of a 10^6-row run's screening process), and a screening makes no
        # reference cycles for it to reclaim. collector.gc_paused restores it when the run ends or
        # the iteration is dropped.
        # The pairs handed over are forgotten when the pool goes: parties still in flight then
        # are matched when asked for, and a later screening over this context hands its own.
        with gc_paused(), self.context.matcher.pooled(), _forgetting(self.context.handed):
            chunks = self.stream.iter_chunks(rows=self.chunk_rows)
            chunk = next(chunks, None)
            if chunk is not None:
                # more chunks to come: the workers are forked before the caller's writer
                # thread starts, so that later chunks with many new parties can use them;
                # then the input's sha256 (for the receipt) is computed beside the run
                more = estimate > self.chunk_rows or len(chunk) >= self.chunk_rows
                if more and self.context.matcher.start_workers():
                    self.stream.hash_in_background()
                self.context.prefetch(chunk)
            while chunk is not None:
                ahead = next(chunks, None)
                if ahead is not None:
                    self.context.prefetch(ahead)
                screened = self._screen(chunk)
                self._count(screened)
                self._rows += len(chunk)
                if self.progress is not None:
                    self.progress(self._rows, max(estimate, self.stream.rows))
                yield screened
                chunk = ahead
        self.complete = True
        self._finished = _now()

    def _screen(self, chunk: ManifestChunk) -> ScreenChunk:
        """Rows to outcomes: each fact column is dictionary-encoded in Arrow, each distinct
        combination of value codes looked up (or screened) once, and the row codes taken from
        the distinct combinations' outcomes with numpy: no Python object per row."""
        import numpy as np

        n = len(chunk)
        if n == 0:
            return ScreenChunk(chunk, np.zeros(0, np.int64), self._outcomes)
        if self._value_count > _MAX_VALUES:
            self._values = {f: {} for f in _FACT_FIELDS}
            self._strings = {f: [] for f in _FACT_FIELDS}
            self._value_count = 0
            self._index, self._outcomes, self._kinds = {}, [], np.zeros(0, np.int16)
        ids = [self._value_ids(chunk, name, n) for name in _FACT_FIELDS]
        # distinct combinations: the fields' codes packed in one int64 and one 1-d np.unique
        # (np.unique over rows of a 2-d array is ten times slower); when the next field would
        # not fit, the combinations so far are numbered densely first
        inverse = np.zeros(n, np.int64)
        bound = 1  # every packed value is below this
        for values in ids:
            span = int(values.max()) + 1
            if bound * span >= 1 << 62:
                combined, inverse = np.unique(inverse, return_inverse=True)
                inverse, bound = inverse.reshape(-1), len(combined)
            inverse = inverse * span + values
            bound *= span
        combined, inverse = np.unique(inverse, return_inverse=True)
        inverse = inverse.reshape(-1)
        width = len(combined)
        first = np.full(width, n, np.int64)
        np.minimum.at(first, inverse, np.arange(n, dtype=np.int64))
        combos = np.ascontiguousarray(np.stack([v[first] for v in ids], axis=1))
        # each combination's codes as one bytes key (a tuple of ints per combination cost 40×)
        packed = combos.view(np.dtype((np.void, combos.shape[1] * 8))).ravel()
        keys: list[bytes] = packed.tolist()  # type: ignore[assignment]
        lookup = np.fromiter(map(self._index.get, keys, repeat(-1)), np.int64, len(keys))
        new = np.flatnonzero(lookup < 0)
        if len(self._outcomes) + len(new) > _MAX_OUTCOMES:
            self._index, self._outcomes, self._kinds = {}, [], np.zeros(0, np.int16)
            new = np.arange(len(keys))
        if len(new):
            picked = combos[new]
            facts = list(zip(*(map(self._strings[f].__getitem__, picked[:, j].tolist())
                               for j, f in enumerate(_FACT_FIELDS)), strict=True))
            base = len(self._outcomes)
            computed = self._compute(facts, chunk.columns)
            self._outcomes.extend(computed)
            self._kinds = np.concatenate([self._kinds, np.fromiter(
                (_kind(o.template.level, o.unscreened) for o in computed), np.int16, len(computed))])
            lookup[new] = np.arange(base, base + len(new))
            self._index.update(zip([keys[i] for i in new.tolist()], range(base, base + len(new)), strict=True))
        return ScreenChunk(chunk, lookup[inverse], self._outcomes)

    def _count(self, screened: ScreenChunk) -> None:
        """Add a chunk's rows per level and per facet not screened to the run's counts, from
        each outcome's kind (:func:`_kind`) taken per row: no Python work per row or outcome."""
        import numpy as np

        kinds = self._kinds[screened.codes]
        levels = np.bincount(kinds & 7, minlength=len(LEVELS)).tolist()
        for level, n in zip(LEVELS, levels, strict=False):
            self.counts[level] += n
        for bit, facet in enumerate(FACETS):
            self.unscreened[facet] += int(np.count_nonzero(kinds & (8 << bit)))

    def _value_ids(self, chunk: ManifestChunk, name: str, n: int) -> Any:
        """The run-wide code of each row's value of fact ``name`` (a numpy array)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        values, strings = self._values[name], self._strings[name]
        header = chunk.columns.get(name)
        if header is None:
            code = values.get("")
            if code is None:
                code = values[""] = len(strings)
                strings.append("")
            return np.full(n, code, np.int64)
        if name == "address":
            # an address counts for the Xinjiang test alone (and for the warning on a value
            # too long): one that cannot name the region is screened as no address, so the
            # run need not remember every address (one per supplier, often)
            column = _text_column(chunk, header)
            keep = pc.or_(may_mention_xinjiang(column), pc.greater(pc.utf8_length(column), MAX_FACT_CHARS))
            column = pc.if_else(pc.fill_null(keep, False), column, pa.scalar("", column.type))
            encoded = pc.dictionary_encode(pc.fill_null(column, ""))
            local, indices = encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)
        else:  # the supplier's and country's encoding was made for the prefetch, as a rule
            local, indices = encoded_column(chunk, header)
        # the codes of the values seen before (most), looked up in one C loop
        codes = np.fromiter(map(values.get, local, repeat(-1)), np.int64, len(local))
        new = np.flatnonzero(codes < 0)
        if len(new):
            base = len(strings)
            added = [local[i] for i in new.tolist()]
            codes[new] = np.arange(base, base + len(added))
            values.update(zip(added, range(base, base + len(added)), strict=True))
            strings.extend(added)
        self._value_count = max(self._value_count, len(strings))
        return codes[indices]

    def _compute(self, keys: Sequence[tuple[str, ...]], cols: Mapping[str, str]) -> list[Outcome]:
        return screen_facts(self.context, keys, cols)


@contextmanager
def _forgetting(memo: set[Any]) -> Iterator[None]:
    """Clear ``memo`` when the block ends, however it ends."""
    try:
        yield
    finally:
        memo.clear()


#: Longer supplier names, countries, descriptions, HS codes or addresses are cut to this many
#: characters before screening (with a warning): no real name is longer, and a megabyte "name"
#: would cost minutes in the matcher.
MAX_FACT_CHARS = 2000
_FACT_FIELDS = ("supplier", "country", "goods", "hs_code", "address")


@dataclass
class ScreeningContext:
    """What screening a batch of row facts reads: the lists, the match index, the goods mapper,
    the evidence builder and the settings, plus memos of what depends on fewer facts than a
    row (country look-ups, HS codes, the Xinjiang test per text, party evidence per (supplier,
    country), goods/WRO/country evidence per (country, goods text, HS code)).

    The memos only ever hold what the lists and settings give for a value, so a context can be
    shared by every batch of a run (and copied into worker processes); :func:`screen_facts` is
    the per-batch core over it.
    """

    reference: ReferenceSet
    settings: Settings
    matcher: EntityMatcher
    mapper: GoodsMapper | None
    builder: EvidenceBuilder
    iso: dict[str, str | None] = field(default_factory=dict)
    hs: dict[str, tuple[HSCode | None, str | None]] = field(default_factory=dict)
    xinjiang: dict[str, str | None] = field(default_factory=dict)
    party: dict[tuple[str, str | None], tuple[tuple[Evidence, ...], tuple[str, ...]]] = field(
        default_factory=dict)
    origin: dict[tuple[str | None, str, str], tuple[tuple[GoodsHit, ...], tuple[Evidence, ...],
                                                   tuple[str, ...]]] = field(default_factory=dict)
    #: the verdict of each (party evidence, origin evidence, notes) seen, keyed by the two
    #: memoised evidence tuples' ids; each entry holds its tuples, so an id is not reused
    #: while its entry is here
    verdicts: dict[tuple[int, int, tuple[str, ...]],
                   tuple[Verdict, tuple[Evidence, ...], tuple[Evidence, ...]]] = field(default_factory=dict)
    #: the added output cells of each result seen, keyed as :func:`_cells` says; each entry
    #: holds the objects whose ids key it
    cells: dict[tuple[Any, ...], tuple[Any, ...]] = field(default_factory=dict)
    #: the raw (supplier, country) pairs :meth:`prefetch` has seen: a later chunk's are skipped
    handed: set[tuple[str, str]] = field(default_factory=set)
    #: ISO code -> English country name, filled when the context is kept on disk and handed to
    #: :func:`~chainscreen.normalize.countries.know_names` when it is read back
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, reference: ReferenceSet, settings: Settings,
              cache: Path | None = None) -> ScreeningContext:
        """Index the lists once (the matcher, the goods concordance, the evidence rules).

        ``cache``: a folder where the match index is kept on disk per list edition
        (:func:`cached_matcher`), and the countries' names (:func:`cached_country_names`);
        without it the index is built here.
        """
        with gc_paused():  # all of it lives as long as the context
            mapper = (GoodsMapper(reference.concordance, reference.hs)
                      if reference.concordance is not None else None)
            matcher = (cached_matcher(reference, settings, cache) if cache is not None
                       else EntityMatcher(reference.entities, settings))
            if cache is not None:
                know_names(cached_country_names(cache))
            return cls(reference, settings, matcher, mapper, EvidenceBuilder(reference, settings))

    def __getstate__(self) -> dict[str, Any]:
        # the memos keyed by object ids mean nothing in another process (a Spark executor, the
        # cache on disk): their keys could meet other objects there
        return {**self.__dict__, "verdicts": {}, "cells": {}, "handed": set()}

    def without_frames(self) -> ScreeningContext:
        """A copy whose reference keeps its catalogue, editions and entities but not the list
        frames (everything here reads them when built, not after): what is cached on disk,
        readable without pandas."""
        from dataclasses import replace

        ref = self.reference
        # the frames are dropped on purpose: nothing reads them once the context is built
        light = replace(ref, goods=None, tip=None, child_labour=None,  # type: ignore[arg-type]
                        wro_merchandise=None, uflpa_sectors=None, hs=None,  # type: ignore[arg-type]
                        concordance=None)
        builder = EvidenceBuilder.__new__(EvidenceBuilder)
        builder.__dict__.update(self.builder.__dict__)
        builder.ref = light
        return ScreeningContext(light, self.settings, self.matcher, self.mapper, builder)

    def prefetch(self, chunk: ManifestChunk) -> int:
        """Hand the distinct parties (supplier, country) of ``chunk`` to the matcher's worker
        processes without waiting (:meth:`EntityMatcher.prefetch`); :func:`screen_facts` then
        finds them matched, or waits for them. Parties are cleaned as :func:`screen_facts`
        cleans them. Returns how many were handed over."""
        header = chunk.columns.get("supplier")
        if header is None or not len(chunk):
            return 0
        iso, handed = self.iso, self.handed
        if len(handed) > _MAX_MEMO:
            handed.clear()
        parties: dict[tuple[str, str | None], None] = {}
        for pair in _distinct_pairs(chunk, header, chunk.columns.get("country")):
            if pair in handed:  # an earlier chunk's: matched, or being matched, or asked for
                continue
            handed.add(pair)
            s, c = pair[0].strip()[:MAX_FACT_CHARS], pair[1].strip()[:MAX_FACT_CHARS]
            if not s:
                continue
            if c and c not in iso:
                iso[c] = to_iso2(c)
            parties[(s, iso.get(c) if c else None)] = None
        return self.matcher.prefetch(parties)

    def clear_memos(self) -> None:
        """Forget the memos (memory stays flat on a manifest of ever-new values)."""
        for memo in (self.hs, self.xinjiang, self.party, self.origin, self.verdicts, self.cells,
                     self.handed):
            memo.clear()

    def parse_hs(self, raw: str) -> tuple[HSCode | None, str | None]:
        found = self.hs.get(raw)
        if found is None:
            try:
                found = (parse_hs(raw), None)
            except ValueError as exc:
                found = (None, str(exc))
            self.hs[raw] = found
        return found

    def mentions_xinjiang(self, text: str) -> str | None:
        if not text:
            return None
        memo = self.xinjiang
        if text in memo:
            return memo[text]
        term = memo[text] = mentions_xinjiang(text)
        return term


def _text_column(chunk: ManifestChunk, header: str) -> Any:
    """The column ``header`` of ``chunk`` as one Arrow string array."""
    import pyarrow as pa

    column = chunk.table.column(header)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.string())  # e.g. a column of nulls only
    return column


def encoded_column(chunk: ManifestChunk, header: str) -> tuple[list[str], Any]:
    """The column ``header`` of ``chunk`` dictionary-encoded, an empty cell as "": its distinct
    values (Python strings) and each row's index into them (int64). Kept with the chunk: the
    prefetch of parties and the value codes of the screening both ask for the supplier and
    country columns."""
    import numpy as np
    import pyarrow.compute as pc

    key = ("encoded", header)
    found = chunk.memo.get(key)
    if found is None:
        codes = pc.dictionary_encode(pc.fill_null(_text_column(chunk, header), ""))
        found = chunk.memo[key] = (codes.dictionary.to_pylist(),
                                   codes.indices.to_numpy(zero_copy_only=False).astype(np.int64))
    return found  # type: ignore[no-any-return]


def _distinct_pairs(chunk: ManifestChunk, first: str, second: str | None) -> list[tuple[str, str]]:
    """The distinct (value of column ``first``, value of column ``second``) pairs of ``chunk``
    as text ("" for an empty cell or no ``second`` column), found on Arrow's dictionary codes."""
    import numpy as np

    names, name_codes = encoded_column(chunk, first)
    if second is None:
        return [(names[i], "") for i in np.unique(name_codes).tolist()]
    others, other_codes = encoded_column(chunk, second)
    width = max(len(others), 1)
    return [(names[i // width], others[i % width])
            for i in np.unique(name_codes * width + other_codes).tolist()]


def cached_context(settings: Settings, folder: Path, *, root: Path | None = None,
                   user: Path | bool | None = None) -> ScreeningContext:
    """The screening context for ``settings``, read from a cache on disk when it is current.

    ``chainscreen check`` screens one name: loading and verifying the lists (with pandas) and
    building the match index cost far more than the check itself. The context (lists, match
    index, goods mapper, evidence rules; the list frames left out) is kept in ``folder`` (the
    command line uses ``<data dir>/cache/``) under a key made of the lists' fingerprint
    (:func:`~chainscreen.reference.reference_fingerprint`: every edition's sha256, its file's
    size and time), the settings digest and the tool's version and code. A new list edition,
    other settings or other code give another key and the context is built afresh (from lists
    loaded and verified as always). ``root`` and ``user`` are :func:`load_reference`'s. A
    cache file that does not read back whole — a checksum over its content is kept in it — or
    holds another key is rebuilt, never used.
    """
    import hashlib
    import json

    from chainscreen.reference import reference_fingerprint

    key = hashlib.sha256("\x1f".join([
        reference_fingerprint(root, user=user), json.dumps(sorted(settings.lists) if settings.lists else None),
        settings.digest(), __version__, _code_digest()]).encode()).hexdigest()
    path = folder / f"context-{key[:24]}.pickle"
    ctx = _read_cached(path, _CACHE_MAGIC, key)
    if isinstance(ctx, ScreeningContext):
        know_names(ctx.names)
        return ctx
    ctx = ScreeningContext.build(load_reference(root, lists=settings.lists, user=user), settings)
    kept = ctx.without_frames()
    # country codes and names resolved ahead: a check read from disk need not load pycountry
    # or rigour's territories
    kept.iso.update(common_forms())
    kept.names.update(common_names())
    _write_cached(path, _CACHE_MAGIC, key, kept)
    return ctx


def cached_country_names(folder: Path) -> dict[str, str]:
    """:func:`~chainscreen.normalize.countries.common_names` (every country's name as reasons
    give it: "China is Tier 3 ..."), read from ``folder`` when current.

    The names come from rigour's territories, whose first use imports rigour's text tools
    (≈ 0.13 s, an eighth of screening a 10,000-row file). They are kept per version of the
    tool, its code and rigour; a file that does not read back whole or holds another key is
    rebuilt, never used.
    """
    import hashlib
    from importlib.metadata import version

    key = hashlib.sha256("\x1f".join([
        "country names", __version__, _code_digest(), version("rigour")]).encode()).hexdigest()
    path = folder / f"names-{key[:24]}.pickle"
    names = _read_cached(path, _NAMES_MAGIC, key)
    if isinstance(names, dict):
        return names
    names = common_names()
    _write_cached(path, _NAMES_MAGIC, key, names)
    return names


def cached_matcher(reference: ReferenceSet, settings: Settings, folder: Path) -> EntityMatcher:
    """The match index over ``reference``'s entity lists, read from ``folder`` when current.

    Building the index costs about 0.25 ms a list name (over a minute for a 300,000-name
    watchlist); reading it back costs a small part of that. The index is kept per set of list
    editions: the key is every active edition's id, edition and sha256 (verified when the lists
    were loaded), the settings digest and the tool's version and code, so a new edition, other
    settings or other code give another key and the index is built afresh. A file that does
    not read back whole (a checksum over its content is kept in it) or holds another key is
    rebuilt, never used; a folder that cannot be written to is worked without.
    """
    import hashlib
    import json

    editions = sorted((info.label(), info.sha256, info.records) for info in reference.catalogue.values())
    key = hashlib.sha256("\x1f".join([
        json.dumps(editions), str(len(reference.entities)), settings.digest(), __version__,
        _code_digest()]).encode()).hexdigest()
    path = folder / f"index-{key[:24]}.pickle"
    disk = folder / f"index-{key[:24]}.sqlite"
    matcher = _read_cached(path, _INDEX_MAGIC, key)
    if isinstance(matcher, EntityMatcher):
        return matcher
    if _verified(disk, key):
        try:
            return EntityMatcher.open(disk)
        except Exception:  # noqa: BLE001 - removed or damaged since it was checked: build it again
            pass
    matcher = EntityMatcher(reference.entities, settings)
    if matcher.size >= DISK_INDEX_MIN:
        _write_index_file(disk, key, matcher)
    else:
        _write_cached(path, _INDEX_MAGIC, key, matcher)
    return matcher


def _verified(path: Path, key: str) -> bool:
    """Whether the index file at ``path`` is whole and was written under ``key`` (its sha256
    and key are kept beside it, written once the file was complete)."""
    import hashlib

    try:
        magic, stored_key, checksum = Path(f"{path}.sum").read_bytes().split(b"\n")
        if magic != _INDEX_MAGIC or stored_key.decode() != key:
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        return digest.hexdigest() == checksum.decode()
    except (OSError, ValueError):
        return False


def _write_index_file(path: Path, key: str, matcher: EntityMatcher) -> None:
    """:meth:`EntityMatcher.save` to ``path`` through a temporary file, then its checksum
    beside it; older index files of the folder are removed. Skipped when the folder cannot be
    written to."""
    import hashlib
    import os
    import tempfile

    folder = path.parent
    tmp = ""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index.", suffix=".part", dir=folder)
        os.close(fd)
        os.unlink(tmp)  # SQLite creates it
        matcher.save(tmp)
        digest = hashlib.sha256()
        with open(tmp, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        os.replace(tmp, path)
        fd, tmp_sum = tempfile.mkstemp(prefix=".index.", suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(b"\n".join([_INDEX_MAGIC, key.encode(), digest.hexdigest().encode()]))
        os.replace(tmp_sum, f"{path}.sum")
        for old in folder.glob("index-*.sqlite"):
            # an index another run is reading right now stays until a later run finds it free
            if old.name != path.name and remove_unused_index(old):
                Path(f"{old}.sum").unlink(missing_ok=True)
        for old in folder.glob("index-*.pickle"):
            old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - a read-only folder, a full disk: work without the cache
        Path(f"{path}.sum").unlink(missing_ok=True)
    finally:
        if tmp:
            Path(tmp).unlink(missing_ok=True)


def _read_cached(path: Path, magic: bytes, key: str) -> Any:
    """What :func:`_write_cached` kept at ``path`` under ``key``, or None when it is absent,
    another key's, truncated, altered or unreadable by this code."""
    import hashlib
    import pickle

    try:
        blob = path.read_bytes()
        found, stored_key, checksum, payload = blob.split(b"\n", 3)
        if (found == magic and stored_key.decode() == key
                and hashlib.sha256(payload).hexdigest() == checksum.decode()):
            with gc_paused():  # a large index is millions of objects: no collections while they load
                return pickle.loads(payload)
    except (OSError, ValueError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            IndexError, TypeError):
        pass  # absent, unreadable, truncated or from other code: build it again
    return None


def _write_cached(path: Path, magic: bytes, key: str, value: Any) -> None:
    """Keep ``value`` at ``path`` (atomically, with its key and a checksum) and remove the
    older files of the same kind from the folder; a folder that cannot be written is skipped."""
    import hashlib
    import os
    import pickle
    import tempfile

    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    folder = path.parent
    kind = path.name.split("-", 1)[0]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}.", suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(b"\n".join([magic, key.encode(), hashlib.sha256(payload).hexdigest().encode(),
                                 payload]))
        os.replace(tmp, path)
        for old in folder.glob(f"{kind}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        for old in folder.glob(f"{kind}-*.sqlite"):
            if remove_unused_index(old):
                Path(f"{old}.sum").unlink(missing_ok=True)
    except OSError:
        pass  # a read-only data folder: work without the cache


_CACHE_MAGIC = b"chainscreen screening context 1"
_INDEX_MAGIC = b"chainscreen match index 1"
_NAMES_MAGIC = b"chainscreen country names 1"


def _code_digest(root: Path | None = None) -> str:
    """Size and modification time of every module and data file of the package (a changed
    checkout, not only a new version number, gives a new cache key; so do rebuilt data tables,
    e.g. the Chinese short names the match index reads names with). ``root``: the package."""
    import hashlib
    import os

    top = str(root or Path(__file__).resolve().parent)
    parts = []
    # os.walk, not Path.rglob: this runs on every ``check``, and pathlib costs ~10 ms here
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = os.path.relpath(folder, top)
        for name in files:
            if name.endswith(".pyc"):
                continue
            st = os.stat(os.path.join(folder, name))
            path = name if rel == "." else f"{rel}{os.sep}{name}"
            parts.append(f"{Path(path)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


def screen_one(ctx: ScreeningContext, facts: Mapping[str, str | None], row: int = 1) -> RowResult:
    """Screen one party given as facts (supplier, country, goods, hs_code, address; absent or
    None when not given) over a context: what ``chainscreen check`` does for each name."""
    cols = {f: f for f, v in facts.items() if v is not None}
    key = tuple(str(facts.get(f) or "") for f in _FACT_FIELDS)
    return screen_facts(ctx, [key], cols)[0].for_row(row)


#: Memo entries kept per kind before they are forgotten (see ScreeningContext.clear_memos).
_MAX_MEMO = 500_000


def screen_facts(ctx: ScreeningContext, keys: Sequence[tuple[str, ...]],
                 cols: Mapping[str, str]) -> list[Outcome]:
    """The outcome of each distinct set of row facts (supplier, country, goods text, HS code,
    address), in order: the per-batch screening core. ``cols`` names the user's column of each
    fact (for problems). Parties are matched in one batch (in worker processes when large)."""
    if max(len(ctx.xinjiang), len(ctx.party), len(ctx.origin), len(ctx.verdicts)) > _MAX_MEMO:
        ctx.clear_memos()
    if len(ctx.cells) > _MAX_OUTCOMES:
        # the cells' texts are most of an outcome's memory: no more of them than of outcomes
        ctx.cells.clear()
    clean = [tuple(map(str.strip, k)) for k in keys]
    long = {i for i, k in enumerate(clean) if k and max(map(len, k)) > MAX_FACT_CHARS}
    for i in long:
        clean[i] = tuple(v[:MAX_FACT_CHARS] for v in clean[i])
    iso = ctx.iso
    for _s, c, *_ in clean:
        if c and c not in iso:
            iso[c] = to_iso2(c)
    parties = [(s or None, iso.get(c) if c else None) for s, c, *_ in clean]
    candidates = ctx.matcher.match_many(parties)
    meaningful = {s: ctx.matcher.is_name(s) for s in {k[0] for k in clean}}
    out = []
    for i, (supplier, country_raw, desc, hs_raw, address) in enumerate(clean):
        result, unscreened = _screen_facts(ctx, supplier, country_raw, desc, hs_raw, address,
                                           meaningful[supplier], candidates[i], cols)
        if i in long:
            fields = [f for f, v in zip(_FACT_FIELDS, keys[i], strict=True)
                      if len(v.strip()) > MAX_FACT_CHARS]
            result.problems = (Problem(None, cols.get(fields[0]), f"{', '.join(fields)} longer than "
                                       f"{MAX_FACT_CHARS:,} characters; the first {MAX_FACT_CHARS:,} "
                                       "were screened", "warning"), *result.problems)
        out.append(Outcome(result, _cells(ctx, result), unscreened))
    return out


def _cells(ctx: ScreeningContext, r: RowResult) -> tuple[Any, ...]:
    """:func:`~chainscreen.result.added_cells` of ``r``, built once for results that share their
    reasons, evidence, candidates and goods (the same tuples: many suppliers with no list match
    share a verdict and goods) and agree on the rest the cells show."""
    key = (id(r.reasons), id(r.evidence), id(r.candidates), id(r.goods), id(r.decision),
           r.level, r.score, r.status, r.country, r.formula)
    found = ctx.cells.get(key)
    if found is None:
        found = ctx.cells[key] = (added_cells(r), r.reasons, r.evidence, r.candidates, r.goods,
                                  r.decision)
    return found[0]  # type: ignore[no-any-return]


def iter_screen(
    source: str | Path | pd.DataFrame | Manifest | ManifestStream,
    *,
    settings: Settings | None = None,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    reference: ReferenceSet | None = None,
    lists: Sequence[str] | None = None,
    chunk_rows: int | None = None,
    progress: ProgressCallback | None = None,
    context: ScreeningContext | None = None,
) -> Screening:
    """Screen a manifest chunk by chunk, in flat memory: iterate the result for :class:`ScreenChunk` s.

    A file path is opened with :func:`chainscreen.manifest.open_manifest` (streamed); a DataFrame
    or Manifest is screened from memory. Rows with the same facts are screened once. After the
    loop, ``screening.receipt`` is the run's receipt and ``screening.counts`` the rows per level::

        screening = iter_screen("lines.csv")
        for chunk in screening:
            for row in chunk.rows: ...
        screening.receipt

    ``progress(done, estimated_total)`` is called after each chunk. ``context`` is a
    :class:`ScreeningContext` built over ``reference`` with the same settings, to share between
    screenings (its match index is the costly part). ``chunk_rows``: rows per chunk (default
    :data:`chainscreen.manifest.CHUNK_ROWS`).
    """
    # the reader is imported here, not above: ``chainscreen check`` screens without it
    from chainscreen.manifest import CHUNK_ROWS, Manifest, ManifestStream, open_manifest, read_manifest

    settings = settings or Settings()
    chunk_rows = chunk_rows or CHUNK_ROWS
    if isinstance(source, ManifestStream):
        stream = source
    elif isinstance(source, Manifest):
        stream = ManifestStream.from_manifest(source)
    elif isinstance(source, str | Path):
        stream = open_manifest(source, sheet=sheet, mapping=mapping)
    else:  # a DataFrame
        stream = ManifestStream.from_manifest(read_manifest(source, mapping=mapping))
    ref = reference or load_reference(lists=lists or settings.lists)
    return Screening(stream, settings, ref, chunk_rows, progress, context)


def _screen_facts(
    ctx: ScreeningContext, supplier: str, country_raw: str, desc: str, hs_raw: str, address: str,
    has_name: bool, candidates: Sequence[Candidate], cols: Mapping[str, str],
) -> tuple[RowResult, tuple[str, ...]]:
    """One row's result from its (stripped) facts, and the facets (:data:`FACETS`) not screened.

    A row is screened on every facet it has: the supplier against entity lists, the origin
    against country lists, goods and origin against goods and sector lists. A missing facet
    makes it ``partial``, with "not screened: ..." in its reasons, and its level comes from
    what was screened; only a row where nothing could be screened is ``unscreenable``.
    ``row`` is 0 and problems carry no row.
    """
    problems: list[Problem] = []
    missing: list[str] = []
    unscreened: list[str] = []
    # a name the matcher took as a name is no placeholder (is_meaningful_name checks)
    placeholder = placeholder_kind(supplier) if supplier and not has_name else None
    if placeholder is not None:
        problems.append(Problem(None, cols.get("supplier"),
                                f"supplier {supplier[:60]!r} is a placeholder ({placeholder}), not a name",
                                "warning"))
    elif supplier and not has_name:
        problems.append(Problem(None, cols.get("supplier"),
                                f"supplier name {supplier[:60]!r} is not a name", "warning"))
    country = ctx.iso.get(country_raw) if country_raw else None
    if country_raw and country is None:
        problems.append(Problem(None, cols.get("country"), f"unknown country {country_raw[:60]!r}"))
    hs: HSCode | None = None
    if hs_raw:
        hs, error = ctx.parse_hs(hs_raw)
        if error is not None:
            problems.append(Problem(None, cols.get("hs_code"), f"HS code {hs_raw[:30]!r}: {error}"))
    has_goods = bool(desc) or hs is not None
    if not has_name and not has_goods and country is None:
        reason = ("no supplier name, no goods description or HS code, and no known country"
                  if placeholder is None else f"the supplier is a placeholder ({placeholder}), "
                  "and there are no goods and no known country")
        problems.append(Problem(None, None, reason))
        return RowResult(0, "unscreenable", "unscreenable", 0.0, "not screened",
                         (f"not screened: {reason}",), (), (), supplier or None,
                         country, (), tuple(problems)), FACETS
    if placeholder is not None:
        missing.append(f"supplier ({supplier[:60]!r} is a placeholder: {placeholder})")
    elif not has_name:
        missing.append("no supplier name")
    if not has_name:
        unscreened.append("supplier")
    if country_raw and country is None:
        missing.append(f"unknown country {country_raw[:60]!r}")
    elif not country_raw:
        missing.append("no country of origin")
    if country is None:
        unscreened.append("origin")
    if hs_raw and hs is None:
        missing.append(f"unreadable HS code {hs_raw[:30]!r}")
    if not has_goods:
        missing.append("no goods description or HS code")
        unscreened.append("goods")

    term, where = None, None
    for fname, text in (("address", address), ("supplier name", supplier), ("goods description", desc)):
        term = ctx.mentions_xinjiang(text)
        if term:
            where = fname
            break
    builder = ctx.builder
    okey = (country, desc, hs.digits if hs is not None else "")
    origin = ctx.origin.get(okey)
    if origin is None:
        hits = tuple(ctx.mapper.map(desc or None, hs)) if ctx.mapper is not None else ()
        origin_list: list[str] = []
        origin = ctx.origin[okey] = (hits, tuple(builder.origin(hits, desc, country, origin_list)),
                                     tuple(origin_list))
    hits, origin_evidence, origin_notes = origin
    pkey = (supplier if has_name else "", country)
    party = ctx.party.get(pkey)
    if party is None:
        party_notes: list[str] = []
        party = ctx.party[pkey] = (tuple(builder.party(candidates, party_notes)), tuple(party_notes))
    party_evidence, party_notes_t = party
    # the order of EvidenceBuilder.build, for the evidence and for the notes: party, Xinjiang, origin
    notes = list(party_notes_t)
    nexus = builder.xinjiang(term, where, country, notes)
    notes.extend(origin_notes)
    # the level comes from what was screened; what was not is said in the reasons
    if nexus:
        verdict = combine([*party_evidence, *nexus, *origin_evidence], ctx.settings, notes=notes)
    else:  # most rows share their party and origin evidence with others: scored once
        vkey = (id(party_evidence), id(origin_evidence), tuple(notes))
        known = ctx.verdicts.get(vkey)
        if known is None:
            known = ctx.verdicts[vkey] = (
                combine([*party_evidence, *origin_evidence], ctx.settings, notes=notes),
                party_evidence, origin_evidence)
        verdict = known[0]
    reasons = verdict.reasons + tuple(f"not screened: {m}" for m in missing)
    status = "partial" if missing else "screened"
    return RowResult(0, status, verdict.level, verdict.score, verdict.formula,
                     reasons, verdict.evidence, tuple(candidates),
                     supplier or None, country, hits, tuple(problems)), tuple(unscreened)


def build_receipt(
    manifest: Manifest, ref: ReferenceSet, settings: Settings, started: str, finished: str
) -> dict[str, Any]:
    """What is needed to reproduce a run: hashes of input, lists and settings, tool version."""
    return _receipt(manifest, len(manifest.frame), ref, settings, started, finished)


def _lists_used(ref: ReferenceSet) -> list[ListInfo]:
    """The risk lists in force plus the HS nomenclature and goods concordance, which are
    always loaded (goods are recognised through them whatever lists are pinned)."""
    used = dict(ref.catalogue)
    for list_id, infos in ref.editions.items():
        if list_id not in used and infos and infos[0].kind in SUPPORT_KINDS:
            used[list_id] = infos[0]
    return list(used.values())


def receipt_for(source: Any, rows: int, ref: ReferenceSet, settings: Settings, started: str,
                finished: str, *, unscreened: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The receipt of a run over ``source`` (anything with path, sha256, format, encoding, sheet,
    columns and roles, such as a :class:`ManifestStream`): what other engines record.
    ``unscreened`` (rows not screened per facet) adds the coverage record."""
    return _receipt(source, rows, ref, settings, started, finished, unscreened=unscreened)


def now() -> str:
    """The current time as the receipt writes it (UTC, to the second)."""
    return _now()


def _receipt(source: Manifest | ManifestStream, rows: int, ref: ReferenceSet, settings: Settings,
             started: str, finished: str, *, complete: bool | None = None,
             unscreened: Mapping[str, int] | None = None) -> dict[str, Any]:
    receipt: dict[str, Any] = {
        "input": {
            "file": Path(source.path).name if source.path else None,
            "sha256": source.sha256,
            "format": source.format,
            "encoding": source.encoding,
            "sheet": source.sheet,
            "rows": rows,
            "columns": dict(source.columns),
            # how each column got its role, and the columns set aside (a buyer, a destination)
            "roles": source.roles.to_dict(),
        },
        "lists": [
            {"id": info.id, "edition": info.edition, "sha256": info.sha256, "records": info.records}
            for info in sorted(_lists_used(ref), key=lambda i: i.id)
        ],
        "settings_sha256": settings.digest(),
        "settings": settings.to_dict(),
        "tool": {"name": "chainscreen", "version": __version__},
        "started": started,
        "finished": finished,
    }
    if unscreened is not None:
        # the roles found and missing, rows not screened per facet, and the --map that fixes it
        receipt["coverage"] = source.roles.coverage(rows, unscreened)
    if complete is False:
        receipt["complete"] = False
    return receipt


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
