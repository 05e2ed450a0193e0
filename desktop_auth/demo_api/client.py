"""A client for the example API (what the reference app's pages call), with typed refusals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_auth.demo_api.store import Document
from desktop_auth.errors import DesktopAuthError, ServerError
from desktop_auth.oidc.http import HttpClient, JsonResponse


class ApiError(DesktopAuthError):
    """The API answered but refused: ``status``, its ``error`` code and ``description``
    (the API's own words, never a token)."""

    kind = "server"

    def __init__(self, message: str, status: int, error: str, description: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.description = description


class ApiUnauthorized(ApiError):
    """401: the API did not accept the token (expired, revoked, for another API)."""


class ApiForbidden(ApiError):
    """403: the token is good, but its user lacks the permission."""


class ApiRejected(ApiError):
    """400, 404, 413 ...: the request itself was refused; ``description`` says why."""


@dataclass(frozen=True)
class Figure:
    name: str
    value: int


def _document(value: object) -> Document:
    if not isinstance(value, dict):
        raise ServerError("The documents service sent a document that is not a JSON object.")
    try:
        return Document(
            id=int(value["id"]),
            title=str(value["title"]),
            area=str(value["area"]),
            body=str(value["body"]),
            updated_at=str(value["updated_at"]),
            updated_by=None if value.get("updated_by") is None else str(value["updated_by"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ServerError(f"The documents service sent a document without {exc}.") from None


class DocumentsClient:
    """Calls the API at ``base_url`` (ending in /api) with a bearer token per call.

    Raises ``ApiUnauthorized``, ``ApiForbidden``, ``ApiRejected`` for refusals, and the
    library's ``NetworkError``, ``TLSError`` and ``ServerError`` (5xx, not JSON) otherwise.
    Thread-safe: one per app, called from workers.
    """

    def __init__(self, base_url: str, ca_bundle: Path | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = HttpClient(ca_bundle)

    def _call(
        self,
        method: str,
        path: str,
        token: str,
        json_body: dict[str, Any] | None = None,
    ) -> JsonResponse:
        response = self._http.request(
            method,
            f"{self.base_url}{path}",
            json_body=json_body,
            bearer=token,
            require_json=method != "DELETE",
        )
        if response.ok:
            return response
        error = str(response.body.get("error") or "")
        description = str(response.body.get("error_description") or response.reason)
        message = f"HTTP {response.status} from {self.base_url}: {description}"
        if response.status == 401:
            raise ApiUnauthorized(message, response.status, error, description)
        if response.status == 403:
            raise ApiForbidden(message, response.status, error, description)
        raise ApiRejected(message, response.status, error, description)

    def documents(self, token: str) -> list[Document]:
        body = self._call("GET", "/documents", token).body
        documents = body.get("documents")
        if not isinstance(documents, list):
            raise ServerError("The documents service sent no list of documents.")
        return [_document(document) for document in documents]

    def create(self, token: str, title: str, area: str, body: str) -> Document:
        fields = {"title": title, "area": area, "body": body}
        return _document(self._call("POST", "/documents", token, fields).body)

    def update(self, token: str, document_id: int, title: str, area: str, body: str) -> Document:
        fields = {"title": title, "area": area, "body": body}
        return _document(self._call("PUT", f"/documents/{document_id}", token, fields).body)

    def delete(self, token: str, document_id: int) -> None:
        self._call("DELETE", f"/documents/{document_id}", token)

    def reports(self, token: str) -> list[Figure]:
        figures = self._call("GET", "/reports", token).body.get("figures")
        if not isinstance(figures, list):
            raise ServerError("The documents service sent no list of figures.")
        try:
            return [Figure(str(f["name"]), int(f["value"])) for f in figures]
        except (KeyError, TypeError, ValueError):
            raise ServerError(
                "The documents service sent a figure without name or value."
            ) from None

    def close(self) -> None:
        self._http.close()
