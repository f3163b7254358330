"""Report printing: aligned tables, percentiles, ratios against the baseline measured in the same run.

Light on purpose (no httpx, no src): bench/photos.py's children import it (and cli) and report their own peak memory."""

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("nan")


def percentiles_ms(values: list[float]) -> list[float]:
    """p50 and p99 in milliseconds (nan without values)."""
    ordered, n = sorted(values), len(values)
    return [ordered[min(n - 1, int(f * n))] * 1000 if n else float("nan") for f in (0.5, 0.99)]


def p50_p99(values: list[float], fmt: str = ".1f") -> str:
    p50, p99 = percentiles_ms(values)
    return f"p50 {p50:{fmt}} ms, p99 {p99:{fmt}} ms"


def cpus() -> str:
    return f"{os.cpu_count()} CPUs"


def table(columns: list[tuple[str, str]], rows: Iterable[Sequence[Any]], indent: str = "", rule: bool = False) -> None:
    """A header and rows; each column is (title, format), e.g. ("p50 ms", ">9.1f"): the title takes its width."""
    widths = [re.match(r"[<>^]?\d*", fmt).group(0) for _, fmt in columns]  # type: ignore[union-attr]
    header = indent + "".join(f"{title:{width}}" for (title, _), width in zip(columns, widths, strict=True))
    print(header)
    if rule:
        print("-" * len(header))
    for row in rows:
        print(indent + "".join(f"{value:{fmt}}" for value, (_, fmt) in zip(row, columns, strict=True)))
