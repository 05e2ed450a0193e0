"""The reference app's workspace: what a signed-in user works in, gated by permissions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PyQt5.QtCore import QT_TRANSLATE_NOOP, Qt, pyqtSignal, pyqtSlot
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QAction,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_auth.qt.permission_gate import PermissionGate
from desktop_auth.qt.style import centre_on_screen
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.session import Session

if TYPE_CHECKING:
    from desktop_auth.demo_api.client import Figure
    from desktop_auth.demo_api.store import Document

# What each part of the workspace needs (DESIGN.md's policy grants them by role).
DOCUMENTS_READ = "documents.read"
DOCUMENTS_WRITE = "documents.write"
REPORTS_VIEW = "reports.view"
USERS_MANAGE = "users.manage"
ACTIVITY_VIEW = "activity.view"

# The local sample content, shown without a documents service (--issuer without --api) and
# translated when shown (dates and figures are the same in every language). The example API
# starts with the same documents (desktop_auth.demo_api.samples), stored in English.
SAMPLE_DOCUMENTS = (
    (
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Quarterly plan"),
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Planning"),
        "2026-10-02",
    ),
    (
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Onboarding checklist"),
        QT_TRANSLATE_NOOP("WorkspaceWindow", "People"),
        "2026-09-18",
    ),
    (
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Release notes 0.1"),
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Engineering"),
        "2026-11-20",
    ),
    (
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Security review"),
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Engineering"),
        "2026-11-12",
    ),
    (
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Budget draft"),
        QT_TRANSLATE_NOOP("WorkspaceWindow", "Finance"),
        "2026-08-30",
    ),
)
SAMPLE_REPORTS = (
    (QT_TRANSLATE_NOOP("WorkspaceWindow", "Sign-ins this week"), "128"),
    (QT_TRANSLATE_NOOP("WorkspaceWindow", "Documents edited"), "37"),
    (QT_TRANSLATE_NOOP("WorkspaceWindow", "Active users"), "12"),
)
# The example API's figures by name (desktop_auth.demo_api.api.reports); others show as named.
FIGURE_LABELS = {
    "documents": QT_TRANSLATE_NOOP("WorkspaceWindow", "Documents"),
    "areas": QT_TRANSLATE_NOOP("WorkspaceWindow", "Areas"),
    "updated_last_7_days": QT_TRANSLATE_NOOP("WorkspaceWindow", "Updated in the last 7 days"),
    "changed_through_api": QT_TRANSLATE_NOOP("WorkspaceWindow", "Changed through the service"),
}
# The role of a documents table row's first item that holds the document's id.
DOCUMENT_ID_ROLE = Qt.UserRole


def status_text(session: Session) -> str:
    """'Signed in as <name> (<roles>)' for the status bar."""
    name = session.display_name or session.username
    roles = ", ".join(sorted(session.roles)) or WorkspaceWindow.tr("no roles")
    return WorkspaceWindow.tr("Signed in as {name} ({roles})").format(name=name, roles=roles)


def _translated(rows: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(WorkspaceWindow.tr(value) for value in row) for row in rows)


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    table.clearContents()
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))


def _table(
    headers: tuple[str, ...],
    rows: tuple[tuple[str, ...], ...],
    name: str,
    accessible_name: str,
    description: str,
) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setObjectName(name)
    table.setAccessibleName(accessible_name)
    table.setAccessibleDescription(description)
    table.setHorizontalHeaderLabels(list(headers))
    _fill(table, rows)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    # Arrows move between rows; Tab leaves the table instead of walking its cells.
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
    # Headings line up with the text under them.
    table.horizontalHeader().setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    return table


def _status_label(name: str, accessible_name: str) -> QLabel:
    """Where a page says where its content comes from, that it is loading, or what failed."""
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.PlainText)  # messages may quote a server
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    label.hide()
    return label


def draft_parts(text: str) -> tuple[str, str]:
    """The editor's text as (title, body): the first line is the title, the rest the body."""
    title, _, body = text.partition("\n")
    return title.strip(), body


def _page(name: str, title: str, body: QWidget, intro: str = "") -> QWidget:
    page = QWidget()
    page.setObjectName(name)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(20, 16, 20, 16)
    heading = QLabel(title)
    heading.setObjectName("pageHeading")
    layout.addWidget(heading)
    if intro:
        text = QLabel(intro)
        text.setObjectName("pageIntro")
        text.setWordWrap(True)
        layout.addWidget(text)
    layout.addWidget(body, 1)
    return page


class WorkspaceWindow(QMainWindow):
    """Documents, editing actions, reports, administration and the activity log, each gated
    on a permission through ``gate``; menus with Lock (Ctrl+L), Sign out and Quit (Ctrl+Q).

    Object names: workspace, documentsPage, documentsTable, documentEditor, editActions (toolbar),
    newDocument / editDocument / deleteDocument (actions), documentsStatus, reportsPage,
    reportsTable, reportsStatus, adminPage, activityPage, lockAction, signOutAction,
    quitAction, helpMenu, copyDiagnosticsAction, settingsAction (Session -> Settings…, Ctrl+,),
    confirmDelete (the question before a deletion).

    The documents come from the documents service (``show_documents``) or are local samples
    (``show_local_samples``). The editor's first line is a document's title, the rest its
    body: Ctrl+N saves it as a new document, Ctrl+E into the selected one, Delete deletes the
    selected one once confirmed; the window only asks (``*_requested``), the app calls the
    service.
    """

    tr = TranslationContext("WorkspaceWindow")

    lock_requested = pyqtSignal()
    sign_out_requested = pyqtSignal()
    quit_requested = pyqtSignal()
    settings_requested = pyqtSignal()  # Session -> Settings… (Ctrl+,)
    diagnostics_requested = pyqtSignal()  # Help -> Copy diagnostics
    new_document_requested = pyqtSignal()  # Ctrl+N
    edit_document_requested = pyqtSignal()  # Ctrl+E
    delete_document_requested = pyqtSignal()  # Delete
    # The id of the selected document, once the user confirmed deleting it.
    delete_confirmed = pyqtSignal(int)

    def __init__(
        self,
        gate: PermissionGate,
        activity_viewer: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.setWindowTitle(WorkspaceWindow.tr("desktop-auth — Workspace"))
        self.gate = gate
        self._documents: dict[int, Document] = {}
        self._confirm: QMessageBox | None = None
        self._build(activity_viewer)
        self._gate_widgets()
        # Disabling tabs moved the current one along; every session starts on the first.
        self.tabs.setCurrentIndex(0)
        self._connect_signals()
        self.resize(980, 640)
        centre_on_screen(self)

    def _build(self, activity_viewer: QWidget | None) -> None:
        self.lock_action = QAction(WorkspaceWindow.tr("&Lock"), self)
        self.lock_action.setObjectName("lockAction")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.sign_out_action = QAction(WorkspaceWindow.tr("Sign &out"), self)
        self.sign_out_action.setObjectName("signOutAction")
        self.sign_out_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.quit_action = QAction(WorkspaceWindow.tr("&Quit"), self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.settings_action = QAction(WorkspaceWindow.tr("Se&ttings…"), self)
        self.settings_action.setObjectName("settingsAction")
        # Not QKeySequence.Preferences: it is empty on most Linux desktops.
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))

        self.new_action = QAction(WorkspaceWindow.tr("&New document"), self)
        self.new_action.setObjectName("newDocument")
        self.new_action.setShortcut(QKeySequence.New)
        self.edit_action = QAction(WorkspaceWindow.tr("&Edit document"), self)
        self.edit_action.setObjectName("editDocument")
        self.edit_action.setShortcut(QKeySequence("Ctrl+E"))
        self.delete_action = QAction(WorkspaceWindow.tr("&Delete document"), self)
        self.delete_action.setObjectName("deleteDocument")
        self.delete_action.setShortcut(QKeySequence.Delete)
        self.edit_actions = (self.new_action, self.edit_action, self.delete_action)
        # Set before the gate keeps them: the toolbar buttons' tooltips and descriptions.
        for action in self.edit_actions:
            shortcut = action.shortcut().toString(QKeySequence.NativeText)
            action.setToolTip(
                WorkspaceWindow.tr("{action} ({shortcut})").format(
                    action=action.text().replace("&", ""), shortcut=shortcut
                )
            )

        session_menu = self.menuBar().addMenu(WorkspaceWindow.tr("&Session"))
        session_menu.addAction(self.lock_action)
        session_menu.addAction(self.sign_out_action)
        session_menu.addSeparator()
        session_menu.addAction(self.settings_action)
        session_menu.addSeparator()
        session_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu(WorkspaceWindow.tr("&Edit"))
        for action in self.edit_actions:
            edit_menu.addAction(action)
        self.copy_diagnostics_action = QAction(WorkspaceWindow.tr("Copy &diagnostics"), self)
        self.copy_diagnostics_action.setObjectName("copyDiagnosticsAction")
        help_menu = self.menuBar().addMenu(WorkspaceWindow.tr("&Help"))
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.copy_diagnostics_action)

        self.toolbar = QToolBar(WorkspaceWindow.tr("Edit"))
        self.toolbar.setObjectName("editActions")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        for action in self.edit_actions:
            self.toolbar.addAction(action)

        self.documents_table = _table(
            (
                WorkspaceWindow.tr("Title"),
                WorkspaceWindow.tr("Area"),
                WorkspaceWindow.tr("Updated"),
            ),
            _translated(SAMPLE_DOCUMENTS),
            "documentsTable",
            WorkspaceWindow.tr("Documents"),
            WorkspaceWindow.tr(
                "Ctrl+N adds a document, Ctrl+E edits the selected one, Delete deletes it."
            ),
        )
        # Where the user types: what must survive a lock or an expired session.
        self.document_editor = QPlainTextEdit()
        self.document_editor.setObjectName("documentEditor")
        self.document_editor.setAccessibleName(WorkspaceWindow.tr("Document text"))
        self.document_editor.setAccessibleDescription(
            WorkspaceWindow.tr(
                "The first line is the document's title, the rest its text. What you write "
                "is kept while the workspace is locked."
            )
        )
        self.document_editor.setPlaceholderText(WorkspaceWindow.tr("Write here…"))
        self.document_editor.setTabChangesFocus(True)  # Tab moves on; no keyboard trap
        splitter = QSplitter(Qt.Horizontal)
        splitter.setObjectName("documentsSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(12)  # room between the table and the editor
        splitter.addWidget(self.documents_table)
        splitter.addWidget(self.document_editor)
        splitter.setSizes([560, 400])
        documents_body = QWidget()
        documents_layout = QVBoxLayout(documents_body)
        documents_layout.setContentsMargins(0, 0, 0, 0)
        documents_layout.addWidget(self.toolbar)
        self.documents_status = _status_label(
            "documentsStatus", WorkspaceWindow.tr("Where the documents come from")
        )
        documents_layout.addWidget(self.documents_status)
        documents_layout.addWidget(splitter, 1)
        self.documents_page = _page(
            "documentsPage",
            WorkspaceWindow.tr("Documents"),
            documents_body,
            WorkspaceWindow.tr("Shared documents of your team."),
        )

        self.reports_table = _table(
            (WorkspaceWindow.tr("Figure"), WorkspaceWindow.tr("Value")),
            _translated(SAMPLE_REPORTS),
            "reportsTable",
            WorkspaceWindow.tr("Reports"),
            WorkspaceWindow.tr("Figures about the documents."),
        )
        self.reports_status = _status_label(
            "reportsStatus", WorkspaceWindow.tr("Where the figures come from")
        )
        reports_body = QWidget()
        reports_layout = QVBoxLayout(reports_body)
        reports_layout.setContentsMargins(0, 0, 0, 0)
        reports_layout.addWidget(self.reports_status)
        reports_layout.addWidget(self.reports_table, 1)
        self.reports_page = _page(
            "reportsPage",
            WorkspaceWindow.tr("Reports"),
            reports_body,
            WorkspaceWindow.tr("Figures about your team's documents."),
        )
        self.admin_page = _page(
            "adminPage",
            WorkspaceWindow.tr("Administration"),
            _table(
                (WorkspaceWindow.tr("User"), WorkspaceWindow.tr("Roles")),
                (("alice", "admin"), ("bob", "viewer")),  # accounts and role names: data
                "usersTable",
                WorkspaceWindow.tr("Users"),
                WorkspaceWindow.tr("The accounts of the identity server and their roles."),
            ),
            WorkspaceWindow.tr(
                "Accounts of the identity server. Change them with "
                "`desktop-auth-server user roles NAME r1,r2`."
            ),
        )
        if activity_viewer is None:
            placeholder = QLabel(WorkspaceWindow.tr("The activity log is not available."))
            placeholder.setAlignment(Qt.AlignCenter)
            activity_viewer = placeholder
        self.activity_viewer = activity_viewer
        self.activity_page = _page(
            "activityPage",
            WorkspaceWindow.tr("Activity log"),
            activity_viewer,
            WorkspaceWindow.tr(
                "What happened on this computer: sign-ins, failures, locks and sign-outs."
            ),
        )

        self.tabs = QTabWidget()
        self.tabs.setObjectName("workspaceTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setAccessibleName(WorkspaceWindow.tr("Workspace sections"))
        # The letters of the tabs' mnemonics, which each language chooses.
        self.tabs.tabBar().setAccessibleDescription(
            WorkspaceWindow.tr(
                "Alt+D Documents, Alt+R Reports, Alt+A Administration, Alt+L Activity log."
            )
        )
        self.tabs.addTab(self.documents_page, WorkspaceWindow.tr("&Documents"))
        self.tabs.addTab(self.reports_page, WorkspaceWindow.tr("&Reports"))
        self.tabs.addTab(self.admin_page, WorkspaceWindow.tr("&Administration"))
        self.tabs.addTab(self.activity_page, WorkspaceWindow.tr("Activity &log"))

        header = QFrame()
        header.setObjectName("workspaceHeader")
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(20, 12, 20, 12)
        self.user_label = QLabel()
        self.user_label.setTextFormat(Qt.PlainText)  # names come from the identity server
        self.user_label.setObjectName("userLabel")
        self.user_label.setAccessibleDescription(WorkspaceWindow.tr("Signed-in user"))
        header_layout.addWidget(self.user_label)
        header_layout.addStretch(1)
        self.roles_label = QLabel()
        self.roles_label.setTextFormat(Qt.PlainText)
        self.roles_label.setObjectName("rolesLabel")
        self.roles_label.setAccessibleDescription(WorkspaceWindow.tr("Roles of the signed-in user"))
        header_layout.addWidget(self.roles_label)

        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(header)
        central_layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.PlainText)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setAccessibleDescription(WorkspaceWindow.tr("Session status"))
        self.statusBar().setObjectName("statusBar")
        self.statusBar().addWidget(self.status_label, 1)

    def _gate_widgets(self) -> None:
        self.gate.gate(self.documents_page, DOCUMENTS_READ)
        for action in self.edit_actions:
            self.gate.gate(action, DOCUMENTS_WRITE)
        self.gate.gate(self.document_editor, DOCUMENTS_WRITE)
        self.gate.gate(self.reports_page, REPORTS_VIEW)
        self.gate.gate(self.admin_page, USERS_MANAGE)
        self.gate.gate(self.activity_page, ACTIVITY_VIEW)

    def _connect_signals(self) -> None:
        self.lock_action.triggered.connect(self.lock_requested)
        self.sign_out_action.triggered.connect(self.sign_out_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.settings_action.triggered.connect(self.settings_requested)
        self.copy_diagnostics_action.triggered.connect(self.diagnostics_requested)
        self.new_action.triggered.connect(self.new_document_requested)
        self.edit_action.triggered.connect(self.edit_document_requested)
        self.delete_action.triggered.connect(self.delete_document_requested)
        self.documents_table.currentCellChanged.connect(self._on_current_document_changed)

    @property
    def status_message(self) -> str:
        return self.status_label.text()

    @pyqtSlot(Session)
    def show_session(self, session: Session) -> None:
        """Say who is signed in (header and status bar)."""
        self.status_label.setText(status_text(session))
        self.user_label.setText(session.display_name or session.username)
        self.roles_label.setText(", ".join(sorted(session.roles)))

    @pyqtSlot(object)
    def show_first_allowed_tab(self, permissions: frozenset[str] = frozenset()) -> None:
        """Once the gate applied new permissions: keep an allowed tab, else the first one."""
        if self.tabs.isTabEnabled(self.tabs.currentIndex()) and self.tabs.isTabVisible(
            self.tabs.currentIndex()
        ):
            return
        for index in range(self.tabs.count()):
            if self.tabs.isTabEnabled(index) and self.tabs.isTabVisible(index):
                self.tabs.setCurrentIndex(index)
                return

    @pyqtSlot(str)
    def show_status_notice(self, text: str) -> None:
        """A passing notice in the status bar (it hides "Signed in as" until cleared), all of
        it in the bar's tooltip too: a long one (more often in a longer language) is cut off
        at the window's edge."""
        self.statusBar().showMessage(text)
        self.statusBar().setToolTip(text)

    @pyqtSlot()
    def clear_status_notice(self) -> None:
        self.statusBar().clearMessage()
        self.statusBar().setToolTip("")

    # Documents and reports

    def show_local_samples(self, note: str) -> None:
        """The built-in sample content, with ``note`` saying that it is only that."""
        self._documents = {}
        _fill(self.documents_table, _translated(SAMPLE_DOCUMENTS))
        _fill(self.reports_table, _translated(SAMPLE_REPORTS))
        self.set_documents_status(note)
        self.set_reports_status(note)

    def set_documents_status(self, text: str) -> None:
        self.documents_status.setText(text)
        self.documents_status.setAccessibleDescription(text)
        self.documents_status.setVisible(bool(text))

    def set_reports_status(self, text: str) -> None:
        self.reports_status.setText(text)
        self.reports_status.setAccessibleDescription(text)
        self.reports_status.setVisible(bool(text))

    def show_documents(self, documents: Sequence[Document], select: int | None = None) -> None:
        """The service's documents; the one with id ``select``, else the one selected before,
        is selected if it is there."""
        if select is None:
            current = self.selected_document()
            select = current.id if current is not None else None
        self._documents = {document.id: document for document in documents}
        self.documents_table.blockSignals(True)
        try:
            _fill(
                self.documents_table,
                [(d.title, d.area, d.updated_at[:10]) for d in documents],
            )
            for row, document in enumerate(documents):
                item = self.documents_table.item(row, 0)
                item.setData(DOCUMENT_ID_ROLE, document.id)
                if document.id == select:
                    self.documents_table.selectRow(row)
        finally:
            self.documents_table.blockSignals(False)

    def show_figures(self, figures: Sequence[Figure]) -> None:
        rows = [
            (
                WorkspaceWindow.tr(FIGURE_LABELS[f.name]) if f.name in FIGURE_LABELS else f.name,
                str(f.value),
            )
            for f in figures
        ]
        _fill(self.reports_table, rows)

    def clear_documents(self) -> None:
        self._documents = {}
        _fill(self.documents_table, [])
        _fill(self.reports_table, [])

    def selected_document(self) -> Document | None:
        """The document of the table's current row, when it came from the service."""
        item = self.documents_table.item(self.documents_table.currentRow(), 0)
        if item is None or not self.documents_table.selectionModel().hasSelection():
            return None
        document_id = item.data(DOCUMENT_ID_ROLE)
        return self._documents.get(document_id) if isinstance(document_id, int) else None

    def draft(self) -> tuple[str, str]:
        """(title, body) of what the editor holds."""
        return draft_parts(self.document_editor.toPlainText())

    def mark_draft_saved(self) -> None:
        """The editor's text is now in the service: choosing another document may replace it."""
        self.document_editor.document().setModified(False)

    @pyqtSlot(int, int, int, int)
    def _on_current_document_changed(self, row: int, *_: int) -> None:
        """Show the chosen document in the editor, unless that would replace unsaved text."""
        if self.document_editor.document().isModified():
            return
        item = self.documents_table.item(row, 0)
        document_id = item.data(DOCUMENT_ID_ROLE) if item is not None else None
        document = self._documents.get(document_id) if isinstance(document_id, int) else None
        if document is None:
            return
        self.document_editor.setPlainText(f"{document.title}\n{document.body}")
        self.mark_draft_saved()

    def confirm_delete(self, document: Document) -> None:
        """Ask before deleting ``document`` (Enter deletes, Esc keeps it): ``delete_confirmed``
        with its id when the answer is Delete."""
        box = self._confirm = QMessageBox(
            QMessageBox.Question,
            WorkspaceWindow.tr("Delete document"),
            WorkspaceWindow.tr("Delete “{title}” for everyone? This cannot be undone.").format(
                title=document.title
            ),
            QMessageBox.NoButton,
            self,
        )
        box.setObjectName("confirmDelete")
        delete = box.addButton(WorkspaceWindow.tr("&Delete"), QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(delete)
        box.setEscapeButton(QMessageBox.Cancel)
        box.setAttribute(Qt.WA_DeleteOnClose)

        def answered() -> None:
            self._confirm = None
            if box.clickedButton() is delete:
                self.delete_confirmed.emit(document.id)

        box.finished.connect(answered)
        box.open()

    def dismiss_questions(self) -> None:
        """Locked or signed out: a question asked before (Delete?) goes, unanswered."""
        if self._confirm is not None:
            self._confirm.reject()

    def clear_session(self) -> None:
        """Signed out: nothing of this user's work stays for the next one to see."""
        self.tabs.setCurrentIndex(0)
        self.dismiss_questions()
        self.document_editor.clear()
        self.documents_table.clearSelection()
        self.clear_status_notice()
        self.status_label.clear()
        self.user_label.clear()
        self.roles_label.clear()
