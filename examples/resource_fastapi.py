"""A documents-and-reports API that the desktop app's tokens and permissions protect (FastAPI).

    python examples/resource_fastapi.py --issuer URL [--audience AUD] [--realm NAME]
                                        [--audit-log FILE] [--host H] [--port P]

serves the API with uvicorn; tokens from URL's identity server (the bundled one, Keycloak, ...)
are checked against its published keys, and the roles in them give permissions through the
same policy as the desktop client (``resources/permissions.toml``): a viewer may read the
documents, an editor may also write them and see the reports, an admin may do anything.

Every refusal (403) is appended to the audit log as a JSON line by a receiver of the
``access_denied`` signal. It runs in the threadpool after the response has been sent, so a
slow disk never slows the API; it is given the principal and the request, never the token.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request

from desktop_auth.resource import Issuer, Principal, RequestInfo, TokenVerifier
from desktop_auth.resource.fastapi import (
    access_denied,
    current_verifier,
    install,
    require_permission,
)

# Any valid token; the principal it speaks for.
Caller = Annotated[Principal, Depends(require_permission())]
Reader = Annotated[Principal, Depends(require_permission("documents.read"))]
Writer = Annotated[Principal, Depends(require_permission("documents.write"))]


def create_app(verifier: TokenVerifier) -> FastAPI:
    """The API, checking its requests with ``verifier``."""
    app = FastAPI(title="Documents API")
    install(app, verifier)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}  # no dependency: public

    @app.get("/me")
    def me(principal: Caller) -> dict[str, Any]:
        # What the desktop app needs to show who is signed in and gate its pages.
        return {"username": principal.username, "permissions": sorted(principal.permissions)}

    @app.get("/documents")
    def list_documents(principal: Reader) -> dict[str, Any]:
        return {"documents": [], "reader": principal.username}

    @app.post("/documents", status_code=201)
    async def create_document(principal: Writer) -> dict[str, Any]:
        return {"created_by": principal.username}

    @app.delete("/documents/{number}")
    def delete_document(number: int, principal: Caller, request: Request) -> dict[str, Any]:
        # A check decided inside the operation: its AccessError is answered like the others.
        current_verifier(request).authorize(principal, "documents.delete")
        return {"deleted": number}

    # Every report needs reports.view; writing one needs reports.write as well.
    reports = APIRouter(
        prefix="/reports", dependencies=[Depends(require_permission("reports.view"))]
    )

    @reports.get("/")
    def list_reports(principal: Caller) -> dict[str, Any]:
        return {"reports": [], "viewer": principal.username}

    @reports.post("/", dependencies=[Depends(require_permission("reports.write"))])
    def create_report(principal: Caller) -> dict[str, Any]:
        return {"created_by": principal.username}

    app.include_router(reports)
    return app


def audit_refusals(app: FastAPI, log_file: Path) -> None:
    """Append each of ``app``'s 403s to ``log_file`` as a JSON line."""

    def write(sender: FastAPI, principal: Principal, permission: str, request: RequestInfo) -> None:
        entry = {
            "ts": time.time(),
            "username": principal.username,
            "roles": sorted(principal.roles),
            "permission": permission,
            "method": request.method,
            "path": request.path,
            "client": request.remote_addr,
        }
        with log_file.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")

    access_denied.connect(write, sender=app, weak=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", required=True, help="the identity server's issuer URL")
    parser.add_argument("--audience", default="desktop-auth", help="the tokens' audience")
    parser.add_argument("--realm", default="documents", help="the WWW-Authenticate realm")
    parser.add_argument("--audit-log", type=Path, help="append refusals here (JSON lines)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    verifier = TokenVerifier(Issuer(args.issuer, args.audience), realm=args.realm)
    app = create_app(verifier)
    if args.audit_log is not None:
        audit_refusals(app, args.audit_log)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        verifier.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
