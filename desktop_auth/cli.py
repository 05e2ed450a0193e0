"""desktop-auth-cli: check an identity server, sign in and read the activity log from a shell."""

from __future__ import annotations

import argparse
import ipaddress
import json
import socket
import ssl
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import truststore
from requests.adapters import HTTPAdapter

PROG = "desktop-auth-cli"

# Exit codes (contract, DESIGN.md).
EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3

DISCOVERY_PATH = "/.well-known/openid-configuration"
TIMEOUT_SECONDS = 10.0
MAX_DOCUMENT_BYTES = 1_000_000

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
# RFC 8414 §2: what a server that omits grant_types_supported is taken to support.
DEFAULT_GRANT_TYPES = ("authorization_code", "implicit")


class CliError(Exception):
    """A failure the CLI reports on stderr and turns into an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class SignInChoice:
    """Which sign-in the desktop app would use with a server, and why."""

    method: str  # "native", "password" or "browser"
    reason: str


@dataclass(frozen=True)
class DoctorReport:
    """What `doctor` found: lines to print, and problems that would make sign-in fail."""

    lines: tuple[str, ...]
    warnings: tuple[str, ...]
    problems: tuple[str, ...]


# --- issuer URLs -------------------------------------------------------------------------------


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses, the only hosts plain http is allowed to."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_issuer_url(issuer: str) -> str:
    """The issuer without a trailing slash; refuses what sign-in would refuse."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise CliError(
            f"issuer must be an https:// URL such as https://id.example.com, not {issuer!r}",
            EXIT_USAGE,
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise CliError(
            f"refusing plain http:// for {parts.hostname}: passwords and tokens would cross "
            "the network unencrypted; use https:// (http:// is allowed only for 127.0.0.1, "
            "::1 and localhost)",
            EXIT_USAGE,
        )
    if parts.query or parts.fragment:
        raise CliError("issuer URL must not have a query or fragment", EXIT_USAGE)
    return issuer.rstrip("/")


# --- fetching discovery -----------------------------------------------------------------------


class _SSLContextAdapter(HTTPAdapter):
    """Makes requests verify TLS with a given context (system trust store or --ca-bundle)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(*args, **kwargs)


def make_http_session(ca_bundle: Path | None) -> requests.Session:
    """A requests session that trusts the operating system's CAs, or only those in ca_bundle."""
    if ca_bundle is None:
        context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        try:
            context = ssl.create_default_context(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise CliError(f"cannot use --ca-bundle {ca_bundle}: {exc}", EXIT_USAGE) from exc
    session = requests.Session()
    session.mount("https://", _SSLContextAdapter(context))
    return session


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost cause of a requests error (requests wraps urllib3, which wraps ssl/socket)."""
    seen: set[int] = set()
    current = exc
    while id(current) not in seen:
        seen.add(id(current))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
        elif current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
        elif current.__cause__ is not None:
            current = current.__cause__
        elif current.__context__ is not None:
            current = current.__context__
        else:
            break
    return current


def _describe_network_error(exc: BaseException) -> str:
    cause = _root_cause(exc)
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused (is the server running, and on that port?)"
    if isinstance(cause, socket.gaierror):
        return "host name not found"
    if isinstance(cause, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    text = str(cause)
    # urllib3 prefixes "<connection object>: " to the useful part.
    return text.split(": ", 1)[1] if ": " in text and text.startswith("<") else text


def _describe_tls_error(exc: BaseException) -> str:
    cause = _root_cause(exc)
    if isinstance(cause, ssl.SSLCertVerificationError) and cause.verify_message:
        return f"certificate not trusted: {cause.verify_message}"
    if isinstance(cause, ssl.SSLError) and cause.reason:
        return str(cause.reason).replace("_", " ").lower()
    return str(cause)


def fetch_discovery(session: requests.Session, url: str) -> dict[str, Any]:
    """The discovery document at url; CliError(EXIT_FAILURE) with a readable reason if not."""
    host = urlsplit(url).netloc
    try:
        with session.get(
            url,
            headers={"Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as response:
            if response.is_redirect:
                location = response.headers.get("Location", "?")
                raise CliError(
                    f"{url} redirects to {location}; use the issuer URL the server itself "
                    "reports (the discovery document must not be redirected)",
                    EXIT_FAILURE,
                )
            if response.status_code != 200:
                hint = " (for Keycloak the issuer ends in /realms/NAME)"
                raise CliError(
                    f"{host} answered HTTP {response.status_code} {response.reason} for {url}"
                    + (hint if response.status_code == 404 else ""),
                    EXIT_FAILURE,
                )
            body = b""
            for chunk in response.iter_content(chunk_size=65536):
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise CliError(
                        f"{url} is larger than {MAX_DOCUMENT_BYTES} bytes; "
                        "not a discovery document",
                        EXIT_FAILURE,
                    )
    except requests.exceptions.SSLError as exc:
        raise CliError(
            f"TLS error talking to {host}: {_describe_tls_error(exc).rstrip('.')}. "
            "If the server uses a "
            "private CA, pass its certificate with --ca-bundle",
            EXIT_FAILURE,
        ) from exc
    except requests.exceptions.Timeout as exc:
        raise CliError(
            f"cannot reach {host}: no answer within {TIMEOUT_SECONDS:g} s", EXIT_FAILURE
        ) from exc
    except requests.exceptions.ConnectionError as exc:
        raise CliError(
            f"cannot reach {host}: {_describe_network_error(exc)}", EXIT_FAILURE
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise CliError(f"request to {url} failed: {exc}", EXIT_FAILURE) from exc

    try:
        document = json.loads(body)
    except ValueError as exc:
        raise CliError(
            f"{url} did not return JSON ({exc}); is this an OpenID Connect server?",
            EXIT_FAILURE,
        ) from exc
    if not isinstance(document, dict):
        raise CliError(f"{url} returned JSON that is not an object", EXIT_FAILURE)
    return document


# --- reading discovery ------------------------------------------------------------------------


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


def choose_sign_in(
    endpoints: dict[str, str | None],
    grant_types: Sequence[str] | None,
    allow_password_grant: bool,
) -> SignInChoice:
    """The sign-in the app picks, in DESIGN.md's order: native, password (opt-in), browser."""
    if endpoints.get("authorization_challenge_endpoint"):
        return SignInChoice(
            "native",
            "the server has an authorization_challenge_endpoint: username and password go "
            "in the app's own dialog (OAuth 2.0 for First-Party Applications, PKCE S256)",
        )
    if allow_password_grant:
        if grant_types is None:
            return SignInChoice(
                "password",
                "--allow-password-grant is given and the server does not list its grant "
                "types, so the legacy password grant will be tried",
            )
        if "password" in grant_types:
            return SignInChoice(
                "password",
                "--allow-password-grant is given and the server advertises the password grant",
            )
    return SignInChoice(
        "browser",
        "authorization code with PKCE S256 in the system browser, "
        "redirected back to http://127.0.0.1:<port>/callback",
    )


def diagnose(
    issuer: str, url: str, document: dict[str, Any], allow_password_grant: bool
) -> DoctorReport:
    """Everything `doctor` says about a discovery document."""
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
        parts = urlsplit(endpoint)
        if parts.scheme == "https" and parts.hostname:
            continue
        if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
            continue
        problems.append(f"{name} {endpoint!r} is not an https:// URL; it would be refused")

    choice = choose_sign_in(endpoints, grant_types, allow_password_grant)

    if endpoints["token_endpoint"] is None:
        problems.append("no token_endpoint: no sign-in can complete")
    if endpoints["jwks_uri"] is None and endpoints["userinfo_endpoint"] is None:
        problems.append("neither jwks_uri nor userinfo_endpoint: the user cannot be identified")
    if choice.method in ("native", "browser"):
        if pkce_methods is None:
            warnings.append(
                "code_challenge_methods_supported is not listed; PKCE S256 is assumed to work"
            )
        elif "S256" not in pkce_methods:
            problems.append("the server does not list PKCE method S256, which sign-in requires")
    if choice.method == "browser" and endpoints["authorization_endpoint"] is None:
        problems.append("no authorization_endpoint, so browser sign-in is impossible")
    if (
        not allow_password_grant
        and choice.method == "browser"
        and grant_types is not None
        and "password" in grant_types
    ):
        warnings.append(
            "the server offers the legacy password grant; it is used only with "
            "--allow-password-grant"
        )

    also = []
    if choice.method != "browser" and endpoints["authorization_endpoint"] is not None:
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
    return DoctorReport(tuple(lines), tuple(warnings), tuple(problems))


# --- commands ---------------------------------------------------------------------------------


def run_doctor(args: argparse.Namespace) -> int:
    issuer = check_issuer_url(args.issuer)
    url = issuer + DISCOVERY_PATH
    with make_http_session(args.ca_bundle) as session:
        document = fetch_discovery(session, url)
    report = diagnose(issuer, url, document, args.allow_password_grant)
    print("\n".join(report.lines))
    if report.warnings:
        print("\nWarnings")
        print("\n".join(f"  - {warning}" for warning in report.warnings))
    if report.problems:
        print("\nProblems")
        print("\n".join(f"  - {problem}" for problem in report.problems))
        return EXIT_FAILURE
    return EXIT_OK


def run_log_export(args: argparse.Namespace) -> int:
    # Imported here so that the other commands do not load sqlite3.
    from desktop_auth.activity_log import (
        LOG_FILENAME,
        ActivityLog,
        ActivityLogError,
        NoActivityLogError,
    )
    from desktop_auth.settings import locate_data_dir

    path = locate_data_dir(args.data_dir) / LOG_FILENAME
    try:
        with ActivityLog.open_existing(path) as activity_log:
            activity_log.export(args.format, sys.stdout)
            sys.stdout.flush()
    except NoActivityLogError as exc:
        raise CliError(f"{exc} (choose another with --data-dir)", EXIT_USAGE) from exc
    except BrokenPipeError:
        import os

        # The reader stopped early (`| head`): not an error, and nothing left to flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (ActivityLogError, OSError) as exc:
        raise CliError(f"cannot export {path}: {exc}", EXIT_FAILURE) from exc
    return EXIT_OK


def run_log_verify(args: argparse.Namespace) -> int:
    from desktop_auth.activity_log import (
        LOG_FILENAME,
        ActivityLog,
        ActivityLogError,
        NoActivityLogError,
    )
    from desktop_auth.settings import locate_data_dir

    path = locate_data_dir(args.data_dir) / LOG_FILENAME
    try:
        with ActivityLog.open_existing(path) as activity_log:
            result = activity_log.verify()
    except NoActivityLogError as exc:
        raise CliError(f"{exc} (choose another with --data-dir)", EXIT_USAGE) from exc
    except ActivityLogError as exc:  # not an SQLite file at all: damaged or replaced
        raise CliError(str(exc), EXIT_REJECTED) from exc
    if not result.ok:
        raise CliError(
            f"activity log {path} fails verification: {result.reason} (first bad entry: "
            f"{result.first_bad_seq}; the {result.checked} entries before it are intact)",
            EXIT_REJECTED,
        )
    print(f"activity log {path} is intact: {result.checked} entries, head {result.head_hash}")
    return EXIT_OK


def run_not_available(args: argparse.Namespace) -> int:
    print(
        f"{PROG} {args.command_name}: not available in this version yet",
        file=sys.stderr,
    )
    return EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    """The `desktop-auth-cli` command line, as documented in DESIGN.md."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Check an identity server, sign in, and read the activity log.",
        epilog="exit codes: 0 success, 1 credentials rejected or throttled (login) or log "
        "tampered (log verify), 2 usage, 3 network, TLS, server or protocol failure",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    login = commands.add_parser(
        "login", help="sign in and print the identity and permissions as JSON"
    )
    login.add_argument("--issuer", metavar="URL", required=True)
    login.add_argument("--client-id", metavar="ID")
    login.add_argument("--username", metavar="NAME", required=True)
    login.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input",
    )
    login.add_argument("--ca-bundle", metavar="PEM", type=Path)
    login.add_argument("--allow-password-grant", action="store_true")
    login.add_argument("--data-dir", metavar="DIR", type=Path)
    login.set_defaults(handler=run_not_available, command_name="login")

    doctor = commands.add_parser(
        "doctor", help="what the server supports and which sign-in will be used"
    )
    doctor.add_argument("--issuer", metavar="URL", required=True)
    doctor.add_argument(
        "--ca-bundle",
        metavar="PEM",
        type=Path,
        help="trust the CA certificates in this PEM file instead of the system's",
    )
    doctor.add_argument(
        "--allow-password-grant",
        action="store_true",
        help="report what happens when the legacy password grant is allowed",
    )
    doctor.set_defaults(handler=run_doctor)

    log = commands.add_parser("log", help="the local activity log")
    log_commands = log.add_subparsers(dest="log_command", required=True, metavar="COMMAND")
    export = log_commands.add_parser("export", help="write the activity log to stdout")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--data-dir", metavar="DIR", type=Path)
    export.set_defaults(handler=run_log_export)
    verify = log_commands.add_parser(
        "verify", help="check the log's hash chain (exit 1 names the first bad entry)"
    )
    verify.add_argument("--data-dir", metavar="DIR", type=Path)
    verify.set_defaults(handler=run_log_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        exit_code: int = args.handler(args)
    except CliError as exc:
        print(f"{PROG}: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
