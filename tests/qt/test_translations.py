"""Translations: every string pylupdate5 finds in the Qt layer and the app has a finished German
translation that keeps its fields, plural forms and mnemonic; the library's messages translated
by their English text are still ones it writes; and windows built once German is installed
speak German (English again once it is removed).

The catalogues are desktop_auth/resources/translations/desktop_auth_<lang>.ts. After adding or
changing a string, update the German one (new strings arrive unfinished, for Qt Linguist):

    .venv/bin/pylupdate5 -noobsolete $(find desktop_auth/qt desktop_auth/app -name '*.py') \\
        -ts desktop_auth/resources/translations/desktop_auth_de.ts

desktop_auth_en.ts holds only the English plural forms of counted messages ("%n second(s)"),
kept by hand.
"""

from __future__ import annotations

import ast
import importlib
import re
import shutil
import string
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt5.QtCore import QThreadPool
from PyQt5.QtWidgets import QDialogButtonBox

from desktop_auth.activity_log import ActivityLog
from desktop_auth.app.workspace import WorkspaceWindow, status_text
from desktop_auth.errors import AuthFailure
from desktop_auth.i18n import (
    LANGUAGES,
    Catalogue,
    UnknownLanguageError,
    choose_language,
    language_code,
    parse_ts,
    plural_form,
)
from desktop_auth.qt import library_messages
from desktop_auth.qt.controller import AuthController
from desktop_auth.qt.library_messages import FIXED, TEMPLATES, translated_message
from desktop_auth.qt.log_viewer import ActivityLogViewer
from desktop_auth.qt.login_window import LoginWindow
from desktop_auth.qt.permission_gate import PermissionGate
from desktop_auth.qt.settings_dialog import SettingsDialog
from desktop_auth.qt.translation import TranslationContext, install_language
from desktop_auth.session import Session
from desktop_auth.settings import Settings
from tests.app.test_accessibility import mnemonic
from tests.qt.conftest import no_server

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "desktop_auth"
TRANSLATED_LAYERS = ("qt", "app")
SOURCES = sorted(path for layer in TRANSLATED_LAYERS for path in (PACKAGE / layer).glob("*.py"))
CATALOGUES = PACKAGE / "resources" / "translations"
UPDATE = (
    "pylupdate5 -noobsolete $(find desktop_auth/qt desktop_auth/app -name '*.py') "
    "-ts desktop_auth/resources/translations/desktop_auth_de.ts"
)
PLURAL_FORMS = {"de": 2, "en": 2}


def committed(language: str) -> Catalogue:
    return parse_ts((CATALOGUES / f"desktop_auth_{language}.ts").read_bytes(), language)


def key(message) -> tuple[str, str, str]:
    return (message.context, message.source, message.comment)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalogue:
    """What pylupdate5 (PyQt5's, as translators run it) finds in the sources now."""
    program = Path(sys.executable).with_name("pylupdate5")
    command = str(program) if program.exists() else shutil.which("pylupdate5")
    assert command, "pylupdate5 (part of PyQt5) is missing"
    ts = tmp_path_factory.mktemp("pylupdate5") / "extracted.ts"
    subprocess.run(
        [command, "-noobsolete", *map(str, SOURCES), "-ts", str(ts)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return parse_ts(ts.read_bytes())


# --- the catalogues against the sources


def test_every_string_pylupdate5_finds_has_a_finished_german_translation(extracted):
    german = {key(m): m for m in committed("de").messages}
    untranslated = [
        f"{m.context}: {m.source!r}"
        for m in extracted.messages
        if key(m) not in german or not german[key(m)].finished
    ]
    wrong_kind = [
        f"{m.context}: {m.source!r}"
        for m in extracted.messages
        if key(m) in german and german[key(m)].numerus != m.numerus
    ]
    assert untranslated == [], f"run {UPDATE}, then translate these in Qt Linguist"
    assert wrong_kind == [], f"counted in one place and not the other: run {UPDATE}"


def test_the_german_catalogue_holds_only_strings_the_sources_still_use(extracted):
    used = {key(m) for m in extracted.messages}
    stale = [
        f"{m.context}: {m.source!r} ({m.state or 'finished'})"
        for m in committed("de").messages
        if key(m) not in used or m.state in ("obsolete", "vanished")
    ]
    assert stale == [], f"run {UPDATE} (-noobsolete drops them)"


def test_every_counted_message_has_its_english_plural_forms_and_nothing_else(extracted):
    counted = {key(m) for m in extracted.messages if m.numerus}
    english = committed("en")
    assert {key(m) for m in english.messages} == counted
    for message in english.messages:
        assert message.finished, message.source
        assert message.numerus, message.source


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_plural_translations_have_each_form_of_their_language(language):
    for message in committed(language).messages:
        if message.numerus:
            assert len(message.translations) == PLURAL_FORMS[language], message.source


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_translations_keep_the_fields_the_count_and_the_mnemonic(language):
    problems = []
    for message in committed(language).messages:
        for text in message.translations:
            where = f"{message.context}: {message.source!r} -> {text!r}"
            if fields(text) != fields(message.source):
                problems.append(f"{where}: fields {fields(text)} != {fields(message.source)}")
            if ("%n" in text) != ("%n" in message.source):
                problems.append(f"{where}: %n")
            if bool(mnemonic(text)) != bool(mnemonic(message.source)):
                problems.append(f"{where}: mnemonic")
    assert problems == []


def marked_strings() -> Iterator[tuple[str, str, bool, str]]:
    """(context, source, counted, where) of each literal marked for translation, read with
    Python's own parser: ``Context.tr("...")``, ``Context.QT_TR_NOOP("...")`` and
    ``QT_TRANSLATE_NOOP("Context", "...")``."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            func, first = node.func, node.args[0]
            if isinstance(func, ast.Name) and func.id == "QT_TRANSLATE_NOOP":
                context, source = (arg.value for arg in node.args[:2])  # type: ignore[attr-defined]
                yield context, source, False, where
            elif (
                isinstance(func, ast.Attribute)
                and func.attr in ("tr", "QT_TR_NOOP")
                and isinstance(func.value, ast.Name)
            ):
                if isinstance(first, ast.JoinedStr):
                    yield func.value.id, "<an f-string>", False, where
                elif isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield func.value.id, first.value, len(node.args) >= 3, where


def test_pylupdate5_sees_every_string_marked_for_translation(extracted):
    """pylupdate5 silently skips a call with a trailing comma (as ruff writes a call split over
    lines: mark long strings with ``Context.tr(...)``, one argument), reads ``\\N{...}``
    escapes wrongly, and cannot read f-strings."""
    seen = {(m.context, m.source, m.numerus) for m in extracted.messages}
    unseen = [
        f"{where}: {context}: {source!r}"
        for context, source, counted, where in marked_strings()
        if (context, source, counted) not in seen
    ]
    assert unseen == []


def test_each_context_is_the_translation_context_of_that_name():
    """``WorkspaceWindow.tr("...")`` is filed by pylupdate5 under WorkspaceWindow: the module
    that marks a string must look it up there too, whichever class or function calls it."""
    problems = []
    for path in SOURCES:
        contexts = {
            context
            for context, _, _, where in marked_strings()
            if where.startswith(f"{path.relative_to(REPO)}:")
        }
        if not contexts:
            continue
        module = importlib.import_module(".".join(path.relative_to(REPO).with_suffix("").parts))
        for name in sorted(contexts):
            owner = getattr(module, name, None)
            context = owner if isinstance(owner, TranslationContext) else getattr(owner, "tr", None)
            if not isinstance(context, TranslationContext) or context.name != name:
                problems.append(f"{path.name}: {name}.tr is {context!r}")
    assert problems == []


# --- the library's messages, by their English text


def library_patterns() -> list[re.Pattern[str]]:
    """Each string the Qt-free library writes, as a pattern (its f-string fields: any text)."""
    patterns = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] in TRANSLATED_LAYERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                patterns.append(re.escape(node.value))
            elif isinstance(node, ast.JoinedStr):
                patterns.append(
                    "".join(
                        re.escape(part.value) if isinstance(part, ast.Constant) else ".+"
                        for part in node.values
                    )
                )
    return [re.compile(pattern, re.DOTALL) for pattern in patterns]


def test_the_library_messages_translated_are_ones_the_library_still_writes():
    patterns = library_patterns()
    filled = [
        *FIXED,
        *(
            template.format_map({name: f"«{name}»" for name in fields(template)})
            for template in TEMPLATES
        ),
    ]
    gone = [text for text in filled if not any(p.fullmatch(text) for p in patterns)]
    assert gone == [], "the library changed these: update desktop_auth/qt/library_messages.py"


def test_a_template_field_matches_any_text_and_a_repeated_one_the_same_text():
    pattern = library_messages.template_pattern("{a} calls itself {b}; use {b}.")
    assert pattern.fullmatch("x: y calls itself z; use z.")
    assert not pattern.fullmatch("x calls itself z; use q.")


def test_library_messages_are_translated_whole_or_by_template_and_unknown_ones_kept(
    use_language,
):
    refused = "connection refused (is the server running, and on that port?)"
    assert translated_message(f"Cannot reach id.example.com:443: {refused}") == (
        f"Cannot reach id.example.com:443: {refused}"
    )

    use_language("de")

    assert translated_message("The username or password is incorrect.") == (
        "Benutzername oder Passwort ist falsch."
    )
    assert translated_message(f"Cannot reach id.example.com:443: {refused}") == (
        "id.example.com:443 ist nicht erreichbar: "
        "Verbindung abgelehnt (läuft der Server, und auf diesem Port?)"
    )
    assert translated_message("Cannot reach 127.0.0.1:9: no answer within 10 s") == (
        "127.0.0.1:9 ist nicht erreichbar: keine Antwort innerhalb von 10 s"
    )
    assert translated_message("The server said something new.") == (
        "The server said something new."
    )
    assert translated_message("") == ""


# --- choosing the language and the plural form


def test_the_language_is_lang_else_the_first_available_preferred_one_else_english():
    assert choose_language("de", ["en-US"]) == "de"
    assert choose_language(None, ["fr-FR", "de-AT", "en"]) == "de"
    assert choose_language(None, ["C"]) == "en"
    assert choose_language(None, []) == "en"
    assert language_code("DE") == language_code("de_DE.UTF-8") == "de"


def test_an_unknown_language_names_the_available_ones():
    with pytest.raises(UnknownLanguageError, match=r"'xx'; available: de \(Deutsch\), en"):
        language_code("xx")


@pytest.mark.parametrize(("n", "form"), [(0, 1), (1, 0), (2, 1), (21, 1)])
def test_german_and_english_have_a_form_for_one_and_one_for_the_rest(n, form):
    assert plural_form("de", n) == plural_form("en", n) == form


def test_a_catalogue_uses_only_finished_translations_and_finds_them_without_a_comment():
    catalogue = parse_ts(
        b"""<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1">
        <context><name>C</name>
        <message><source>Done</source><translation>Fertig</translation></message>
        <message><source>Draft</source>
            <translation type="unfinished">Entwurf</translation></message>
        <message><source>Old</source><translation type="vanished">Alt</translation></message>
        <message numerus="yes"><source>%n file(s)</source><translation>
            <numerusform>%n Datei</numerusform><numerusform>%n Dateien</numerusform>
        </translation></message>
        </context></TS>""",
        "de",
    )
    assert catalogue.translation("C", "Done") == "Fertig"
    assert catalogue.translation("C", "Done", "a comment") == "Fertig"
    assert catalogue.translation("C", "Draft") is None
    assert catalogue.translation("C", "Old") is None
    assert catalogue.translation("Other", "Done") is None
    assert catalogue.translation("C", "%n file(s)", "", 1) == "%n Datei"
    assert catalogue.translation("C", "%n file(s)", "", 3) == "%n Dateien"


# --- the windows, in German


def login_window(qtbot) -> LoginWindow:
    window = LoginWindow(AuthController(no_server))
    qtbot.addWidget(window)
    return window


def test_a_window_built_after_german_is_installed_speaks_german_and_english_comes_back(
    qtbot,
):
    english = login_window(qtbot)
    assert english.windowTitle() == "desktop-auth — Sign in"

    german = install_language("de")
    try:
        window = login_window(qtbot)
        assert window.windowTitle() == "desktop-auth — Anmelden"
        assert window.heading.text() == "Anmelden"
        assert window.sign_in_button.text() == "&Anmelden"
        assert window.username_label.text() == "&Benutzername"
        assert window.password_label.text() == "&Passwort"
        assert window.show_password.text() == "Passwort an&zeigen"
        assert window.stay_signed_in.text() == "An&gemeldet bleiben"
        assert window.switch_user_button.text() == "Als an&derer Benutzer anmelden"
        assert window.settings_button.text() == "Eins&tellungen…"
        # Qt's own texts: the standard buttons.
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        assert buttons.button(QDialogButtonBox.Cancel).text() == "Abbrechen"
    finally:
        german.remove()

    again = login_window(qtbot)
    assert again.windowTitle() == "desktop-auth — Sign in"
    assert again.sign_in_button.text() == "&Sign in"


def test_the_retry_countdown_counts_in_german_plurals(qtbot, use_language, show_login_window):
    use_language("de")
    window = show_login_window(AuthController(no_server))
    window.controller.events.login_started.emit("alice")

    window.controller.events.login_failed.emit(
        AuthFailure("throttled", "Too many attempts.", retry_after=2)
    )

    assert window.message == "Zu viele Anmeldeversuche. Versuchen Sie es in 2 Sekunden erneut."
    qtbot.waitUntil(lambda: "in 1 Sekunde erneut." in window.message, timeout=1500)
    qtbot.waitUntil(window.sign_in_button.isEnabled, timeout=2500)
    assert window.message == "Sie können die Anmeldung erneut versuchen."


def test_a_library_message_shown_at_sign_in_is_translated(qtbot, use_language, show_login_window):
    use_language("de")
    window = show_login_window(AuthController(no_server))
    window.controller.sign_in("alice", "secret")

    qtbot.waitUntil(lambda: not window.busy, timeout=5000)
    # no_server's NetworkError is not one of the library's known messages: kept as it is.
    assert window.message == "This test has no identity server."
    assert window.message_label.accessibleName() == "Anmeldefehler"


@pytest.fixture
def activity_log(tmp_path) -> Iterator[ActivityLog]:
    activity_log = ActivityLog(tmp_path / "activity.sqlite3")
    yield activity_log
    activity_log.close()


@pytest.fixture
def german_workspace(qtbot, use_language, activity_log) -> Iterator[WorkspaceWindow]:
    """The workspace built in German, its activity log viewer on ``activity_log``."""
    use_language("de")
    window = WorkspaceWindow(PermissionGate(), ActivityLogViewer(activity_log))
    qtbot.addWidget(window)
    yield window
    window.close()
    assert QThreadPool.globalInstance().waitForDone(5000)


def test_the_workspace_speaks_german(german_workspace):
    window = german_workspace
    assert window.windowTitle() == "desktop-auth — Arbeitsbereich"
    assert [a.text() for a in window.menuBar().actions()] == ["&Sitzung", "&Bearbeiten", "&Hilfe"]
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "&Dokumente",
        "Be&richte",
        "&Verwaltung",
        "Aktivitäts&protokoll",
    ]
    assert [a.text() for a in window.edit_actions] == [
        "&Neues Dokument",
        "Dokument &bearbeiten",
        "Dokument &löschen",
    ]
    # Denied until signed in: the permission gate says so, in German.
    assert window.tabs.tabToolTip(0) == "Erfordert die Berechtigung: documents.read"
    assert window.new_action.toolTip() == "Erfordert die Berechtigung: documents.write"


def test_the_status_bar_and_shortcuts_are_german(german_workspace):
    window = german_workspace
    window.gate.set_permissions(frozenset({"*"}))
    # The key names come from Qt's own German translation.
    assert window.new_action.toolTip() == "Neues Dokument (Strg+N)"
    session = Session(
        issuer="https://id.example.com",
        subject="1",
        username="alice",
        display_name="Alice Admin",
        email=None,
        roles=frozenset(),
        permissions=frozenset({"*"}),
        expires_at=datetime.now(UTC),
    )
    assert status_text(session) == "Angemeldet als Alice Admin (keine Rollen)"


def test_the_activity_log_counts_entries_in_german(qtbot, german_workspace, activity_log):
    viewer = german_workspace.activity_viewer
    log = activity_log
    log.append("app_started", None, None, {"server": "embedded-server"})
    viewer.refresh()
    qtbot.waitUntil(lambda: viewer.status.text() == "1 von 1 Eintrag angezeigt")

    log.append("locked", "alice", None, {"reason": "user"})
    viewer.refresh()
    qtbot.waitUntil(lambda: viewer.status.text() == "2 von 2 Einträgen angezeigt")
    assert viewer.model.headerData(2, 1) == "Ereignis"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_settings_dialog_shares_no_alt_letter(qtbot, use_language, language):
    use_language(language)
    dialog = SettingsDialog(Settings(), lambda edit: None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    from tests.app.test_accessibility import clashes

    assert clashes(dialog) == []
    if language == "de":
        assert dialog.windowTitle() == "desktop-auth — Einstellungen"
        assert dialog.idle_lock.specialValueText() == "Nie"
        assert dialog.idle_lock.suffix() == " Min."
