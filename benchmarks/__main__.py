"""Run the benchmarks and write BENCHMARKS.md: ``python -m benchmarks`` (``make bench``).

Each benchmark module runs in a child process with a time limit, so that one that hangs
is reported as such and the others still run. ``python -m benchmarks startup signin``
runs only those modules and prints their table without writing BENCHMARKS.md.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.report import Figure

ROOT = Path(__file__).resolve().parent.parent

# Module name -> time limit in seconds for the whole module.
MODULES: dict[str, int] = {
    "startup": 300,
    "signin": 300,
    "stalls": 300,
    "activity_log": 600,
    "server_login": 300,
    "server_load": 900,
    "server_scale": 600,
}


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run_module(name: str, limit: int) -> tuple[list[Figure], list[str], str | None]:
    """Figures, extra notes and an error message (None when it ran)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        try:
            subprocess.run(
                [sys.executable, "-m", "benchmarks", "--child", name, out.name],
                cwd=ROOT,
                timeout=limit,
                check=True,
            )
        except subprocess.TimeoutExpired:
            return [], [], f"`{name}` did not finish within {limit} s and was stopped"
        except subprocess.CalledProcessError as exc:
            return [], [], f"`{name}` failed (exit status {exc.returncode}); see its output"
        data = json.loads(Path(out.name).read_text(encoding="utf-8"))
    # A module's notes are one markdown block (lines of a table stay together).
    notes = ["\n".join(data["notes"])] if data["notes"] else []
    return [Figure.from_json(f) for f in data["figures"]], notes, None


def child(name: str, out: str) -> int:
    module = importlib.import_module(f"benchmarks.{name}")
    figures = module.run()
    notes = list(getattr(module, "NOTES", []))
    Path(out).write_text(
        json.dumps({"figures": [f.to_json() for f in figures], "notes": notes}),
        encoding="utf-8",
    )
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return child(argv[1], argv[2])
    unknown = [name for name in argv if name not in MODULES]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(MODULES)}")
        return 2
    chosen = argv or list(MODULES)
    figures: list[Figure] = []
    notes: list[str] = []
    for name in chosen:
        if not (ROOT / "benchmarks" / f"{name}.py").exists():
            notes.append(f"`{name}`: not written yet")
            continue
        print(f"running {name} (at most {MODULES[name]} s) ...", flush=True)
        found, extra, error = run_module(name, MODULES[name])
        figures.extend(found)
        notes.extend(extra)
        if error:
            notes.append(error)
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
        *(
            f"- **{f.name}**: baseline: {f.baseline_name}. {f.note}".rstrip()
            for f in figures
            if f.note or f.baseline_name
        ),
        "",
        *(f"{note}\n" for note in notes),
    ]
    text = "\n".join(lines)
    print(text)
    if not argv:
        (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")
    # Missing a target is a finding to report, not a failure of the tool.
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
