"""Roles from token and userinfo claims, in the shapes identity servers use.

``roles`` (the bundled server, Azure AD), ``realm_access.roles`` and
``resource_access.<client_id>.roles`` (Keycloak), ``groups`` (Okta, Django OAuth Toolkit,
Keycloak's group mapper), or one claim path the deployment configures; or, for anything
else, the app's own ``RoleMapper`` (``ClientConfig.role_mapper``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class RoleMapper(Protocol):
    """An app's own claims-to-roles rule: called with the user's claims (the validated ID
    token's, then userinfo's, then a verified JWT access token's, merged in that order of
    precedence), it returns the user's role names.

    It replaces the standard claims; call ``roles_from_claims(claims, client_id)`` inside it
    to start from them. It runs in a worker thread at every sign-in and renewal. An exception
    it raises fails the sign-in (no roles are guessed).
    """

    def __call__(self, claims: Mapping[str, Any], /) -> Iterable[str]: ...


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
    claim_sets: Iterable[Mapping[str, Any]],
    client_id: str,
    roles_claim: str | None = None,
    mapper: RoleMapper | None = None,
) -> frozenset[str]:
    """The union of the roles in several sets of claims (ID token, access token, userinfo),
    or, given a ``mapper``, what it makes of them merged."""
    if mapper is not None:
        return mapped_roles(mapper, claim_sets)
    merged: set[str] = set()
    for claims in claim_sets:
        merged |= roles_from_claims(claims, client_id, roles_claim)
    return frozenset(merged)


def merged_claims(claim_sets: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One mapping of the claims in ``claim_sets``; a claim in an earlier set wins."""
    merged: dict[str, Any] = {}
    for claims in reversed(list(claim_sets)):
        merged.update(claims)
    return merged


def mapped_roles(mapper: RoleMapper, claim_sets: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The roles ``mapper`` gives the merged claims; TypeError unless it gives role names."""
    roles = mapper(merged_claims(claim_sets))
    if isinstance(roles, str):
        raise TypeError(f"role mapper {mapper!r} returned a string, not role names")
    names = frozenset(roles)
    bad = sorted(repr(name) for name in names if not isinstance(name, str) or not name.strip())
    if bad:
        raise TypeError(f"role mapper {mapper!r} returned {', '.join(bad)}, not role names")
    return names
