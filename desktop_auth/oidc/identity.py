"""Who signed in: identity and roles merged from the ID token, the access token and userinfo."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from desktop_auth.errors import ProtocolError
from desktop_auth.oidc.roles import RoleMapper, merge_roles

log = logging.getLogger(__name__)

Claims = Mapping[str, Any]


@dataclass(frozen=True)
class Identity:
    subject: str
    username: str
    display_name: str
    email: str | None
    roles: frozenset[str]


def _first_string(sources: list[Claims], *names: str) -> str | None:
    for claims in sources:
        for name in names:
            value = claims.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def build_identity(
    *,
    id_token: Claims | None,
    userinfo: Claims | None,
    access_token: Claims | None,
    client_id: str,
    roles_claim: str | None = None,
    role_mapper: RoleMapper | None = None,
    typed_username: str | None = None,
) -> Identity:
    """The user the claims describe; ProtocolError when they disagree or name nobody.

    Validated ID token claims come first, then userinfo, then a verified JWT access token.
    """
    primary = id_token if id_token is not None else userinfo
    if primary is None:
        raise ProtocolError(
            "The server gave neither an ID token nor a userinfo endpoint, so the app cannot "
            "tell who signed in."
        )
    subject = primary.get("sub")
    if not isinstance(subject, str) or not subject:
        raise ProtocolError("The server did not say who signed in (no sub claim).")
    if userinfo is not None and userinfo.get("sub") != subject:
        # OpenID Connect Core §5.3.2: the userinfo response must be about the same user.
        raise ProtocolError("The server's userinfo is about another user than its ID token.")
    sources: list[Claims] = [c for c in (id_token, userinfo) if c is not None]
    if access_token is not None:
        if access_token.get("sub") in (None, subject):
            sources.append(access_token)
        else:
            log.info("ignoring the claims of an access token about another subject")

    username = _first_string(sources, "preferred_username", "username") or typed_username or subject
    name = _first_string(sources, "name")
    if name is None:
        given, family = _first_string(sources, "given_name"), _first_string(sources, "family_name")
        name = " ".join(part for part in (given, family) if part) or username
    return Identity(
        subject=subject,
        username=username,
        display_name=name,
        email=_first_string(sources, "email"),
        roles=merge_roles(sources, client_id, roles_claim, role_mapper),
    )
