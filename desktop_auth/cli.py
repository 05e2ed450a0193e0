"""desktop-auth-cli: check an identity server, sign in and read the activity log from a shell."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_auth.errors import (
    CABundleError,
    CredentialsError,
    DesktopAuthError,
    ProtocolError,
    ThrottledError,
)
from desktop_auth.oidc.doctor import check_server, format_report
from desktop_auth.oidc.http import normalize_issuer

if TYPE_CHECKING:
    from desktop_auth.activity_log import ActivityLog
    from desktop_auth.oidc.client import OIDCClient
    from desktop_auth.oidc.device import DeviceCode
    from desktop_auth.session import Session

PROG = "desktop-auth-cli"

# Exit codes (contract, DESIGN.md).
EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3


class CliError(Exception):
    """A failure the CLI reports on stderr and turns into an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def exit_code_for(error: DesktopAuthError) -> int:
    """1 when the user's credentials were refused or throttled, 2 for an unusable
    --ca-bundle (a usage error), 3 for network, TLS, server and protocol failures."""
    if isinstance(error, CredentialsError | ThrottledError):
        return EXIT_REJECTED
    if isinstance(error, CABundleError):
        return EXIT_USAGE
    return EXIT_FAILURE


def redirect_path_argument(value: str) -> str:
    from desktop_auth.oidc.loopback import check_redirect_path

    try:
        return check_redirect_path(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def port_argument(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (1 to 65535): {value!r}")
    return int(value)


def seconds_argument(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not seconds > 0 or math.isinf(seconds):
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: {value!r}")
    return seconds


def issuer_argument(value: str) -> str:
    """The --issuer value normalised; a usage error for what sign-in would refuse."""
    try:
        return normalize_issuer(value)
    except ProtocolError as exc:
        raise CliError(exc.message, EXIT_USAGE) from exc


# --- commands ---------------------------------------------------------------------------------


def run_doctor(args: argparse.Namespace) -> int:
    issuer = issuer_argument(args.issuer)
    report = check_server(issuer, args.ca_bundle, args.allow_password_grant)
    print(format_report(report))
    return EXIT_FAILURE if report.problems else EXIT_OK


def read_password() -> str:
    """The password: the first line of standard input, or typed unechoed at a terminal."""
    from desktop_auth.credentials import (
        MAX_PASSWORD_LENGTH,
        InputProblem,
        describe_problem,
        password_problem,
    )

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
    else:
        # At most one character past the limit (and the line end): a huge input is not read.
        password = sys.stdin.readline(MAX_PASSWORD_LENGTH + 3).rstrip("\r\n")
    problem = password_problem(password)
    if problem is InputProblem.EMPTY:
        raise CliError(
            "no password on standard input (--password-stdin reads its first line)", EXIT_USAGE
        )
    if problem is not None:
        raise CliError(f"{describe_problem('password', problem)} Nothing was sent.", EXIT_USAGE)
    return password


def check_username(username: str) -> str:
    """The --username to send, trimmed; a usage error if it cannot be sent."""
    from desktop_auth.credentials import clean_username, describe_problem, username_problem

    problem = username_problem(username)
    if problem is not None:
        raise CliError(f"{describe_problem('username', problem)} Nothing was sent.", EXIT_USAGE)
    return clean_username(username)


def open_activity_log(data_dir: Path | None) -> ActivityLog | None:
    """The activity log in the data dir (--data-dir > $DESKTOP_AUTH_DATA_DIR > the platform's).

    An explicit --data-dir that cannot be used (missing rights, not a folder) is a usage
    error; otherwise, and when the log itself cannot be opened (a full disk), sign-in goes on
    without a log, saying so on stderr, as the app does.
    """
    from desktop_auth.activity_log import ActivityLog, ActivityLogError
    from desktop_auth.settings import DataDirError, resolve_data_dir

    try:
        return ActivityLog.in_data_dir(resolve_data_dir(data_dir))
    except (DesktopAuthError, ActivityLogError, OSError) as exc:
        reason = exc.message if isinstance(exc, DesktopAuthError) else str(exc)
        if data_dir is not None and isinstance(exc, DataDirError):
            raise CliError(reason, EXIT_USAGE) from exc
        print(f"{PROG}: warning: not recording this sign-in: {reason}", file=sys.stderr)
        return None


def session_json(session: Session) -> dict[str, Any]:
    """The `login` output (contract, DESIGN.md); never a token."""
    return {
        "issuer": session.issuer,
        "sub": session.subject,
        "username": session.username,
        "name": session.display_name,
        "email": session.email,
        "roles": sorted(session.roles),
        "permissions": sorted(session.permissions),
        "expires_at": session.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def check_login_options(args: argparse.Namespace) -> None:
    """Usage errors: a password login needs --username and --password-stdin; a browser login
    takes no password, and the browser's options go with --browser only; a login on another
    device (--device) takes neither username nor password."""
    if args.username is not None and not args.username:
        raise CliError("--username must not be empty", EXIT_USAGE)
    browser_options = [
        option
        for option, value in (
            ("--no-open", args.no_open),
            ("--redirect-path", args.redirect_path is not None),
            ("--redirect-port", args.redirect_port is not None),
            ("--timeout", args.timeout is not None),
        )
        if value
    ]
    if args.device:
        if args.browser:
            raise CliError("--device and --browser are two ways to sign in: choose one", EXIT_USAGE)
        if args.username is not None or args.password_stdin:
            raise CliError(
                "--device takes no username or password: they are entered on the other device",
                EXIT_USAGE,
            )
        if browser_options:
            raise CliError(f"{', '.join(browser_options)} go with --browser", EXIT_USAGE)
    elif args.browser:
        if args.password_stdin:
            raise CliError("--browser takes no password: leave out --password-stdin", EXIT_USAGE)
    elif browser_options:
        raise CliError(f"{', '.join(browser_options)} go with --browser", EXIT_USAGE)
    elif args.username is None or not args.password_stdin:
        raise CliError(
            "the following arguments are required: --username, --password-stdin (or sign in "
            "with --browser or --device)",
            EXIT_USAGE,
        )


def open_in_browser(url: str, no_open: bool) -> None:
    """Open the sign-in page in the system browser, or print its address on stderr."""
    if not no_open:
        import os
        import webbrowser

        # Browsers started from here inherit stdout and may write to it ("Opening in existing
        # browser session."): keep stdout for the JSON.
        sys.stdout.flush()
        saved_stdout = os.dup(1)
        try:
            os.dup2(2, 1)
            opened = webbrowser.open(url)
        finally:
            os.dup2(saved_stdout, 1)
            os.close(saved_stdout)
        if opened:
            print(f"{PROG}: continue in your browser; if it did not open, go to:", file=sys.stderr)
            print(url, file=sys.stderr, flush=True)
            return
        print(f"{PROG}: no browser could be opened.", file=sys.stderr)
    print(f"{PROG}: to sign in, open this address in a browser on this computer:", file=sys.stderr)
    print(url, file=sys.stderr, flush=True)


def show_device_code(code: DeviceCode) -> None:
    """Tell the person where to approve the sign-in, on stderr (stdout is for the JSON)."""
    from datetime import datetime

    from desktop_auth.oidc.oauth_errors import wait_phrase

    print(
        f"To sign in, open {code.verification_uri} and enter the code {code.user_code}",
        file=sys.stderr,
    )
    if code.verification_uri_complete:
        print(
            f"(or open {code.verification_uri_complete}, which has the code in it)",
            file=sys.stderr,
        )
    left = max(1, math.ceil((code.expires_at - datetime.now(UTC)).total_seconds()))
    print(
        f"{PROG}: waiting for the sign-in on the other device (the code expires in "
        f"{wait_phrase(left)})",
        file=sys.stderr,
        flush=True,
    )


def sign_in(client: OIDCClient, args: argparse.Namespace) -> Session:
    """The session of the password, browser or other-device sign-in the options ask for."""
    if args.device:
        return client.sign_in_with_device(show_device_code)
    if not args.browser:
        return client.sign_in(check_username(args.username), read_password())
    from desktop_auth.oidc.browser import DEFAULT_TIMEOUT_SECONDS

    return client.sign_in_with_browser(
        lambda url: open_in_browser(url, args.no_open),
        timeout=args.timeout or DEFAULT_TIMEOUT_SECONDS,
        login_hint=args.username,
    )


def run_login(args: argparse.Namespace) -> int:
    from desktop_auth.oidc.browser import DEFAULT_REDIRECT_PATH
    from desktop_auth.oidc.client import DEFAULT_CLIENT_ID, ClientConfig, OIDCClient
    from desktop_auth.oidc.methods import BrowserRequiredError
    from desktop_auth.permissions import PermissionPolicy

    issuer = issuer_argument(args.issuer)
    check_login_options(args)
    config = ClientConfig(
        issuer=issuer,
        client_id=args.client_id or DEFAULT_CLIENT_ID,
        ca_bundle=args.ca_bundle,
        allow_password_grant=args.allow_password_grant,
        redirect_path=args.redirect_path or DEFAULT_REDIRECT_PATH,
        redirect_port=args.redirect_port or 0,
    )
    activity_log = open_activity_log(args.data_dir)
    try:
        client = OIDCClient(config, PermissionPolicy.default())
        try:
            session = sign_in(client, args)
        except DesktopAuthError as exc:
            _record(
                activity_log,
                "login_failed",
                args.username,
                issuer,
                {"kind": exc.kind, "reason": exc.message},
            )
            if isinstance(exc, BrowserRequiredError):
                hint = f"{exc.message} Add --browser to do so."
                raise CliError(hint, exit_code_for(exc)) from exc
            raise
        finally:
            client.close()
        _record(
            activity_log,
            "login_succeeded",
            session.username,
            session.issuer,
            {"method": session.method, "roles": sorted(session.roles)},
        )
    finally:
        if activity_log is not None:
            activity_log.close()
    print(json.dumps(session_json(session)))
    return EXIT_OK


def _record(
    activity_log: ActivityLog | None,
    event: str,
    username: str | None,
    issuer: str,
    detail: dict[str, Any],
) -> None:
    """Append to the activity log; a failed write (a full disk) is said on stderr and does not
    undo the sign-in, whose result is still printed."""
    if activity_log is None:
        return
    from desktop_auth.activity_log import ActivityLogError

    try:
        activity_log.append(event, username, issuer, detail)
    except ActivityLogError as exc:
        print(
            f"desktop-auth-cli: warning: the activity log could not record {event}: {exc}",
            file=sys.stderr,
        )


def _open_activity_log(args: argparse.Namespace) -> tuple[Path, ActivityLog]:
    """The data dir's existing activity log; none there is a usage error (wrong --data-dir?)."""
    # Imported here so that the other commands do not load sqlite3.
    from desktop_auth.activity_log import LOG_FILENAME, ActivityLog, NoActivityLogError
    from desktop_auth.settings import locate_data_dir

    path = locate_data_dir(args.data_dir) / LOG_FILENAME
    try:
        return path, ActivityLog.open_existing(path)
    except NoActivityLogError as exc:
        raise CliError(f"{exc} (choose another with --data-dir)", EXIT_USAGE) from exc


def run_log_export(args: argparse.Namespace) -> int:
    from desktop_auth.activity_log import ActivityLogError

    path: Path | None = None
    try:
        path, activity_log = _open_activity_log(args)
        with activity_log:
            activity_log.export(args.format, sys.stdout)
            sys.stdout.flush()
    except BrokenPipeError:
        import os

        # The reader stopped early (`| head`): not an error, and nothing left to flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (ActivityLogError, OSError) as exc:
        raise CliError(f"cannot export {path or 'the activity log'}: {exc}", EXIT_FAILURE) from exc
    return EXIT_OK


def run_log_verify(args: argparse.Namespace) -> int:
    from desktop_auth.activity_log import ActivityLogError

    try:
        path, activity_log = _open_activity_log(args)
        with activity_log:
            result = activity_log.verify()
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
    login.add_argument(
        "--client-id", metavar="ID", help="the client registered at the server (desktop-auth)"
    )
    login.add_argument(
        "--username", metavar="NAME", help="who signs in (with --browser: suggested to the server)"
    )
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    login.add_argument(
        "--browser",
        action="store_true",
        help="sign in in the system browser (authorization code + PKCE, loopback redirect)",
    )
    login.add_argument(
        "--device",
        action="store_true",
        help="sign in on another device (phone, laptop): prints an address and a code to "
        "enter there, then waits (RFC 8628)",
    )
    login.add_argument(
        "--no-open",
        action="store_true",
        help="with --browser: print the sign-in address on stderr instead of opening a browser",
    )
    login.add_argument(
        "--redirect-path",
        metavar="PATH",
        type=redirect_path_argument,
        help="with --browser: the redirect URI's path (default /callback)",
    )
    login.add_argument(
        "--redirect-port",
        metavar="PORT",
        type=port_argument,
        help="with --browser: a fixed redirect port the server registered (default: any free)",
    )
    login.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=seconds_argument,
        help="with --browser: how long to wait for the browser (default 300)",
    )
    login.add_argument(
        "--ca-bundle",
        metavar="PEM",
        type=Path,
        help="also trust the CA certificates in this PEM file",
    )
    login.add_argument(
        "--allow-password-grant",
        action="store_true",
        help="allow the legacy password grant with servers that have no first-party sign-in",
    )
    login.add_argument(
        "--data-dir", metavar="DIR", type=Path, help="where the activity log records the sign-in"
    )
    login.set_defaults(handler=run_login)

    doctor = commands.add_parser(
        "doctor", help="what the server supports and which sign-in will be used"
    )
    doctor.add_argument("--issuer", metavar="URL", required=True)
    doctor.add_argument(
        "--ca-bundle",
        metavar="PEM",
        type=Path,
        help="also trust the CA certificates in this PEM file",
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
    # The library logs; a command line shows its warnings (a no-op when logging is set up).
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: warning: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        exit_code: int = args.handler(args)
    except CliError as exc:
        print(f"{PROG}: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except DesktopAuthError as exc:
        print(f"{PROG}: {exc.message}", file=sys.stderr)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        return 130
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
