"""Which sign-in a server gets, from its discovery document, in DESIGN.md's order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop_auth.errors import ProtocolError

NATIVE = "native"
PASSWORD = "password"  # noqa: S105 - a method name
BROWSER = "browser"
DEVICE = "device"


class BrowserRequiredError(ProtocolError):
    """Username and password cannot be used with this server or client; sign in with the
    browser instead (the server answered ``redirect_to_web`` or offers no native sign-in)."""


@dataclass(frozen=True)
class SignInChoice:
    """The method ("native", "password" or "browser") and why.

    ``grant_types_without_password`` is set when the password grant was allowed but the
    server's ``grant_types_supported`` rules it out: what the server listed instead.
    """

    method: str
    reason: str
    grant_types_without_password: tuple[str, ...] | None = None

    @property
    def password_refused(self) -> str:
        """Why an allowed password grant is not used, or ""."""
        if self.grant_types_without_password is None:
            return ""
        listed = ", ".join(self.grant_types_without_password) or "nothing"
        return (
            "the server does not offer the password grant "
            f"(its grant_types_supported lists {listed})"
        )


def choose_sign_in(
    *,
    challenge_endpoint: str | None,
    grant_types: Sequence[str] | None,
    allow_password_grant: bool,
) -> SignInChoice:
    """Native first-party sign-in when the server has it; the password grant only when the
    user opted in and the server does not rule it out; the browser otherwise."""
    if challenge_endpoint:
        return SignInChoice(
            NATIVE,
            "the server has an authorization_challenge_endpoint: username and password go "
            "in the app's own dialog (OAuth 2.0 for First-Party Applications, PKCE S256)",
        )
    refused = None
    if allow_password_grant:
        if grant_types is None:
            # Many servers (Django OAuth Toolkit among them) do not list their grant types.
            return SignInChoice(
                PASSWORD,
                "--allow-password-grant is given and the server does not list its grant "
                "types, so the legacy password grant will be tried",
            )
        if "password" in grant_types:
            return SignInChoice(
                PASSWORD,
                "--allow-password-grant is given and the server advertises the password grant",
            )
        refused = tuple(grant_types)
    return SignInChoice(
        BROWSER,
        "authorization code with PKCE S256 in the system browser, "
        "redirected back to http://127.0.0.1:<port>/callback",
        refused,
    )


def browser_needed_message(choice: SignInChoice) -> str:
    """What to tell a user who typed a password for a server that only leaves the browser."""
    if choice.password_refused:
        why = f"it has no first-party sign-in endpoint, and {choice.password_refused}"
    else:
        why = (
            "it has no first-party sign-in endpoint (authorization_challenge_endpoint), and "
            "the legacy password grant is used only when allowed (--allow-password-grant)"
        )
    return f"This server needs browser sign-in: {why}. Sign in with the browser instead."
