"""core.heap: what a server process does to the collector once started (serve, the gateway's writer)."""

from __future__ import annotations

import gc

from citysafe.core import heap


def test_settle_freezes_what_startup_loaded_and_collects_the_young_less_often() -> None:
    threshold = gc.get_threshold()
    loaded = [{"loaded at startup": n} for n in range(1000)]
    try:
        heap.settle()
        assert gc.get_freeze_count() >= len(loaded)
        assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, threshold[1], threshold[2])
    finally:
        gc.unfreeze()  # this is a test process: give the objects back to the collector
        gc.set_threshold(*threshold)
