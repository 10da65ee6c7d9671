"""Rounds of a comparison between the server path and the same model call made raw: each round's percentiles and
overhead, and the median round's, which is the figure (a stall of the machine moves one round's p99)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from llm_overhead import percentile


def _summary(name: str, values: list[float], width: int) -> str:
    p50, p99 = percentile(values, 50), percentile(values, 99)
    return f"{name:<{width}} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   (n={len(values)})"


def report(rounds: Sequence[tuple[list[float], list[float]]], *, ours: str, raw: str, width: int = 44) -> float:
    """Print each round (the server's times, the raw ones) and the median round; return the median round's p99
    overhead."""
    overheads: list[tuple[float, float]] = []
    for number, (server, direct) in enumerate(rounds, 1):
        print(f"   round {number}")
        print(_summary(f"   {ours}", server, width))
        print(_summary(f"   {raw}", direct, width))
        overheads.append(
            (percentile(server, 50) - percentile(direct, 50), percentile(server, 99) - percentile(direct, 99))
        )
        print(f"{'   overhead':<{width}} p50 {overheads[-1][0]:7.2f} ms   p99 {overheads[-1][1]:7.2f} ms")
    median50 = statistics.median(o[0] for o in overheads)
    median99 = statistics.median(o[1] for o in overheads)
    print(f"{'overhead, median round':<{width}} p50 {median50:7.2f} ms   p99 {median99:7.2f} ms")
    return median99
