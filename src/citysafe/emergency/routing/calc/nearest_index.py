"""The k nearest teams of every road node, by travel time, in one search (pure: arrays in, arrays out).

Dispatch asks the same question again and again — "which teams reach this place soonest" — while the teams
stay at their stations. One multi-source search from all teams that keeps up to ``k`` labels per node (a
label is a team and its seconds to that node) answers it for every node at once; afterwards any incident's
nearest teams are a row read, so sharing teams among a thousand incidents costs milliseconds. The index is
rebuilt when the network or the set of teams changes (the service keeps one per both, see service.py).

The search is exact. A node takes a team's label only while it has fewer than ``k`` settled labels, and a
node that is full cannot lead any team to a later node among that node's ``k`` nearest: every one of its
``k`` teams reaches that later node at least as soon (triangle inequality). Each node keeps its ``k`` best
tentative labels sorted, settled ones first, and a heap entry that no longer matches its label is skipped.

The kernel is compiled with numba (csgraph has no k-label search); it is written as plain Python over
arrays, so ``.py_func`` runs the same code uncompiled, which the tests use to check it line by line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from citysafe.emergency.routing.calc.graph import FloatArray, IntArray, RoadGraph


def _heap_push(keys: Any, nodes: Any, labels: Any, size: int, key: float, node: int, label: int) -> None:
    """Binary min-heap on three parallel arrays (numba has no heap of tuples that stays fast)."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i], nodes[i], labels[i] = keys[parent], nodes[parent], labels[parent]
        i = parent
    keys[i], nodes[i], labels[i] = key, node, label


def _heap_pop(keys: Any, nodes: Any, labels: Any, size: int) -> tuple[float, int, int]:
    """The smallest entry of a heap of ``size`` entries; the caller shrinks ``size`` by one."""
    key, node, label = keys[0], nodes[0], labels[0]
    size -= 1
    last_key, last_node, last_label = keys[size], nodes[size], labels[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= last_key:
            break
        keys[i], nodes[i], labels[i] = keys[child], nodes[child], labels[child]
        i = child
    keys[i], nodes[i], labels[i] = last_key, last_node, last_label
    return key, node, label


heap_push = njit(cache=True)(_heap_push)
heap_pop = njit(cache=True)(_heap_pop)


def _k_labels(indptr: Any, indices: Any, weights: Any, sources: Any, k: int) -> tuple[Any, Any, Any]:
    """For every node, its ``k`` nearest sources (as positions in ``sources``) and their seconds, nearest first.

    Returns (seconds N×k, source N×k with -1 for none, settled count per node)."""
    n = len(indptr) - 1
    seconds = np.full((n, k), np.inf)
    which = np.full((n, k), -1, np.int32)
    held = np.zeros(n, np.int32)     # labels a node holds (settled first, then tentative, each sorted)
    settled = np.zeros(n, np.int32)  # of which settled
    capacity = max(1024, 4 * len(sources))
    keys = np.empty(capacity)
    nodes = np.empty(capacity, np.int32)
    labels = np.empty(capacity, np.int32)
    size = 0
    for s in range(len(sources)):
        v = sources[s]
        if held[v] < k:  # more teams at one node than k: the extra ones are never among anyone's k nearest
            seconds[v, held[v]], which[v, held[v]] = 0.0, s
            held[v] += 1
            heap_push(keys, nodes, labels, size, 0.0, v, s)
            size += 1
    while size > 0:
        d, v, s = heap_pop(keys, nodes, labels, size)
        size -= 1
        first_open = settled[v]
        if first_open >= k:
            continue
        at = -1
        for j in range(first_open, held[v]):
            if which[v, j] == s:
                if seconds[v, j] == d:
                    at = j
                break
        if at < 0:
            continue  # stale: the label improved or was pushed out since this entry was queued
        if at != first_open:  # a tie in seconds: settle this one first
            which[v, at], seconds[v, at] = which[v, first_open], seconds[v, first_open]
            which[v, first_open], seconds[v, first_open] = s, d
        settled[v] = first_open + 1
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            u_settled = settled[u]
            if u_settled >= k:
                continue
            nd = d + weights[e]
            count = held[u]
            if count == k and nd >= seconds[u, k - 1]:
                continue  # k labels already better, whether this team's is among them or not
            found = -1
            for j in range(count):
                if which[u, j] == s:
                    found = j
                    break
            if found >= 0:
                if found < u_settled or nd >= seconds[u, found]:
                    continue
                for j in range(found, count - 1):  # take the old label out, to insert the better one below
                    seconds[u, j], which[u, j] = seconds[u, j + 1], which[u, j + 1]
                count -= 1
            elif count == k:
                if nd >= seconds[u, k - 1]:
                    continue
                count -= 1  # the worst label is tentative (u has fewer than k settled): it gives way
            j = count
            while j > u_settled and seconds[u, j - 1] > nd:
                seconds[u, j], which[u, j] = seconds[u, j - 1], which[u, j - 1]
                j -= 1
            seconds[u, j], which[u, j] = nd, s
            held[u] = count + 1
            if size == capacity:
                capacity *= 2
                keys2, nodes2, labels2 = np.empty(capacity), np.empty(capacity, np.int32), np.empty(capacity, np.int32)
                keys2[:size], nodes2[:size], labels2[:size] = keys[:size], nodes[:size], labels[:size]
                keys, nodes, labels = keys2, nodes2, labels2
            heap_push(keys, nodes, labels, size, nd, u, s)
            size += 1
    return seconds, which, settled


k_labels = njit(cache=True)(_k_labels)


@dataclass(frozen=True, eq=False)
class NearestIndex:
    """For every node of one graph, the ``k`` teams (rows of ``sources``) that reach it soonest."""

    sources: IntArray  # the node of each team, in the caller's order
    k: int
    seconds: FloatArray  # nodes × k, inf where fewer than k teams can reach the node at all
    which: npt.NDArray[np.int32]  # nodes × k, the team's position in ``sources``; -1 for none

    @classmethod
    def build(cls, graph: RoadGraph, sources: IntArray, k: int) -> NearestIndex:
        k = max(1, min(k, len(sources)))
        forward = graph.forward
        seconds, which, _settled = k_labels(forward.indptr, forward.indices, forward.data.astype(np.float64),
                                            sources.astype(np.int64), k)
        return cls(sources=sources, k=k, seconds=seconds, which=which)

    def times(self, targets: IntArray) -> FloatArray:
        """Seconds from each team to each target (teams × targets): the ``k`` nearest of every target are
        filled in, every other pair is inf — the pairs an assignment needs to consider, no more."""
        out = np.full((len(self.sources), len(targets)), np.inf)
        teams = self.which[targets]  # targets × k
        cols = np.broadcast_to(np.arange(len(targets))[:, None], teams.shape)
        known = teams >= 0
        out[teams[known], cols[known]] = self.seconds[targets][known]
        return out
