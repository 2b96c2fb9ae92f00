"""Sizes of the demo bank per scale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from daihou.generator.writer import Format

ScaleName = Literal["small", "medium", "large"]

LOANS_PER_CUSTOMER = 1.3
CHUNK_LOANS = 250_000  # loans simulated together; bounds memory whatever the scale


@dataclass(frozen=True)
class Scale:
    """How big the bank is: institutions, staff and loans (before burn-in losses)."""

    name: ScaleName
    branches: int
    sub_branches: int
    staff: int
    loans: int
    default_format: Format

    @property
    def customers(self) -> int:
        return round(self.loans / LOANS_PER_CUSTOMER)


SCALES: dict[str, Scale] = {
    "small": Scale("small", 8, 40, 300, 20_000, "csv"),
    "medium": Scale("medium", 12, 200, 3_000, 1_000_000, "csv"),
    "large": Scale("large", 16, 600, 20_000, 10_000_000, "parquet"),
}
