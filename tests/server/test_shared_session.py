"""One session cookie key for every instance, in the database (issue 11): a sign-in page shown by
one instance can be submitted to another."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest

from desktop_auth.server.db import Database
from desktop_auth.server.migrations import upgrade
from desktop_auth.server.secret_key import SECRET_KEY_FILE, load_or_create_secret_key
from tests.server.conftest import ALICE, LoginPage, pkce_pair
from tests.server.test_browser_flow import authorization_request, callback_params, exchange_code
from tests.server.test_multi_instance import Instances, instances  # noqa: F401 - a fixture

# Each test picks its database (or starts its instances) itself.
pytestmark = pytest.mark.own_database


def migrated(url: str) -> Database:
    db = Database(url)
    upgrade(db.engine)
    return db


def test_an_old_session_secret_file_is_imported_once_and_others_then_ignored(
    tmp_path: Path,
) -> None:
    db = migrated(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    try:
        first, second = tmp_path / "a", tmp_path / "b"
        for directory, key in ((first, b"a" * 32), (second, b"b" * 32)):
            directory.mkdir()
            (directory / SECRET_KEY_FILE).write_bytes(key)
        assert load_or_create_secret_key(db, first) == b"a" * 32
        # Another data dir's file is not read: every instance signs with the first key.
        assert load_or_create_secret_key(db, second) == b"a" * 32
        (first / SECRET_KEY_FILE).write_bytes(b"c" * 32)
        assert load_or_create_secret_key(db, first) == b"a" * 32
    finally:
        db.dispose()


def test_without_a_file_a_new_key_is_made_and_kept(tmp_path: Path) -> None:
    db = migrated(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        key = load_or_create_secret_key(db, tmp_path)
        assert len(key) == 32
        assert load_or_create_secret_key(db, tmp_path) == key
        assert not (tmp_path / SECRET_KEY_FILE).exists()
    finally:
        db.dispose()


@pytest.mark.slow
def test_instances_starting_at_once_on_postgres_agree_on_one_key(
    postgres_database: str, tmp_path: Path
) -> None:
    migrated(postgres_database).dispose()
    starters = 8
    databases = [Database(postgres_database) for _ in range(starters)]
    try:

        def start(index: int) -> bytes:
            data_dir = tmp_path / str(index)
            data_dir.mkdir()
            # Half of them bring an old file of their own; one offer wins.
            if index % 2:
                (data_dir / SECRET_KEY_FILE).write_bytes(bytes([index]) * 32)
            return load_or_create_secret_key(databases[index], data_dir)

        with ThreadPoolExecutor(starters) as pool:
            keys = set(pool.map(start, range(starters)))
    finally:
        for db in databases:
            db.dispose()
    assert len(keys) == 1


def test_a_sign_in_page_from_one_instance_is_submitted_to_the_other(
    instances: Instances,  # noqa: F811 - the fixture imported above
) -> None:
    verifier, challenge = pkce_pair()
    query = urlencode(authorization_request(challenge))
    browser = instances.a.http
    page = browser.get(f"{instances.a.url}/authorize?{query}", timeout=30)
    assert page.status_code == 200, page.text
    fields = {**LoginPage(page.text).fields, "username": ALICE[0], "password": ALICE[1]}

    # The load balancer sends the form to b, with the cookie a set: b checks its CSRF token.
    submitted = browser.post(
        f"{instances.b.url}/authorize?{query}",
        data={**fields, "action": "login"},
        allow_redirects=False,
        timeout=30,
    )
    code = callback_params(submitted)["code"]
    tokens = exchange_code(instances.a, code, verifier)
    assert tokens.status_code == 200, tokens.text
