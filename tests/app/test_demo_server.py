"""Without --issuer the app starts the bundled server and shows its demo accounts."""

from __future__ import annotations

from desktop_auth.app.embedded import DEMO_ACCOUNTS


def test_the_window_shows_at_once_with_the_demo_banner(qtbot, make_app):
    app = make_app()
    banner = app.login_window.demo_banner

    assert app.login_window.isVisible()
    assert banner.objectName() == "demoBanner"
    assert banner.isVisible()
    for account in DEMO_ACCOUNTS:
        assert account.username in banner.text()
        assert account.password in banner.text()
    qtbot.waitUntil(
        lambda: "Demo server at http://127.0.0.1:" in app.login_window.issuer_label.text(),
        timeout=30_000,
    )
