"""Pausing the collector around work that builds long-lived data (chainscreen.collector)."""

from __future__ import annotations

import gc
import sys
import weakref

from chainscreen.collector import HAND_OVER_MIN, gc_paused


def test_what_a_pause_of_the_collector_allocated_goes_to_the_oldest_generation_unscanned() -> None:
    # left young, the first collections after a pause would scan all of it (117 ms at the end
    # of a 10^6-row run); handed over, its cycles are still reclaimed by a full collection
    assert gc.isenabled() and not gc.get_freeze_count()

    def generations() -> tuple[set[int], set[int]]:
        gc.disable()  # no collection moves anything while the generations are looked at
        try:
            young = {id(o) for o in gc.get_objects(generation=0)} | {id(o) for o in gc.get_objects(generation=1)}
            return young, {id(o) for o in gc.get_objects(generation=2)}
        finally:
            gc.enable()

    with gc_paused():
        kept = [[i] for i in range(HAND_OVER_MIN)]
        assert not gc.isenabled()
    assert gc.isenabled() and not gc.get_freeze_count()
    with gc_paused():  # a small pause (a server's check): its objects stay young
        few = [[i] for i in range(10)]
    if sys.version_info < (3, 14):  # three generations; 3.14's incremental collector has two
        young, oldest = generations()
        assert not any(id(o) in young for o in kept) and all(id(o) in oldest for o in kept)
        assert all(id(o) in young for o in few)
    with gc_paused():
        cycle: list[object] = []
        cycle.append(cycle)
        ref = weakref.ref(_Cyclic(cycle))
    gc.collect()
    assert ref() is None  # a cycle made during a pause is still reclaimed


def test_a_pause_of_the_collector_leaves_the_programs_frozen_objects_frozen() -> None:
    gc.freeze()  # what a pre-forking server does with its long-lived objects
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            kept = [[i] for i in range(100)]
        assert gc.get_freeze_count() == frozen and kept
    finally:
        gc.unfreeze()


class _Cyclic:
    def __init__(self, other: object) -> None:
        self.me = self
        self.other = other
