"""OpenID Connect Discovery 1.0 / RFC 8414: the server's metadata, fetched once per issuer."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from desktop_auth.errors import ProtocolError
from desktop_auth.oidc.http import HttpClient, HttpStatusError, check_url

DISCOVERY_PATH = "/.well-known/openid-configuration"

ENDPOINT_FIELDS = (
    "authorization_challenge_endpoint",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "end_session_endpoint",
    "device_authorization_endpoint",
)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + DISCOVERY_PATH


def fetch_document(http: HttpClient, issuer: str) -> dict[str, Any]:
    """The discovery document of ``issuer`` as JSON, unchecked (``doctor`` reports on it)."""
    url = discovery_url(issuer)
    try:
        response = http.get_json(url)
    except HttpStatusError as exc:
        if exc.status == 404:
            raise HttpStatusError(
                f"{exc.message} (is the issuer URL right? For Keycloak it ends in /realms/NAME)",
                exc.status,
            ) from exc
        raise
    if not response.ok:
        raise HttpStatusError(
            f"{urlsplit(url).netloc} answered HTTP {response.status} {response.reason} for {url}",
            response.status,
        )
    return response.body


def _endpoint(document: dict[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"The server's discovery document has a malformed {name}: {value!r}.")
    try:
        return check_url(value, name)
    except ProtocolError as exc:
        raise ProtocolError(f"The server's {name} is unusable. {exc.message}") from exc


def _string_list(document: dict[str, Any], name: str) -> tuple[str, ...] | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProtocolError(
            f"The server's discovery document has a malformed {name} (not a list of strings)."
        )
    return tuple(value)


@dataclass(frozen=True)
class Discovery:
    """What the client uses from a discovery document; lists are None when not advertised."""

    issuer: str
    token_endpoint: str
    authorization_challenge_endpoint: str | None = None
    authorization_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    jwks_uri: str | None = None
    revocation_endpoint: str | None = None
    end_session_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    # RFC 8414 / RFC 7662: what a resource server asks about opaque tokens.
    introspection_endpoint: str | None = None
    grant_types_supported: tuple[str, ...] | None = None
    code_challenge_methods_supported: tuple[str, ...] | None = None
    id_token_signing_alg_values_supported: tuple[str, ...] | None = None
    scopes_supported: tuple[str, ...] | None = None
    # RFC 9207: the server puts ``iss`` in every authorization response, so one without it is
    # refused.
    authorization_response_iss_parameter_supported: bool = False

    @classmethod
    def from_document(cls, document: dict[str, Any], expected_issuer: str) -> Discovery:
        """Checked metadata; ProtocolError when the issuer differs or a field is unusable."""
        reported = document.get("issuer")
        if not isinstance(reported, str) or not reported:
            raise ProtocolError("The server's discovery document names no issuer.")
        # OpenID Connect Discovery §4.3: the issuer must be the one we asked (a trailing
        # slash aside), or tokens from an impostor listing someone else's keys would pass.
        if reported.rstrip("/") != expected_issuer.rstrip("/"):
            raise ProtocolError(
                f"The server at {expected_issuer} calls itself {reported}; its tokens would be "
                f"rejected. Use {reported} as the issuer URL if that is the server you mean."
            )
        endpoints = {name: _endpoint(document, name) for name in ENDPOINT_FIELDS}
        token_endpoint = endpoints["token_endpoint"]
        if token_endpoint is None:
            raise ProtocolError(
                "The server's discovery document lists no token_endpoint, so no sign-in can "
                "complete."
            )
        return cls(
            issuer=reported,
            token_endpoint=token_endpoint,
            authorization_challenge_endpoint=endpoints["authorization_challenge_endpoint"],
            authorization_endpoint=endpoints["authorization_endpoint"],
            userinfo_endpoint=endpoints["userinfo_endpoint"],
            jwks_uri=endpoints["jwks_uri"],
            revocation_endpoint=endpoints["revocation_endpoint"],
            end_session_endpoint=endpoints["end_session_endpoint"],
            device_authorization_endpoint=endpoints["device_authorization_endpoint"],
            introspection_endpoint=_endpoint(document, "introspection_endpoint"),
            grant_types_supported=_string_list(document, "grant_types_supported"),
            code_challenge_methods_supported=_string_list(
                document, "code_challenge_methods_supported"
            ),
            id_token_signing_alg_values_supported=_string_list(
                document, "id_token_signing_alg_values_supported"
            ),
            scopes_supported=_string_list(document, "scopes_supported"),
            authorization_response_iss_parameter_supported=document.get(
                "authorization_response_iss_parameter_supported"
            )
            is True,
        )


def fetch_discovery(http: HttpClient, issuer: str) -> Discovery:
    """The checked discovery document of ``issuer``."""
    return Discovery.from_document(fetch_document(http, issuer), issuer)


class DiscoveryCache:
    """Discovery documents by issuer, fetched on first use; shared by the threads of a client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[str, Discovery] = {}

    def get(self, http: HttpClient, issuer: str) -> Discovery:
        key = issuer.rstrip("/")
        # Held while fetching, so concurrent first calls fetch once.
        with self._lock:
            found = self._documents.get(key)
            if found is None:
                found = self._documents[key] = fetch_discovery(http, key)
            return found

    def forget(self, issuer: str) -> None:
        with self._lock:
            self._documents.pop(issuer.rstrip("/"), None)
