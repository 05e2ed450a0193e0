"""The data dir (--data-dir > $DESKTOP_AUTH_DATA_DIR > platformdirs) and the settings file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from desktop_auth.settings import (
    DATA_DIR_ENV,
    DataDirError,
    Settings,
    load_settings,
    locate_data_dir,
    resolve_data_dir,
    save_settings,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME and XDG_DATA_HOME, and no $DESKTOP_AUTH_DATA_DIR."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    return home


# --- where the data dir is ------------------------------------------------------------------------


def test_the_platform_data_dir_is_used_by_default(home):
    path = resolve_data_dir(None)

    assert path == home / "xdg-data" / "desktop-auth"
    assert mode(path) == 0o700


def test_the_environment_overrides_the_platform_dir(home, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(home / "from-env"))

    assert resolve_data_dir(None) == home / "from-env"
    assert not (home / "xdg-data" / "desktop-auth").exists()


def test_the_command_line_overrides_the_environment(home, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(home / "from-env"))

    assert resolve_data_dir(home / "from-cli") == home / "from-cli"
    assert not (home / "from-env").exists()


def test_an_empty_environment_variable_is_ignored(home, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, "")

    assert resolve_data_dir(None) == home / "xdg-data" / "desktop-auth"


def test_a_tilde_means_home(home, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, "~/dal")

    assert resolve_data_dir(None) == home / "dal"


def test_locating_the_data_dir_creates_nothing(home):
    assert locate_data_dir(None) == home / "xdg-data" / "desktop-auth"
    assert not (home / "xdg-data").exists()


def test_a_loose_data_dir_is_made_private(home):
    path = home / "loose"
    path.mkdir(mode=0o755)
    path.chmod(0o755)

    resolve_data_dir(path)

    assert mode(path) == 0o700


def test_a_data_dir_that_cannot_be_created_is_a_clear_error(home):
    blocker = home / "a-file"
    blocker.write_text("")

    with pytest.raises(DataDirError, match=r"cannot use .*a-file/data as the data directory"):
        resolve_data_dir(blocker / "data")


def test_a_file_given_as_the_data_dir_is_a_clear_error(home):
    blocker = home / "a-file"
    blocker.write_text("")

    with pytest.raises(DataDirError, match="not a directory"):
        resolve_data_dir(blocker)


def test_a_shared_directory_is_not_taken_over(home):
    shared = home / "shared"
    shared.mkdir()
    shared.chmod(0o1777)

    with pytest.raises(DataDirError, match="shared directory"):
        resolve_data_dir(shared)

    assert mode(shared) == 0o1777


# --- the settings file ---------------------------------------------------------------------------


def test_defaults_when_there_is_no_settings_file(tmp_path):
    loaded = load_settings(tmp_path)

    assert loaded.settings == Settings()
    assert loaded.warning is None
    assert loaded.settings.notifications is True
    assert loaded.settings.remembered_usernames == {}


def test_settings_survive_a_round_trip_in_a_private_file(tmp_path):
    settings = Settings(notifications=False).remember_login("https://id.example.com", "alice")

    save_settings(tmp_path, settings)

    assert mode(tmp_path / "settings.json") == 0o600
    assert load_settings(tmp_path).settings == settings
    assert json.loads((tmp_path / "settings.json").read_text()) == {
        "remembered_usernames": {"https://id.example.com": ["alice"]},
        "last_username": {"https://id.example.com": "alice"},
        "notifications": False,
        "allow_password_grant": False,
        "idle_lock_minutes": 15,
    }


def test_remembering_a_login_puts_that_user_first_once(tmp_path):
    issuer = "https://id.example.com"
    settings = Settings()
    for name in ("alice", "bob", "alice"):
        settings = settings.remember_login(issuer, name)

    assert settings.remembered_usernames[issuer] == ("alice", "bob")
    assert settings.last_username[issuer] == "alice"
    forgotten = settings.forget_username(issuer, "alice")
    assert forgotten.remembered_usernames[issuer] == ("bob",)
    assert issuer not in forgotten.last_username


def test_settings_are_immutable():
    with pytest.raises(AttributeError):
        Settings().notifications = False  # type: ignore[misc]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"notifications": "yes"}',
        b'{"remembered_usernames": {"https://id.example.com": "alice"}}',
        b'{"last_username": {"https://id.example.com": 3}}',
        b'{"idle_lock_minutes": -1}',
        b'{"idle_lock_minutes": "15"}',
        b'{"idle_lock_minutes": true}',
        b'{"idle_lock_minutes": 100000}',
        b'{"idle_lock_minutes": NaN}',
    ],
)
def test_a_corrupt_settings_file_is_moved_aside_and_defaults_are_used(tmp_path, content):
    (tmp_path / "settings.json").write_bytes(content)

    loaded = load_settings(tmp_path)

    assert loaded.settings == Settings()
    assert loaded.warning is not None
    assert "moved to settings.json.corrupt-" in loaded.warning
    (aside,) = tmp_path.glob("settings.json.corrupt-*")
    assert aside.read_bytes() == content
    assert not (tmp_path / "settings.json").exists()


def test_a_second_corrupt_file_does_not_overwrite_the_first(tmp_path):
    for content in (b"{first", b"{second"):
        (tmp_path / "settings.json").write_bytes(content)
        load_settings(tmp_path)

    kept = sorted(path.read_bytes() for path in tmp_path.glob("settings.json.corrupt-*"))
    assert kept == [b"{first", b"{second"]


def test_unknown_keys_from_a_newer_version_are_ignored(tmp_path):
    (tmp_path / "settings.json").write_text('{"notifications": false, "theme": "dark"}')

    loaded = load_settings(tmp_path)

    assert loaded.warning is None
    assert loaded.settings == Settings(notifications=False)


def test_idle_lock_defaults_to_15_minutes_and_takes_0_or_fractions(tmp_path):
    assert Settings().idle_lock_minutes == 15
    for minutes in (0, 0.5, 90):
        (tmp_path / "settings.json").write_text(f'{{"idle_lock_minutes": {minutes}}}')
        loaded = load_settings(tmp_path)
        assert loaded.warning is None
        assert loaded.settings.idle_lock_minutes == minutes


def test_a_bad_idle_lock_value_says_which_values_are_allowed(tmp_path):
    (tmp_path / "settings.json").write_text('{"idle_lock_minutes": -5}')

    loaded = load_settings(tmp_path)

    assert loaded.warning is not None
    assert "idle_lock_minutes must be a number of minutes from 0 (never) to 1440" in loaded.warning
