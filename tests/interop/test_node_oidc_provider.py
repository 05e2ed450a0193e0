"""Browser sign-in against node's oidc-provider, an independent provider that requires PKCE and
allows loopback redirects for native clients; an HTTP client is the browser on its login and
consent pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from desktop_auth.errors import SessionExpiredError
from desktop_auth.oidc import ClientConfig, OIDCClient
from desktop_auth.oidc.browser import AuthorizationDeniedError
from desktop_auth.permissions import PermissionPolicy
from tests.http_browser import BrowserRobot, HttpBrowser
from tests.interop.node_provider import (
    INSTALL_TIMEOUT_SECONDS,
    NodeProvider,
    node_provider,  # noqa: F401 - the fixture
)
from tests.server.conftest import LoginPage

# The first test may wait for `npm ci`.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(INSTALL_TIMEOUT_SECONDS + 120)]


@pytest.fixture
def client(node_provider: NodeProvider) -> Iterator[OIDCClient]:  # noqa: F811
    made = OIDCClient(
        ClientConfig(node_provider.issuer, node_provider.client_id), PermissionPolicy.default()
    )
    yield made
    made.close()


def signs_in(
    provider: NodeProvider, consent: str = "allow"
) -> Callable[[HttpBrowser, str], requests.Response]:
    """Alice signs in on the provider's login page, then answers its consent page."""

    def scenario(browser: HttpBrowser, url: str) -> requests.Response:
        login = browser.open(url)
        assert login.status_code == 200, login.text
        assert "<h1>Sign in</h1>" in login.text
        asked = browser.submit(
            login, login=provider.username, password=provider.password, action="login"
        )
        assert asked.status_code == 200, asked.text
        assert "<h1>Allow access</h1>" in asked.text, asked.text
        return browser.submit(asked, action=consent)

    return scenario


def test_alice_signs_in_with_the_browser_and_gets_her_identity_and_roles(
    node_provider: NodeProvider,  # noqa: F811
    client: OIDCClient,
) -> None:
    robot = BrowserRobot(signs_in(node_provider))

    session = client.sign_in_with_browser(robot)

    page = robot.finish()
    assert page is not None
    assert page.status_code == 200
    assert "You are signed in to desktop-auth as alice." in page.text
    assert session.method == "browser"
    assert session.issuer == node_provider.issuer
    assert session.subject == "alice-7f3a"
    assert session.username == "alice"
    assert session.display_name == "Alice Liddell"
    assert session.email == "alice@node.example"
    assert session.roles == frozenset({"editor"})  # from userinfo
    assert session.permissions == frozenset({"documents.read", "documents.write", "reports.view"})
    assert session.tokens is not None
    assert session.tokens.id_token  # validated: signature, iss, aud, exp, nonce
    assert robot.params["code_challenge_method"] == "S256"


def test_the_provider_names_itself_in_the_response_and_the_client_holds_it_to_that(
    client: OIDCClient,
) -> None:
    # RFC 9207: a response without iss from this provider would be refused.
    assert client.discover().authorization_response_iss_parameter_supported


def cancels_at_login(browser: HttpBrowser, url: str) -> requests.Response:
    return browser.submit(browser.open(url), action="abort")


@pytest.mark.parametrize(
    ("where", "said"),
    [("login", "The user cancelled the sign-in."), ("consent", "The user denied access.")],
)
def test_declining_in_the_browser_is_access_denied_with_the_providers_reason(
    node_provider: NodeProvider,  # noqa: F811
    client: OIDCClient,
    where: str,
    said: str,
) -> None:
    robot = BrowserRobot(
        cancels_at_login if where == "login" else signs_in(node_provider, consent="deny")
    )

    with pytest.raises(AuthorizationDeniedError) as error:
        client.sign_in_with_browser(robot)

    assert error.value.message == f"Sign-in was declined in the browser (access_denied: {said})."
    page = robot.finish()
    assert page is not None
    assert LoginPage(page.text).alerts == [error.value.message]


def test_the_session_renews_and_sign_out_revokes_it(
    node_provider: NodeProvider,  # noqa: F811
    client: OIDCClient,
) -> None:
    robot = BrowserRobot(signs_in(node_provider))
    session = client.sign_in_with_browser(robot)
    robot.finish()

    renewed = client.refresh(session)
    client.revoke(renewed)

    assert renewed.subject == session.subject
    assert renewed.roles == frozenset({"editor"})
    assert renewed.method == "browser"
    with pytest.raises(SessionExpiredError):
        client.refresh(renewed)
