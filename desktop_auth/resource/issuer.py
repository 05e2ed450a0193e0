"""A trusted token issuer as a protected API is configured with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from desktop_auth.errors import ProtocolError
from desktop_auth.oidc.http import check_url
from desktop_auth.oidc.validation import ALLOWED_ALGORITHMS


@dataclass(frozen=True)
class Issuer:
    """An identity server whose tokens the API accepts.

    ``url`` must equal the tokens' ``iss`` exactly; ``audience`` is what their ``aud`` must
    contain (the API's identifier at that server; the bundled server puts the desktop app's
    client id there, ``desktop-auth``). ``jwks_uri`` and ``introspection_endpoint`` come from
    the issuer's discovery document unless given. Opaque tokens are introspected (RFC 7662)
    only with ``client_id`` and ``client_secret``, the API's confidential client at the issuer.
    ``algorithms``: the signature algorithms accepted, a subset of the asymmetric ones
    (``RS*``, ``PS*``, ``ES*``, ``EdDSA``); HMAC and ``none`` are never accepted.
    ``token_type``: when given (``"at+jwt"``, RFC 9068), a JWT whose header ``typ`` differs is
    refused, so an ID token for the same audience cannot be used as an access token.

    ValueError on a setting that cannot work: plain ``http://`` to another host than this
    computer, an algorithm not allowed, a client id without its secret.
    """

    url: str
    audience: str
    jwks_uri: str | None = field(default=None, kw_only=True)
    introspection_endpoint: str | None = field(default=None, kw_only=True)
    client_id: str | None = field(default=None, kw_only=True)
    client_secret: str | None = field(default=None, kw_only=True, repr=False)
    algorithms: tuple[str, ...] = field(default=ALLOWED_ALGORITHMS, kw_only=True)
    token_type: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        for name in ("url", "jwks_uri", "introspection_endpoint"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                check_url(value, "issuer" if name == "url" else name)
            except ProtocolError as exc:
                raise ValueError(exc.message) from exc
        if not self.audience:
            raise ValueError(f"Issuer {self.url}: the audience must not be empty.")
        if (self.client_id is None) != (self.client_secret is None):
            raise ValueError(
                f"Issuer {self.url}: introspection needs both client_id and client_secret."
            )
        algorithms = tuple(self.algorithms) if not isinstance(self.algorithms, str) else ()
        refused = sorted(set(algorithms) - set(ALLOWED_ALGORITHMS))
        if refused or not algorithms:
            raise ValueError(
                f"Issuer {self.url}: algorithms must be some of {', '.join(ALLOWED_ALGORITHMS)}"
                + (f"; {', '.join(refused)} is not allowed." if refused else ".")
            )
        object.__setattr__(self, "algorithms", algorithms)

    @property
    def client_credentials(self) -> tuple[str, str] | None:
        """(client_id, client_secret) for introspection; None: opaque tokens are not sent here."""
        if self.client_id is None or self.client_secret is None:
            return None
        return self.client_id, self.client_secret


def issuer_list(issuers: Issuer | Iterable[Issuer]) -> tuple[Issuer, ...]:
    """``issuers`` as a tuple; ValueError for none, or two with the same URL."""
    found = (issuers,) if isinstance(issuers, Issuer) else tuple(issuers)
    if not found:
        raise ValueError("A TokenVerifier needs at least one trusted Issuer.")
    for issuer in found:
        if not isinstance(issuer, Issuer):
            raise TypeError(f"issuers must be Issuer objects, not {type(issuer).__name__}")
    urls = [issuer.url for issuer in found]
    twice = sorted({url for url in urls if urls.count(url) > 1})
    if twice:
        raise ValueError(f"Issuer {twice[0]} is configured twice.")
    return found


__all__ = ["Issuer", "issuer_list"]
