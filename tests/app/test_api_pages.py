"""The workspace's documents and reports loaded from the example API after a keyboard
sign-in, its edit actions sent there, and the service's refusals shown: all against the
bundled server and the API on 127.0.0.1."""

from __future__ import annotations

import threading

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QLabel, QMessageBox
from werkzeug.serving import make_server

from desktop_auth.app.embedded import DEMO_ACCOUNTS
from desktop_auth.demo_api.samples import SAMPLE_DOCUMENTS
from desktop_auth.demo_api.serve import ServedAPI
from tests.app.conftest import focused, sign_in_with_keyboard
from tests.app.test_sign_in import logged_events, tab_enabled
from tests.server.conftest import ALICE, BOB

REFUSAL = "The documents service refused: your account may not change documents (documents.write)."


def signed_in(qtbot, make_app, account, *args):
    app = make_app(*args)
    with qtbot.waitSignal(app.events.login_succeeded, timeout=20_000):
        sign_in_with_keyboard(qtbot, app, *account)
    qtbot.waitUntil(app.workspace.isActiveWindow)
    return app


def table_titles(table) -> list[str]:
    return [table.item(row, 0).text() for row in range(table.rowCount())]


def wait_for_documents(qtbot, workspace, count: int) -> None:
    qtbot.waitUntil(lambda: workspace.documents_table.rowCount() == count, timeout=15_000)
    qtbot.waitUntil(lambda: not workspace.documents_status.isVisible())


def type_into_editor(qtbot, workspace, text: str) -> None:
    workspace.document_editor.setFocus(Qt.OtherFocusReason)
    qtbot.waitUntil(lambda: focused() is workspace.document_editor)
    for number, line in enumerate(text.split("\n")):
        if number:
            qtbot.keyClick(focused(), Qt.Key_Return)
        qtbot.keyClicks(focused(), line)


def select_row(qtbot, workspace, title: str) -> None:
    """Arrow keys down the table to the row titled ``title``."""
    table = workspace.documents_table
    table.setFocus(Qt.OtherFocusReason)
    qtbot.waitUntil(lambda: focused() is table)
    row = table_titles(table).index(title)
    qtbot.keyClick(table, Qt.Key_Home)
    for _ in range(row):
        qtbot.keyClick(table, Qt.Key_Down)
    assert workspace.selected_document().title == title


def alice_asked_to_delete(qtbot, make_app, server, demo_api, title: str):
    """Alice signed in, ``title`` chosen with the arrow keys, Delete pressed: (app, question)."""
    app = signed_in(qtbot, make_app, ALICE, "--issuer", server.url, "--api", demo_api.url)
    workspace = app.workspace
    wait_for_documents(qtbot, workspace, len(SAMPLE_DOCUMENTS))
    select_row(qtbot, workspace, title)
    qtbot.keyClick(focused(), Qt.Key_Delete)
    qtbot.waitUntil(lambda: workspace.findChild(QMessageBox, "confirmDelete") is not None)
    return app, workspace.findChild(QMessageBox, "confirmDelete")


def test_alice_sees_the_services_documents_and_reports(qtbot, server, demo_api, make_app):
    app = signed_in(qtbot, make_app, ALICE, "--issuer", server.url, "--api", demo_api.url)
    workspace = app.workspace

    wait_for_documents(qtbot, workspace, len(SAMPLE_DOCUMENTS))
    assert table_titles(workspace.documents_table) == [d.title for d in demo_api.store.list()]
    qtbot.waitUntil(lambda: workspace.reports_table.rowCount() == 4)
    figures = {
        workspace.reports_table.item(r, 0).text(): workspace.reports_table.item(r, 1).text()
        for r in range(4)
    }
    assert figures["Documents"] == str(len(SAMPLE_DOCUMENTS))
    assert not workspace.reports_status.isVisible()


def test_alice_creates_edits_and_deletes_with_the_keyboard_and_the_store_shows_it(
    qtbot, server, demo_api, make_app
):
    app = signed_in(qtbot, make_app, ALICE, "--issuer", server.url, "--api", demo_api.url)
    workspace = app.workspace
    wait_for_documents(qtbot, workspace, len(SAMPLE_DOCUMENTS))

    type_into_editor(qtbot, workspace, "Travel policy\nTrains first.")
    qtbot.keyClick(focused(), Qt.Key_N, Qt.ControlModifier)
    qtbot.waitUntil(lambda: "Travel policy" in table_titles(workspace.documents_table))
    stored = {d.title: d for d in demo_api.store.list()}
    assert stored["Travel policy"].body == "Trains first."
    assert stored["Travel policy"].updated_by == "alice"
    assert workspace.selected_document().title == "Travel policy"
    assert workspace.statusBar().currentMessage() == "Saved “Travel policy”."

    qtbot.keyClick(workspace.document_editor, Qt.Key_End, Qt.ControlModifier)
    workspace.document_editor.setFocus(Qt.OtherFocusReason)
    qtbot.keyClicks(focused(), " Then buses.")
    qtbot.keyClick(focused(), Qt.Key_E, Qt.ControlModifier)
    qtbot.waitUntil(
        lambda: demo_api.store.get(stored["Travel policy"].id).body == "Trains first. Then buses.",
        timeout=15_000,
    )

    select_row(qtbot, workspace, "Budget draft")
    budget = workspace.selected_document().id
    qtbot.keyClick(focused(), Qt.Key_Delete)
    qtbot.waitUntil(lambda: workspace.findChild(QMessageBox, "confirmDelete") is not None)
    box = workspace.findChild(QMessageBox, "confirmDelete")
    assert "Budget draft" in box.text()
    qtbot.keyClick(box, Qt.Key_Return)
    qtbot.waitUntil(lambda: "Budget draft" not in table_titles(workspace.documents_table))
    assert demo_api.store.get(budget) is None


def test_escape_keeps_the_document_delete_asked_about(qtbot, server, demo_api, make_app):
    app, question = alice_asked_to_delete(qtbot, make_app, server, demo_api, "Security review")

    qtbot.keyClick(question, Qt.Key_Escape)

    qtbot.waitUntil(lambda: app.workspace.findChild(QMessageBox, "confirmDelete") is None)
    assert len(demo_api.store.list()) == len(SAMPLE_DOCUMENTS)


def test_locking_takes_the_delete_question_away_unanswered(qtbot, server, demo_api, make_app):
    app, _ = alice_asked_to_delete(qtbot, make_app, server, demo_api, "Security review")
    workspace = app.workspace

    with qtbot.waitSignal(app.events.locked):
        app.controller.lock()

    qtbot.waitUntil(lambda: workspace.findChild(QMessageBox, "confirmDelete") is None)
    assert len(demo_api.store.list()) == len(SAMPLE_DOCUMENTS)


def test_bob_sees_the_documents_with_write_actions_and_reports_disabled(
    qtbot, server, demo_api, make_app
):
    app = signed_in(qtbot, make_app, BOB, "--issuer", server.url, "--api", demo_api.url)
    workspace = app.workspace

    wait_for_documents(qtbot, workspace, len(SAMPLE_DOCUMENTS))
    assert not any(action.isEnabled() for action in workspace.edit_actions)
    assert not workspace.document_editor.isEnabled()
    assert not tab_enabled(app, "reportsPage")


def test_a_viewer_let_through_by_a_wrong_local_policy_is_refused_by_the_service_visibly(
    qtbot, server, demo_api, make_app, tmp_path
):
    wrong = tmp_path / "wrong-permissions.toml"
    wrong.write_text(
        "[roles]\n"
        'admin = ["*"]\n'
        'editor = ["documents.read", "documents.write", "reports.view"]\n'
        'viewer = ["documents.read", "documents.write"]\n'
    )
    app = signed_in(
        qtbot,
        make_app,
        BOB,
        "--issuer",
        server.url,
        "--api",
        demo_api.url,
        "--permissions",
        str(wrong),
    )
    workspace = app.workspace
    wait_for_documents(qtbot, workspace, len(SAMPLE_DOCUMENTS))
    assert workspace.new_action.isEnabled()  # the local policy let him try
    draft = "Bob's plan\nMy own words, not to be lost."
    type_into_editor(qtbot, workspace, draft)

    qtbot.keyClick(focused(), Qt.Key_N, Qt.ControlModifier)

    qtbot.waitUntil(lambda: workspace.statusBar().currentMessage() == REFUSAL, timeout=15_000)
    assert workspace.statusBar().toolTip() == REFUSAL
    notice = workspace.findChild(QLabel, "notice")
    assert notice is not None
    assert notice.isVisible()
    assert REFUSAL in notice.accessibleDescription()
    assert workspace.document_editor.toPlainText() == draft
    assert len(demo_api.store.list()) == len(SAMPLE_DOCUMENTS)
    entries = logged_events(tmp_path / "data", "permission_denied")
    assert [(e.username, e.detail) for e in entries] == [
        (
            "bob",
            {
                "permission": "documents.write",
                "action": "New document",
                "refused_by": "documents service",
            },
        )
    ]


def test_an_unreachable_service_is_named_with_what_went_wrong(
    qtbot, server, stopped_server_url, make_app
):
    api = f"{stopped_server_url}/api"
    app = signed_in(qtbot, make_app, ALICE, "--issuer", server.url, "--api", api)
    workspace = app.workspace

    qtbot.waitUntil(
        lambda: workspace.documents_status.text().startswith(
            "The documents service cannot be reached: "
        ),
        timeout=20_000,
    )
    assert "connection refused" in workspace.documents_status.text()
    assert workspace.documents_status.isVisible()
    assert workspace.reports_status.text().startswith("The documents service cannot be reached")
    assert workspace.documents_table.rowCount() == 0  # no sample passed off as the service's


def test_an_unreachable_service_keeps_the_editors_text_when_saving(
    qtbot, server, demo_api, make_app
):
    app = signed_in(qtbot, make_app, ALICE, "--issuer", server.url, "--api", demo_api.url)
    workspace = app.workspace
    wait_for_documents(qtbot, workspace, len(SAMPLE_DOCUMENTS))
    demo_api.stop()
    type_into_editor(qtbot, workspace, "Offline note\nWritten while the service was down.")

    qtbot.keyClick(focused(), Qt.Key_N, Qt.ControlModifier)

    qtbot.waitUntil(
        lambda: (
            workspace.statusBar()
            .currentMessage()
            .startswith("The documents service cannot be reached: ")
        ),
        timeout=20_000,
    )
    assert workspace.statusBar().currentMessage().endswith("Your text is still in the editor.")
    assert workspace.document_editor.toPlainText() == (
        "Offline note\nWritten while the service was down."
    )


def test_without_a_service_the_pages_say_they_show_local_sample_content(qtbot, server, make_app):
    app = signed_in(qtbot, make_app, ALICE, "--issuer", server.url)
    workspace = app.workspace

    assert workspace.documents_status.isVisible()
    assert workspace.documents_status.text().startswith("Local sample content")
    assert workspace.documents_table.rowCount() == len(SAMPLE_DOCUMENTS)
    qtbot.keyClick(workspace, Qt.Key_N, Qt.ControlModifier)
    assert "local sample documents" in workspace.statusBar().currentMessage()


def test_the_embedded_start_serves_the_api_the_pages_load_from(qtbot, make_app):
    app = make_app()
    alice = DEMO_ACCOUNTS[0]
    with qtbot.waitSignal(app.events.login_succeeded, timeout=30_000):
        sign_in_with_keyboard(qtbot, app, alice.username, alice.password)
    qtbot.waitUntil(app.workspace.isActiveWindow)

    assert app.api_url() == app.embedded.api_url
    wait_for_documents(qtbot, app.workspace, len(SAMPLE_DOCUMENTS))
    assert table_titles(app.workspace.documents_table)[0] == "Release notes 0.1"  # newest first


def test_a_token_the_service_refuses_is_renewed_once_and_the_save_goes_through(
    qtbot, start_server, make_app, tmp_path
):
    live = start_server(access_token_lifetime=6)
    live.add_user(*ALICE, roles=("admin",))
    api = ServedAPI(live.url, tmp_path / "api", leeway=0).start()
    try:
        app = signed_in(qtbot, make_app, ALICE, "--issuer", live.url, "--api", api.url)
        workspace = app.workspace
        wait_for_documents(qtbot, workspace, len(SAMPLE_DOCUMENTS))
        # Kept from renewing on time: the access token expires before the save is sent.
        app.controller._refresh_timer.stop()
        type_into_editor(qtbot, workspace, "After expiry\nStill saved.")
        qtbot.wait(6_500)

        with qtbot.waitSignal(app.events.session_refreshed, timeout=15_000):
            qtbot.keyClick(focused(), Qt.Key_N, Qt.ControlModifier)

        qtbot.waitUntil(lambda: "After expiry" in [d.title for d in api.store.list()])
        # The store has it a moment before the app has the answer.
        qtbot.waitUntil(
            lambda: workspace.statusBar().currentMessage() == "Saved “After expiry”.",
            timeout=10_000,
        )
    finally:
        api.stop()


def test_a_service_answering_503_is_named_as_a_problem_of_that_service(qtbot, server, make_app):
    """What the example API answers when it cannot check tokens (its issuer unreachable)."""

    def unavailable(environ, start_response):
        start_response("503 Service Unavailable", [("Content-Type", "application/json")])
        return [b'{"error": "temporarily_unavailable", "error_description": "try later"}']

    http = make_server("127.0.0.1", 0, unavailable, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{http.server_port}/api"
        app = signed_in(qtbot, make_app, ALICE, "--issuer", server.url, "--api", url)
        status = app.workspace.documents_status

        qtbot.waitUntil(
            lambda: status.text().startswith("The documents service has a problem: "),
            timeout=20_000,
        )
        assert "HTTP 503" in status.text()
        assert "temporarily_unavailable" in status.text()
    finally:
        http.shutdown()
        thread.join(10)
        http.server_close()
