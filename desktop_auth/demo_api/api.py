"""The example API as a Flask app factory: documents and reports under /api, each route
gated on a permission by ``desktop_auth.resource.flask``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from desktop_auth.demo_api.store import DocumentStore
from desktop_auth.demo_api.validation import InvalidDocument, parse_document
from desktop_auth.resource.flask import init_app, require_permission
from desktop_auth.resource.verifier import TokenVerifier

READ = "documents.read"
WRITE = "documents.write"
REPORTS = "reports.view"
# A document's JSON is at most ~64 KiB of body plus short fields; more is not a document.
MAX_REQUEST_BYTES = 128 * 1024
RECENT_DAYS = 7
EXTENSION = "desktop_auth.demo_api"

api = Blueprint("api", __name__, url_prefix="/api")


def _store() -> DocumentStore:
    store: DocumentStore = current_app.extensions[EXTENSION]
    return store


def _error(status: int, error: str, description: str) -> tuple[Any, int]:
    return jsonify({"error": error, "error_description": description}), status


def _document_input() -> Any:
    if not request.is_json:
        raise InvalidDocument("Send the document as JSON (Content-Type: application/json).")
    parsed = request.get_json(silent=True)
    if parsed is None:
        raise InvalidDocument("The body is not valid JSON.")
    return parse_document(parsed)


@api.get("/documents")
@require_permission(READ)
def list_documents() -> Any:
    return {"documents": [document.as_json() for document in _store().list()]}


@api.post("/documents")
@require_permission(WRITE)
def create_document() -> Any:
    document = _document_input()
    created = _store().create(document.title, document.area, document.body, g.principal.username)
    return created.as_json(), 201


@api.put("/documents/<int:document_id>")
@require_permission(WRITE)
def update_document(document_id: int) -> Any:
    document = _document_input()
    updated = _store().update(
        document_id, document.title, document.area, document.body, g.principal.username
    )
    if updated is None:
        return _error(404, "not_found", f"There is no document {document_id}.")
    return updated.as_json()


@api.delete("/documents/<int:document_id>")
@require_permission(WRITE)
def delete_document(document_id: int) -> Any:
    if not _store().delete(document_id):
        return _error(404, "not_found", f"There is no document {document_id}.")
    return "", 204


@api.get("/reports")
@require_permission(REPORTS)
def reports() -> Any:
    """Figures counted from the stored documents now: nothing here is made up."""
    documents = _store().list()
    since = (datetime.now(UTC) - timedelta(days=RECENT_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    areas = Counter(document.area for document in documents)
    figures = [
        {"name": "documents", "value": len(documents)},
        {"name": "areas", "value": len(areas)},
        {
            "name": "updated_last_7_days",
            "value": sum(document.updated_at >= since for document in documents),
        },
        {
            "name": "changed_through_api",
            "value": sum(document.updated_by is not None for document in documents),
        },
    ]
    return {"figures": figures, "areas": dict(sorted(areas.items()))}


@api.errorhandler(InvalidDocument)
def _invalid(error: InvalidDocument) -> Any:
    return _error(400, "invalid_request", str(error))


def _http_error(error: HTTPException) -> Any:
    """404, 405, 413 and the like as JSON too: the desktop app reads every answer as JSON."""
    name = (error.name or "error").lower().replace(" ", "_")
    return _error(error.code or 500, name, error.description or error.name or "")


def create_api(verifier: TokenVerifier, store: DocumentStore) -> Flask:
    """The API checking tokens with ``verifier`` and keeping documents in ``store``."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    init_app(app, verifier)
    app.extensions[EXTENSION] = store
    app.register_blueprint(api)
    app.register_error_handler(HTTPException, _http_error)
    return app
