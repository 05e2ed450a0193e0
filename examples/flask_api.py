"""A small documents-and-reports API that accepts the desktop app's tokens: desktop_auth.resource
with its Flask integration.

    python examples/flask_api.py --issuer URL [--audience desktop-auth] [--port 8766]

Every route needs a bearer token from ISSUER (the one the desktop app signs in to) and the
permission the bundled policy (resources/permissions.toml) gives the user's roles: a viewer may
read documents, an editor may also write them and view reports, an admin may do anything. The
same policy file gates the desktop app's widgets, so the API enforces what the window shows.
Each allowed or refused request is written to the log by a receiver of the integration's
signals, in a background thread (it could be an audit table: the response never waits for it).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import Any

from flask import Blueprint, Flask, g

from desktop_auth.resource import (
    AccessError,
    Issuer,
    Principal,
    RequestInfo,
    TokenVerifier,
    wait_for_dispatch,
)
from desktop_auth.resource.flask import (
    access_denied,
    access_granted,
    init_app,
    protect,
    public,
    require_permission,
    token_rejected,
)

log = logging.getLogger("flask_api")
DOCUMENTS: list[dict[str, Any]] = [{"id": 1, "title": "Welcome"}]


def create_app(verifier: TokenVerifier) -> Flask:
    app = Flask("flask_api")
    init_app(app, verifier)

    @app.get("/documents")
    @require_permission("documents.read")
    def list_documents() -> dict[str, Any]:
        return {"documents": DOCUMENTS}

    @app.post("/documents")
    @require_permission("documents.write")
    def create_document() -> tuple[dict[str, Any], int]:
        document = {"id": len(DOCUMENTS) + 1, "title": "New", "author": g.principal.username}
        DOCUMENTS.append(document)
        return document, 201

    reports = Blueprint("reports", __name__, url_prefix="/reports")
    protect(reports, "reports.view")  # every view of the blueprint

    @reports.get("/")
    def list_reports() -> dict[str, Any]:
        return {"reports": [], "viewer": g.principal.username}

    @reports.get("/health")
    @public
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.register_blueprint(reports)
    connect_audit(app)
    return app


def connect_audit(app: Flask) -> None:
    """Log every decision. Receivers run in the integration's worker threads; they get the
    principal and the request's method and path, never the token."""

    def granted(sender: Flask, principal: Principal, permission: str | None, **_: Any) -> None:
        log.info("granted %s to %s", permission or "access", principal.username)

    def denied(
        sender: Flask, principal: Principal, permission: str, request: RequestInfo, **_: Any
    ) -> None:
        where = f"{request.method} {request.path}"
        log.info("denied %s to %s (%s)", permission, principal.username, where)

    def rejected(sender: Flask, error: AccessError, request: RequestInfo, **_: Any) -> None:
        log.info("rejected %s %s: %s", request.method, request.path, error.description)

    # Strong references: the receivers are local functions, kept as long as the app.
    access_granted.connect(granted, sender=app, weak=False)
    access_denied.connect(denied, sender=app, weak=False)
    token_rejected.connect(rejected, sender=app, weak=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--issuer", required=True, help="the identity server's URL")
    parser.add_argument("--audience", default="desktop-auth", help="what the tokens' aud holds")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")

    from waitress import serve

    app = create_app(TokenVerifier(Issuer(args.issuer, args.audience)))
    # On SIGTERM, stop serving, then let the receivers finish what they were sent.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"serving http://{args.host}:{args.port}", flush=True)
    try:
        serve(app, host=args.host, port=args.port, threads=8)
    finally:
        wait_for_dispatch(10)


if __name__ == "__main__":
    main()
