"""The wheel carries every file the installed package reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_wheel_has_the_migrations_templates_and_resources(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("desktop_auth-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    # Alembic reads the migration scripts from disk: without them `init` cannot create tables.
    for migration in (REPO / "desktop_auth/server/migrations/versions").glob("*.py"):
        assert f"desktop_auth/server/migrations/versions/{migration.name}" in names
    for expected in (
        "desktop_auth/server/migrations/env.py",
        "desktop_auth/server/migrations/script.py.mako",
        "desktop_auth/resources/permissions.toml",
        "desktop_auth/py.typed",
    ):
        assert expected in names
    assert any(name.startswith("desktop_auth/server/templates/") for name in names)
    assert any(name.startswith("desktop_auth/resources/icons/") for name in names)
