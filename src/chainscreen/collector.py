"""Python's cyclic garbage collector around work that builds data meant to live on."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while long-lived data is built: the reference lists
    loaded, the match index built or read back, a batch matched, a run screened.

    They allocate millions of small lists, tuples and dicts that live on, which makes the
    collector scan the whole heap again and again (40 % of the run time on 20,000 list names);
    none of them form reference cycles, so nothing is left for it to reclaim.

    When a pause that allocated much (:data:`HAND_OVER_MIN` objects) ends, what was allocated
    is handed to the oldest generation unscanned (``gc.freeze()`` then ``gc.unfreeze()``: two
    list splices): left young, the first collection after the pause would scan all of it, then
    the next older one again (117 ms at the end of a 10^6-row run, ≈ 4 ms after a check reads
    its context). Its cycles, if any, are still reclaimed, by a full collection. Small pauses
    (a server's checks) leave the young objects to the young collections; a program that keeps
    objects frozen itself (``gc.get_freeze_count()``: a pre-forking server) is left alone, as
    unfreezing would undo it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] >= HAND_OVER_MIN and not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


#: Objects a pause of the collector must have added for them to go straight to the oldest
#: generation when it ends (:func:`gc_paused`); a young collection of this many costs ≈ 1 ms.
HAND_OVER_MIN = 10_000
