"""One benchmark figure: a measurement, its same-run baseline, and the target ratio."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def iqr(self) -> tuple[float, float]:
        q = statistics.quantiles(self.values, n=4)
        return q[0], q[2]

    def show(self, unit: str, scale: float) -> str:
        low, high = self.iqr
        return f"{self.median * scale:.1f} {unit} [{low * scale:.1f}-{high * scale:.1f}]"


@dataclass(frozen=True)
class Figure:
    name: str
    measured: Sample
    baseline: Sample
    max_ratio: float
    unit: str = "ms"
    scale: float = 1000.0
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.measured.median / self.baseline.median

    @property
    def met(self) -> bool:
        return self.ratio <= self.max_ratio

    def row(self) -> str:
        return (
            f"| {self.name} | {self.measured.show(self.unit, self.scale)} | "
            f"{self.baseline.show(self.unit, self.scale)} | {self.ratio:.2f}x | "
            f"<= {self.max_ratio:.2f}x | {'yes' if self.met else 'NO'} |"
        )
