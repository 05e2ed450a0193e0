"""Roles from token and userinfo claims, in the shapes identity servers use.

``roles`` (the bundled server, Azure AD), ``realm_access.roles`` and
``resource_access.<client_id>.roles`` (Keycloak), ``groups`` (Okta, Django OAuth Toolkit,
Keycloak's group mapper), or one claim path the deployment configures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def claim_at(claims: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``realm_access.roles``), or None.

    Claim names may themselves hold dots (``https://example.com/roles``), so a name that
    matches whole wins over splitting it.
    """
    if not isinstance(claims, Mapping):
        return None
    if path in claims:
        return claims[path]
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:split])
        if head in claims:
            found = claim_at(claims[head], ".".join(parts[split:]))
            if found is not None:
                return found
    return None


def _role_names(value: Any, *, groups: bool = False) -> set[str]:
    """Role names in a claim value: a list of strings, or one space-separated string."""
    if isinstance(value, str):
        items: Iterable[Any] = value.split()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return set()
    names = set()
    for item in items:
        if not isinstance(item, str):
            continue
        # Keycloak's group mapper sends full paths: "/admin".
        name = item.strip().lstrip("/") if groups else item.strip()
        if name:
            names.add(name)
    return names


def roles_from_claims(
    claims: Mapping[str, Any], client_id: str, roles_claim: str | None = None
) -> frozenset[str]:
    """The roles one set of claims grants; only ``roles_claim`` is read when it is given."""
    if roles_claim:
        return frozenset(_role_names(claim_at(claims, roles_claim), groups=True))
    found = _role_names(claims.get("roles"))
    found |= _role_names(claim_at(claims.get("realm_access"), "roles"))
    resource_access = claims.get("resource_access")
    if isinstance(resource_access, Mapping):
        # Looked up directly: client ids such as "com.example.app" contain dots.
        found |= _role_names(claim_at(resource_access.get(client_id), "roles"))
    found |= _role_names(claims.get("groups"), groups=True)
    return frozenset(found)


def merge_roles(
    claim_sets: Iterable[Mapping[str, Any]], client_id: str, roles_claim: str | None = None
) -> frozenset[str]:
    """The union of the roles in several sets of claims (ID token, access token, userinfo)."""
    merged: set[str] = set()
    for claims in claim_sets:
        merged |= roles_from_claims(claims, client_id, roles_claim)
    return frozenset(merged)
