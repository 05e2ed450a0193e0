"""WSGI entry for gunicorn and other servers: ``desktop_auth.server.wsgi:create_app_from_env()``."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from desktop_auth.server.app import create_app
from desktop_auth.server.config import load_config, stored_issuer

DATA_DIR_ENV = "DESKTOP_AUTH_SERVER_DATA_DIR"


def create_app_from_env() -> Flask:
    """Build the app from ``$DESKTOP_AUTH_SERVER_DATA_DIR`` (and ``$DATABASE_URL``).

    The issuer must have been set with ``init --issuer`` (or ``$DESKTOP_AUTH_ISSUER``): behind
    gunicorn the server cannot know the address clients use.
    """
    data_dir = os.environ.get(DATA_DIR_ENV)
    if not data_dir:
        raise RuntimeError(f"set {DATA_DIR_ENV} to the server's data dir (made by 'init')")
    directory = Path(data_dir)
    issuer = os.environ.get("DESKTOP_AUTH_ISSUER") or stored_issuer(directory)
    if not issuer:
        raise RuntimeError(
            "the issuer is unknown: run 'desktop-auth-server --data-dir DIR init --issuer URL' "
            "with the URL clients use, or set DESKTOP_AUTH_ISSUER"
        )
    return create_app(load_config(directory, issuer=issuer), start_worker=False)
