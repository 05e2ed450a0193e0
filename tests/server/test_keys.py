"""Signing keys in the database: shared by every instance, imported once from the old key
file, rotated (published first, signing later, retired after their tokens expire)."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from sqlalchemy import select

from desktop_auth.server.cli import main as server_cli
from desktop_auth.server.keys import KEYS_FILE, rotate_keys
from desktop_auth.server.models import SigningKey, utcnow
from tests.server.conftest import ALICE, LiveServer, kid_of, verified_claims, wait_for

PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi")


def published_kids(server: LiveServer) -> list[str]:
    return [key["kid"] for key in server.get("/jwks.json").json()["keys"]]


def signing_kid(server: LiveServer) -> str:
    tokens = server.sign_in(*ALICE)
    assert kid_of(tokens["id_token"]) == kid_of(tokens["access_token"])
    return kid_of(tokens["access_token"])


def userinfo_status(server: LiveServer, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return server.get("/userinfo", headers=headers).status_code


def run_cli(data_dir: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = server_cli(["--data-dir", str(data_dir), *args])
    return code, out.getvalue(), err.getvalue()


def stored_private_values(server: LiveServer) -> list[str]:
    with server.state.db.session() as session:
        jwks = list(session.scalars(select(SigningKey.private_jwk)))
    return [jwk[member] for jwk in jwks for member in PRIVATE_MEMBERS]


class MovableClock:
    """The time the server's key ring decides with, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


SHARED_ISSUER = "http://auth.example.test"


@pytest.fixture
def instances(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_server: Callable[..., LiveServer]
) -> Callable[..., LiveServer]:
    """Start instances behind one issuer (as behind a load balancer), each with a data dir of
    its own and all on one database (the test's PostgreSQL one, or one SQLite file);
    ``instances(**config_overrides)``."""
    if "DATABASE_URL" not in os.environ:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    started: list[LiveServer] = []

    def start(**overrides: Any) -> LiveServer:
        live = start_server(fixed_issuer=SHARED_ISSUER, **overrides)
        if not started:
            live.add_user(*ALICE, roles=("admin",))
        started.append(live)
        return live

    return start


@pytest.fixture
def with_alice(start_server: Callable[..., LiveServer]) -> Callable[..., LiveServer]:
    """Start a server (``start_server``'s overrides) whose database has alice."""

    def start(**kw: Any) -> LiveServer:
        live = start_server(**kw)
        live.add_user(*ALICE, roles=("admin",))
        return live

    return start


@pytest.fixture
def clocked(with_alice: Callable[..., LiveServer]) -> tuple[LiveServer, MovableClock]:
    """A server that reads the keys at every use and decides by a clock the test moves."""
    live = with_alice(signing_key_reload_interval=0)
    clock = MovableClock()
    live.state.keys.clock = clock
    return live, clock


def test_an_existing_key_file_is_imported_once_and_its_newest_key_keeps_signing(
    tmp_path: Path, start_server: Callable[..., LiveServer]
) -> None:
    data_dir = tmp_path / "upgraded"
    data_dir.mkdir(mode=0o700)
    older, newest = (RSAKey.generate_key(2048, auto_kid=True) for _ in range(2))
    document = {"keys": [older.as_dict(private=True), newest.as_dict(private=True)]}
    (data_dir / KEYS_FILE).write_text(json.dumps(document), encoding="utf-8")

    live = start_server(data_dir=data_dir)
    live.add_user(*ALICE)
    assert published_kids(live) == [older.kid, newest.kid]
    assert signing_kid(live) == newest.kid
    code, listing, _ = run_cli(data_dir, "keys", "list")
    assert code == 0
    lines = dict(line.split("\t") for line in listing.splitlines())
    assert lines[newest.kid] == "signing"
    assert lines[older.kid].startswith("retiring, published until ")

    # The file is left as it was, and no longer read: replacing it changes nothing.
    replaced = RSAKey.generate_key(2048, auto_kid=True)
    (data_dir / KEYS_FILE).write_text(
        json.dumps({"keys": [replaced.as_dict(private=True)]}), encoding="utf-8"
    )
    live.restart()
    assert signing_kid(live) == newest.kid
    assert replaced.kid not in published_kids(live)


def test_two_instances_over_one_database_sign_with_the_same_key_and_publish_the_same_jwks(
    instances: Callable[..., LiveServer],
) -> None:
    first, second = instances(), instances()
    assert first.data_dir != second.data_dir
    assert first.state.db.url == second.state.db.url
    assert first.get("/jwks.json").json() == second.get("/jwks.json").json()
    assert len(published_kids(first)) == 1
    tokens = first.sign_in(*ALICE)
    assert kid_of(tokens["access_token"]) == signing_kid(second)
    assert verified_claims(second, tokens["id_token"])["sub"]
    assert userinfo_status(second, tokens["access_token"]) == 200


def test_rotation_publishes_the_new_key_first_signs_with_it_later_and_retires_the_old_one(
    clocked: tuple[LiveServer, MovableClock],
) -> None:
    live, clock = clocked
    old_tokens = live.sign_in(*ALICE)
    old_kid = kid_of(old_tokens["access_token"])

    rotation = rotate_keys(live.state.db, live.state.config, publish_for=600, now=clock.now)
    assert rotation.signs_from == clock.now + timedelta(seconds=600)
    # The old key may sign until the new one does; its last tokens live a token lifetime.
    assert rotation.retire_after == rotation.signs_from + timedelta(seconds=600)
    assert published_kids(live) == [old_kid, rotation.kid]
    assert signing_kid(live) == old_kid

    clock.now = rotation.signs_from - timedelta(seconds=1)
    assert signing_kid(live) == old_kid
    last_old = live.sign_in(*ALICE)
    clock.now = rotation.signs_from
    assert signing_kid(live) == rotation.kid

    clock.now = rotation.retire_after
    assert published_kids(live) == [old_kid, rotation.kid]
    assert verified_claims(live, last_old["id_token"])["sub"]
    assert verified_claims(live, last_old["access_token"])["jti"]
    assert userinfo_status(live, last_old["access_token"]) == 200

    clock.now = rotation.retire_after + timedelta(seconds=1)
    assert published_kids(live) == [rotation.kid]
    with pytest.raises((JoseError, ValueError)):
        verified_claims(live, old_tokens["access_token"])
    assert userinfo_status(live, last_old["access_token"]) == 401

    # Pruned from the table once read past its retire time.
    def stored_kids() -> list[str]:
        with live.state.db.session() as session:
            return list(session.scalars(select(SigningKey.kid)))

    wait_for(lambda: stored_kids() == [rotation.kid])


def test_a_second_rotation_before_the_first_key_signs_retires_both_older_keys_together(
    clocked: tuple[LiveServer, MovableClock],
) -> None:
    live, clock = clocked
    original = signing_kid(live)
    first = rotate_keys(live.state.db, live.state.config, publish_for=600, now=clock.now)
    clock.now += timedelta(seconds=10)
    second = rotate_keys(live.state.db, live.state.config, publish_for=30, now=clock.now)
    assert published_kids(live) == [original, first.kid, second.kid]
    assert signing_kid(live) == original
    clock.now = second.signs_from
    assert signing_kid(live) == second.kid
    # The first key signs after the second is due: never, since the newest due key signs.
    clock.now = first.signs_from + timedelta(seconds=1)
    assert signing_kid(live) == second.kid
    clock.now = second.retire_after + timedelta(seconds=1)
    assert published_kids(live) == [second.kid]


def test_a_rotation_by_the_cli_reaches_a_running_server_without_a_restart(
    with_alice: Callable[..., LiveServer],
) -> None:
    live = with_alice(signing_key_reload_interval=0.2)
    old_kid = signing_kid(live)
    # Long enough that the old key still signs once the new one is seen published, however
    # slowly the CLI process starts on a busy machine.
    code, out, err = run_cli(live.data_dir, "keys", "rotate", "--publish-for", "8")
    assert code == 0, err
    assert "warning: published for less than 360 s" in err
    new_kid = out.split()[3].rstrip(":")
    assert new_kid != old_kid
    wait_for(lambda: published_kids(live) == [old_kid, new_kid], timeout=5)
    assert signing_kid(live) == old_kid
    wait_for(lambda: signing_kid(live) == new_kid, timeout=30)


def test_a_token_with_a_kid_unknown_to_an_instance_makes_it_read_the_keys_at_once(
    instances: Callable[..., LiveServer],
) -> None:
    slow = instances()  # reads the table every 60 s
    quick = instances(signing_key_reload_interval=0.1)
    old_kid = signing_kid(slow)
    code, _, err = run_cli(quick.data_dir, "keys", "rotate", "--publish-for", "0")
    assert code == 0, err
    wait_for(lambda: signing_kid(quick) != old_kid)
    tokens = quick.sign_in(*ALICE)
    assert kid_of(tokens["access_token"]) not in published_kids(slow)
    assert userinfo_status(slow, tokens["access_token"]) == 200
    assert kid_of(tokens["access_token"]) in published_kids(slow)


def test_keys_list_and_rotate_show_no_key_material(
    with_alice: Callable[..., LiveServer], caplog: pytest.LogCaptureFixture
) -> None:
    live = with_alice()
    caplog.set_level(logging.DEBUG)
    code, rotated, err = run_cli(live.data_dir, "keys", "rotate")
    assert code == 0, err
    assert err == ""
    code, listing, err = run_cli(live.data_dir, "keys", "list")
    assert code == 0, err
    states = [line.split("\t")[1] for line in listing.splitlines()]
    assert states[0].startswith("signing until ")
    assert ", published until " in states[0]
    assert states[1].startswith("publishing, signs from ")

    shown = rotated + listing + caplog.text
    for member in PRIVATE_MEMBERS:
        assert f'"{member}"' not in shown
        assert f"'{member}'" not in shown
    secrets = stored_private_values(live)
    assert len(secrets) == 2 * len(PRIVATE_MEMBERS)
    for value in secrets:
        assert value not in shown


def test_publish_for_must_not_be_negative(with_alice: Callable[..., LiveServer]) -> None:
    live = with_alice()
    code, _, err = run_cli(live.data_dir, "keys", "rotate", "--publish-for", "-1")
    assert code == 2
    assert "must not be negative" in err
