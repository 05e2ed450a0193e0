"""Fixtures for the examples: the bundled server and a fake issuer, from their own suites."""

from __future__ import annotations

# Live servers come from the server tests' fixtures (tests/server/conftest.py), the fake
# issuer whose tokens a test signs from the client tests' (tests/client/conftest.py).
from tests.client.conftest import forge, json_server  # noqa: F401
from tests.server.conftest import server, start_server  # noqa: F401
