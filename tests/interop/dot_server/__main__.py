"""Run the DOT server: ``python -m tests.interop.dot_server`` from the repository root.

Environment: DOT_SERVER_DATA_DIR (an empty directory for the SQLite database),
DOT_ALICE_PASSWORD, DOT_BOB_PASSWORD and DOT_CAROL_PASSWORD. It migrates, creates the users
(alice in group admin, bob in viewer, carol in none) and the public password-grant application,
binds 127.0.0.1 on a free port and prints ``serving http://127.0.0.1:PORT`` once it accepts
connections. It exits when its standard input closes, so a killed test run leaves none behind.
"""

from __future__ import annotations

import os
import sys
import threading

import django

CLIENT_ID = "desktop-auth-dot"
USERS = (
    # username, password variable, first name, last name, group
    ("alice", "DOT_ALICE_PASSWORD", "Alice", "Liddell", "admin"),
    ("bob", "DOT_BOB_PASSWORD", "Bob", "Builder", "viewer"),
    ("carol", "DOT_CAROL_PASSWORD", "Carol", "Ch\N{LATIN SMALL LETTER E WITH ACUTE}rie", None),
)


def seed() -> None:
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    for username, password_variable, first, last, group_name in USERS:
        user = User.objects.create_user(
            username,
            email=f"{username}@example.org",
            password=os.environ[password_variable],
            first_name=first,
            last_name=last,
        )
        if group_name is not None:
            group, _ = Group.objects.get_or_create(name=group_name)
            user.groups.add(group)
    Application.objects.create(
        name="desktop-auth",
        client_id=CLIENT_ID,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_PASSWORD,
        algorithm=Application.RS256_ALGORITHM,
    )


def exit_when_stdin_closes() -> None:
    while sys.stdin.buffer.read(4096):
        pass  # nothing is sent on stdin; only its end matters
    os._exit(0)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.interop.dot_server.settings")
    django.setup()

    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    call_command("migrate", verbosity=0, interactive=False)
    seed()
    server = create_server(
        get_wsgi_application(), host="127.0.0.1", port=0, threads=4, ident="dot-interop"
    )
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(f"serving http://127.0.0.1:{server.effective_port}", flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
