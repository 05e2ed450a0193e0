"""The reference app's workspace: what a signed-in user works in, gated by permissions."""

from __future__ import annotations

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

# What each part of the workspace needs (DESIGN.md's policy grants them by role).
DOCUMENTS_READ = "documents.read"
DOCUMENTS_WRITE = "documents.write"
REPORTS_VIEW = "reports.view"
USERS_MANAGE = "users.manage"
ACTIVITY_VIEW = "activity.view"

# The demo content, translated when shown (dates and figures are the same in every language).
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


def status_text(session: Session) -> str:
    """'Signed in as <name> (<roles>)' for the status bar."""
    name = session.display_name or session.username
    roles = ", ".join(sorted(session.roles)) or WorkspaceWindow.tr("no roles")
    return WorkspaceWindow.tr("Signed in as {name} ({roles})").format(name=name, roles=roles)


def _translated(rows: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(WorkspaceWindow.tr(value) for value in row) for row in rows)


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
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))
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
    newDocument / editDocument / deleteDocument (actions), reportsPage, adminPage,
    activityPage, lockAction, signOutAction, quitAction, helpMenu, copyDiagnosticsAction,
    settingsAction (Session -> Settings…, Ctrl+,).
    """

    tr = TranslationContext("WorkspaceWindow")

    lock_requested = pyqtSignal()
    sign_out_requested = pyqtSignal()
    quit_requested = pyqtSignal()
    settings_requested = pyqtSignal()  # Session -> Settings… (Ctrl+,)
    diagnostics_requested = pyqtSignal()  # Help -> Copy diagnostics

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
            WorkspaceWindow.tr("What you write is kept while the workspace is locked.")
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
        documents_layout.addWidget(splitter, 1)
        self.documents_page = _page(
            "documentsPage",
            WorkspaceWindow.tr("Documents"),
            documents_body,
            WorkspaceWindow.tr("Shared documents of your team."),
        )

        self.reports_page = _page(
            "reportsPage",
            WorkspaceWindow.tr("Reports"),
            _table(
                (WorkspaceWindow.tr("Figure"), WorkspaceWindow.tr("Value")),
                _translated(SAMPLE_REPORTS),
                "reportsTable",
                WorkspaceWindow.tr("Reports"),
                WorkspaceWindow.tr("This week."),
            ),
            WorkspaceWindow.tr("This week's figures."),
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

    def clear_session(self) -> None:
        """Signed out: nothing of this user's work stays for the next one to see."""
        self.tabs.setCurrentIndex(0)
        self.document_editor.clear()
        self.documents_table.clearSelection()
        self.clear_status_notice()
        self.status_label.clear()
        self.user_label.clear()
        self.roles_label.clear()
