"""The protocol client is cheap to import: the login window must not wait for requests/joserfc."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("requests", "urllib3", "joserfc", "truststore", "cryptography", "PyQt5")


def test_importing_the_client_and_making_one_loads_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from desktop_auth.oidc import ClientConfig, OIDCClient\n"
        "from desktop_auth.permissions import PermissionPolicy\n"
        "OIDCClient(ClientConfig('https://id.example.com'), PermissionPolicy.default())\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == ""
