"""Who is signed in: the immutable ``Session`` and the tokens it holds privately."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class TokenSet:
    """Tokens from the token endpoint; ``repr`` shows none of them."""

    access_token: str = field(repr=False)
    expires_at: datetime
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    scope: str = ""
    token_type: str = "Bearer"  # noqa: S105 - a scheme name

    @property
    def expired(self) -> bool:
        return self.expires_at <= datetime.now(UTC)


@dataclass(frozen=True)
class Session:
    """A signed-in user: identity, roles and permissions; the tokens stay out of ``repr``.

    ``method`` says how the user signed in: "native" (first-party challenge), "password"
    (legacy grant), "browser" or "device".
    """

    issuer: str
    subject: str
    username: str
    display_name: str
    email: str | None
    roles: frozenset[str]
    permissions: frozenset[str]
    expires_at: datetime
    method: str = "native"
    tokens: TokenSet | None = field(default=None, repr=False, compare=False)

    def allows(self, permission: str) -> bool:
        """Whether this session grants ``permission`` (``*`` grants everything)."""
        return "*" in self.permissions or permission in self.permissions
