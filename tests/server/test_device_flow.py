"""Sign-in on another device (RFC 8628) at the bundled server: the device authorization
endpoint, the token endpoint's answers while polling, and the verification page, driven by an
HTTP client acting as the browser on the other device."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from desktop_auth.server.config import load_config
from desktop_auth.server.db import Database
from desktop_auth.server.migrations import upgrade
from desktop_auth.server.models import Client, DeviceCode
from tests.http_browser import HttpBrowser
from tests.server.conftest import (
    ALICE,
    BOB,
    NATIVE_CLIENT,
    LiveServer,
    LoginPage,
    audit_events,
    verified_claims,
    wait_for,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")
SCOPE = "openid profile email offline_access"
CREDENTIALS_MESSAGE = "The username or password is incorrect."


def device_authorization(
    server: LiveServer, client_id: str = NATIVE_CLIENT, scope: str | None = SCOPE
) -> requests.Response:
    data = {"client_id": client_id, "scope": scope}
    return server.post(
        "/device_authorization", data={k: v for k, v in data.items() if v is not None}
    )


def start(server: LiveServer, client_id: str = NATIVE_CLIENT) -> dict[str, str]:
    """A new device sign-in: the device authorization response."""
    response = device_authorization(server, client_id)
    assert response.status_code == 200, response.text
    answer: dict[str, str] = response.json()
    return answer


def poll(server: LiveServer, device_code: str, client_id: str = NATIVE_CLIENT) -> requests.Response:
    return server.post(
        "/token",
        data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": client_id},
    )


def poll_error(server: LiveServer, device_code: str) -> str:
    response = poll(server, device_code)
    assert response.status_code == 400, response.text
    error: str = response.json()["error"]
    return error


@pytest.fixture
def browser() -> Iterator[HttpBrowser]:
    """The browser on the other device (phone, laptop) where the person types the code."""
    made = HttpBrowser()
    yield made
    made.close()


def enter_code(
    browser: HttpBrowser, server: LiveServer, user_code: str, **fields: str
) -> requests.Response:
    """Open the verification page, type ``user_code`` and continue."""
    page = browser.open(server.url + "/device")
    assert page.status_code == 200, page.text
    return browser.submit(page, user_code=user_code, action="continue", **fields)


def approve(
    browser: HttpBrowser, server: LiveServer, user_code: str, credentials: tuple[str, str] = ALICE
) -> requests.Response:
    confirm = enter_code(browser, server, user_code)
    assert "password" in LoginPage(confirm.text).fields, confirm.text
    username, password = credentials
    return browser.submit(confirm, username=username, password=password, action="approve")


def deny(browser: HttpBrowser, server: LiveServer, user_code: str) -> requests.Response:
    return browser.submit(enter_code(browser, server, user_code), action="deny")


def alerts(page: requests.Response) -> list[str]:
    return LoginPage(page.text).alerts


def alert(page: requests.Response) -> str:
    """The page's one alert."""
    (only,) = alerts(page)
    return only


def visible_text(page: requests.Response) -> str:
    """The page's text as a person reads it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]*>", " ", page.text).split())


def device_rows(server: LiveServer) -> list[DeviceCode]:
    with server.state.db.session() as session:
        return list(session.scalars(select(DeviceCode)))


# --- discovery and the device authorization endpoint ------------------------------------------


def test_discovery_advertises_the_device_endpoint_and_grant(server: LiveServer) -> None:
    metadata = server.get("/.well-known/openid-configuration").json()

    assert metadata["device_authorization_endpoint"] == server.url + "/device_authorization"
    assert DEVICE_GRANT in metadata["grant_types_supported"]


def test_device_authorization_answers_in_the_rfc_8628_shape(server: LiveServer) -> None:
    response = device_authorization(server)

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert len(body["device_code"]) >= 43
    assert USER_CODE.fullmatch(body["user_code"])
    assert body["verification_uri"] == server.url + "/device"
    assert body["verification_uri_complete"] == (
        f"{server.url}/device?user_code={body['user_code']}"
    )
    assert body["expires_in"] == 600
    assert body["interval"] == 5


def test_every_device_authorization_gets_new_codes(server: LiveServer) -> None:
    answers = [start(server) for _ in range(5)]

    assert len({a["device_code"] for a in answers}) == 5
    assert len({a["user_code"] for a in answers}) == 5


def test_codes_are_stored_only_as_digests(server: LiveServer) -> None:
    answer = start(server)

    (row,) = device_rows(server)
    stored = " ".join(str(value) for value in vars(row).values())
    assert answer["device_code"] not in stored
    assert answer["user_code"] not in stored
    assert answer["user_code"].replace("-", "") not in stored


def test_lifetime_and_interval_come_from_the_config(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(device_code_lifetime=120, device_poll_interval=2)

    answer = start(server)

    assert (answer["expires_in"], answer["interval"]) == (120, 2)


def test_unknown_client_is_invalid_client(server: LiveServer) -> None:
    response = device_authorization(server, client_id="nobody")

    # RFC 6749 §5.2: 401 only when the client authenticated through the Authorization header.
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def test_client_not_allowed_the_device_grant_is_unauthorized_client(server: LiveServer) -> None:
    assert server.cli("client", "add", "kiosk") == 0

    response = device_authorization(server, client_id="kiosk")

    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert response.headers["Cache-Control"] == "no-store"
    assert device_rows(server) == []


def test_client_registered_with_allow_device_grant_may_use_it(server: LiveServer) -> None:
    assert server.cli("client", "add", "kiosk", "--allow-device-grant") == 0

    answer = start(server, client_id="kiosk")

    assert USER_CODE.fullmatch(answer["user_code"])


def test_scope_beyond_the_clients_is_invalid_scope(server: LiveServer) -> None:
    response = device_authorization(server, scope="openid admin:everything")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


# --- the token endpoint while polling ---------------------------------------------------------


def test_polling_before_an_answer_is_authorization_pending(server: LiveServer) -> None:
    answer = start(server)

    response = poll(server, answer["device_code"])

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json()["error"] == "authorization_pending"


def test_polling_faster_than_the_interval_gets_slow_down_and_the_interval_grows(
    server: LiveServer,
) -> None:
    answer = start(server)

    assert poll_error(server, answer["device_code"]) == "authorization_pending"
    assert poll_error(server, answer["device_code"]) == "slow_down"
    assert [row.interval for row in device_rows(server)] == [10]
    # Still too fast for the grown interval: it grows again (RFC 8628 §3.5).
    assert poll_error(server, answer["device_code"]) == "slow_down"
    assert [row.interval for row in device_rows(server)] == [15]


def test_unknown_device_code_is_invalid_grant(server: LiveServer) -> None:
    response = poll(server, "not-a-device-code")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_device_code_of_another_client_is_invalid_grant(server: LiveServer) -> None:
    assert server.cli("client", "add", "kiosk", "--allow-device-grant") == 0
    answer = start(server)

    response = poll(server, answer["device_code"], client_id="kiosk")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_polling_without_a_device_code_is_invalid_request(server: LiveServer) -> None:
    response = server.post("/token", data={"grant_type": DEVICE_GRANT, "client_id": NATIVE_CLIENT})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# --- approving, denying, expiring --------------------------------------------------------------


def test_approved_code_gives_alice_her_tokens_with_roles(
    server: LiveServer, browser: HttpBrowser
) -> None:
    answer = start(server)

    done = approve(browser, server, answer["user_code"])
    response = poll(server, answer["device_code"])

    assert done.status_code == 200
    assert "is signed in as alice" in visible_text(done)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["refresh_token"]
    claims = verified_claims(server, tokens["id_token"])
    assert claims["iss"] == server.url
    assert NATIVE_CLIENT in claims["aud"]
    assert claims["preferred_username"] == "alice"
    assert claims["email"] == "alice@example.org"
    assert sorted(claims["roles"]) == ["admin", "editor"]
    assert "nonce" not in claims
    renewed = server.refresh(tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text


def test_the_user_who_signs_in_on_the_page_gets_the_tokens(
    server: LiveServer, browser: HttpBrowser
) -> None:
    answer = start(server)

    approve(browser, server, answer["user_code"], credentials=BOB)
    tokens = poll(server, answer["device_code"]).json()

    claims = verified_claims(server, tokens["id_token"])
    assert claims["preferred_username"] == "bob"
    assert claims["roles"] == ["viewer"]


def test_a_device_code_gives_tokens_once_and_a_replay_revokes_them(
    server: LiveServer, browser: HttpBrowser
) -> None:
    answer = start(server)
    approve(browser, server, answer["user_code"])
    tokens = poll(server, answer["device_code"]).json()

    replay = poll(server, answer["device_code"])

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert server.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    (revoked,) = wait_for(lambda: audit_events(server, "token_revoked"))
    assert revoked.detail["reason"] == "device code replay"


def test_denied_code_gets_access_denied(server: LiveServer, browser: HttpBrowser) -> None:
    answer = start(server)

    done = deny(browser, server, answer["user_code"])

    assert done.status_code == 200
    assert "Sign-in denied" in visible_text(done)
    assert poll_error(server, answer["device_code"]) == "access_denied"
    assert poll_error(server, answer["device_code"]) == "access_denied"


def test_expired_code_gets_expired_token_and_is_refused_on_the_page(
    start_server: Callable[..., LiveServer], browser: HttpBrowser
) -> None:
    server = start_server(device_code_lifetime=1)
    answer = start(server)

    # Polls before the expiry are answered slow_down; the first one after it, expired_token.
    wait_for(lambda: poll_error(server, answer["device_code"]) == "expired_token")
    page = enter_code(browser, server, answer["user_code"])

    assert poll_error(server, answer["device_code"]) == "expired_token"
    assert "password" not in LoginPage(page.text).fields
    assert "expired" in alert(page)


def test_an_answered_code_cannot_be_answered_again(
    server: LiveServer, browser: HttpBrowser
) -> None:
    answer = start(server)
    deny(browser, server, answer["user_code"])

    again = enter_code(browser, server, answer["user_code"])

    assert "password" not in LoginPage(again.text).fields
    assert alerts(again)
    assert poll_error(server, answer["device_code"]) == "access_denied"


def test_device_sign_in_has_the_side_effects_of_other_sign_ins(
    server: LiveServer, browser: HttpBrowser
) -> None:
    answer = start(server)

    approve(browser, server, answer["user_code"])

    (event,) = wait_for(lambda: audit_events(server, "user_logged_in"))
    assert event.username == "alice"
    assert event.client_id == NATIVE_CLIENT
    assert event.detail["method"] == "device"
    # alice's first sign-in: the welcome mail is written too.
    (mail,) = wait_for(lambda: list(server.state.config.outbox_dir.glob("*.eml")))
    assert "alice@example.org" in mail.read_text()


# --- the verification page ---------------------------------------------------------------------


def test_verification_page_asks_for_the_code_with_a_csrf_token(
    server: LiveServer, browser: HttpBrowser
) -> None:
    page = browser.open(server.url + "/device")

    assert page.headers["Content-Type"].startswith("text/html")
    form = LoginPage(page.text)
    assert form.field_types["csrf_token"] == "hidden"
    assert len(form.fields["csrf_token"]) >= 32
    assert form.autofocus == "user_code"
    assert form.fields["user_code"] == ""
    assert "password" not in form.fields


def test_verification_page_may_not_be_framed_cached_or_post_elsewhere(
    server: LiveServer, browser: HttpBrowser
) -> None:
    page = browser.open(server.url + "/device")

    directives = [d.strip() for d in page.headers["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'none'" in directives
    assert "form-action 'self'" in directives
    assert page.headers["Cache-Control"] == "no-store"


def test_complete_verification_uri_fills_in_the_code_and_asks_before_signing_in(
    server: LiveServer, browser: HttpBrowser
) -> None:
    answer = start(server)

    page = browser.open(answer["verification_uri_complete"])

    form = LoginPage(page.text)
    assert form.fields["user_code"] == answer["user_code"]
    assert "password" not in form.fields
    assert poll_error(server, answer["device_code"]) == "authorization_pending"


def test_the_confirmation_names_the_client_and_the_code(
    server: LiveServer, browser: HttpBrowser
) -> None:
    answer = start(server)

    confirm = enter_code(browser, server, answer["user_code"])

    form = LoginPage(confirm.text)
    assert form.field_types["password"] == "password"
    assert form.autofocus == "username"
    assert f"{NATIVE_CLIENT} on another device asks to sign in as you" in visible_text(confirm)
    assert answer["user_code"] in visible_text(confirm)


@pytest.mark.parametrize("typed", ["lower", "no dash", "spaces"])
def test_user_code_is_read_whatever_the_case_and_separators(
    server: LiveServer, browser: HttpBrowser, typed: str
) -> None:
    code = start(server)["user_code"]
    variants = {
        "lower": code.lower(),
        "no dash": code.replace("-", ""),
        "spaces": " ".join(code.replace("-", "")),
    }

    confirm = enter_code(browser, server, variants[typed])

    assert "password" in LoginPage(confirm.text).fields
    assert code in confirm.text


def test_wrong_user_code_shows_an_error_and_the_code_form_again(
    server: LiveServer, browser: HttpBrowser
) -> None:
    start(server)

    page = enter_code(browser, server, "BBBB-BBBB")

    assert page.status_code == 200
    form = LoginPage(page.text)
    assert "password" not in form.fields
    assert form.fields["user_code"] == "BBBB-BBBB"
    assert "not valid" in alert(page)


def test_malformed_user_code_says_what_a_code_looks_like(
    server: LiveServer, browser: HttpBrowser
) -> None:
    page = enter_code(browser, server, "AEIO-1234")

    assert "8 letters" in alert(page)


def test_guessing_user_codes_is_throttled_per_address(
    start_server: Callable[..., LiveServer], browser: HttpBrowser
) -> None:
    # A long lock, so that the test does not depend on how fast it runs.
    server = start_server(account_base_delay=600)
    answer = start(server)
    wrong = ["BBBB-BBBC", "BBBB-BBBD", "BBBB-BBBF", "BBBB-BBBG", "BBBB-BBBH"]
    for guess in wrong:
        assert guess != answer["user_code"]
        assert "not valid" in alert(enter_code(browser, server, guess))

    # Even the right code is refused now, from a new browser session too.
    other = HttpBrowser()
    try:
        locked = enter_code(other, server, answer["user_code"])
    finally:
        other.close()

    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1
    assert "Too many failed attempts" in alert(locked)
    assert "password" not in LoginPage(locked.text).fields
    assert poll_error(server, answer["device_code"]) == "authorization_pending"


def test_verification_post_without_the_csrf_token_decides_nothing(
    server: LiveServer, browser: HttpBrowser
) -> None:
    answer = start(server)
    confirm = enter_code(browser, server, answer["user_code"])

    refused = browser.submit(
        confirm, csrf_token="forged", username=ALICE[0], password=ALICE[1], action="approve"
    )

    assert refused.status_code == 400
    assert "password" not in LoginPage(refused.text).fields
    assert poll_error(server, answer["device_code"]) == "authorization_pending"


def test_wrong_password_keeps_the_sign_in_pending(server: LiveServer, browser: HttpBrowser) -> None:
    answer = start(server)

    page = approve(browser, server, answer["user_code"], credentials=("alice", "wrong"))

    assert alerts(page) == [CREDENTIALS_MESSAGE]
    assert LoginPage(page.text).fields["username"] == "alice"
    assert poll_error(server, answer["device_code"]) == "authorization_pending"
    assert wait_for(lambda: audit_events(server, "login_failed"))[0].detail["method"] == "device"


def test_an_approved_page_cannot_be_posted_again(server: LiveServer, browser: HttpBrowser) -> None:
    answer = start(server)
    confirm = enter_code(browser, server, answer["user_code"])
    browser.submit(confirm, username=ALICE[0], password=ALICE[1], action="approve")

    again = browser.submit(confirm, action="deny")

    assert again.status_code == 400
    assert poll(server, answer["device_code"]).status_code == 200


# --- storage -----------------------------------------------------------------------------------


@pytest.mark.own_database
def test_upgrading_an_existing_database_allows_the_native_client_only(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        upgrade(db.engine, revision="0001")
        with db.engine.begin() as connection:
            for client_id in (NATIVE_CLIENT, "other"):
                connection.exec_driver_sql(
                    "INSERT INTO clients (client_id, redirect_uris, allow_password_grant, "
                    "first_party, scope, created_at) VALUES (?, '[]', 0, 1, 'openid', "
                    "'2026-01-01 00:00:00')",
                    (client_id,),
                )
        upgrade(db.engine)
        with db.session() as session:
            allowed = {c.client_id: c.allow_device_grant for c in session.scalars(select(Client))}
    finally:
        db.dispose()

    assert allowed == {NATIVE_CLIENT: True, "other": False}


def test_init_allows_the_native_client_to_sign_in_on_another_device(server: LiveServer) -> None:
    db = Database(load_config(server.data_dir).resolved_database_url)
    try:
        with db.session() as session:
            native = session.scalars(select(Client).where(Client.client_id == NATIVE_CLIENT)).one()
            assert native.allow_device_grant
    finally:
        db.dispose()
