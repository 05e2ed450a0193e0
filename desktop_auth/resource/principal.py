"""Who a verified bearer token speaks for, and what the permissions policy lets them do."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from desktop_auth.permissions import ALL


@dataclass(frozen=True, repr=False)
class Principal:
    """The caller of an API request, from a verified token (never holding the token itself).

    ``username`` is ``preferred_username`` (or ``username`` in an introspection answer), else
    the subject; ``client_id`` the application the token was issued to (``azp`` or
    ``client_id``); ``scopes`` the token's OAuth scopes; ``roles`` as the desktop client reads
    them; ``permissions`` what the policy grants those roles (``{"*"}``: everything);
    ``expires_at`` the token's ``exp`` (seconds since the epoch); ``claims`` a read-only copy
    of the verified claims.
    """

    subject: str
    username: str
    issuer: str
    client_id: str | None = None
    scopes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    expires_at: float | None = None
    claims: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "claims", MappingProxyType(copy.deepcopy(dict(self.claims))))

    def allows(self, permission: str) -> bool:
        """True when the policy grants ``permission`` (or everything) to the principal's roles."""
        return ALL in self.permissions or permission in self.permissions

    def __repr__(self) -> str:
        return (
            f"Principal(subject={self.subject!r}, issuer={self.issuer!r}, "
            f"roles={sorted(self.roles)!r})"
        )


__all__ = ["Principal"]
