"""One benchmark figure: a measurement, its same-run baseline, and its target.

A target is either a ratio to the baseline (``max_ratio``) or an absolute bound on the
measured median (``max_value`` / ``min_value``, in the figure's display unit), or none (the
figure is for information). Figures travel between processes as JSON (see
``benchmarks.__main__``), hence ``to_json``/``from_json``.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Sample:
    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def iqr(self) -> tuple[float, float]:
        if len(self.values) < 2:
            return self.values[0], self.values[0]
        q = statistics.quantiles(self.values, n=4)
        return q[0], q[2]

    def show(self, unit: str, scale: float) -> str:
        low, high = self.iqr
        return f"{_num(self.median * scale)} {unit} [{_num(low * scale)}-{_num(high * scale)}]"


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"


@dataclass(frozen=True)
class Figure:
    """``measured`` and ``baseline`` are in base units (seconds, bytes, events/s);
    ``scale`` turns them into ``unit`` for display and for ``max_value``/``min_value``."""

    name: str
    measured: Sample
    baseline: Sample
    max_ratio: float | None = None
    max_value: float | None = None
    min_value: float | None = None
    unit: str = "ms"
    scale: float = 1000.0
    note: str = ""
    baseline_name: str = ""

    @property
    def ratio(self) -> float:
        return self.measured.median / self.baseline.median

    @property
    def value(self) -> float:
        return self.measured.median * self.scale

    @property
    def met(self) -> bool:
        checks = []
        if self.max_ratio is not None:
            checks.append(self.ratio <= self.max_ratio)
        if self.max_value is not None:
            checks.append(self.value <= self.max_value)
        if self.min_value is not None:
            checks.append(self.value >= self.min_value)
        return all(checks)

    @property
    def target(self) -> str:
        parts = []
        if self.max_ratio is not None:
            parts.append(f"<= {self.max_ratio:.2f}x")
        if self.max_value is not None:
            parts.append(f"<= {_num(self.max_value)} {self.unit}")
        if self.min_value is not None:
            parts.append(f">= {_num(self.min_value)} {self.unit}")
        return ", ".join(parts)

    def row(self) -> str:
        # A figure without a target is reported for information: nothing to meet or miss.
        met = ("yes" if self.met else "NO") if self.target else "-"
        return (
            f"| {self.name} | {self.measured.show(self.unit, self.scale)} | "
            f"{self.baseline.show(self.unit, self.scale)} | {self.ratio:.2f}x | "
            f"{self.target or 'none'} | {met} |"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        data = dict(data)
        data["measured"] = Sample(tuple(data["measured"]["values"]))
        data["baseline"] = Sample(tuple(data["baseline"]["values"]))
        return cls(**data)
