"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue

from desktop_auth.server.state import server_state

bp = Blueprint("health", __name__)


def _no_store(response: Response, status: int = 200) -> Response:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process answers: nothing else is checked (a database outage is for /readyz)."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Whether this process can serve sign-ins: 503 names the check that failed, and why."""
    readiness = server_state().readiness.check()
    return _no_store(jsonify(readiness.as_json()), 200 if readiness.ready else 503)
