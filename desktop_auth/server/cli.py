"""desktop-auth-server: initialise, administer and run the reference identity server."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from desktop_auth.server.clients import (
    NATIVE_CLIENT_ID,
    NATIVE_REDIRECT_URI,
    ensure_native_client,
)
from desktop_auth.server.config import (
    CONFIG_FILE,
    ConfigError,
    ServerConfig,
    load_config,
    save_config,
    stored_issuer,
)
from desktop_auth.server.wsgi import DATA_DIR_ENV

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
DEFAULT_PRUNE_DAYS = 7.0


class CommandError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="desktop-auth-server", description="The desktop-auth reference identity server."
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=os.environ.get(DATA_DIR_ENV),
        help=f"server data directory (default: ${DATA_DIR_ENV})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="create the database, keys and the desktop-auth client")
    init.add_argument("--issuer", help="public URL of the server (default http://HOST:PORT of run)")

    commands.add_parser(
        "migrate", help="bring the database ($DATABASE_URL or the data dir's) to the current schema"
    )

    user = commands.add_parser("user", help="manage accounts").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    add = user.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--roles", default="", help="comma-separated roles, e.g. admin,editor")
    add.add_argument("--email")
    add.add_argument("--display-name")
    user.add_parser("list", help="list accounts")
    for action, text in (("show", "show one account"), ("disable", "disable an account")):
        user.add_parser(action, help=text).add_argument("name")
    roles = user.add_parser("roles", help="replace an account's roles")
    roles.add_argument("name")
    roles.add_argument("roles", help="comma-separated roles (empty string for none)")
    passwd = user.add_parser("passwd", help="set an account's password")
    passwd.add_argument("name")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )

    client = commands.add_parser("client", help="manage OAuth clients").add_subparsers(
        dest="client_command", required=True, metavar="ACTION"
    )
    cadd = client.add_parser("add", help="register a client")
    cadd.add_argument("client_id")
    cadd.add_argument("--redirect-uri", action="append", default=[], help="may be repeated")
    cadd.add_argument("--allow-password-grant", action="store_true")
    cadd.add_argument(
        "--allow-device-grant",
        action="store_true",
        help="allow sign-in on another device (RFC 8628 device authorization grant)",
    )
    cadd.add_argument(
        "--confidential", action="store_true", help="give it a secret (printed once), e.g. an API"
    )
    client.add_parser("list", help="list clients")

    hooks = commands.add_parser("webhook", help="manage webhooks").add_subparsers(
        dest="webhook_command", required=True, metavar="ACTION"
    )
    hooks.add_parser("add", help="add a URL; prints its signing secret once").add_argument("url")
    hooks.add_parser("remove", help="remove a URL").add_argument("url")
    hooks.add_parser("list", help="list URLs")

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(
        dest="audit_command", required=True, metavar="ACTION"
    )
    audit.add_parser("export", help="print the audit trail as JSON lines")

    keys = commands.add_parser("keys", help="the signing keys").add_subparsers(
        dest="keys_command", required=True, metavar="ACTION"
    )
    keys.add_parser("list", help="list the keys and what each does now (no key material)")
    rotate = keys.add_parser(
        "rotate", help="add a key: published now, signing after --publish-for seconds"
    )
    rotate.add_argument(
        "--publish-for",
        type=float,
        metavar="SECONDS",
        help="how long the new key is published before it signs (default: the JWKS max-age "
        "plus signing_key_reload_interval, 360 s)",
    )

    prune = commands.add_parser(
        "prune",
        help="delete spent or expired codes and tokens, delivered outbox events and audit "
        "entries older than audit_retention_days",
    )
    prune.add_argument(
        "--older-than",
        type=float,
        default=DEFAULT_PRUNE_DAYS,
        metavar="DAYS",
        help="how long codes and tokens are kept past their expiry, and events past their "
        f"delivery (default {DEFAULT_PRUNE_DAYS:g})",
    )

    run = commands.add_parser("run", help="serve with waitress")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    run.add_argument("--threads", type=int, default=8)
    return parser


def _read_password(from_stdin: bool, confirm: bool = True) -> str:
    if from_stdin:
        value = sys.stdin.readline()
        return value[:-1] if value.endswith("\n") else value
    if not sys.stdin.isatty():
        raise CommandError("No terminal to ask for the password: use --password-stdin.", EXIT_USAGE)
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat password: ") != first:
        raise CommandError("The passwords do not match.", EXIT_USAGE)
    return first


def _open_server(args: argparse.Namespace, config: ServerConfig | None = None) -> Any:
    """The server state for this command; its database is released when ``main`` returns."""
    from desktop_auth.server.app import create_app, shutdown
    from desktop_auth.server.state import server_state

    data_dir: Path = args.data_dir
    if config is None:
        if not (data_dir / CONFIG_FILE).exists():
            raise CommandError(
                f"{data_dir} is not initialised: "
                f"run 'desktop-auth-server --data-dir {data_dir} init'."
            )
        config = load_config(data_dir)
    app = create_app(config, start_worker=False)
    args.cleanup.callback(shutdown, app)
    return server_state(app)


def _deliver_pending(state: Any) -> None:
    """Run the effects a CLI command recorded (audit of user_created, webhooks) before exiting."""
    state.outbox.deliver_due()


def cmd_init(args: argparse.Namespace) -> int:

    data_dir: Path = args.data_dir
    existing = (data_dir / CONFIG_FILE).exists()
    config = load_config(data_dir, issuer=args.issuer)
    if args.issuer:
        _check_issuer(args.issuer)
    if not existing or args.issuer:
        save_config(config, store_issuer=bool(args.issuer))
    state = _open_server(args, config)
    with state.db.session() as session:
        ensure_native_client(session)
    print(f"{'Already initialised' if existing else 'Initialised'}: {data_dir}")
    print(f"Issuer: {config.issuer if args.issuer else 'http://HOST:PORT given to run'}")
    print(
        f"Native client: {NATIVE_CLIENT_ID} (redirect {NATIVE_REDIRECT_URI}, any port; "
        "sign-in on another device allowed)"
    )
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """Only the schema: every start migrates too, but several instances on one database are
    best migrated once, before they start (or before a new version of them does)."""
    from sqlalchemy import make_url

    from desktop_auth.securefiles import ensure_private_dir
    from desktop_auth.server.db import Database
    from desktop_auth.server.migrations import upgrade

    config = load_config(args.data_dir)
    ensure_private_dir(config.data_dir)  # the migration lock file (and SQLite's database)
    db = Database(config.resolved_database_url, config.database_pool)
    args.cleanup.callback(db.dispose)
    migration = upgrade(db.engine, lock_dir=config.data_dir)
    shown = make_url(config.resolved_database_url).render_as_string(hide_password=True)
    if migration.applied:
        print(f"Migrated {shown}: applied {', '.join(migration.applied)}.")
    else:
        print(f"Already up to date: {shown}.")
    print(f"Schema revision: {migration.revision}")
    return EXIT_OK


def _check_issuer(issuer: str) -> None:
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CommandError(f"--issuer must be an http(s) URL, not {issuer!r}.", EXIT_USAGE)
    if parts.query or parts.fragment:
        raise CommandError("--issuer must not have a query or fragment.", EXIT_USAGE)


def cmd_user(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from desktop_auth.server.accounts import (
        create_user,
        find_user,
        parse_roles,
        set_password,
    )
    from desktop_auth.server.models import User

    state = _open_server(args)
    action = args.user_command
    with state.db.session() as session:
        if action == "add":
            password = _read_password(args.password_stdin)
            user = create_user(
                session,
                state.passwords,
                args.name,
                password,
                roles=parse_roles(args.roles),
                email=args.email,
                display_name=args.display_name,
            )
            print(f"Created user {user.username!r} with roles {', '.join(user.roles) or '(none)'}.")
        elif action == "list":
            for user in session.scalars(select(User).order_by(User.username_key)):
                flag = " (disabled)" if user.disabled else ""
                print(f"{user.username}\t{','.join(user.roles)}{flag}")
        elif action == "show":
            user = find_user(session, args.name)
            print(json.dumps(_user_json(user), indent=2))
        elif action == "roles":
            user = find_user(session, args.name)
            user.roles = parse_roles(args.roles)
            print(f"{user.username}: roles {', '.join(user.roles) or '(none)'}.")
        elif action == "disable":
            from desktop_auth.server.models import Token
            from desktop_auth.server.tokens import revoke_family

            user = find_user(session, args.name)
            user.disabled = True
            for family in set(
                session.scalars(select(Token.family_id).where(Token.user_id == user.id))
            ):
                revoke_family(session, family)
            print(f"Disabled {user.username!r} and revoked its tokens.")
        elif action == "passwd":
            find_user(session, args.name)
            set_password(session, state.passwords, args.name, _read_password(args.password_stdin))
            print(f"Password changed for {args.name!r}.")
    _deliver_pending(state)
    return EXIT_OK


def _user_json(user: Any) -> dict[str, Any]:
    def ts(value: Any) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None

    return {
        "username": user.username,
        "sub": user.subject,
        "email": user.email,
        "display_name": user.display_name,
        "roles": user.roles,
        "disabled": user.disabled,
        "created_at": ts(user.created_at),
        "last_login_at": ts(user.last_login_at),
    }


def cmd_client(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from desktop_auth.server.hashing import digest, new_secret
    from desktop_auth.server.models import Client, _without_loopback_port

    state = _open_server(args)
    with state.db.session() as session:
        if args.client_command == "list":
            for c in session.scalars(select(Client).order_by(Client.client_id)):
                kind = "public" if c.is_public else "confidential"
                grants = " password-grant" if c.allow_password_grant else ""
                grants += " device-grant" if c.allow_device_grant else ""
                print(f"{c.client_id}\t{kind}{grants}\t{' '.join(c.redirect_uris)}")
            return EXIT_OK
        for uri in args.redirect_uri:
            parts = urlsplit(uri)
            if parts.scheme == "http" and _without_loopback_port(uri) is None:
                raise CommandError(
                    f"{uri}: http:// redirect URIs must be loopback (127.0.0.1 or [::1]).",
                    EXIT_USAGE,
                )
            if not parts.scheme or parts.fragment:
                raise CommandError(
                    f"{uri}: a redirect URI needs a scheme and no fragment.", EXIT_USAGE
                )
        if session.scalar(select(Client.id).where(Client.client_id == args.client_id)) is not None:
            raise CommandError(f"A client {args.client_id!r} already exists.")
        secret = new_secret() if args.confidential else None
        session.add(
            Client(
                client_id=args.client_id,
                client_secret_hash=digest(secret) if secret else None,
                redirect_uris=args.redirect_uri or [NATIVE_REDIRECT_URI],
                allow_password_grant=args.allow_password_grant,
                allow_device_grant=args.allow_device_grant,
                first_party=True,
            )
        )
    print(f"Registered client {args.client_id!r}.")
    if secret:
        print(f"Client secret (shown once, store it now): {secret}")
    return EXIT_OK


def cmd_webhook(args: argparse.Namespace) -> int:
    from sqlalchemy import delete, select

    from desktop_auth.server.hashing import new_secret
    from desktop_auth.server.models import Webhook

    state = _open_server(args)
    with state.db.session() as session:
        if args.webhook_command == "list":
            for hook in session.scalars(select(Webhook).order_by(Webhook.id)):
                print(hook.url)
        elif args.webhook_command == "add":
            parts = urlsplit(args.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise CommandError(f"{args.url!r} is not an http(s) URL.", EXIT_USAGE)
            if session.scalar(select(Webhook.id).where(Webhook.url == args.url)) is not None:
                raise CommandError(f"{args.url} is already a webhook.")
            secret = new_secret()
            session.add(Webhook(url=args.url, secret=secret))
            print(f"Added webhook {args.url}.")
            print(f"Signing secret (shown once): {secret}")
        else:
            removed = session.execute(delete(Webhook).where(Webhook.url == args.url))
            if not getattr(removed, "rowcount", 0):
                raise CommandError(f"{args.url} is not a webhook.")
            print(f"Removed webhook {args.url}.")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from desktop_auth.server.models import AuditEntry

    state = _open_server(args)
    _deliver_pending(state)
    with state.db.session() as session:
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.ts, AuditEntry.id)):
            print(entry.as_json())
    return EXIT_OK


def cmd_keys(args: argparse.Namespace) -> int:
    from desktop_auth.server.keys import default_publish_delay, rotate_keys, shown_time

    state = _open_server(args)
    if args.keys_command == "rotate":
        delay = default_publish_delay(state.config)
        if args.publish_for is not None:
            if args.publish_for < 0:
                raise CommandError("--publish-for must not be negative.", EXIT_USAGE)
            if args.publish_for < delay:
                print(
                    f"desktop-auth-server: warning: published for less than {delay:g} s, the "
                    "new key may sign before every verifier (and every server instance) has "
                    "read it.",
                    file=sys.stderr,
                )
        rotation = rotate_keys(state.db, state.config, args.publish_for)
        signs_from = shown_time(rotation.signs_from)
        print(f"New signing key {rotation.kid}: published now, signs from {signs_from}.")
        print(f"The keys it replaces are published until {shown_time(rotation.retire_after)}.")
        return EXIT_OK
    keys = state.keys.keys()
    now = state.keys.clock()
    for key in keys.keys:
        print(f"{key.kid}\t{keys.describe(key, now)}")
    return EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from desktop_auth.server.pruning import prune

    if args.older_than < 0:
        raise CommandError("--older-than must not be negative.", EXIT_USAGE)
    state = _open_server(args)
    days = state.config.audit_retention_days
    pruned = prune(
        state.db,
        older_than=timedelta(days=args.older_than),
        audit_retention=timedelta(days=days) if days > 0 else None,
    )
    print(f"Deleted {pruned.describe()}.")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    import signal

    from desktop_auth.server.serve import ServedApp

    data_dir: Path = args.data_dir
    if not (data_dir / CONFIG_FILE).exists():
        raise CommandError(
            f"{data_dir} is not initialised: run 'desktop-auth-server --data-dir {data_dir} init'."
        )
    config = load_config(data_dir)
    fixed = stored_issuer(data_dir) is not None
    try:
        served = ServedApp(
            config, host=args.host, port=args.port, threads=args.threads, fixed_issuer=fixed
        )
    except OSError as exc:
        raise CommandError(
            f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}."
        ) from None
    signal.signal(signal.SIGTERM, lambda *_: served.stop())
    print(f"desktop-auth-server: serving {served.url} (issuer {served.issuer})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        served.serve()
    return EXIT_OK


COMMANDS = {
    "init": cmd_init,
    "migrate": cmd_migrate,
    "user": cmd_user,
    "client": cmd_client,
    "webhook": cmd_webhook,
    "audit": cmd_audit,
    "keys": cmd_keys,
    "prune": cmd_prune,
    "run": cmd_run,
}


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = _parser()
    args = parser.parse_args(argv)
    if args.data_dir is None:
        parser.error(f"--data-dir is required (or set ${DATA_DIR_ENV})")
    args.data_dir = Path(args.data_dir).expanduser().resolve()
    from desktop_auth.server.accounts import AccountError
    from desktop_auth.server.passwords import PasswordRejected

    try:
        with contextlib.ExitStack() as args.cleanup:
            return COMMANDS[args.command](args)
    except CommandError as exc:
        print(f"desktop-auth-server: {exc}", file=sys.stderr)
        return exc.code
    except ConfigError as exc:
        print(f"desktop-auth-server: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (AccountError, PasswordRejected) as exc:
        print(f"desktop-auth-server: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PermissionError as exc:
        print(f"desktop-auth-server: permission denied: {exc.filename}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
