"""`doctor`: what an identity server supports and which sign-in will be used, problems listed.

Shared by ``desktop-auth-cli doctor`` and the settings dialog's "Test connection", so that
both run exactly the same checks and say the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_auth.errors import ProtocolError
from desktop_auth.oidc.discovery import ENDPOINT_FIELDS, discovery_url, fetch_document
from desktop_auth.oidc.http import HttpClient, check_url, normalize_issuer
from desktop_auth.oidc.methods import BROWSER, NATIVE, SignInChoice, choose_sign_in

# RFC 8414 §2: what a server that omits grant_types_supported is taken to support.
DEFAULT_GRANT_TYPES = ("authorization_code", "implicit")


@dataclass(frozen=True)
class DoctorReport:
    """What `doctor` found: lines to print, and problems that would make sign-in fail.

    ``sign_in`` is the sign-in that will be used, ``also_offered`` what else the server has
    (the same as the lines say, for a window to show on its own).
    """

    lines: tuple[str, ...]
    warnings: tuple[str, ...]
    problems: tuple[str, ...]
    sign_in: SignInChoice
    also_offered: tuple[str, ...] = ()


def _string_field(document: dict[str, Any], name: str, problems: list[str]) -> str | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        problems.append(f"{name} is not a non-empty string: {value!r}")
        return None
    return value


def _string_list_field(
    document: dict[str, Any], name: str, problems: list[str]
) -> list[str] | None:
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"{name} is not a list of strings: {value!r}")
        return None
    return value


def diagnose(
    issuer: str, url: str, document: dict[str, Any], allow_password_grant: bool
) -> DoctorReport:
    """Everything `doctor` says about a discovery document.

    Unlike sign-in, which stops at the first problem (``Discovery.from_document``), this
    reads on past problems so that one run lists them all.
    """
    problems: list[str] = []
    warnings: list[str] = []

    reported_issuer = _string_field(document, "issuer", problems)
    if reported_issuer is None:
        problems.append("the document has no issuer")
    elif reported_issuer.rstrip("/") != issuer:
        problems.append(
            f"the server calls itself {reported_issuer!r}, not {issuer!r}; tokens would be "
            "rejected, so use --issuer " + reported_issuer
        )

    endpoints = {name: _string_field(document, name, problems) for name in ENDPOINT_FIELDS}
    grant_types = _string_list_field(document, "grant_types_supported", problems)
    pkce_methods = _string_list_field(document, "code_challenge_methods_supported", problems)

    for name, endpoint in endpoints.items():
        if endpoint is None:
            continue
        try:
            check_url(endpoint, name)
        except ProtocolError:
            problems.append(f"{name} {endpoint!r} is not an https:// URL; it would be refused")

    choice = choose_sign_in(
        challenge_endpoint=endpoints["authorization_challenge_endpoint"],
        grant_types=grant_types,
        allow_password_grant=allow_password_grant,
    )

    if endpoints["token_endpoint"] is None:
        problems.append("no token_endpoint: no sign-in can complete")
    if endpoints["jwks_uri"] is None and endpoints["userinfo_endpoint"] is None:
        problems.append("neither jwks_uri nor userinfo_endpoint: the user cannot be identified")
    if choice.method in (NATIVE, BROWSER):
        if pkce_methods is None:
            warnings.append(
                "code_challenge_methods_supported is not listed; PKCE S256 is assumed to work"
            )
        elif "S256" not in pkce_methods:
            problems.append("the server does not list PKCE method S256, which sign-in requires")
    if choice.method == BROWSER and endpoints["authorization_endpoint"] is None:
        problems.append("no authorization_endpoint, so browser sign-in is impossible")
    if choice.password_refused:
        warnings.append(f"--allow-password-grant is given, but {choice.password_refused}")
    if (
        not allow_password_grant
        and choice.method == BROWSER
        and grant_types is not None
        and "password" in grant_types
    ):
        warnings.append(
            "the server offers the legacy password grant; it is used only with "
            "--allow-password-grant"
        )

    also = []
    if choice.method != BROWSER and endpoints["authorization_endpoint"] is not None:
        also.append("browser")
    if endpoints["device_authorization_endpoint"] is not None:
        also.append("another device (device authorization grant, RFC 8628)")

    width = max(len(name) for name in ENDPOINT_FIELDS)
    lines = [
        f"Issuer        {issuer}",
        f"Discovery     {url}",
        "",
        "Endpoints",
        *(
            f"  {name.ljust(width)}  {endpoint or '-  (not advertised)'}"
            for name, endpoint in endpoints.items()
        ),
        "",
        "Grant types   "
        + (
            ", ".join(grant_types)
            if grant_types is not None
            else f"not listed (RFC 8414 default: {', '.join(DEFAULT_GRANT_TYPES)})"
        ),
        "PKCE methods  " + (", ".join(pkce_methods) if pkce_methods is not None else "not listed"),
        "",
        f"Sign-in       {choice.method}: {choice.reason}",
    ]
    if also:
        lines.append(f"Also offered  {'; '.join(also)}")
    return DoctorReport(tuple(lines), tuple(warnings), tuple(problems), choice, tuple(also))


def check_server(
    issuer: str, ca_bundle: Path | None = None, allow_password_grant: bool = False
) -> DoctorReport:
    """Fetch ``issuer``'s discovery document and ``diagnose`` it (blocking: run it in a worker).

    Raises ``DesktopAuthError`` subclasses: ProtocolError for an issuer sign-in would refuse
    (plain http:// to a remote host, not a URL) before connecting, NetworkError, TLSError
    (CABundleError for an unusable ``ca_bundle``) and ServerError (not an OIDC server).
    """
    issuer = normalize_issuer(issuer)
    with HttpClient(ca_bundle) as http:
        document = fetch_document(http, issuer)
    return diagnose(issuer, discovery_url(issuer), document, allow_password_grant)


def format_report(report: DoctorReport) -> str:
    """The report as `doctor` prints it: the findings, then warnings and problems, if any."""
    parts = ["\n".join(report.lines)]
    if report.warnings:
        parts.append("\nWarnings")
        parts.append("\n".join(f"  - {warning}" for warning in report.warnings))
    if report.problems:
        parts.append("\nProblems")
        parts.append("\n".join(f"  - {problem}" for problem in report.problems))
    return "\n".join(parts)
