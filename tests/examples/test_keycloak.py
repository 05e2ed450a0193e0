"""examples/keycloak: the files a Keycloak user drops in load, and a Keycloak-shaped token
gives the permissions the README promises, through the library's own sign-in."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_auth.app.main import build_parser
from desktop_auth.oidc import ClientConfig, OIDCClient
from desktop_auth.oidc.browser import DEFAULT_REDIRECT_PATH
from desktop_auth.permissions import PermissionPolicy
from desktop_auth.settings import FROM_SETTINGS, choose_connection, load_settings
from tests.client.conftest import JsonServer, TokenForge

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "keycloak"
README = (EXAMPLE / "README.md").read_text(encoding="utf-8")
REALM = "acme"
ISSUER = f"https://kc.example/realms/{REALM}"
# What the README says a desktop-editor may do.
EDITOR_PERMISSIONS = frozenset({"documents.read", "documents.write", "reports.view"})
# Every Keycloak user has these realm roles; the example's policy grants nothing for them.
KEYCLOAK_DEFAULT_ROLES = [f"default-roles-{REALM}", "offline_access", "uma_authorization"]


def fenced_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def documented_app_command() -> list[str]:
    (line,) = (
        line
        for block in fenced_blocks("sh")
        for line in block.splitlines()
        if line.startswith("desktop-auth ")
    )
    return shlex.split(line)


def test_the_settings_file_names_the_realm_and_the_client(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE / "settings.json", tmp_path / "settings.json")

    loaded = load_settings(tmp_path)

    assert loaded.warning is None
    settings = loaded.settings
    assert (settings.issuer, settings.client_id) == (ISSUER, "desktop-auth")
    assert settings.allow_password_grant is False
    connection = choose_connection(settings)
    assert (connection.issuer, connection.source) == (ISSUER, FROM_SETTINGS)


def test_the_documented_command_line_parses_and_its_policy_loads() -> None:
    program, *arguments = documented_app_command()

    options = build_parser().parse_args(arguments)

    assert program == "desktop-auth"
    assert options.issuer == ISSUER
    assert options.client_id == "desktop-auth"
    policy = PermissionPolicy.load(EXAMPLE / options.permissions)
    assert policy.permissions_for(["desktop-editor"]) == EDITOR_PERMISSIONS
    assert policy.permissions_for(KEYCLOAK_DEFAULT_ROLES) == frozenset()


def test_the_policy_shown_in_the_readme_is_the_policy_file() -> None:
    (shown,) = fenced_blocks("toml")

    assert PermissionPolicy.from_toml(shown).grants == (
        PermissionPolicy.load(EXAMPLE / "policy.toml").grants
    )


def test_the_client_registration_allows_what_the_app_sends() -> None:
    client = json.loads((EXAMPLE / "desktop-auth-client.json").read_text(encoding="utf-8"))
    settings = json.loads((EXAMPLE / "settings.json").read_text(encoding="utf-8"))

    assert client["clientId"] == settings["client_id"]
    assert client["publicClient"] is True
    assert client["standardFlowEnabled"] is True
    # The browser sign-in listens on http://127.0.0.1:<any port><path>; Keycloak ignores the
    # port of a 127.0.0.1 redirect URI, so the registered one has none.
    assert client["redirectUris"] == [f"http://127.0.0.1{DEFAULT_REDIRECT_PATH}"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    [mapper] = client["protocolMappers"]
    assert mapper["config"]["claim.name"] == "realm_access.roles"
    assert mapper["config"]["id.token.claim"] == "true"


# --- a Keycloak-shaped sign-in ------------------------------------------------------------------


@pytest.fixture
def realm(json_server: JsonServer) -> TokenForge:
    """A fake realm on 127.0.0.1 at /realms/acme, issuing the tokens each test signs."""
    return TokenForge(json_server, name=f"realms/{REALM}")


@pytest.fixture
def keycloak_client(realm: TokenForge) -> Iterator[OIDCClient]:
    """The library's client with the example's policy. The realm answers the password grant
    (Keycloak's direct access grants): the claims go through the same code for every grant."""
    policy = PermissionPolicy.load(EXAMPLE / "policy.toml")
    client = OIDCClient(
        ClientConfig(realm.issuer, client_id="desktop-auth", allow_password_grant=True), policy
    )
    yield client
    client.close()


def keycloak_id_token(realm: TokenForge, **claims: object) -> str:
    """An ID token as Keycloak issues it; without realm_access unless a mapper adds it."""
    return realm.sign(
        realm.claims(
            sub="f1b5c2d4-0000-4000-8000-000000000001",
            typ="ID",
            azp="desktop-auth",
            preferred_username="carol",
            name="Carol Example",
            email="carol@example.org",
            roles=None,
            **claims,
        )
    )


def keycloak_access_token(realm: TokenForge, **claims: object) -> str:
    """An access token as the built-in roles scope shapes it (audience: the account client)."""
    shaped: dict[str, object] = {
        "sub": "f1b5c2d4-0000-4000-8000-000000000001",
        "aud": "account",
        "typ": "Bearer",
        "azp": "desktop-auth",
        "scope": "openid profile email offline_access",
        "roles": None,
        "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
    }
    return realm.sign(realm.claims(**{**shaped, **claims}))


def test_realm_roles_in_keycloaks_default_access_token_give_the_documented_permissions(
    realm: TokenForge, keycloak_client: OIDCClient
) -> None:
    roles = {"roles": [*KEYCLOAK_DEFAULT_ROLES, "desktop-editor"]}
    realm.issue(
        keycloak_id_token(realm), access_token=keycloak_access_token(realm, realm_access=roles)
    )
    realm.userinfo(sub="f1b5c2d4-0000-4000-8000-000000000001", preferred_username="carol")

    session = keycloak_client.sign_in("carol", "any password at all")

    assert session.username == "carol"
    assert "desktop-editor" in session.roles
    assert session.permissions == EDITOR_PERMISSIONS


def test_the_dedicated_mapper_gives_the_roles_without_a_readable_access_token(
    realm: TokenForge, keycloak_client: OIDCClient
) -> None:
    # Lightweight or opaque access token: only the ID token and userinfo carry the roles.
    roles = {"roles": [*KEYCLOAK_DEFAULT_ROLES, "desktop-viewer"]}
    realm.issue(keycloak_id_token(realm, realm_access=roles), access_token="opaque")
    realm.userinfo(sub="f1b5c2d4-0000-4000-8000-000000000001", realm_access=roles)

    session = keycloak_client.sign_in("carol", "any password at all")

    assert session.permissions == frozenset({"documents.read"})


def test_client_roles_of_this_client_count_and_other_clients_roles_do_not(
    realm: TokenForge, keycloak_client: OIDCClient
) -> None:
    access_token = keycloak_access_token(
        realm,
        realm_access={"roles": KEYCLOAK_DEFAULT_ROLES},
        resource_access={
            "desktop-auth": {"roles": ["desktop-admin"]},
            "account": {"roles": ["desktop-editor"]},
        },
    )
    realm.issue(keycloak_id_token(realm), access_token=access_token)
    realm.userinfo(sub="f1b5c2d4-0000-4000-8000-000000000001")

    session = keycloak_client.sign_in("carol", "any password at all")

    assert session.roles == frozenset({*KEYCLOAK_DEFAULT_ROLES, "desktop-admin"})
    assert session.permissions == frozenset({"*"})


def test_a_user_with_only_keycloaks_default_roles_may_do_nothing(
    realm: TokenForge, keycloak_client: OIDCClient
) -> None:
    access_token = keycloak_access_token(realm, realm_access={"roles": KEYCLOAK_DEFAULT_ROLES})
    realm.issue(keycloak_id_token(realm), access_token=access_token)
    realm.userinfo(sub="f1b5c2d4-0000-4000-8000-000000000001")

    session = keycloak_client.sign_in("carol", "any password at all")

    assert session.permissions == frozenset()
