"""The settings dialog: identity server (with a connection test), idle lock and notifications."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QT_TRANSLATE_NOOP, Qt, pyqtSignal, pyqtSlot
from PyQt5.QtGui import QColor, QFontDatabase, QPalette, QResizeEvent, QShowEvent
from PyQt5.QtWidgets import (
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_auth.errors import DesktopAuthError
from desktop_auth.qt.library_messages import translated_message
from desktop_auth.qt.translation import TranslationContext
from desktop_auth.qt.workers import Worker, run_in_background
from desktop_auth.settings import (
    MAX_IDLE_LOCK_MINUTES,
    InvalidSettingsError,
    Settings,
    SettingsEdit,
    check_ca_bundle,
    check_issuer,
)

if TYPE_CHECKING:
    from desktop_auth.oidc.doctor import DoctorReport

log = logging.getLogger(__name__)

# Error text on a light and on a dark window (legible at 4.5:1 on either) until a style sheet
# styles QLabel[fieldError="true"] (the palette is only a fallback: style sheets win).
ERROR_ON_LIGHT = "#b42318"
ERROR_ON_DARK = "#ff8f85"
# What a failed connection test is, by the error's kind (DesktopAuthError.kind); translated
# when shown.
TEST_FAILURE_HEADINGS = {
    "network": QT_TRANSLATE_NOOP("SettingsDialog", "The server could not be reached"),
    "tls": QT_TRANSLATE_NOOP("SettingsDialog", "The secure connection failed"),
    "server": QT_TRANSLATE_NOOP(
        "SettingsDialog", "The server did not answer as an OpenID Connect server"
    ),
    "protocol": QT_TRANSLATE_NOOP("SettingsDialog", "The server cannot be used"),
}
# The fields, by the Settings attribute they edit (InvalidSettingsError.errors' keys).
FIELD_NAMES = ("issuer", "client_id", "ca_bundle", "idle_lock_minutes")


class MinutesSpinBox(QDoubleSpinBox):
    """Minutes from 0 ("Never") to a day, shown without needless decimals ("15 min")."""

    tr = TranslationContext("MinutesSpinBox")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(2)  # fractions a settings file may hold survive a save
        self.setRange(0, MAX_IDLE_LOCK_MINUTES)
        self.setSingleStep(1)
        self.setSpecialValueText(MinutesSpinBox.tr("Never"))
        self.setSuffix(MinutesSpinBox.tr(" min"))
        self.setAccelerated(True)

    def textFromValue(self, value: float) -> str:
        text = self.locale().toString(value, "f", self.decimals())
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return text.replace(self.locale().groupSeparator(), "")


class SettingsDialog(QDialog):
    """Edit the settings; nothing changes until Save, and Save keeps the dialog open (each
    bad value explained next to its field, the focus on the first) until all are valid.

    ``save(edit)`` applies the values: it checks them again against the settings as they are
    by then, writes them and puts them in force, raising ``InvalidSettingsError`` or
    ``DesktopAuthError``/``OSError`` (shown in the dialog) when it cannot. "Test connection"
    runs ``desktop-auth-cli doctor``'s checks on the issuer and CA bundle as entered, in a
    worker.

    Object names: settingsDialog, issuerField, clientIdField, caBundleField, caBundleBrowse,
    testConnectionButton, testResultLabel (its "kind" property: info, ok, warning, error),
    testReport (doctor's full output), connectionNote, idleLockField, notificationsField,
    saveButton, cancelButton, saveError; the error labels issuerError, clientIdError,
    caBundleError, idleLockError (property fieldError=true). Tab order top to bottom; Enter
    saves, Esc cancels.
    """

    tr = TranslationContext("SettingsDialog")

    # The connection test's result reached the dialog (for tests and screen readers alike).
    test_finished = pyqtSignal()

    def __init__(
        self,
        settings: Settings,
        save: Callable[[SettingsEdit], object],
        *,
        allow_password_grant: bool = False,
        connection_note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(SettingsDialog.tr("desktop-auth — Settings"))
        self._settings = settings
        self._save = save
        self._allow_password_grant = allow_password_grant
        # The running connection test; results of an earlier one (fields since edited) are
        # ignored.
        self._test: Worker | None = None
        self._build(connection_note)
        self._load(SettingsEdit.of(settings))
        self._connect_signals()
        self.issuer.setFocus(Qt.OtherFocusReason)

    # Construction

    def _build(self, connection_note: str) -> None:
        self.issuer = self._line_edit("issuerField", SettingsDialog.tr("Issuer URL"))
        self.issuer.setPlaceholderText("https://id.example.com")
        self.issuer.setInputMethodHints(Qt.ImhUrlCharactersOnly | Qt.ImhNoAutoUppercase)
        self.client_id = self._line_edit("clientIdField", SettingsDialog.tr("Client id"))
        self.client_id.setPlaceholderText("desktop-auth")
        self.ca_bundle = self._line_edit("caBundleField", SettingsDialog.tr("CA bundle"))
        self.ca_bundle.setPlaceholderText(SettingsDialog.tr("None: the system's certificates only"))
        self.browse_button = QPushButton(SettingsDialog.tr("&Browse…"))
        self.browse_button.setObjectName("caBundleBrowse")
        self.browse_button.setAccessibleName(SettingsDialog.tr("Choose a CA bundle file"))

        self.test_button = QPushButton(SettingsDialog.tr("&Test connection"))
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.setAccessibleDescription(
            SettingsDialog.tr(
                "Checks the issuer URL and CA bundle as entered, as desktop-auth-cli doctor does."
            )
        )
        self.test_result = QLabel()
        self.test_result.setObjectName("testResultLabel")
        self.test_result.setWordWrap(True)
        self.test_result.setTextFormat(Qt.PlainText)  # it quotes servers
        self.test_result.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.test_result.setAccessibleName(SettingsDialog.tr("Connection test result"))
        self.test_result.hide()
        self.test_report = QPlainTextEdit()
        self.test_report.setObjectName("testReport")
        self.test_report.setAccessibleName(SettingsDialog.tr("Connection test details"))
        self.test_report.setReadOnly(True)
        self.test_report.setTabChangesFocus(True)
        self.test_report.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.test_report.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        # Ten lines: the endpoints at a glance; the rest scrolls.
        self.test_report.setFixedHeight(self.test_report.fontMetrics().lineSpacing() * 10 + 12)
        self.test_report.hide()

        self.connection_note = QLabel(connection_note)
        self.connection_note.setObjectName("connectionNote")
        self.connection_note.setWordWrap(True)
        self.connection_note.setTextFormat(Qt.PlainText)

        self.idle_lock = MinutesSpinBox()
        self.idle_lock.setObjectName("idleLockField")
        self.idle_lock.setAccessibleName(SettingsDialog.tr("Lock after this many idle minutes"))
        self.idle_lock.setAccessibleDescription(
            SettingsDialog.tr("0 or Never: do not lock when idle.")
        )
        self.idle_lock.setToolTip(
            SettingsDialog.tr("Lock the app after this long without keyboard or mouse input.")
        )
        self.notifications = QCheckBox(SettingsDialog.tr("Show &notifications"))
        self.notifications.setObjectName("notificationsField")
        self.notifications.setToolTip(
            SettingsDialog.tr("Sign-in, sign-out, expiry and refusals, as they happen.")
        )

        self.save_error = self._error_label("saveError")
        self.errors = {
            "issuer": self._error_label("issuerError"),
            "client_id": self._error_label("clientIdError"),
            "ca_bundle": self._error_label("caBundleError"),
            "idle_lock_minutes": self._error_label("idleLockError"),
        }
        self.fields: dict[str, QWidget] = {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "ca_bundle": self.ca_bundle,
            "idle_lock_minutes": self.idle_lock,
        }

        self.save_button = QPushButton(SettingsDialog.tr("&Save"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(SettingsDialog.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        row = 0

        def heading(text: str) -> None:
            nonlocal row
            label = QLabel(text)
            label.setObjectName("settingsSection")
            font = label.font()
            font.setBold(True)
            label.setFont(font)
            if row:
                grid.setRowMinimumHeight(row, 14)
                row += 1
            grid.addWidget(label, row, 0, 1, 3)
            row += 1

        def field(text: str, widget: QWidget, name: str, extra: QWidget | None = None) -> None:
            nonlocal row
            label = QLabel(text)
            label.setObjectName(f"{widget.objectName()}Label")
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1, 1, 1 if extra else 2)
            if extra is not None:
                grid.addWidget(extra, row, 2)
            row += 1
            grid.addWidget(self.errors[name], row, 1, 1, 2)
            row += 1

        heading(SettingsDialog.tr("Identity server"))
        field(SettingsDialog.tr("&Issuer URL"), self.issuer, "issuer")
        field(SettingsDialog.tr("&Client id"), self.client_id, "client_id")
        field(
            SettingsDialog.tr("C&A bundle"),
            self.ca_bundle,
            "ca_bundle",
            self.browse_button,
        )
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        grid.addLayout(test_row, row, 1, 1, 2)
        row += 1
        grid.addWidget(self.test_result, row, 1, 1, 2)
        row += 1
        grid.addWidget(self.test_report, row, 1, 1, 2)
        row += 1
        grid.addWidget(self.connection_note, row, 1, 1, 2)
        row += 1
        heading(SettingsDialog.tr("This computer"))
        field(SettingsDialog.tr("&Lock after"), self.idle_lock, "idle_lock_minutes")
        grid.addWidget(self.notifications, row, 1, 1, 2)
        row += 1

        buttons = QHBoxLayout()
        buttons.addWidget(self.save_error, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        # Only now that it has a parent: shown before, it would open as a window of its own.
        self.connection_note.setVisible(bool(connection_note))

        order = (
            self.issuer,
            self.client_id,
            self.ca_bundle,
            self.browse_button,
            self.test_button,
            self.test_report,
            self.idle_lock,
            self.notifications,
            self.cancel_button,
            self.save_button,
        )
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        self.setMinimumWidth(560)
        self.resize(640, self.sizeHint().height())

    def _line_edit(self, name: str, accessible_name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(accessible_name)
        edit.setClearButtonEnabled(True)
        return edit

    def _error_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setProperty("fieldError", True)
        label.setWordWrap(True)
        label.setTextFormat(Qt.PlainText)  # messages quote what was typed
        palette = label.palette()
        dark = palette.color(QPalette.Window).lightness() < 128
        palette.setColor(QPalette.WindowText, QColor(ERROR_ON_DARK if dark else ERROR_ON_LIGHT))
        label.setPalette(palette)
        label.hide()
        return label

    def _connect_signals(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.browse_button.clicked.connect(self.browse_ca_bundle)
        self.test_button.clicked.connect(self.test_connection)
        self.issuer.textEdited.connect(lambda: self._field_edited("issuer"))
        self.client_id.textEdited.connect(lambda: self._field_edited("client_id"))
        self.ca_bundle.textEdited.connect(lambda: self._field_edited("ca_bundle"))
        self.idle_lock.valueChanged.connect(lambda: self._field_edited("idle_lock_minutes"))

    def _load(self, edit: SettingsEdit) -> None:
        self.issuer.setText(edit.issuer)
        self.client_id.setText(edit.client_id)
        self.ca_bundle.setText(edit.ca_bundle)
        self.idle_lock.setValue(edit.idle_lock_minutes)
        self.notifications.setChecked(edit.notifications)

    # What the app and tests call

    def edit(self) -> SettingsEdit:
        """The values in the fields, as entered."""
        return SettingsEdit(
            issuer=self.issuer.text(),
            client_id=self.client_id.text(),
            ca_bundle=self.ca_bundle.text(),
            idle_lock_minutes=self.idle_lock.value(),
            notifications=self.notifications.isChecked(),
        )

    def error(self, name: str) -> str:
        """The message shown next to field ``name`` (a Settings attribute), or ""."""
        label = self.errors[name]
        return "" if label.isHidden() else label.text()

    @property
    def test_result_text(self) -> str:
        return "" if self.test_result.isHidden() else self.test_result.text()

    @pyqtSlot()
    def save(self) -> None:
        """Check every value; if all are good, have them saved and applied, and close."""
        self.save_error.hide()
        edit = self.edit()
        try:
            self._settings.edited(edit)  # every message at once, before anything is written
            self._save(edit)
        except InvalidSettingsError as exc:
            self._show_errors(exc.errors)
            return
        except (DesktopAuthError, OSError) as exc:
            reason = exc.message if isinstance(exc, DesktopAuthError) else str(exc)
            log.warning("settings not saved: %s", reason)
            self._show_errors({})
            self._show_label(
                self.save_error,
                SettingsDialog.tr("The settings could not be saved: {reason}").format(
                    reason=translated_message(reason)
                ),
            )
            return
        self._show_errors({})
        self.accept()

    @pyqtSlot()
    def test_connection(self) -> None:
        """Run doctor's checks on the issuer and CA bundle in the fields, in a worker."""
        errors: dict[str, str] = {}
        issuer = ca_bundle = None
        try:
            issuer = check_issuer(self.issuer.text())
            if issuer is None:
                errors["issuer"] = SettingsDialog.tr(
                    "Enter the issuer URL to test. Without one, the demo server on this "
                    "computer is used."
                )
        except ValueError as exc:
            errors["issuer"] = str(exc)
        try:
            ca_bundle = check_ca_bundle(self.ca_bundle.text())
        except ValueError as exc:
            errors["ca_bundle"] = str(exc)
        self._show_errors(errors, only=("issuer", "ca_bundle"))
        if issuer is None or errors:
            self._show_test_result("", "")
            return
        from desktop_auth.oidc.doctor import check_server

        self._show_test_result(
            SettingsDialog.tr("Checking {issuer}…").format(issuer=issuer), "info"
        )
        self.test_button.setEnabled(False)
        self._test = run_in_background(
            check_server,
            issuer,
            Path(ca_bundle) if ca_bundle else None,
            self._allow_password_grant,
            on_result=self._on_test_returned,
            on_error=self._on_test_errored,
        )

    @pyqtSlot()
    def browse_ca_bundle(self) -> None:
        """Choose the CA bundle in a file dialog (window-modal; the field gets its path)."""
        start = self.ca_bundle.text().strip() or str(Path.home())
        chooser = QFileDialog(
            self,
            SettingsDialog.tr("Choose a CA bundle"),
            start,
            SettingsDialog.tr("PEM certificates (*.pem *.crt *.cer);;All files (*)"),
        )
        chooser.setObjectName("caBundleChooser")
        chooser.setFileMode(QFileDialog.ExistingFile)
        chooser.setAttribute(Qt.WA_DeleteOnClose)
        chooser.fileSelected.connect(self._on_ca_bundle_chosen)
        chooser.open()

    # Slots

    @pyqtSlot(str)
    def _on_ca_bundle_chosen(self, path: str) -> None:
        self.ca_bundle.setText(path)
        self._field_edited("ca_bundle")
        self.activateWindow()  # back from the file dialog (not every platform does it)
        self.ca_bundle.setFocus(Qt.OtherFocusReason)

    def _field_edited(self, name: str) -> None:
        """An edited field's message no longer applies; nor does a test of other values."""
        if not self.errors[name].isHidden():
            self._show_label(self.errors[name], "")
        if name in ("issuer", "ca_bundle"):
            if self._test is not None:  # its result would be about the old values
                self._test = None
                self.test_button.setEnabled(True)
            if not self.test_result.isHidden():
                self._show_test_result("", "")

    @pyqtSlot(object)
    def _on_test_returned(self, report: DoctorReport) -> None:
        from desktop_auth.oidc.doctor import format_report

        if self._test is None or self.sender() is not self._test.signals:
            return  # the fields changed since this test started
        self._test = None
        self.test_button.setEnabled(True)
        choice = report.sign_in
        lines = []
        # The doctor's findings (problems, reasons, warnings, the report) are its own English
        # words, as `desktop-auth-cli doctor` prints them; the sentences around them are ours.
        if report.problems:
            lines.append(SettingsDialog.tr("The server answered, but sign-in would fail:"))
            lines.extend(f"\N{BULLET} {problem}" for problem in report.problems)
            kind = "error"
        else:
            lines.append(
                SettingsDialog.tr("The server works with desktop-auth. Sign-in: {method}.").format(
                    method=choice.method
                )
            )
            kind = "warning" if report.warnings else "ok"
        lines.append(
            SettingsDialog.tr("{method} sign-in: {reason}.").format(
                method=choice.method.capitalize(), reason=choice.reason
            )
        )
        if report.also_offered:
            lines.append(
                SettingsDialog.tr("Also offered: {methods}.").format(
                    methods="; ".join(report.also_offered)
                )
            )
        lines.extend(
            SettingsDialog.tr("Warning: {warning}.").format(warning=warning)
            for warning in report.warnings
        )
        self._show_test_result("\n".join(lines), kind, format_report(report))
        self.test_finished.emit()

    @pyqtSlot(object)
    def _on_test_errored(self, error: BaseException) -> None:
        if self._test is None or self.sender() is not self._test.signals:
            return
        self._test = None
        self.test_button.setEnabled(True)
        if isinstance(error, DesktopAuthError):
            heading = TEST_FAILURE_HEADINGS.get(error.kind)
            text = SettingsDialog.tr("{heading}. {message}").format(
                heading=(
                    SettingsDialog.tr(heading) if heading else SettingsDialog.tr("The test failed")
                ),
                message=translated_message(error.message),
            )
        else:
            log.error("connection test failed", exc_info=error)
            text = SettingsDialog.tr("The test failed unexpectedly ({error}).").format(
                error=type(error).__name__
            )
        self._show_test_result(text, "error")
        self.test_finished.emit()

    # Internals

    def _show_errors(self, errors: dict[str, str], only: tuple[str, ...] = FIELD_NAMES) -> None:
        """Show each message next to its field (and hide the others of ``only``); the focus
        goes to the first bad field."""
        first: QWidget | None = None
        for name in only:
            message = translated_message(errors.get(name, ""))
            self._show_label(self.errors[name], message)
            widget = self.fields[name]
            widget.setProperty("invalid", bool(message))
            widget.style().unpolish(widget)
            widget.style().polish(widget)
            if message and first is None:
                first = widget
        if first is not None:
            first.setFocus(Qt.OtherFocusReason)
            if isinstance(first, QLineEdit):
                first.selectAll()

    def _show_label(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setAccessibleDescription(text)
        label.setVisible(bool(text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Be as tall as the messages shown need at this width: Qt sizes a window by its
        labels' unwrapped height, which cuts wrapped messages off."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        height = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        self.setMinimumHeight(height)
        self.resize(self.width(), height)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit_height()  # narrower: the messages wrap onto more lines

    def _show_test_result(self, text: str, kind: str, report: str = "") -> None:
        self.test_result.setProperty("kind", kind)
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)
        self.test_report.setPlainText(report)
        self.test_report.setVisible(bool(report))
        self._show_label(self.test_result, text)  # last: it fits the dialog to both
