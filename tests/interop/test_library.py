"""The library against Django OAuth Toolkit: identity and roles from userinfo, the token opaque."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop_auth.errors import CredentialsError, DesktopAuthError, SessionExpiredError
from desktop_auth.oidc import ClientConfig, OIDCClient
from desktop_auth.permissions import PermissionPolicy
from tests.interop.conftest import DotServer


def client(server: DotServer, **config: object) -> OIDCClient:
    settings: dict[str, object] = {"allow_password_grant": True, **config}
    return OIDCClient(
        ClientConfig(server.issuer, server.client_id, **settings),  # type: ignore[arg-type]
        PermissionPolicy.default(),
    )


def test_the_default_scope_is_narrowed_to_what_discovery_offers(dot_server):
    # DOT refuses a whole request over one scope it does not offer (offline_access here), so
    # the client must ask only for scopes_supported; DOT gives a refresh token regardless.
    session = client(dot_server).sign_in("alice", dot_server.passwords["alice"])

    assert session.tokens is not None
    assert set(session.tokens.scope.split()) == {"openid", "profile", "email"}
    assert session.tokens.refresh_token


def test_sign_in_takes_identity_and_roles_from_userinfo_for_an_opaque_token(dot_server):
    session = client(dot_server).sign_in("alice", dot_server.passwords["alice"])

    assert session.issuer == dot_server.issuer
    assert session.subject == "1"  # DOT's subject is the Django user's primary key
    assert session.username == "alice"
    assert session.display_name == "Alice Liddell"
    assert session.email == "alice@example.org"
    assert session.roles == frozenset({"admin"})  # from userinfo's "groups"
    assert session.permissions == frozenset({"*"})
    assert session.allows("users.manage")
    assert session.method == "password"
    assert session.tokens is not None
    assert session.tokens.id_token is None
    assert "." not in session.tokens.access_token  # opaque: the roles cannot have come from it
    assert session.tokens.refresh_token
    remaining = session.expires_at - datetime.now(UTC)
    assert timedelta(minutes=55) < remaining <= timedelta(hours=1, minutes=1)


def test_a_configured_roles_claim_reads_groups(dot_server):
    session = client(dot_server, roles_claim="groups").sign_in("bob", dot_server.passwords["bob"])

    assert session.roles == frozenset({"viewer"})
    assert session.permissions == frozenset({"documents.read"})
    assert session.allows("documents.read")
    assert not session.allows("documents.write")


def test_no_secret_in_the_session_repr(dot_server):
    session = client(dot_server).sign_in("alice", dot_server.passwords["alice"])

    assert session.tokens is not None
    shown = repr(session)
    assert session.tokens.access_token not in shown
    assert dot_server.passwords["alice"] not in shown


def test_wrong_password_raises_credentials_error_without_the_password(dot_server):
    wrong = "wrong-" + dot_server.passwords["bob"]

    with pytest.raises(CredentialsError) as error:
        client(dot_server).sign_in("bob", wrong)

    assert error.value.message
    assert wrong not in error.value.message
    assert wrong not in str(error.value)


def test_without_the_opt_in_sign_in_is_refused_before_any_password_is_sent(dot_server):
    log_before = len(dot_server.log())

    with pytest.raises(DesktopAuthError) as error:
        client(dot_server, allow_password_grant=False).sign_in(
            "alice", dot_server.passwords["alice"]
        )

    assert error.value.kind == "protocol"
    assert "browser" in error.value.message.lower()
    # DOT logs an RFC 9700 warning for every password-grant request: there must be none new.
    assert "password credentials grant" not in dot_server.log()[log_before:]


def test_refresh_renews_the_opaque_token_and_rereads_roles_from_userinfo(dot_server):
    oidc = client(dot_server)
    session = oidc.sign_in("bob", dot_server.passwords["bob"])
    assert session.tokens is not None

    renewed = oidc.refresh(session)

    assert renewed.tokens is not None
    assert renewed.tokens.access_token != session.tokens.access_token
    assert renewed.tokens.refresh_token != session.tokens.refresh_token  # DOT rotates them
    assert renewed.subject == session.subject
    assert renewed.username == "bob"
    assert renewed.roles == frozenset({"viewer"})
    assert renewed.method == "password"


def test_a_rotated_out_refresh_token_means_sign_in_again(dot_server):
    oidc = client(dot_server)
    session = oidc.sign_in("bob", dot_server.passwords["bob"])
    oidc.refresh(session)

    with pytest.raises(SessionExpiredError):
        oidc.refresh(session)


def test_revoke_is_quiet_when_discovery_names_no_revocation_endpoint(dot_server):
    # DOT has /o/revoke_token/, but its OIDC discovery does not list it.
    oidc = client(dot_server)
    session = oidc.sign_in("alice", dot_server.passwords["alice"])

    oidc.revoke(session)
