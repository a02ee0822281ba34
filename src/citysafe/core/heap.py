"""Garbage-collector settings for long-running server processes (``serve``, the gateway's writer).

CPython's cyclic collector runs after every 700 net allocations and, every so often, walks every tracked
object of the process. A server that has loaded its models, caches and compiled statements holds
hundreds of thousands of such objects that live as long as it does, and a fire gateway allocates
thousands of short-lived ones per batch: measured on the gateway's writer (bench/firewatch.py), the
walks cost a third of its time and its worst ACK latencies. ``settle`` moves what startup loaded out
of the collector's sight (``gc.freeze``) and collects the young generation less often. Objects are still
freed by reference counting as soon as they are unused; only garbage cycles wait a little longer.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def settle() -> None:
    """Call once startup is done: collect what startup discarded, freeze the rest, collect less often."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
