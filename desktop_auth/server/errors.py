"""OAuth errors of our own, shaped like Authlib's so its endpoints render them."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import AccessDeniedError, InvalidGrantError, OAuth2Error


class ThrottledError(OAuth2Error):
    """Too many failed sign-ins for this account name or address: HTTP 429 + Retry-After."""

    error = "temporarily_unavailable"
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            description=f"Too many failed sign-in attempts. Try again in {retry_after} seconds."
        )
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = super().get_headers()
        return [*headers, ("Retry-After", str(self.retry_after))]


# One message for unknown user, wrong password and disabled account: no account enumeration.
CREDENTIALS_MESSAGE = "The username or password is incorrect."


class BadCredentialsGrantError(InvalidGrantError):
    """Password grant: wrong credentials (RFC 6749 §5.2 says invalid_grant)."""

    def __init__(self) -> None:
        super().__init__(description=CREDENTIALS_MESSAGE)


class BadCredentialsChallengeError(AccessDeniedError):
    """First-party challenge endpoint: wrong credentials."""

    status_code = 400

    def __init__(self) -> None:
        super().__init__(description=CREDENTIALS_MESSAGE)
