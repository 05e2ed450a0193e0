"""`desktop-auth-cli doctor` against Django OAuth Toolkit, whose discovery lists no grant types."""

from __future__ import annotations

import subprocess

import pytest

from tests.client.conftest import console_script

pytestmark = pytest.mark.slow


def test_doctor_says_the_password_grant_will_be_tried_when_allowed(dot_server):
    result = subprocess.run(
        [
            str(console_script("desktop-auth-cli")),
            "doctor",
            "--issuer",
            dot_server.issuer,
            "--allow-password-grant",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"Issuer        {dot_server.issuer}\n" in result.stdout
    assert "Grant types   not listed" in result.stdout
    assert "Sign-in       password: " in result.stdout


def test_doctor_says_browser_sign_in_without_the_opt_in(dot_server):
    result = subprocess.run(
        [str(console_script("desktop-auth-cli")), "doctor", "--issuer", dot_server.issuer],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Sign-in       browser: " in result.stdout
