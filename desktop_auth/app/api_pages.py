"""The workspace's documents and reports from the documents service (the example API), and
its edit actions sent there: in workers, with the session's access token."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt5.QtCore import QObject, pyqtSignal, pyqtSlot
from PyQt5.QtWidgets import QAction

from desktop_auth.app.workspace import (
    DOCUMENTS_READ,
    DOCUMENTS_WRITE,
    REPORTS_VIEW,
    WorkspaceWindow,
)
from desktop_auth.errors import DesktopAuthError, NetworkError, TLSError
from desktop_auth.qt.controller import explanation
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.qt.workers import run_in_background
from desktop_auth.session import Session

if TYPE_CHECKING:
    from desktop_auth.demo_api.client import DocumentsClient, Figure
    from desktop_auth.demo_api.store import Document
    from desktop_auth.qt.controller import AuthController

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Call:
    """One request to the service: ``method`` of DocumentsClient with the token and ``args``;
    ``action`` names it for a refusal ("" for loading a page)."""

    method: str
    args: tuple[Any, ...]
    permission: str
    action: str
    on_result: Callable[[Any], object]
    retried: bool = False  # after a 401 and a renewal: a second 401 is final


def _action_name(action: QAction) -> str:
    return action.text().replace("&", "")


class ApiPages(QObject):
    """Fills the workspace's documents and reports from the service at ``api_url()`` (None:
    the built-in sample content, labelled so) after sign-in, and saves, edits and deletes
    documents there.

    A 401 renews the session once (``controller.refresh()``) and tries again; a second one
    asks the user to sign in again. Signals, for the app to tell the user:

    - ``refused(str, str, str)``: permission, action and message: the service answered 403
      to a change (the client-side policy allowed it; the service's did not).
    - ``change_failed(str)``: a change was not saved (network, TLS, server, invalid); the
      message says which service and what went wrong. The editor keeps its text either way.
    """

    tr = TranslationContext("ApiPages")

    refused = pyqtSignal(str, str, str)
    change_failed = pyqtSignal(str)

    def __init__(
        self,
        workspace: WorkspaceWindow,
        controller: AuthController,
        api_url: Callable[[], str | None],
        ca_bundle: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("apiPages")
        self.workspace = workspace
        self.controller = controller
        self._api_url = api_url
        self._ca_bundle = ca_bundle
        self._client: DocumentsClient | None = None
        self._client_lock = threading.Lock()
        # Bumped at sign-out: answers still on their way for the last user are dropped.
        self._generation = 0
        self._after_renewal: list[_Call] = []
        self._select_after_load: int | None = None

    @property
    def has_service(self) -> bool:
        return self._api_url() is not None

    # Loading

    @pyqtSlot(Session)
    def signed_in(self, session: Session) -> None:
        """Show the service's documents and figures (or the local samples) for ``session``."""
        if not self.has_service:
            self.workspace.show_local_samples(
                ApiPages.tr(
                    "Local sample content: no documents service is set up (start with "
                    "--api URL). Changes are not saved."
                )
            )
            return
        self.workspace.clear_documents()
        self.load(session)

    @pyqtSlot(Session)
    def reload(self, session: Session) -> None:
        """After an unlock: the service's content may have changed meanwhile."""
        if self.has_service:
            self.load(session)

    def load(self, session: Session) -> None:
        if session.allows(DOCUMENTS_READ):
            self.workspace.set_documents_status(ApiPages.tr("Loading documents…"))
            self._run(_Call("documents", (), DOCUMENTS_READ, "", self._documents_loaded))
        if session.allows(REPORTS_VIEW):
            self.workspace.set_reports_status(ApiPages.tr("Loading figures…"))
            self._run(_Call("reports", (), REPORTS_VIEW, "", self._figures_loaded))

    def _documents_loaded(self, documents: list[Document]) -> None:
        self.workspace.set_documents_status("")
        select, self._select_after_load = self._select_after_load, None
        self.workspace.show_documents(documents, select=select)

    def _figures_loaded(self, figures: list[Figure]) -> None:
        self.workspace.set_reports_status("")
        self.workspace.show_figures(figures)

    # Changes

    def _can_change(self) -> bool:
        if self.has_service:
            return True
        self.workspace.show_status_notice(
            ApiPages.tr(
                "These are local sample documents; changes need a documents service "
                "(start with --api URL)."
            )
        )
        return False

    @pyqtSlot()
    def create_document(self) -> None:
        """Ctrl+N: the editor's text as a new document."""
        if not self._can_change():
            return
        title, body = self.workspace.draft()
        if not title:
            self.workspace.show_status_notice(
                ApiPages.tr("Write the new document's title on the first line of the editor.")
            )
            return
        self.workspace.show_status_notice(ApiPages.tr("Saving “{title}”…").format(title=title))
        action = _action_name(self.workspace.new_action)
        self._run(_Call("create", (title, "", body), DOCUMENTS_WRITE, action, self._saved))

    @pyqtSlot()
    def edit_document(self) -> None:
        """Ctrl+E: the editor's text into the selected document."""
        if not self._can_change():
            return
        document = self.workspace.selected_document()
        title, body = self.workspace.draft()
        if document is None:
            self.workspace.show_status_notice(
                ApiPages.tr("Select the document to change first (arrow keys in the list).")
            )
            return
        if not title:
            self.workspace.show_status_notice(
                ApiPages.tr("Write the document's title on the first line of the editor.")
            )
            return
        self.workspace.show_status_notice(ApiPages.tr("Saving “{title}”…").format(title=title))
        action = _action_name(self.workspace.edit_action)
        args = (document.id, title, document.area, body)
        self._run(_Call("update", args, DOCUMENTS_WRITE, action, self._saved))

    @pyqtSlot()
    def delete_selected(self) -> None:
        """Delete: ask, then delete the selected document (``delete_document``)."""
        if not self._can_change():
            return
        document = self.workspace.selected_document()
        if document is None:
            self.workspace.show_status_notice(
                ApiPages.tr("Select the document to delete first (arrow keys in the list).")
            )
            return
        self.workspace.confirm_delete(document)

    @pyqtSlot(int)
    def delete_document(self, document_id: int) -> None:
        action = _action_name(self.workspace.delete_action)
        done = partial(self._deleted, document_id)
        self._run(_Call("delete", (document_id,), DOCUMENTS_WRITE, action, done))

    def _saved(self, document: Document) -> None:
        self.workspace.mark_draft_saved()
        self.workspace.show_status_notice(
            ApiPages.tr("Saved “{title}”.").format(title=document.title)
        )
        self._select_after_load = document.id
        self._reload_documents()

    def _deleted(self, document_id: int, _: object) -> None:
        self.workspace.show_status_notice(ApiPages.tr("Document deleted."))
        self._reload_documents()

    def _reload_documents(self) -> None:
        self._run(_Call("documents", (), DOCUMENTS_READ, "", self._documents_loaded))

    # Calling the service

    def _client_in_worker(self) -> DocumentsClient:
        """The client, made on first use in a worker (it brings the HTTP stack with it)."""
        with self._client_lock:
            if self._client is None:
                from desktop_auth.demo_api.client import DocumentsClient

                url = self._api_url()
                assert url is not None
                self._client = DocumentsClient(url, self._ca_bundle)
            return self._client

    def _perform(self, call: _Call, token: str) -> Any:
        return getattr(self._client_in_worker(), call.method)(token, *call.args)

    def _run(self, call: _Call) -> None:
        session = self.controller.session
        tokens = session.tokens if session is not None else None
        if tokens is None:
            return
        generation = self._generation
        run_in_background(
            self._perform,
            call,
            tokens.access_token,
            on_result=partial(self._returned, generation, call),
            on_error=partial(self._errored, generation, call),
        )

    def _returned(self, generation: int, call: _Call, result: object) -> None:
        if generation == self._generation:
            call.on_result(result)

    def _errored(self, generation: int, call: _Call, error: BaseException) -> None:
        if generation != self._generation:
            return
        from desktop_auth.demo_api.client import ApiForbidden, ApiUnauthorized

        if isinstance(error, ApiUnauthorized) and not call.retried:
            log.info("the documents service refused the token; renewing the session once")
            self._after_renewal.append(replace(call, retried=True))
            self.controller.refresh()
            return
        if not isinstance(error, DesktopAuthError):
            log.error("unexpected %s calling the documents service", type(error).__name__)
        message = self._explain(call, error)
        if not call.action:
            setter = (
                self.workspace.set_reports_status
                if call.permission == REPORTS_VIEW
                else self.workspace.set_documents_status
            )
            setter(message)
        elif isinstance(error, ApiForbidden):
            self.refused.emit(call.permission, call.action, message)
        else:
            self.change_failed.emit(
                message + " " + ApiPages.tr("Your text is still in the editor.")
            )

    def _explain(self, call: _Call, error: BaseException) -> str:
        from desktop_auth.demo_api.client import ApiForbidden, ApiRejected, ApiUnauthorized

        if isinstance(error, ApiForbidden):
            if call.permission == DOCUMENTS_WRITE:
                what = ApiPages.tr("your account may not change documents")
            elif call.permission == REPORTS_VIEW:
                what = ApiPages.tr("your account may not view reports")
            else:
                what = ApiPages.tr("your account may not read documents")
            return ApiPages.tr("The documents service refused: {what} ({permission}).").format(
                what=what, permission=call.permission
            )
        if isinstance(error, ApiUnauthorized):
            return ApiPages.tr(
                "The documents service did not accept your sign-in ({reason}). "
                "Sign out and sign in again."
            ).format(reason=error.description)
        if isinstance(error, ApiRejected):
            return ApiPages.tr("The documents service did not accept the request: {reason}").format(
                reason=error.description
            )
        if isinstance(error, TLSError):
            template = ApiPages.tr("The documents service cannot be reached securely: {reason}")
        elif isinstance(error, NetworkError):
            template = ApiPages.tr("The documents service cannot be reached: {reason}")
        else:
            template = ApiPages.tr("The documents service has a problem: {reason}")
        return template.format(reason=explanation(error))

    # The session

    @pyqtSlot(Session)
    def retry_after_renewal(self, session: Session) -> None:
        """The session was renewed: what a 401 held back goes again, once."""
        calls, self._after_renewal = self._after_renewal, []
        for call in calls:
            self._run(call)

    @pyqtSlot()
    def renewal_failed(self) -> None:
        """The session expired: the held-back calls are not made; a change says so."""
        calls, self._after_renewal = self._after_renewal, []
        for call in calls:
            if call.action:
                self.change_failed.emit(
                    ApiPages.tr(
                        "{action} was not saved: your session ended. Unlock, then try again; "
                        "your text is still in the editor."
                    ).format(action=call.action)
                )

    @pyqtSlot(str)
    def signed_out(self, reason: str = "") -> None:
        self._generation += 1
        self._after_renewal = []
        self._select_after_load = None
        if self.has_service:
            self.workspace.clear_documents()
        self.workspace.set_documents_status("")
        self.workspace.set_reports_status("")

    def close(self) -> None:
        """At shutdown, once the workers are done."""
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None
