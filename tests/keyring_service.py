"""A throwaway, unlocked GNOME Keyring serving the Secret Service on the test session's bus.

The `secret_service` fixture is registered for every test by tests/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
from keyring.backends import SecretService

KEYRING_PASSWORD = "test keyring password"
STARTUP_TIMEOUT_S = 15.0


def _secret_service_owned() -> bool:
    """Whether something already serves org.freedesktop.secrets on this bus (not activatable)."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(
            message_bus.NameHasOwner("org.freedesktop.secrets"), timeout=10
        )
    return bool(reply.body[0])


def _usable(backend: SecretService.Keyring) -> bool:
    try:
        backend.priority  # noqa: B018 - raises while the service is not on the bus
        backend.set_password("desktop-auth:fixture-check", "-", "ok")
        ok = backend.get_password("desktop-auth:fixture-check", "-") == "ok"
        backend.delete_password("desktop-auth:fixture-check", "-")
    except Exception:  # Not up yet: D-Bus, SecretStorage and keyring errors alike.
        return False
    return ok


@pytest.fixture(scope="session")
def secret_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SecretService.Keyring]:
    """keyring's Secret Service backend, talking to a gnome-keyring-daemon of our own.

    The daemon runs on the session bus `make test` provides (dbus-run-session), with its home,
    data and runtime dirs under a temporary directory, so the login keyring it creates (unlocked
    with a password fed on stdin) is thrown away with them.
    """
    daemon = shutil.which("gnome-keyring-daemon")
    if daemon is None:
        pytest.skip("gnome-keyring-daemon is not installed (`sudo make deps` installs it)")
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session bus; run the tests with `make test` (dbus-run-session)")
    try:
        owned = _secret_service_owned()
    except OSError as exc:
        pytest.skip(f"cannot connect to the D-Bus session bus ({exc}); run with `make test`")
    if owned:
        # Never write test entries into a real desktop keyring.
        pytest.skip(
            "a Secret Service already runs on this D-Bus session (a desktop keyring?); "
            "run the tests with `make test`, which gives them a private bus"
        )

    root = tmp_path_factory.mktemp("keyring")
    env = dict(os.environ)
    for name, sub in (
        ("HOME", "home"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_RUNTIME_DIR", "run"),
    ):
        (root / sub).mkdir(mode=0o700)
        env[name] = str(root / sub)
    log_path = root / "daemon.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [daemon, "--unlock", "--components=secrets", "--foreground"],
            stdin=subprocess.PIPE,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        assert process.stdin is not None
        process.stdin.write(KEYRING_PASSWORD.encode())
        process.stdin.close()
        backend = SecretService.Keyring()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        # Only once our daemon owns the name: an earlier call would make D-Bus activate
        # another gnome-keyring-daemon, with the real home directory.
        while not (_secret_service_owned() and _usable(backend)):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "gnome-keyring-daemon did not serve a usable Secret Service: "
                    + log_path.read_text(errors="replace"),
                    pytrace=False,
                )
            time.sleep(0.1)
        yield backend
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
