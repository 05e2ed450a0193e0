"""Run every benchmark and write BENCHMARKS.md: ``python -m benchmarks`` (``make bench``)."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import server_login, startup
from benchmarks.report import Figure

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    figures: list[Figure] = []
    for module in (startup, server_login):
        print(f"running {module.__name__} ...", flush=True)
        figures.extend(module.run())
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}.",
        "Each figure is compared with a baseline measured in the same run; medians with the",
        "interquartile range in brackets.",
        "",
        "| figure | measured | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
        *(f.row() for f in figures),
        "",
        *(f"- **{f.name}**: {f.note}" for f in figures if f.note),
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    # Missing a target is a finding to report, not a failure of the tool.
    return 0


if __name__ == "__main__":
    sys.exit(main())
