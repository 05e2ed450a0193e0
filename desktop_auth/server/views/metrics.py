"""GET /metrics: Prometheus text exposition, for a scraper holding the metrics token."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST

from desktop_auth.server.state import server_state

bp = Blueprint("metrics", __name__)


def _bearer_matches(expected: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(
        sent.strip().encode(), expected.encode()
    )


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    state = server_state()
    token = state.config.metrics_token
    if not token:
        # Not configured: as if there were no such endpoint.
        abort(404)
    if not _bearer_matches(token):
        refused = Response("metrics need the bearer token set as metrics_token\n", 401)
        refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        refused.headers["Cache-Control"] = "no-store"
        return refused
    response = Response(state.metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
