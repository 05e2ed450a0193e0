"""The browser sign-in: authorization code + PKCE through the server-rendered login page."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.server.conftest import (
    ALICE,
    NATIVE_CLIENT,
    REDIRECT_URI,
    LiveServer,
    LoginPage,
    ServerClient,
    pkce_pair,
    verified_claims,
)

CREDENTIALS_MESSAGE = "The username or password is incorrect."


def authorization_request(challenge: str, **overrides: str | None) -> dict[str, str]:
    """Query parameters of the desktop app's browser sign-in; ``None`` drops one."""
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": NATIVE_CLIENT,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return {name: value for name, value in params.items() if value is not None}


def open_login_page(server: LiveServer, params: dict[str, str]) -> requests.Response:
    return server.get("/authorize", params=params, allow_redirects=False)


def submit(
    page: requests.Response, http: requests.Session, **fields: str | None
) -> requests.Response:
    """Post the page's form back to its own URL, as a browser does (the form has no action)."""
    data: dict[str, str | None] = {**LoginPage(page.text).fields, **fields}
    return http.post(
        page.url,
        data={name: value for name, value in data.items() if value is not None},
        allow_redirects=False,
        timeout=30,
    )


def sign_in_with_browser(
    server: LiveServer, params: dict[str, str], username: str, password: str
) -> requests.Response:
    page = open_login_page(server, params)
    assert page.status_code == 200, page.text
    return submit(page, server.http, username=username, password=password, action="login")


def callback_params(
    response: requests.Response, redirect_uri: str = REDIRECT_URI
) -> dict[str, str]:
    """The parameters the browser brings back to the app's loopback listener."""
    assert response.status_code in (302, 303), response.text
    location = response.headers["Location"]
    assert location.split("?")[0] == redirect_uri
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def exchange_code(
    server: ServerClient, code: str, verifier: str, redirect_uri: str | None = REDIRECT_URI
) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "client_id": NATIVE_CLIENT,
        "redirect_uri": redirect_uri,
    }
    return server.post("/token", data={k: v for k, v in data.items() if v is not None})


def test_authorize_shows_a_login_form_with_a_csrf_token(server: LiveServer) -> None:
    page = open_login_page(server, authorization_request(pkce_pair()[1]))

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    form = LoginPage(page.text)
    assert form.has_form
    assert form.field_types["csrf_token"] == "hidden"
    assert len(form.fields["csrf_token"]) >= 32
    assert form.field_types["password"] == "password"
    assert "username" in form.fields
    assert form.autofocus == "username"


def test_login_page_may_not_be_framed(server: LiveServer) -> None:
    page = open_login_page(server, authorization_request(pkce_pair()[1]))

    directives = [d.strip() for d in page.headers["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'none'" in directives
    assert page.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(server: LiveServer) -> None:
    page = open_login_page(server, authorization_request(pkce_pair()[1]))

    attributes = [part.strip().lower() for part in page.headers["Set-Cookie"].split(";")]
    assert "httponly" in attributes
    assert {"samesite=lax", "samesite=strict"} & set(attributes)


@pytest.mark.parametrize("csrf_token", [None, "wrong", "another session's"])
def test_login_post_without_the_session_csrf_token_is_rejected_without_a_code(
    server: LiveServer, csrf_token: str | None
) -> None:
    page = open_login_page(server, authorization_request(pkce_pair()[1]))
    if csrf_token == "another session's":
        with requests.Session() as attacker:
            other = attacker.get(page.url, allow_redirects=False, timeout=30)
            csrf_token = LoginPage(other.text).fields["csrf_token"]

    response = submit(
        page,
        server.http,
        csrf_token=csrf_token,
        username=ALICE[0],
        password=ALICE[1],
        action="login",
    )

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert not LoginPage(response.text).has_form


def test_right_credentials_redirect_with_code_same_state_and_issuer(server: LiveServer) -> None:
    params = authorization_request(pkce_pair()[1])

    back = callback_params(sign_in_with_browser(server, params, *ALICE))

    assert back["code"]
    assert back["state"] == params["state"]
    assert back["iss"] == server.url
    assert "error" not in back


def test_code_exchanged_with_verifier_gives_id_token_carrying_the_nonce(server: LiveServer) -> None:
    verifier, challenge = pkce_pair()
    params = authorization_request(challenge)
    back = callback_params(sign_in_with_browser(server, params, *ALICE))

    tokens = exchange_code(server, back["code"], verifier)

    assert tokens.status_code == 200, tokens.text
    claims = verified_claims(server, tokens.json()["id_token"])
    assert claims["nonce"] == params["nonce"]
    assert claims["aud"] in (NATIVE_CLIENT, [NATIVE_CLIENT])
    assert claims["preferred_username"] == "alice"


def test_wrong_password_rerenders_the_form_keeping_the_username_focusing_the_password(
    server: LiveServer,
) -> None:
    response = sign_in_with_browser(server, authorization_request(pkce_pair()[1]), "alice", "wrong")

    assert response.status_code == 200
    assert "Location" not in response.headers
    page = LoginPage(response.text)
    assert page.has_form
    assert page.alerts == [CREDENTIALS_MESSAGE]
    assert page.fields["username"] == "alice"
    assert page.fields["password"] == ""
    assert page.autofocus == "password"
    assert page.fields["csrf_token"]


def test_unknown_user_gets_the_same_page_as_a_wrong_password(server: LiveServer) -> None:
    page = open_login_page(server, authorization_request(pkce_pair()[1]))
    wrong_password = submit(page, server.http, username="alice", password="wrong", action="login")
    unknown_user = submit(page, server.http, username="mallory", password="wrong", action="login")

    assert unknown_user.status_code == wrong_password.status_code
    assert LoginPage(unknown_user.text).alerts == [CREDENTIALS_MESSAGE]
    assert unknown_user.text.replace('value="mallory"', 'value="?"') == wrong_password.text.replace(
        'value="alice"', 'value="?"'
    )


def test_cancel_redirects_with_access_denied_and_state(server: LiveServer) -> None:
    params = authorization_request(pkce_pair()[1])
    page = open_login_page(server, params)

    back = callback_params(submit(page, server.http, action="cancel"))

    assert back["error"] == "access_denied"
    assert back["state"] == params["state"]
    assert "code" not in back


@pytest.mark.parametrize("port", [54321, 65535])
def test_loopback_redirect_uri_is_accepted_on_any_port(server: LiveServer, port: int) -> None:
    redirect_uri = f"http://127.0.0.1:{port}/callback"
    params = authorization_request(pkce_pair()[1], redirect_uri=redirect_uri)

    back = callback_params(sign_in_with_browser(server, params, *ALICE), redirect_uri)

    assert back["code"]


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:54321/other",
        "http://localhost:54321/callback",
        "https://evil.example/callback",
        "http://127.0.0.1:54321/callback/../other",
        None,  # no redirect_uri: the registered loopback URI has no port to fall back on
    ],
)
def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    server: LiveServer, redirect_uri: str | None
) -> None:
    page = open_login_page(server, authorization_request(pkce_pair()[1], redirect_uri=redirect_uri))

    assert page.status_code == 400
    assert "Location" not in page.headers
    shown = LoginPage(page.text)
    assert not shown.has_form
    assert shown.alerts


def test_signing_in_for_an_unregistered_redirect_uri_does_not_redirect(server: LiveServer) -> None:
    # A valid page supplies the CSRF token; the post itself names another redirect URI.
    page = open_login_page(server, authorization_request(pkce_pair()[1]))
    evil = authorization_request(pkce_pair()[1], redirect_uri="https://evil.example/callback")
    csrf_token = LoginPage(page.text).fields["csrf_token"]

    response = server.post(
        "/authorize",
        params=evil,
        data={"csrf_token": csrf_token, "username": ALICE[0], "password": ALICE[1]},
        allow_redirects=False,
    )

    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "pkce",
    [
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge": None},
        {"code_challenge_method": None},
        {"code_challenge_method": "plain"},
    ],
    ids=["no PKCE", "no challenge", "no method", "plain"],
)
def test_authorization_without_s256_pkce_redirects_invalid_request(
    server: LiveServer, pkce: dict[str, str | None]
) -> None:
    params = authorization_request(pkce_pair()[1], **pkce)

    back = callback_params(open_login_page(server, params))

    assert back["error"] == "invalid_request"
    assert back["state"] == params["state"]
    assert "code" not in back


def test_prompt_none_without_a_session_redirects_login_required(server: LiveServer) -> None:
    params = authorization_request(pkce_pair()[1], prompt="none")

    back = callback_params(open_login_page(server, params))

    assert back["error"] == "login_required"
    assert back["state"] == params["state"]


@pytest.mark.parametrize(
    "params",
    [{"prompt": "none"}, {"code_challenge_method": "plain"}],
    ids=["login_required", "invalid_request"],
)
def test_error_redirects_carry_the_issuer(server: LiveServer, params: dict[str, str]) -> None:
    # RFC 9207 §2: iss is in every authorization response, error responses included.
    back = callback_params(open_login_page(server, authorization_request(pkce_pair()[1], **params)))

    assert back["iss"] == server.url


@pytest.mark.parametrize(
    "token_redirect_uri",
    ["http://127.0.0.1:54322/callback", "http://127.0.0.1:54321/other", None],
    ids=["other port", "other path", "omitted"],
)
def test_code_exchange_with_another_redirect_uri_is_invalid_grant(
    server: LiveServer, token_redirect_uri: str | None
) -> None:
    verifier, challenge = pkce_pair()
    back = callback_params(sign_in_with_browser(server, authorization_request(challenge), *ALICE))

    tokens = exchange_code(server, back["code"], verifier, redirect_uri=token_redirect_uri)

    assert tokens.status_code == 400
    assert tokens.json()["error"] == "invalid_grant"
    assert "access_token" not in tokens.json()


def test_code_exchange_with_another_verifier_is_invalid_grant(server: LiveServer) -> None:
    _, challenge = pkce_pair()
    back = callback_params(sign_in_with_browser(server, authorization_request(challenge), *ALICE))

    tokens = exchange_code(server, back["code"], pkce_pair()[0])

    assert tokens.status_code == 400
    assert tokens.json()["error"] == "invalid_grant"
