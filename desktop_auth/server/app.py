"""The Flask app factory: one place where the server's parts are created and wired."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from desktop_auth.securefiles import ensure_private_dir
from desktop_auth.server.authorization_server import create_authorization_server
from desktop_auth.server.config import ServerConfig
from desktop_auth.server.db import Database
from desktop_auth.server.headers import add_security_headers
from desktop_auth.server.keys import KeyRing, ensure_keys
from desktop_auth.server.log_redaction import redact_authlib_logs
from desktop_auth.server.metrics import ServerMetrics
from desktop_auth.server.migrations import upgrade
from desktop_auth.server.outbox import OutboxWorker
from desktop_auth.server.passwords import PasswordHashing
from desktop_auth.server.readiness import ReadinessProbe
from desktop_auth.server.receivers import connect_default_receivers
from desktop_auth.server.secret_key import load_or_create_secret_key
from desktop_auth.server.state import EXTENSION, ServerState
from desktop_auth.server.throttle import Throttle
from desktop_auth.server.views import authorize, device, discovery, health, metrics, oauth


def create_app(config: ServerConfig, *, migrate: bool = True, start_worker: bool = True) -> Flask:
    """Build the server for ``config``; the outbox worker starts now or on the first request."""
    redact_authlib_logs()
    ensure_private_dir(config.data_dir)
    db = Database(config.resolved_database_url, config.database_pool)
    if migrate:
        upgrade(db.engine, lock_dir=config.data_dir)
    ensure_keys(db, config)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=load_or_create_secret_key(db, config.data_dir),
        SESSION_COOKIE_NAME="desktop_auth_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.issuer.startswith("https://"),
        MAX_CONTENT_LENGTH=64 * 1024,
        OAUTH2_SCOPES_SUPPORTED=discovery.SCOPES,
    )
    if config.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies
        )

    readiness = ReadinessProbe(db, config.readiness_timeout)
    state = ServerState(
        config=config,
        db=db,
        keys=KeyRing(db, config.signing_key_reload_interval),
        passwords=PasswordHashing(),
        throttle=Throttle(config),
        outbox=OutboxWorker(app, db, config),
        readiness=readiness,
        metrics=ServerMetrics(db, readiness),
    )
    app.extensions[EXTENSION] = state
    state.oauth = create_authorization_server(app)
    connect_default_receivers(app)

    app.register_blueprint(discovery.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(authorize.bp)
    app.register_blueprint(device.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    state.metrics.instrument(app)

    @app.before_request
    def _start_worker() -> None:
        state.ensure_worker()

    @app.teardown_appcontext
    def _end_session(exc: BaseException | None) -> None:
        db.scoped.remove()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        return add_security_headers(response, https=config.issuer.startswith("https://"))

    if start_worker:
        state.ensure_worker()
    return app


def shutdown(app: Flask) -> None:
    """Stop the outbox worker and release the database."""
    state: ServerState = app.extensions[EXTENSION]
    state.outbox.stop()
    state.keys.close()
    state.db.dispose()
