"""The data dir (--data-dir > $DESKTOP_AUTH_DATA_DIR > platformdirs) and the settings file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from desktop_auth.settings import (
    DATA_DIR_ENV,
    EMBEDDED_SERVER,
    FROM_COMMAND_LINE,
    FROM_SETTINGS,
    DataDirError,
    InvalidSettingsError,
    Settings,
    SettingsEdit,
    choose_connection,
    load_settings,
    locate_data_dir,
    resolve_data_dir,
    save_settings,
)
from tests.client.conftest import make_tls_files


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
        "issuer": None,
        "client_id": None,
        "ca_bundle": None,
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


# --- the settings dialog's values: issuer, client id, CA bundle ---------------------------------


@pytest.fixture(scope="module")
def ca_pem(tmp_path_factory) -> Path:
    """A PEM file holding one CA certificate."""
    return make_tls_files(tmp_path_factory.mktemp("tls")).ca


def edit(**values) -> SettingsEdit:
    return SettingsEdit(**values)


def test_blank_connection_values_mean_not_set():
    settings = Settings(issuer="https://old.example.com").edited(edit())

    assert (settings.issuer, settings.client_id, settings.ca_bundle) == (None, None, None)


def test_an_edit_keeps_what_the_dialog_does_not_show():
    before = Settings(allow_password_grant=True).remember_login("https://id.example.com", "alice")

    after = before.edited(edit(issuer="https://id.example.com", idle_lock_minutes=5))

    assert after.remembered_usernames == before.remembered_usernames
    assert after.allow_password_grant is True
    assert after.idle_lock_minutes == 5


def test_good_values_are_normalised(ca_pem, monkeypatch):
    monkeypatch.chdir(ca_pem.parent)

    settings = Settings().edited(
        edit(
            issuer="  https://id.example.com/realms/staff/ ",
            client_id=" my-app ",
            ca_bundle=ca_pem.name,
            idle_lock_minutes=0.5,
            notifications=False,
        )
    )

    assert settings.issuer == "https://id.example.com/realms/staff"
    assert settings.client_id == "my-app"
    assert settings.ca_bundle == str(ca_pem)  # absolute: the app may start elsewhere
    assert settings.idle_lock_minutes == 0.5
    assert settings.notifications is False


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:8765", "http://localhost:1/", "http://[::1]"])
def test_plain_http_is_allowed_to_this_computer_only(issuer):
    assert Settings().edited(edit(issuer=issuer)).issuer == issuer.rstrip("/")


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("ftp://id.example.com", "must be an https:// URL"),
        ("http://example.com", "Refusing plain http:// for example.com"),
        ("not a url", "must not contain spaces"),
        ("id.example.com", "must be an https:// URL"),
        ("https://", "must be an https:// URL"),
        ("https://id.example.com?realm=x", "must not have a query"),
        ("https://id.example.com:port", "invalid port"),
    ],
)
def test_a_bad_issuer_is_refused_saying_why(issuer, message):
    with pytest.raises(InvalidSettingsError) as caught:
        Settings().edited(edit(issuer=issuer))

    assert list(caught.value.errors) == ["issuer"]
    assert message in caught.value.errors["issuer"]


@pytest.mark.parametrize(
    ("client_id", "message"),
    [
        ("x" * 256, "at most 255 characters"),
        ("caf\N{LATIN SMALL LETTER E WITH ACUTE}", "printable ASCII"),
        ("a\tb", "printable ASCII"),
    ],
)
def test_a_bad_client_id_is_refused_saying_why(client_id, message):
    with pytest.raises(InvalidSettingsError) as caught:
        Settings().edited(edit(client_id=client_id))

    assert message in caught.value.errors["client_id"]


def test_a_client_id_of_255_printable_characters_is_fine():
    assert Settings().edited(edit(client_id="a b~" * 63 + "xyz")).client_id is not None


def test_a_ca_bundle_must_be_a_readable_file_with_a_pem_certificate(tmp_path, ca_pem):
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("hello\n")
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    cases = {
        str(tmp_path / "missing.pem"): "There is no file",
        str(tmp_path): "is a folder",
        str(not_pem): "holds no PEM certificate",
        str(broken): "cannot be used",
    }
    for path, message in cases.items():
        with pytest.raises(InvalidSettingsError) as caught:
            Settings().edited(edit(ca_bundle=path))
        assert message in caught.value.errors["ca_bundle"], path

    # A bundle with comments and other blocks around the certificate is fine.
    mixed = tmp_path / "mixed.pem"
    mixed.write_text("# our CA\n" + ca_pem.read_text() + "-----BEGIN X-----\n-----END X-----\n")
    assert Settings().edited(edit(ca_bundle=str(mixed))).ca_bundle == str(mixed)


def test_every_bad_value_is_named_at_once_in_field_order(tmp_path):
    with pytest.raises(InvalidSettingsError) as caught:
        Settings().edited(
            edit(
                issuer="ftp://x",
                client_id="\x00",
                ca_bundle=str(tmp_path / "none.pem"),
                idle_lock_minutes=-1,
            )
        )

    assert list(caught.value.errors) == ["issuer", "client_id", "ca_bundle", "idle_lock_minutes"]


def test_the_connection_settings_survive_a_round_trip(tmp_path, ca_pem):
    settings = Settings().edited(
        edit(issuer="https://id.example.com", client_id="my-app", ca_bundle=str(ca_pem))
    )

    save_settings(tmp_path, settings)

    assert load_settings(tmp_path).settings == settings
    document = json.loads((tmp_path / "settings.json").read_text())
    assert document["issuer"] == "https://id.example.com"
    assert document["client_id"] == "my-app"
    assert document["ca_bundle"] == str(ca_pem)


@pytest.mark.parametrize(
    "content",
    [
        b'{"issuer": "http://example.com"}',
        b'{"issuer": 3}',
        b'{"client_id": "x\\u0000"}',
        b'{"ca_bundle": ["a.pem"]}',
    ],
)
def test_a_settings_file_with_a_bad_connection_value_is_moved_aside(tmp_path, content):
    (tmp_path / "settings.json").write_bytes(content)

    loaded = load_settings(tmp_path)

    assert loaded.settings == Settings()
    assert "moved to settings.json.corrupt-" in (loaded.warning or "")


def test_a_ca_bundle_gone_missing_costs_no_other_setting(tmp_path):
    (tmp_path / "settings.json").write_text(
        json.dumps({"ca_bundle": str(tmp_path / "gone.pem"), "notifications": False})
    )

    loaded = load_settings(tmp_path)

    # Sign-in reports the missing file by name (CABundleError); the rest still applies.
    assert loaded.warning is None
    assert loaded.settings.ca_bundle == str(tmp_path / "gone.pem")
    assert loaded.settings.notifications is False


# --- which server: command line > settings > the embedded demo server -------------------------


def test_without_an_issuer_anywhere_the_demo_server_is_used():
    connection = choose_connection(Settings(), client_id="cli-id")

    assert connection.issuer is None
    assert connection.client_id == "cli-id"
    assert connection.source == EMBEDDED_SERVER


def test_the_settings_issuer_comes_with_its_client_id_and_ca_bundle():
    settings = Settings(issuer="https://id.example.com", client_id="app", ca_bundle="/ca.pem")

    connection = choose_connection(settings)

    assert connection == choose_connection(settings, issuer=None)
    assert (connection.issuer, connection.client_id, connection.ca_bundle) == (
        "https://id.example.com",
        "app",
        Path("/ca.pem"),
    )
    assert connection.source == FROM_SETTINGS
    # The command line's client id or CA bundle still wins for that server.
    assert choose_connection(settings, client_id="cli").client_id == "cli"
    assert choose_connection(settings, ca_bundle=Path("/x.pem")).ca_bundle == Path("/x.pem")


def test_the_command_line_issuer_overrides_all_three_settings():
    settings = Settings(issuer="https://id.example.com", client_id="app", ca_bundle="/ca.pem")

    connection = choose_connection(settings, issuer="https://other.example.com")

    assert connection.issuer == "https://other.example.com"
    assert connection.client_id is None
    assert connection.ca_bundle is None
    assert connection.source == FROM_COMMAND_LINE
