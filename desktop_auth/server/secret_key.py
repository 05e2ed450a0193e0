"""The Flask session key, shared by every server instance through the database."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop_auth.server.db import Database
from desktop_auth.server.models import ServerSecret, table_of, utcnow

log = logging.getLogger(__name__)

# Where each data dir kept its own key before it moved to the database; imported once.
SECRET_KEY_FILE = "session-secret"  # noqa: S105 - a file name
SESSION_SECRET = "session"  # noqa: S105 - the row's name


def load_or_create_secret_key(db: Database, data_dir: Path) -> bytes:
    """The session key in the database; the first instance to start writes it: the key of an
    old ``session-secret`` file in its data dir (then no longer read), or a new one. Instances
    starting at once each offer theirs, one insert wins and all read the winner's."""
    query = select(ServerSecret.value).where(ServerSecret.name == SESSION_SECRET)
    with db.session() as session:
        stored = session.scalar(query)
        if stored is not None:
            return stored
        path = data_dir / SECRET_KEY_FILE
        offered = path.read_bytes() if path.exists() else secrets.token_bytes(32)
        insert = (
            postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        row = {"name": SESSION_SECRET, "value": offered, "created_at": utcnow()}
        added = session.execute(insert(table_of(ServerSecret)).values(row).on_conflict_do_nothing())
        agreed = session.execute(query).scalar_one()
    if getattr(added, "rowcount", 0) == 1:
        if path.exists():
            log.info("imported the session key from %s; the file is no longer read", path)
        else:
            log.info("created the session key")
    return agreed
