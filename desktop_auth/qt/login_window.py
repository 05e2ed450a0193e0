"""The keyboard-driven sign-in window (also the lock screen) driven by an AuthController."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from PyQt5.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPointF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    pyqtSignal,
    pyqtSlot,
)
from PyQt5.QtGui import (
    QCloseEvent,
    QColor,
    QDesktopServices,
    QHideEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QStandardItem,
    QStandardItemModel,
)
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QAction,
    QApplication,
    QCheckBox,
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QShortcut,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_auth.credentials import (
    MAX_PASSWORD_LENGTH,
    MAX_USERNAME_LENGTH,
    InputProblem,
    clean_username,
    password_problem,
    username_problem,
)
from desktop_auth.errors import AuthFailure
from desktop_auth.qt.caps_lock import caps_lock_on
from desktop_auth.qt.controller import AuthController
from desktop_auth.qt.device_panel import DeviceCodePanel
from desktop_auth.qt.style import centre_on_screen
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.session import Session

if TYPE_CHECKING:
    from desktop_auth.oidc.device import DeviceCode

log = logging.getLogger(__name__)

APP_TITLE = "desktop-auth"  # the program's name, in every language
RETRY_TICK_MS = 200
# The bare username of an item in the remembered-accounts list (its display text may say more).
USERNAME_ROLE = Qt.UserRole
# Keys the open accounts list handles itself, though the window has shortcuts for them.
LIST_KEYS = frozenset({Qt.Key_Return, Qt.Key_Enter, Qt.Key_Escape})


def field_max_length(characters: int) -> int:
    """A QLineEdit maxLength (UTF-16 units) that keeps a huge paste cheap yet still over
    ``characters`` characters, so it is refused as too long rather than silently cut short."""
    return 2 * (characters + 1)


def caps_lock_from_key(event: QKeyEvent) -> bool | None:
    """Whether Caps Lock is on, judged from a typed letter's case and Shift; None if unknown.

    Qt has no portable Caps Lock query, but a letter typed in upper case without Shift (or in
    lower case with it) tells.
    """
    text = event.text()
    if len(text) != 1 or text.lower() == text.upper():
        return None
    shifted = bool(event.modifiers() & Qt.ShiftModifier)
    return text.isupper() != shifted


def chevron_icon(color: QColor | str | None = None, size: int = 16) -> QIcon:
    """A thin down-pointing chevron, drawn so that it matches the text colours at any scale
    (by default the palette's secondary text, which follows the light or dark scheme)."""
    if color is None:
        color = QApplication.palette().color(QPalette.PlaceholderText)
    icon = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(QColor(color), 1.6, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        path = QPainterPath(QPointF(size * 0.28, size * 0.40))
        path.lineTo(QPointF(size * 0.50, size * 0.62))
        path.lineTo(QPointF(size * 0.72, size * 0.40))
        painter.drawPath(path)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


class AppLogo(QWidget):
    """The window's icon, painted at the window's pixel density so that it is crisp at 200%."""

    def __init__(self, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appLogo")
        self.setFixedSize(size, size)

    def paintEvent(self, event: QPaintEvent) -> None:
        window = self.window()
        pixmap = window.windowIcon().pixmap(window.windowHandle(), self.size())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        painter.drawPixmap(self.rect(), pixmap)
        painter.end()


@dataclass(frozen=True)
class DemoAccount:
    """An account of the embedded demo server, shown in the banner."""

    username: str
    password: str
    roles: tuple[str, ...]


class LoginWindow(QMainWindow):
    """Sign in with the keyboard alone; the same window is the lock screen.

    Object names (for tests and style sheets): appLogo and appName (the app's icon, when it has
    one, and name over the heading), username, password, showPassword,
    staySignedIn, signInButton, messageLabel, busyIndicator, capsLockWarning, demoBanner,
    issuerLabel, switchUserButton (lock screen only), rememberedAccountsButton (the arrow at
    the end of the username field, shown when accounts are remembered), rememberedAccountsList
    (the pop-up list of them, a top-level window while open), settingsButton ("Settings…",
    Alt+T or Ctrl+,; not a Tab stop, so the Tab cycle stays the form's; not on the lock
    screen, where ``settings_requested`` is not emitted either).
    Tab order username, password, show password, stay signed in, sign in; Enter submits from
    any of them, Esc cancels a sign-in in progress. The accounts button is not a Tab stop:
    Down or Alt+Down in the username field opens the same list, and a stop between the
    username and the password would cost every sign-in a keystroke.
    In the list: Up/Down move, Enter chooses, Delete (or Shift+Delete) forgets the highlighted
    account, typing filters it, Esc closes only the list, Tab closes it and moves on.

    Extending it: a subclass (or the app) adds its own fields with ``add_form_field``, and
    ``offer_settings(False)`` takes the "Settings…" button away from an app that has no
    settings to show.
    """

    tr = TranslationContext("LoginWindow")

    sign_in_requested = pyqtSignal(str, str)
    browser_sign_in_requested = pyqtSignal(str)  # the username typed, if any (a login hint)
    device_sign_in_requested = pyqtSignal(str)
    cancel_requested = pyqtSignal()
    sign_out_requested = pyqtSignal()
    quit_requested = pyqtSignal()  # Ctrl+Q; the application decides what quitting means
    account_chosen = pyqtSignal(str)  # a remembered account was picked from the list
    forget_account_requested = pyqtSignal(str)  # Delete on a remembered account in the list
    settings_requested = pyqtSignal()  # Ctrl+, or "Settings…"; never while locked

    def __init__(
        self,
        controller: AuthController,
        last_username: str | None = None,
        parent: QWidget | None = None,
        *,
        app_name: str = APP_TITLE,
    ) -> None:
        """``app_name``: the program's name, shown beside the logo and in the window titles
        ("<app_name> — Sign in")."""
        super().__init__(parent)
        self.controller = controller
        self.app_title = app_name
        self.setObjectName("loginWindow")
        self.setWindowTitle(self._sign_in_title())
        self._busy = False
        # "browser" or "device" while such a sign-in waits on the user elsewhere.
        self._waiting_for: str | None = None
        self._locked_user: str | None = None
        self._retry_remaining = 0
        self._caps_lock: bool | None = None
        self._keyring_available = True
        # Set while the message shown is about what the fields hold (too long, control
        # characters), so that it goes once they are put right.
        self._input_message_shown = False
        # Whether "Settings…" (and Ctrl+,) is offered: see offer_settings.
        self._settings_offered = True

        self._retry_timer = QTimer(self)
        self._retry_timer.setObjectName("retryTimer")
        # Ticks update the countdown; the deadline (monotonic) decides, so that a timer firing
        # a little early never lets the user retry before the server's Retry-After.
        self._retry_timer.setInterval(RETRY_TICK_MS)
        self._retry_timer.setTimerType(Qt.PreciseTimer)
        self._retry_deadline = 0.0

        self._build()
        if last_username:
            self.username.setText(last_username)
        self._connect_signals()
        # Given now, the focus is where the user starts typing once the window is shown.
        (self.password if last_username else self.username).setFocus(Qt.OtherFocusReason)
        # Tall enough that a notice at the bottom leaves the demo banner readable.
        self.resize(460, 660)
        centre_on_screen(self)

    # Construction

    def _build(self) -> None:
        self.logo = AppLogo(32)
        self.logo.setVisible(not self.windowIcon().isNull())  # the app sets its icon first
        self.app_name = QLabel(self.app_title)
        self.app_name.setObjectName("appName")
        self.heading = QLabel(LoginWindow.tr("Sign in"))
        self.heading.setObjectName("heading")
        self.issuer_label = QLabel("")
        self.issuer_label.setObjectName("issuerLabel")
        self.issuer_label.setAccessibleDescription(
            LoginWindow.tr("The identity server you sign in to")
        )
        self.issuer_label.setWordWrap(True)
        self.issuer_label.setTextFormat(Qt.PlainText)
        self.issuer_label.hide()

        self.demo_banner = QLabel()
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setWordWrap(True)
        self.demo_banner.setTextFormat(Qt.RichText)
        self.demo_banner.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.demo_banner.hide()

        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setAccessibleName(LoginWindow.tr("Username"))
        self.username.setInputMethodHints(Qt.ImhNoAutoUppercase | Qt.ImhNoPredictiveText)
        self.username.setMaxLength(field_max_length(MAX_USERNAME_LENGTH))
        self.username_label = QLabel(LoginWindow.tr("&Username"))
        self.username_label.setObjectName("usernameLabel")
        self.username_label.setBuddy(self.username)
        self._build_remembered_accounts()

        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setAccessibleName(LoginWindow.tr("Password"))
        self.password.setAccessibleDescription(LoginWindow.tr("Enter signs in."))
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setInputMethodHints(Qt.ImhHiddenText | Qt.ImhSensitiveData)
        self.password.setMaxLength(field_max_length(MAX_PASSWORD_LENGTH))
        self.password_label = QLabel(LoginWindow.tr("&Password"))
        self.password_label.setObjectName("passwordLabel")
        self.password_label.setBuddy(self.password)

        self.caps_lock_warning = QLabel(LoginWindow.tr("Caps Lock is on."))
        self.caps_lock_warning.setObjectName("capsLockWarning")
        self.caps_lock_warning.setAccessibleDescription(
            LoginWindow.tr("Passwords are case-sensitive.")
        )
        self.caps_lock_warning.hide()

        # "Sho&w", not "&Show": Alt+S belongs to "Sign in", and a mnemonic shared by two
        # widgets only moves the focus between them, so Alt+S would never sign in.
        # (Each language picks its letters so; tests/app/test_accessibility.py checks them.)
        self.show_password = QCheckBox(LoginWindow.tr("Sho&w password"))
        self.show_password.setObjectName("showPassword")
        self.show_password.setAccessibleDescription(
            LoginWindow.tr("Shows the password as you type it.")
        )

        # "si&gned": Alt+S, Alt+U, Alt+P and Alt+W are taken.
        self.stay_signed_in = QCheckBox(LoginWindow.tr("Stay si&gned in"))
        self.stay_signed_in.setObjectName("staySignedIn")
        self.stay_signed_in.setToolTip(self._stay_signed_in_tip())

        self.message_label = QLabel()
        self.message_label.setObjectName("messageLabel")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.PlainText)  # messages may quote a server
        self.message_label.setAccessibleName(LoginWindow.tr("Sign-in message"))
        self.message_label.hide()

        self.busy_indicator = QProgressBar()
        self.busy_indicator.setObjectName("busyIndicator")
        self.busy_indicator.setRange(0, 0)  # indeterminate
        self.busy_indicator.setTextVisible(False)
        self.busy_indicator.setAccessibleName(LoginWindow.tr("Signing in"))
        self.busy_indicator.setAccessibleDescription(LoginWindow.tr("Esc cancels."))
        self.busy_indicator.setFixedHeight(4)
        self.busy_indicator.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.busy_indicator.hide()

        self.sign_in_button = QPushButton(LoginWindow.tr("&Sign in"))
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setAccessibleDescription(
            LoginWindow.tr("Enter signs in from any field.")
        )

        # The other ways in, for servers that take no password here (DESIGN.md "Sign-in
        # protocols" 3 and 4).
        self.browser_button = QPushButton(LoginWindow.tr("Sign in with &browser"))
        self.browser_button.setObjectName("browserButton")
        self.browser_button.setAutoDefault(False)
        self.browser_button.setAccessibleDescription(
            LoginWindow.tr("Opens the identity server's own sign-in page in your web browser.")
        )
        self.device_button = QPushButton(LoginWindow.tr("Use another &device"))
        self.device_button.setObjectName("deviceButton")
        self.device_button.setAutoDefault(False)
        self.device_button.setAccessibleDescription(
            LoginWindow.tr("Shows a code to enter on your phone or another computer.")
        )
        self.browser_link = QLabel()
        self.browser_link.setObjectName("browserLink")
        self.browser_link.setTextFormat(Qt.PlainText)  # the address is the server's
        self.browser_link.setWordWrap(True)
        self.browser_link.setTextInteractionFlags(
            Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard
        )
        self.browser_link.setAccessibleName(LoginWindow.tr("Sign-in address"))
        self.browser_link.hide()
        self.device_panel = DeviceCodePanel()
        self.device_panel.hide()

        self.switch_user_button = QPushButton(LoginWindow.tr("Sign in as &another user"))
        self.switch_user_button.setObjectName("switchUserButton")
        self.switch_user_button.setAutoDefault(False)
        self.switch_user_button.setAccessibleDescription(
            LoginWindow.tr("Signs the locked account out, so that another can sign in.")
        )
        self.switch_user_button.hide()  # only on the lock screen

        # "Se&ttings": Alt+S, U, P, W, G and A are taken.
        self.settings_button = QPushButton(LoginWindow.tr("Se&ttings…"))
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.setAutoDefault(False)
        self.settings_button.setFocusPolicy(Qt.NoFocus)
        self.settings_button.setFlat(True)
        self.settings_button.setToolTip(
            LoginWindow.tr("Identity server, idle lock and notifications (Ctrl+,)")
        )

        card = QFrame()
        card.setObjectName("card")
        form = QVBoxLayout(card)
        form.setContentsMargins(32, 28, 32, 28)
        form.setSpacing(6)
        brand = QHBoxLayout()
        brand.setSpacing(10)
        brand.addWidget(self.logo)
        brand.addWidget(self.app_name)
        brand.addStretch(1)
        form.addLayout(brand)
        form.addSpacing(10)
        form.addWidget(self.heading)
        form.addWidget(self.issuer_label)
        form.addSpacing(14)
        form.addWidget(self.username_label)
        form.addWidget(self.username)
        form.addSpacing(8)
        form.addWidget(self.password_label)
        form.addWidget(self.password)
        form.addWidget(self.caps_lock_warning)
        # Left-aligned, so that their focus rings hug them.
        form.addWidget(self.show_password, 0, Qt.AlignLeft)
        form.addWidget(self.stay_signed_in, 0, Qt.AlignLeft)
        # add_form_field puts an app's own fields here, after the last one.
        self._form = form
        self._last_field: QWidget = self.stay_signed_in
        form.addSpacing(8)
        form.addWidget(self.message_label)
        form.addWidget(self.busy_indicator)
        form.addSpacing(6)
        form.addWidget(self.browser_link)
        form.addWidget(self.device_panel)
        form.addWidget(self.sign_in_button)
        other_ways = QHBoxLayout()
        other_ways.setSpacing(6)
        other_ways.addWidget(self.browser_button, 1)
        other_ways.addWidget(self.device_button, 1)
        form.addLayout(other_ways)
        form.addWidget(self.switch_user_button)

        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(card)
        column.addWidget(self.settings_button, 0, Qt.AlignRight)
        column.addSpacing(4)
        column.addWidget(self.demo_banner)
        column.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(column, 0)
        row.addStretch(1)
        card.setFixedWidth(380)
        self.demo_banner.setFixedWidth(380)

        central = QWidget()
        central.setObjectName("loginBackground")
        central.setLayout(row)
        self.setCentralWidget(central)

        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.show_password)
        self.setTabOrder(self.show_password, self.stay_signed_in)
        self.setTabOrder(self.stay_signed_in, self.sign_in_button)
        self.setTabOrder(self.sign_in_button, self.browser_button)
        self.setTabOrder(self.browser_button, self.device_button)
        self.setTabOrder(self.device_button, self.switch_user_button)

        # Enter submits from every field (a QMainWindow has no default button of its own).
        self._submit_shortcuts = [
            QShortcut(QKeySequence(key), self) for key in (Qt.Key_Return, Qt.Key_Enter)
        ]
        self._cancel_shortcut = QShortcut(QKeySequence(Qt.Key_Escape), self)
        self._quit_shortcut = QShortcut(QKeySequence("Ctrl+Q"), self)
        self._settings_shortcut = QShortcut(QKeySequence("Ctrl+,"), self)

    def _build_remembered_accounts(self) -> None:
        """The remembered accounts: a button at the end of the username field and its list."""
        self._accounts_model = QStandardItemModel(self)
        # Attached with setWidget, not QLineEdit.setCompleter: the list opens only when asked
        # for, so typing a username and pressing Enter still signs in as before.
        self._accounts = QCompleter(self._accounts_model, self)
        self._accounts.setObjectName("rememberedAccounts")
        self._accounts.setCompletionRole(USERNAME_ROLE)
        self._accounts.setCaseSensitivity(Qt.CaseInsensitive)
        self._accounts.setMaxVisibleItems(7)
        self._accounts.setWidget(self.username)

        self.accounts_list: QAbstractItemView = self._accounts.popup()
        self.accounts_list.setObjectName("rememberedAccountsList")
        self.accounts_list.setAccessibleName(LoginWindow.tr("Remembered accounts"))
        self.accounts_list.setAccessibleDescription(
            LoginWindow.tr(
                "Enter chooses the highlighted account, Delete forgets it on this computer, "
                "Esc closes the list."
            )
        )

        self.accounts_action = QAction(chevron_icon(), LoginWindow.tr("Remembered accounts"), self)
        self.accounts_action.setObjectName("rememberedAccountsAction")
        self.accounts_action.setToolTip(LoginWindow.tr("Remembered accounts (Alt+Down)"))
        self.username.addAction(self.accounts_action, QLineEdit.TrailingPosition)
        # Hidden only once added: QLineEdit shows the button of an action added hidden.
        self.accounts_action.setVisible(False)
        # QLineEdit makes a tool button (never a focus stop) for the action; name it so tests,
        # style sheets and screen readers find it.
        self.accounts_button = next(
            widget
            for widget in self.accounts_action.associatedWidgets()
            if isinstance(widget, QToolButton)
        )
        self.accounts_button.setObjectName("rememberedAccountsButton")
        self.accounts_button.setAccessibleName(LoginWindow.tr("Remembered accounts"))
        self.accounts_button.setAccessibleDescription(
            LoginWindow.tr(
                "Lists the accounts remembered on this computer; Alt+Down in the username field."
            )
        )

    def _connect_signals(self) -> None:
        for shortcut in self._submit_shortcuts:
            shortcut.activated.connect(self.submit)
        self._cancel_shortcut.activated.connect(self.cancel)
        self._quit_shortcut.activated.connect(self.quit_requested)
        self._settings_shortcut.activated.connect(self.request_settings)
        self.settings_button.clicked.connect(self.request_settings)
        self.sign_in_button.clicked.connect(self.submit)
        self.browser_button.clicked.connect(self.sign_in_with_browser)
        self.device_button.clicked.connect(self.sign_in_with_device)
        self.switch_user_button.clicked.connect(self._on_switch_user)
        self.show_password.toggled.connect(self._on_show_password_toggled)
        self._retry_timer.timeout.connect(self._on_retry_tick)
        self.password.installEventFilter(self)
        self.username.installEventFilter(self)
        self.accounts_action.triggered.connect(self.show_remembered_accounts)
        self._accounts.activated[QModelIndex].connect(self._on_account_activated)
        self.username.textEdited.connect(self._on_username_edited)
        self.username.textEdited.connect(self._on_field_edited)
        self.password.textEdited.connect(self._on_field_edited)
        # After the completer's own filter on its list, so this one sees Delete first.
        self.accounts_list.installEventFilter(self)

        self.sign_in_requested.connect(self.controller.sign_in)
        self.browser_sign_in_requested.connect(self.controller.sign_in_with_browser)
        self.device_sign_in_requested.connect(self.controller.sign_in_with_device)
        self.controller.browser_url_ready.connect(self._on_browser_url)
        self.controller.device_code_ready.connect(self._on_device_code)
        self.sign_out_requested.connect(self.controller.sign_out)
        self.cancel_requested.connect(self.controller.cancel)
        events = self.controller.events
        events.login_started.connect(self._on_login_started)
        events.login_failed.connect(self._on_login_failed)
        events.login_succeeded.connect(self._on_signed_in)
        events.unlocked.connect(self._on_signed_in)
        events.locked.connect(self._on_locked)
        events.logged_out.connect(self._on_logged_out)

    # What the app and tests call

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def message(self) -> str:
        return self.message_label.text() if self.message_label.isVisible() else ""

    def set_issuer(self, text: str) -> None:
        """Say which server the user signs in to (or that it is still starting)."""
        self.issuer_label.setText(text)
        self.issuer_label.setVisible(bool(text))

    def set_demo_accounts(self, accounts: Sequence[DemoAccount]) -> None:
        """Show the "demo server" banner listing the embedded server's accounts."""
        rows = "".join(
            f"<tr><td><b>{escape(a.username)}</b>&nbsp;&nbsp;</td>"
            f"<td><tt>{escape(a.password)}</tt>&nbsp;&nbsp;</td>"
            f"<td>{escape(', '.join(a.roles))}</td></tr>"
            for a in accounts
        )
        heading = LoginWindow.tr(
            "<b>Demo server</b> — running on this computer with these accounts:"
        )
        self.demo_banner.setText(f"{heading}<table style='margin-top:6px'>{rows}</table>")
        self.demo_banner.setAccessibleName(LoginWindow.tr("Demo server accounts"))
        # The table, read as plain sentences.
        self.demo_banner.setAccessibleDescription(
            "; ".join(
                (
                    LoginWindow.tr("{username}, password {password}, roles {roles}")
                    if a.roles
                    else LoginWindow.tr("{username}, password {password}")
                ).format(username=a.username, password=a.password, roles=", ".join(a.roles))
                for a in accounts
            )
        )
        self.demo_banner.setVisible(bool(accounts))

    def add_form_field(self, label: str, field: QWidget) -> QLabel:
        """Add an app's own ``field`` under "Stay signed in", with ``label`` (``&`` marks
        its Alt mnemonic; Alt+S, U, P, W, G, A, B, D and T are taken) as its buddy label;
        returns the label.

        It comes next in the Tab order, before "Sign in", and Enter signs in from it as from
        the other fields. The app reads it itself, on ``login_started`` or
        ``login_succeeded`` for instance: the controller sends the identity server only the
        username and password.
        """
        caption = QLabel(label)
        caption.setBuddy(field)
        if field.objectName():
            caption.setObjectName(field.objectName() + "Label")
        index = self._form.indexOf(self._last_field) + 1
        self._form.insertSpacing(index, 8)
        self._form.insertWidget(index + 1, caption)
        self._form.insertWidget(index + 2, field)
        self.setTabOrder(self._last_field, field)
        self._last_field = field
        return caption

    def offer_settings(self, offered: bool) -> None:
        """Show "Settings…" (and take Ctrl+,) only when ``offered``: an app that connects
        nothing to ``settings_requested`` should not offer a button that does nothing."""
        self._settings_offered = offered
        self.settings_button.setVisible(offered and self._locked_user is None)

    def set_keyring_available(self, available: bool, reason: str = "") -> None:
        """Enable "Stay signed in" if the keyring can be used; otherwise say why in its tooltip."""
        self._keyring_available = available
        if not available:
            self.stay_signed_in.setChecked(False)
        self.stay_signed_in.setEnabled(available and not self._busy)
        self.stay_signed_in.setToolTip(self._stay_signed_in_tip() if available else reason)

    @staticmethod
    def _stay_signed_in_tip() -> str:
        return LoginWindow.tr("Keep you signed in on this computer (system keyring).")

    def set_remembered_accounts(self, usernames: Sequence[str], kept: Collection[str] = ()) -> None:
        """Offer ``usernames`` (most recent first) in the username field's list.

        Those in ``kept`` have a "stay signed in" session on this computer and say so.
        An open list is refreshed in place, on the account it was on.
        """
        was_open = self.accounts_list.isVisible()
        current = self.accounts_list.currentIndex().data(USERNAME_ROLE)
        self._accounts_model.clear()
        # Rows as roomy as the fields above them; the completer sizes its list from this.
        row_size = QSize(1, self.username.fontMetrics().height() + 14)
        seen: set[str] = set()
        for name in usernames:
            if not name or name in seen:
                continue
            seen.add(name)
            stays = name in kept
            shown = LoginWindow.tr("{username} — stays signed in") if stays else "{username}"
            spoken = LoginWindow.tr("{username}, stays signed in") if stays else "{username}"
            item = QStandardItem(shown.format(username=name))
            item.setData(name, USERNAME_ROLE)
            item.setData(spoken.format(username=name), Qt.AccessibleTextRole)
            item.setEditable(False)
            item.setSizeHint(row_size)
            self._accounts_model.appendRow(item)
        self._update_accounts_offer()
        if was_open and self._accounts_offered():
            self._open_list(current if isinstance(current, str) else None)

    @property
    def remembered_accounts(self) -> tuple[str, ...]:
        """The usernames in the list, in order."""
        model = self._accounts_model
        return tuple(model.item(row).data(USERNAME_ROLE) for row in range(model.rowCount()))

    @pyqtSlot()
    def show_remembered_accounts(self) -> None:
        """Open the list of remembered accounts below the username field, if it is offered."""
        if not self._accounts_offered():
            return
        self.username.setFocus(Qt.OtherFocusReason)
        self._accounts.setCompletionPrefix("")
        # Start on the account in the field, so Down, Enter keeps it and Down moves to the next.
        self._open_list(self.username.text().strip())

    def show_message(self, text: str, kind: str = "error") -> None:
        """Show ``text`` in the window and expose it to screen readers."""
        self._input_message_shown = False
        self.message_label.setText(text)
        self.message_label.setProperty("kind", kind)
        # No live regions in PyQt5: the name says what kind of message, the description what
        # it says; the focus is not moved for it.
        self.message_label.setAccessibleName(
            LoginWindow.tr("Sign-in error")
            if kind == "error"
            else LoginWindow.tr("Sign-in message")
        )
        self.message_label.setAccessibleDescription(text)
        # Re-polish so a style sheet keyed on the "kind" property applies.
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)
        self.message_label.setVisible(bool(text))
        self._fit_message()

    def clear_message(self) -> None:
        self._input_message_shown = False
        self.message_label.clear()
        self.message_label.setAccessibleDescription("")
        self.message_label.hide()
        self._fit_message()

    def _fit_message(self) -> None:
        """Grow the window, if it must, so that every line of a wrapped message shows: Qt holds
        a window to its labels' one-line height, and a longer message (a German one more
        often) was squeezed under the button below it."""
        layout = self.centralWidget().layout()
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    @pyqtSlot()
    def submit(self) -> None:
        """Ask to sign in with what is in the fields (ignored while busy or waiting)."""
        if self.focusWidget() is self.switch_user_button:  # Enter on that button means it
            self._on_switch_user()
            return
        if self._busy or self._retry_remaining > 0:
            return
        username = clean_username(self.username.text())
        if not username:
            self.show_message(LoginWindow.tr("Enter your username."))
            self.username.setFocus(Qt.OtherFocusReason)
            return
        if self._show_input_problem():
            return
        if not self.password.text():
            self.show_message(LoginWindow.tr("Enter your password."))
            self.password.setFocus(Qt.OtherFocusReason)
            return
        self.sign_in_requested.emit(username, self.password.text())

    def _input_problem(self) -> tuple[QLineEdit, str] | None:
        """The first field that holds what cannot be sent (too long, control characters),
        with a message saying so; an empty field is not a problem here."""
        username = username_problem(self.username.text())
        if username is InputProblem.TOO_LONG:
            text = LoginWindow.tr("The username is too long: at most {limit} characters.")
            return self.username, text.format(limit=MAX_USERNAME_LENGTH)
        if username is InputProblem.CONTROL_CHARACTER:
            return self.username, LoginWindow.tr(
                "The username contains a control character (such as a tab or a line break), "
                "perhaps pasted with it. Type it again."
            )
        password = password_problem(self.password.text())
        if password is InputProblem.TOO_LONG:
            text = LoginWindow.tr("The password is too long: at most {limit} characters.")
            return self.password, text.format(limit=MAX_PASSWORD_LENGTH)
        if password is InputProblem.CONTROL_CHARACTER:
            return self.password, LoginWindow.tr(
                "The password contains a control character (such as a tab or a line break), "
                "perhaps pasted with it. Type it again."
            )
        return None

    def _show_input_problem(self) -> bool:
        """Say what cannot be sent, in the field that holds it; False if nothing."""
        problem = self._input_problem()
        if problem is None:
            return False
        field, text = problem
        self.show_message(text)
        self._input_message_shown = True
        field.setFocus(Qt.OtherFocusReason)
        return True

    @pyqtSlot(str)
    def _on_field_edited(self, text: str) -> None:
        """Say at once when a paste or keystroke makes a field unsendable, and stop saying
        it once both fields are put right."""
        problem = self._input_problem()
        if problem is not None:
            self.show_message(problem[1])
            self._input_message_shown = True
        elif self._input_message_shown:
            self.clear_message()

    @pyqtSlot()
    def request_settings(self) -> None:
        """Ctrl+, or "Settings…": ask for the settings, unless this is the lock screen."""
        if self._settings_offered and not self.controller.is_locked:
            self.settings_requested.emit()

    @pyqtSlot()
    def cancel(self) -> None:
        """Esc: cancel a sign-in in progress."""
        if self._busy:
            self.cancel_requested.emit()

    # Slots for the controller's events

    @pyqtSlot(str)
    def _on_login_started(self, username: str) -> None:
        self._set_busy(True)
        if self._waiting_for == "browser":
            text = LoginWindow.tr("Opening your web browser… Finish signing in there. Esc cancels.")
        elif self._waiting_for == "device":
            text = LoginWindow.tr("Asking the server for a code… Esc cancels.")
        else:
            text = LoginWindow.tr("Signing in as {username}…").format(username=username)
        self.show_message(text, kind="info")

    @pyqtSlot()
    def sign_in_with_browser(self) -> None:
        """Sign in through the system browser (the username, if typed, is a login hint)."""
        if self._busy or self._retry_remaining > 0:
            return
        self._waiting_for = "browser"
        self.browser_sign_in_requested.emit(self._login_hint())

    @pyqtSlot()
    def sign_in_with_device(self) -> None:
        """Sign in on another device: a code to enter there is shown here."""
        if self._busy or self._retry_remaining > 0:
            return
        self._waiting_for = "device"
        self.device_sign_in_requested.emit(self._login_hint())

    def _login_hint(self) -> str:
        """The username typed, as a hint for the server's own page; none if it could not be
        sent as a username (too long, control characters)."""
        username = self.username.text()
        return clean_username(username) if username_problem(username) is None else ""

    @pyqtSlot(str)
    def _on_browser_url(self, url: str) -> None:
        """Open the server's sign-in page; show its address too, for another browser."""
        self.browser_link.setText(url)
        self.browser_link.show()
        if QDesktopServices.openUrl(QUrl(url)):
            self.show_message(
                LoginWindow.tr(
                    "Finish signing in in your web browser; this window comes back by "
                    "itself. Esc cancels."
                ),
                kind="info",
            )
        else:
            self.show_message(
                LoginWindow.tr(
                    "No web browser could be opened here. Open the address below in a "
                    "browser yourself, or press Esc and use another device."
                ),
                kind="info",
            )

    @pyqtSlot(object)
    def _on_device_code(self, device_code: DeviceCode) -> None:
        self.device_panel.show_code(device_code)
        self.show_message(
            LoginWindow.tr(
                "Waiting for you to approve the sign-in on the other device. Esc cancels."
            ),
            kind="info",
        )

    def _end_waiting(self) -> None:
        self._waiting_for = None
        self.browser_link.clear()
        self.browser_link.hide()
        self.device_panel.clear()

    @pyqtSlot(AuthFailure)
    def _on_login_failed(self, failure: AuthFailure) -> None:
        self._end_waiting()
        self._set_busy(False)
        self.password.clear()
        if failure.kind == "throttled" and failure.retry_after:
            self._start_retry_countdown(failure.retry_after)
        else:
            self.show_message(
                failure.message, kind="info" if failure.kind == "cancelled" else "error"
            )
        self.password.setFocus(Qt.OtherFocusReason)

    @pyqtSlot(Session)
    def _on_signed_in(self, session: Session) -> None:
        self._end_waiting()
        self._set_busy(False)
        self.password.clear()
        self.clear_message()
        self.username.setText(session.username)

    @pyqtSlot()
    def _on_locked(self) -> None:
        session = self.controller.session
        self._locked_user = session.username if session is not None else None
        self.setWindowTitle(LoginWindow.tr("{app} — Locked").format(app=self.app_title))
        self.heading.setText(LoginWindow.tr("Locked"))
        if self._locked_user:
            self.username.setText(self._locked_user)
        self._set_username_read_only(True)
        self.switch_user_button.show()
        self.settings_button.hide()
        self.password.clear()
        self.show_message(
            LoginWindow.tr("Enter the password of {username} to unlock.").format(
                username=self._locked_user
            ),
            kind="info",
        )
        self.password.setFocus(Qt.OtherFocusReason)

    @pyqtSlot(str)
    def _on_logged_out(self, reason: str) -> None:
        self._leave_lock_mode()
        self.password.clear()
        self.clear_message()
        self.password.setFocus(Qt.OtherFocusReason)

    def _leave_lock_mode(self) -> None:
        self._locked_user = None
        self.setWindowTitle(self._sign_in_title())
        self.heading.setText(LoginWindow.tr("Sign in"))
        self._set_username_read_only(False)
        self.switch_user_button.hide()
        self.settings_button.setVisible(self._settings_offered)

    def _sign_in_title(self) -> str:
        return LoginWindow.tr("{app} — Sign in").format(app=self.app_title)

    def _set_username_read_only(self, read_only: bool) -> None:
        self.username.setReadOnly(read_only)
        # Style sheets match [readOnly="true"] only after a re-polish.
        self.username.style().unpolish(self.username)
        self.username.style().polish(self.username)
        self._update_accounts_offer()

    @pyqtSlot()
    def _on_switch_user(self) -> None:
        """Lock screen: sign the locked user out and start over with another username."""
        self.sign_out_requested.emit()
        self.username.selectAll()
        self.username.setFocus(Qt.OtherFocusReason)

    # The remembered accounts

    def _accounts_offered(self) -> bool:
        return (
            self._accounts_model.rowCount() > 0
            and not self.username.isReadOnly()
            and not self._busy
            and self.username.isEnabled()
        )

    def _update_accounts_offer(self) -> None:
        """Show the button only where the list can be used; close the list where it cannot."""
        offered = self._accounts_offered()
        self.accounts_action.setVisible(
            self._accounts_model.rowCount() > 0 and not self.username.isReadOnly()
        )
        self.accounts_action.setEnabled(offered)
        self.username.setAccessibleDescription(
            LoginWindow.tr("Down or Alt+Down lists the accounts remembered on this computer.")
            if offered
            else ""
        )
        if not offered:
            self.accounts_list.hide()

    def _open_list(self, username: str | None, row: int = 0) -> None:
        """Open (or resize) the list on ``username`` if listed, else on ``row``; close it empty."""
        model = self._accounts.completionModel()
        if model.rowCount() == 0:
            self.accounts_list.hide()
            return
        self._accounts.complete()
        names = [model.index(r, 0).data(USERNAME_ROLE).casefold() for r in range(model.rowCount())]
        if username and username.casefold() in names:
            row = names.index(username.casefold())
        row = max(0, min(row, model.rowCount() - 1))
        self.accounts_list.setCurrentIndex(model.index(row, 0))

    @pyqtSlot(QModelIndex)
    def _on_account_activated(self, index: QModelIndex) -> None:
        username = index.data(USERNAME_ROLE)
        if not isinstance(username, str) or not self._accounts_offered():
            return
        self.username.setText(username)
        self.password.clear()
        self.clear_message()
        self.password.setFocus(Qt.OtherFocusReason)
        self.account_chosen.emit(username)

    @pyqtSlot(str)
    def _on_username_edited(self, text: str) -> None:
        """While the list is open, typing narrows it to the accounts starting with the text."""
        if not self.accounts_list.isVisible():
            return
        self._accounts.setCompletionPrefix(text.strip())
        self._open_list(None)  # on the first match, so Enter takes it; closed if none is left

    def _forget_highlighted_account(self) -> bool:
        index = self.accounts_list.currentIndex()
        username = index.data(USERNAME_ROLE) if index.isValid() else None
        if not isinstance(username, str):
            return False
        row = index.row()
        for source_row in range(self._accounts_model.rowCount()):
            if self._accounts_model.item(source_row).data(USERNAME_ROLE) == username:
                self._accounts_model.removeRow(source_row)
                break
        self.forget_account_requested.emit(username)
        self.show_message(
            LoginWindow.tr("{username} is no longer remembered on this computer.").format(
                username=username
            ),
            kind="info",
        )
        self._update_accounts_offer()
        if self.accounts_list.isVisible():
            self._open_list(None, row)  # on the next account, where the forgotten one was
        return True

    # Internals

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.username, self.password, self.show_password):
            widget.setEnabled(not busy)
        self.stay_signed_in.setEnabled(not busy and self._keyring_available)
        self.sign_in_button.setEnabled(not busy and self._retry_remaining == 0)
        for button in (self.browser_button, self.device_button):
            button.setEnabled(not busy and self._retry_remaining == 0)
        self.busy_indicator.setVisible(busy)
        self._update_accounts_offer()

    def _start_retry_countdown(self, seconds: int) -> None:
        self._retry_deadline = time.monotonic() + seconds
        self._retry_remaining = seconds
        self.sign_in_button.setEnabled(False)
        self._show_retry_message()
        self._retry_timer.start()

    def _show_retry_message(self) -> None:
        self.show_message(
            LoginWindow.tr(
                "Too many sign-in attempts. Try again in %n second(s).", None, self._retry_remaining
            )
        )

    @pyqtSlot()
    def _on_retry_tick(self) -> None:
        remaining = max(0, math.ceil(self._retry_deadline - time.monotonic()))
        if remaining:
            if remaining != self._retry_remaining:
                self._retry_remaining = remaining
                self._show_retry_message()
            return
        self._retry_remaining = 0
        self._retry_timer.stop()
        self.sign_in_button.setEnabled(not self._busy)
        self.show_message(LoginWindow.tr("You can try signing in again."), kind="info")

    @pyqtSlot(bool)
    def _on_show_password_toggled(self, shown: bool) -> None:
        self.password.setEchoMode(QLineEdit.Normal if shown else QLineEdit.Password)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.accounts_list:
            if event.type() == QEvent.ShortcutOverride and event.key() in LIST_KEYS:
                # The window's Enter and Esc shortcuts would otherwise take these keys from
                # the open list: Enter must choose an account, Esc close only the list.
                event.accept()
                return True
            if (
                event.type() == QEvent.KeyPress
                and event.key() == Qt.Key_Delete
                and event.modifiers() & ~Qt.KeypadModifier in (Qt.NoModifier, Qt.ShiftModifier)
            ):
                return self._forget_highlighted_account()
        elif watched in (self.password, self.username):
            if event.type() == QEvent.KeyPress:
                self._update_caps_lock(event)
                if watched is self.username and self._opens_accounts(event):
                    self.show_remembered_accounts()
                    return True
            elif event.type() == QEvent.FocusIn:
                self._set_caps_lock(caps_lock_on())
            elif event.type() == QEvent.KeyRelease and event.key() == Qt.Key_CapsLock:
                # The indicator has changed by the release; ask the platform, where it can tell.
                platform = caps_lock_on()
                if platform is not None:
                    self._set_caps_lock(platform)
        return super().eventFilter(watched, event)

    def _opens_accounts(self, event: QKeyEvent) -> bool:
        modifiers = event.modifiers() & ~Qt.KeypadModifier
        return (
            event.key() == Qt.Key_Down
            and modifiers in (Qt.NoModifier, Qt.AltModifier)
            and self._accounts_offered()
        )

    def _update_caps_lock(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_CapsLock:
            state = None if self._caps_lock is None else not self._caps_lock
        else:
            state = caps_lock_from_key(event)
            if state is None:
                return
        self._set_caps_lock(state)

    def _set_caps_lock(self, state: bool | None) -> None:
        if state is None:  # unknown: keep what typed letters said
            return
        self._caps_lock = state
        self.caps_lock_warning.setVisible(state)

    def hideEvent(self, event: QHideEvent) -> None:
        self.accounts_list.hide()  # a top-level pop-up, not hidden with the window otherwise
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._retry_timer.stop()
        self.accounts_list.hide()
        super().closeEvent(event)
