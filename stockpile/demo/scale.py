"""How big a demo county to build, and what the build posted."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Scale:
    """How much history to build: the demo's year, or a large one for benchmarks (≥ 1 M movements); the county
    itself is always the demo workbook's."""

    history_days: int = 365
    extra_issue_rounds: int = 0  # large county: many small issues/receipts
    lots_per_key: tuple[int, int] = (1, 3)
    seed: int = 20261123


@dataclass
class Built:
    site_codes: list[str] = field(default_factory=list)
    movements: int = 0
    postings: int = 0
